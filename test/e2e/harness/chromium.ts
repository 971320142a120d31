// The headless Chromium that shows the workbench (Debian's /usr/bin/chromium, driven by playwright-core), kept
// off the network: its proxy is the blackhole and nothing but loopback resolves.
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { BLACKHOLE, RUN_MARKER } from './isolation';

const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider',
  `--proxy-server=${BLACKHOLE}`,
  // Nothing but loopback resolves.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

/** Launches the browser for a server's run: its profile and HOME in the run folder, the run's marker set. */
export function launchBrowser(server: CodeServer): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(server.runDir, 'browser'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    env: { ...server.env, HOME: join(server.runDir, 'home'), [RUN_MARKER]: server.runId },
    timeout: 30_000,
  });
}

/** Whether a request the browser tried to send goes anywhere but 127.0.0.1 (the suites expect none). */
export function isOutbound(url: string): boolean {
  if (!/^(https?|wss?):/.test(url)) return false;
  const host = new URL(url).hostname;
  // Webview resources are requested from a placeholder host that VS Code's webview service worker answers
  // from the extension host (over the loopback connection): the name is never resolved.
  if (host.endsWith('.vscode-resource.vscode-cdn.net')) return false;
  return host !== '127.0.0.1' && host !== 'localhost';
}
