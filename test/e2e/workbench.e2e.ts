// The extension in a real VS Code: it installs and activates without errors, its log channel exists, and
// every command the manifest contributes is in the command palette (those shown only where they apply, with
// a commandPalette `when`, are left to the suites that open what they apply to).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXTENSION_ID, LOG_CHANNEL } from './harness/extensionUnderTest';
import { paths } from './harness/paths';
import { VsCode } from './harness/vscode';

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
}

const manifest = JSON.parse(readFileSync(join(paths().root, 'package.json'), 'utf8'));
const conditional = new Set(
  (manifest.contributes.menus?.commandPalette ?? []).map((m: { command: string }) => m.command),
);
const commands: ManifestCommand[] = manifest.contributes.commands.filter(
  (c: ManifestCommand) => !conditional.has(c.command),
);
const ACTIVATED = /ONNX Pruner [\d.]+ activated/;

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({ name: 'workbench' });
});
after(async () => {
  if (!vs) return; // start failed and said why
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
  assert.deepEqual(vs.outboundRequests, [], 'the browser sent nothing beyond 127.0.0.1');
});

test('the extension installs and activates without errors in the log', () =>
  vs.check('activation', async () => {
    assert.match(vs.exthostLog(), /Eager extensions activated/);
    // Nothing activates it at startup; the Show Log command does. Wait until it has either said so in its
    // log or the extension host has logged the failure.
    await vs.runCommand(`${LOG_CHANNEL}: Show Log`);
    const failed = new RegExp(`Activating extension '?${EXTENSION_ID}'? failed`, 'i');
    await waitFor(
      () => ACTIVATED.test(vs.channelLog() ?? '') || failed.test(vs.exthostLog()),
      'the extension to activate',
    );
    const log = vs.exthostLog();
    assert.match(log, new RegExp(`ExtensionService#_doActivateExtension ${EXTENSION_ID}`));
    const errors = log.split('\n').filter((line) => /\[error\]/.test(line) && line.includes(EXTENSION_ID));
    assert.deepEqual(errors, [], 'no errors about the extension in the extension host log');
    assert.doesNotMatch(log, failed);
    assert.match(vs.channelLog() ?? '', ACTIVATED);
    const dialog = await vs.dialog();
    assert.equal(dialog, undefined, `no error dialog after the command: ${JSON.stringify(dialog)}`);
  }));

test(`the '${LOG_CHANNEL}' log output channel exists and shows the log`, () =>
  vs.check('log-channel', async () => {
    await vs.runCommand(`${LOG_CHANNEL}: Show Log`);
    assert.equal(await vs.outputChannel(), LOG_CHANNEL);
    const text = await vs.outputText();
    assert.match(text, ACTIVATED);
    assert.ok(vs.channelLog(), `a ${LOG_CHANNEL}.log file in the extension host's log folder`);
    await vs.screenshot('output-channel');
  }));

test('every command the manifest contributes appears in the palette', () =>
  vs.check('palette', async () => {
    assert.ok(commands.length > 0);
    for (const { title, category } of commands) {
      const label = category ? `${category}: ${title}` : title;
      const labels = await vs.paletteLabels(label);
      assert.ok(labels.includes(label), `${label} in the palette (rows: ${JSON.stringify(labels)})`);
    }
  }));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
