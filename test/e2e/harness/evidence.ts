// What a failure leaves for whoever reads it: the excerpt of every log that the error message carries, and
// the VS Code logs, the browser console and code-server's output copied into the artifacts.
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeServer } from './codeServer';
import { EXTENSION_ID, LOG_CHANNEL } from './extensionUnderTest';
import { escapeRegExp } from './text';

/** The lines that matter when something failed: from the extension host log, our channel and the console. */
export function logExcerptFrom(
  exthostLog: string,
  channelLog: string | undefined,
  browserConsole: readonly string[],
): string {
  const parts: string[] = [];
  const exthost = exthostLog.split('\n');
  const ours = new RegExp(`${escapeRegExp(EXTENSION_ID)}|${escapeRegExp(LOG_CHANNEL)}`, 'i');
  const picked: string[] = [];
  exthost.forEach((line, i) => {
    if (!/^\d{4}-\d\d-\d\d /.test(line)) return; // continuation lines come with their entry
    if (!/\[error\]/.test(line) && !ours.test(line)) return;
    picked.push(line);
    // An error's stack follows on lines without a timestamp.
    for (let j = i + 1; j < exthost.length && j <= i + 12 && !/^\d{4}-\d\d-\d\d /.test(exthost[j]!); j++)
      if (exthost[j]) picked.push(exthost[j]!);
  });
  parts.push(
    '--- extension host log (errors and lines about the extension) ---',
    picked.slice(-60).join('\n') || '(none)',
  );
  parts.push(
    `--- ${LOG_CHANNEL} log ---`,
    channelLog?.trim().split('\n').slice(-40).join('\n') || '(not created)',
  );
  // Browser console: page errors, and errors that concern the extension host or webviews (the gallery
  // requests that the harness blackholes are expected noise).
  const consoleLines = browserConsole
    .filter(
      (line) =>
        /^\[pageerror\]/.test(line) ||
        (/^\[error\]/.test(line) && (ours.test(line) || /Extension Host|webview/i.test(line))),
    )
    .map((line) => line.split('\n')[0]!.slice(0, 400));
  parts.push(
    '--- browser console errors about the extension ---',
    consoleLines.slice(-20).join('\n') || '(none)',
  );
  return parts.join('\n');
}

/** Copies the VS Code logs, the browser console and code-server's output into `artifacts`. */
export function copyLogs(server: CodeServer, artifacts: string, browserConsole: readonly string[]): void {
  const logs = server.logDir();
  if (logs && existsSync(logs)) cpSync(logs, join(artifacts, 'logs'), { recursive: true });
  writeFileSync(join(artifacts, 'browser-console.log'), `${browserConsole.join('\n')}\n`);
  writeFileSync(join(artifacts, 'code-server.log'), `${server.output.join('\n')}\n`);
}
