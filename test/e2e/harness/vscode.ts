// The e2e harness: a real VS Code (code-server) driven through its UI by headless Chromium (playwright-core,
// Debian's /usr/bin/chromium). One VsCode per suite file:
//
//   const vs = await VsCode.start({ name: 'editor' });
//   await vs.openFile('edsr-x4.onnx');
//   const frame = await vs.webviewFrame();
//   await vs.stop();
//
// Wrap each test's body in vs.check(...) so a failure saves a screenshot and the logs and puts the relevant
// log excerpt (extension host errors, the ONNX Pruner channel, browser console errors) in the error message.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, ConsoleMessage, Frame, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { BLACKHOLE, CodeServer, paths, RUN_MARKER, type ServerOptions, sleep } from './codeServer';

export const EXTENSION_ID = 'onnx-pruner.onnx-pruner';
export const LOG_CHANNEL = 'ONNX Pruner';
const CHROMIUM = '/usr/bin/chromium';

export interface StartOptions extends ServerOptions {
  /** Artifacts go to test/e2e/artifacts/<name>/. */
  name: string;
}

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

export interface Notification {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The extension or component that sent it, when VS Code shows one. */
  source: string;
  /** Button labels. */
  actions: string[];
}

export interface Dialog {
  message: string;
  detail: string;
  buttons: string[];
}

export class VsCode {
  /** Browser console lines, in order. */
  readonly console: string[] = [];
  /** Requests the browser tried to send anywhere but 127.0.0.1 (should stay empty). */
  readonly outboundRequests: string[] = [];
  readonly artifacts: string;
  private shots = 0;

  private constructor(
    readonly server: CodeServer,
    readonly context: BrowserContext,
    readonly page: Page,
    readonly name: string,
  ) {
    this.artifacts = join(paths().artifacts, name);
  }

  /** Starts code-server and the browser; resolves once the workbench is up and eager extensions activated. */
  static async start(options: StartOptions): Promise<VsCode> {
    const started = Date.now();
    const artifacts = join(paths().artifacts, options.name);
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    const server = await CodeServer.start({ ...options, keep: true });
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(join(server.runDir, 'browser'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 800 },
        env: { ...server.env, HOME: join(server.runDir, 'home'), [RUN_MARKER]: server.runId },
        timeout: 30_000,
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const vs = new VsCode(server, context, page, options.name);
      context.on('request', (request) => {
        const url = request.url();
        if (!/^(https?|wss?):/.test(url)) return;
        const host = new URL(url).hostname;
        // Webview resources are requested from a placeholder host that VS Code's webview service worker answers
        // from the extension host (over the loopback connection): the name is never resolved.
        if (host.endsWith('.vscode-resource.vscode-cdn.net')) return;
        if (host !== '127.0.0.1' && host !== 'localhost') vs.outboundRequests.push(url);
      });
      page.on('console', (message: ConsoleMessage) =>
        vs.console.push(`[${message.type()}] ${message.text()}`),
      );
      page.on('pageerror', (error) => vs.console.push(`[pageerror] ${error.message}`));
      page.setDefaultTimeout(15_000);
      await page.goto(server.url);
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
      await server.waitForExthostLog(/Eager extensions activated/, 30_000);
      vs.console.push(`[harness] ready in ${Date.now() - started} ms`);
      return vs;
    } catch (error) {
      await context?.close().catch(() => {});
      const logs = server.logDir();
      if (logs) cpSync(logs, join(artifacts, 'logs'), { recursive: true });
      writeFileSync(join(artifacts, 'code-server.log'), `${server.output.join('\n')}\n`);
      const survivors = await server.stop();
      rmSync(server.runDir, { recursive: true, force: true });
      throw new Error(
        `VS Code did not start: ${error instanceof Error ? error.message : error}` +
          (survivors.length ? `\nkilled survivors: ${survivors.join('; ')}` : '') +
          `\n--- code-server output ---\n${server.output.slice(-40).join('\n')}`,
      );
    }
  }

  // ---- commands and files ---------------------------------------------------------------------------

  /** The quick input widget (command palette, quick open). */
  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputRows(): Locator {
    return this.quickInput.locator('.monaco-list-row');
  }

  /** Opens the command palette with `query` typed and returns the labels of the rows shown. */
  async paletteLabels(query: string): Promise<string[]> {
    await this.openPalette(query);
    const labels = await this.rowLabels();
    await this.closeQuickInput();
    return labels;
  }

  /** Runs a command from the palette by its full title ("Category: Title"). */
  async runCommand(title: string): Promise<void> {
    await this.pickFromPalette(title);
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  /** Starts a command that asks questions: the quick input stays open for answerQuickInput. */
  async startCommand(title: string): Promise<void> {
    await this.pickFromPalette(title);
  }

  /**
   * Opens the palette, finds the row titled `title` and clicks it. The palette can close under us when a panel
   * or editor takes focus as it opens (the extension activating, the language server starting); a click that
   * Playwright could not deliver never reached VS Code, so nothing ran and trying again is safe.
   */
  private async pickFromPalette(title: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.openPalette(title);
        const row = await this.waitForRow(title);
        await row.click({ timeout: 5_000 });
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        this.console.push(
          `[harness] palette closed before "${title}" was picked (attempt ${attempt}); retrying`,
        );
      }
    }
  }

  /**
   * Waits for a quick pick or input box whose title matches, then picks the row labelled `label`, or types
   * `text`, or accepts what is there.
   */
  async answerQuickInput(title: RegExp, answer: { label?: string; text?: string } = {}): Promise<void> {
    await this.quickInput.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
    if (answer.label !== undefined) {
      await (await this.waitForRow(answer.label)).click();
      return;
    }
    if (answer.text !== undefined) await this.quickInput.locator('input').fill(answer.text);
    await this.page.keyboard.press('Enter');
  }

  /**
   * Opens a workspace file by its relative path through Quick Open (Ctrl+P). Quick Open shows the editor
   * history's row first and re-renders its list when the file search answers; a click that lands during the
   * re-render can miss every row, and the quick input then closes on blur with nothing opened. Opening a file
   * that is already open only activates it, so trying again is safe.
   */
  async openFile(relativePath: string): Promise<void> {
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    const tab = this.page.locator(`.tabs-container .tab.active[aria-label^="${cssString(name)}"]`);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= 3;
      try {
        await this.focusWorkbench();
        await this.page.keyboard.press('Control+P');
        await this.quickInput.locator('input').waitFor({ state: 'visible' });
        await this.page.keyboard.type(relativePath);
        const row = await this.waitForRow(name);
        await row.click({ timeout: last ? undefined : 5_000 });
        await this.quickInput.waitFor({ state: 'hidden' });
        await tab.waitFor({ timeout: last ? undefined : 8_000 });
        return;
      } catch (error) {
        if (last) throw error;
        this.console.push(
          `[harness] ${name} was not opened by Quick Open (attempt ${attempt}; tabs ${JSON.stringify(await this.tabLabels())}); retrying`,
        );
      }
    }
  }

  /**
   * Opens a file of the workspace's top folder by clicking it in the Explorer (Quick Open's file index can lag
   * behind files the test has just written).
   */
  async openFromExplorer(name: string): Promise<void> {
    await this.focusWorkbench();
    const row = this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${cssString(name)}"]`);
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
    } catch {
      await this.runCommand('File: Refresh Explorer');
      await row.waitFor({ state: 'visible' });
    }
    await row.click();
    await this.page.locator(`.tabs-container .tab.active[aria-label^="${cssString(name)}"]`).waitFor();
  }

  /** Moves the cursor of the active text editor (Ctrl+G "Go to Line/Column"); line and column from 1. */
  async goToLine(line: number, column = 1): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+G');
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  /** aria-labels of the open editor tabs in order, the active one starred; does not wait for any. */
  private tabLabels(): Promise<string[]> {
    return this.page
      .locator('.tabs-container .tab')
      .evaluateAll((tabs) =>
        tabs.map(
          (tab) => `${tab.classList.contains('active') ? '*' : ''}${tab.getAttribute('aria-label') ?? ''}`,
        ),
      );
  }

  /** aria-labels of the open editor tabs, active first. */
  async tabs(): Promise<string[]> {
    const active = await this.page.locator('.tabs-container .tab.active').getAttribute('aria-label');
    const all = await this.page
      .locator('.tabs-container .tab')
      .evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute('aria-label') ?? ''));
    return active ? [active, ...all.filter((label) => label !== active)] : all;
  }

  private async openPalette(query: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.focusWorkbench();
      await this.page.keyboard.press('F1');
      const input = this.quickInput.locator('input');
      try {
        await input.waitFor({ state: 'visible' });
        await input.fill(`>${query}`, { timeout: 5_000 });
        return;
      } catch (error) {
        // Something took focus while the palette opened (a panel revealed by the previous command closes
        // the quick input): open it again, twice at most.
        if (attempt >= 3) throw error;
        await this.page.keyboard.press('Escape');
        await sleep(300);
      }
    }
  }

  private async closeQuickInput(): Promise<void> {
    if (await this.quickInput.isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitFor({ state: 'hidden' });
    }
  }

  /** Labels of the quick input rows (the label part only, without keybinding or detail). */
  private async rowLabels(): Promise<string[]> {
    // The list fills asynchronously: wait until it stops changing.
    let last = '';
    for (let i = 0; i < 40; i++) {
      await sleep(75);
      const labels = await this.quickInputRows()
        .locator('.label-name')
        .evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
      const key = labels.join('\n');
      if (key === last && (labels.length || i > 10)) return labels;
      last = key;
    }
    return last ? last.split('\n') : [];
  }

  private async waitForRow(label: string): Promise<Locator> {
    const row = this.quickInputRows().filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }),
    });
    try {
      await row.first().waitFor({ state: 'visible' });
    } catch {
      const labels = await this.rowLabels();
      await this.closeQuickInput();
      throw new Error(
        `no quick input row labelled ${JSON.stringify(label)}; rows: ${JSON.stringify(labels)}`,
      );
    }
    return row.first();
  }

  /**
   * Puts keyboard focus in the workbench (not in a webview, whose iframe would swallow key presses). A modal
   * dialog would swallow them too: that fails at once, with the dialog's text.
   */
  private async focusWorkbench(): Promise<void> {
    const dialog = await this.dialog();
    if (dialog) throw new Error(`a modal dialog blocks the workbench: ${formatDialog(dialog)}`);
    await this.closeQuickInput();
    await this.page.evaluate(() => {
      const active = document.activeElement as HTMLElement | null;
      if (active?.tagName === 'IFRAME') active.blur();
    });
  }

  // ---- panels -----------------------------------------------------------------------------------------

  /**
   * Rows of the Problems panel, each as `Message source(code) [Ln l, Col c]` (file rows left out). Opens the
   * panel with "View: Focus Problems (Errors, Warnings, Infos)".
   */
  async problems(): Promise<string[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible' });
    await sleep(200);
    return panel.locator('.monaco-list-row .marker-message-details-container').evaluateAll((rows) =>
      rows.map((row) => {
        const text = (selector: string) => row.querySelector(selector)?.textContent?.trim() ?? '';
        const code = text('.marker-code');
        return `${text('.marker-message')} ${text('.marker-source')}${code ? `(${code})` : ''} ${text('.marker-line')}`;
      }),
    );
  }

  /**
   * Applies a quick fix by its title at the cursor of the active text editor (Ctrl+., retried while the code
   * actions arrive). Move the cursor first with goToLine; save with runCommand('File: Save').
   */
  async applyQuickFix(title: string): Promise<void> {
    const item = this.page.locator('.action-widget .monaco-list-row', { hasText: title });
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.focusEditor();
      await this.page.keyboard.press('Control+.');
      try {
        await item.first().waitFor({ state: 'visible', timeout: 1500 });
        await item.first().click();
        await item.first().waitFor({ state: 'hidden' });
        return;
      } catch {
        await this.page.keyboard.press('Escape');
        await sleep(300);
      }
    }
    throw new Error(`no quick fix titled ${JSON.stringify(title)}`);
  }

  /** Types into the active text editor at its cursor (focused without a click, which would move the cursor). */
  async typeInEditor(text: string): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.type(text);
  }

  private async focusEditor(): Promise<void> {
    await this.closeQuickInput();
    await this.page
      .locator('.editor-group-container.active .monaco-editor')
      .first()
      .locator('.native-edit-context, textarea')
      .first()
      .focus();
  }

  /** The notification toasts shown now. */
  async notifications(): Promise<Notification[]> {
    return this.page.locator('.notification-toast .notification-list-item').evaluateAll((items) =>
      items.map((item) => {
        const icon = item.querySelector('.notification-list-item-icon')?.className ?? '';
        return {
          severity: /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : 'info',
          message: item.querySelector('.notification-list-item-message')?.textContent?.trim() ?? '',
          source: item.querySelector('.notification-list-item-source')?.textContent?.trim() ?? '',
          actions: [...item.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map(
            (button) => button.textContent?.trim() ?? '',
          ),
        } satisfies Notification;
      }),
    );
  }

  /** Polls the Problems panel until a row matches; returns the rows then. */
  async waitForProblem(pattern: RegExp, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let rows: string[] = [];
    while (Date.now() < deadline) {
      rows = await this.problems();
      if (rows.some((row) => pattern.test(row))) return rows;
      await sleep(250);
    }
    throw new Error(`no Problems row matching ${pattern}; rows: ${JSON.stringify(rows)}`);
  }

  /** Waits for a notification toast whose message matches. */
  async waitForNotification(message: RegExp, timeoutMs = 10_000): Promise<Notification> {
    const deadline = Date.now() + timeoutMs;
    let shown: Notification[] = [];
    while (Date.now() < deadline) {
      shown = await this.notifications();
      const hit = shown.find((n) => message.test(n.message));
      if (hit) return hit;
      await sleep(100);
    }
    throw new Error(`no notification matching ${message}; shown: ${JSON.stringify(shown)}`);
  }

  /**
   * The modal dialog shown now, if any. VS Code 1.139 shows some messages as dialogs rather than toasts (a
   * command that failed from the palette, "no formatter installed").
   */
  async dialog(): Promise<Dialog | undefined> {
    const box = this.page.locator('.monaco-dialog-box');
    if (!(await box.isVisible())) return undefined;
    return box.evaluate((el) => ({
      message: el.querySelector('.dialog-message-text')?.textContent?.trim() ?? '',
      detail: el.querySelector('.dialog-message-detail')?.textContent?.trim() ?? '',
      buttons: [...el.querySelectorAll('.dialog-buttons .monaco-button')].map(
        (b) => b.textContent?.trim() ?? '',
      ),
    }));
  }

  /** Closes the modal dialog with Escape. */
  async dismissDialog(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.monaco-dialog-box').waitFor({ state: 'hidden' });
  }

  /** The name of the channel the Output panel shows (its channel picker), once the panel is open. */
  async outputChannel(): Promise<string> {
    const picker = this.page.locator('.part.panel select.monaco-select-box').first();
    await picker.waitFor({ state: 'attached' });
    return picker.evaluate((select) => {
      const s = select as HTMLSelectElement;
      return s.options[s.selectedIndex]?.text ?? '';
    });
  }

  /** The text the Output panel shows now (its rendered lines: enough for a short log). */
  async outputText(): Promise<string> {
    const output = this.page
      .locator('.part.panel .output-view, .part.panel [id="workbench.panel.output"]')
      .first();
    await output.waitFor({ state: 'visible' });
    return (await output.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  }

  // ---- custom editor webview ----------------------------------------------------------------------------

  /**
   * The content frame of the visible custom editor webview: the outer `iframe.webview` holds an inner
   * iframe (#pending-frame while loading, then #active-frame). Waits until it has a body.
   */
  async webviewFrame(timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const outer of await this.page.locator('iframe.webview').all()) {
        if (!(await outer.isVisible())) continue;
        const host = await outer
          .contentFrame()
          .locator('#active-frame')
          .elementHandle({ timeout: 500 })
          .catch(() => null);
        const frame = await host?.contentFrame();
        // A reload replaces the frame, so it can detach between finding it and counting its body.
        if (
          frame &&
          (await frame
            .locator('body')
            .count()
            .catch(() => 0))
        )
          return frame;
      }
      await sleep(100);
    }
    throw new Error('no visible webview with a loaded #active-frame');
  }

  /**
   * The webview's visible text, or '' while the page is being replaced: the editor reloads by setting new
   * HTML, which detaches the frame that was found a moment before.
   */
  async webviewText(): Promise<string> {
    try {
      return await (await this.webviewFrame()).locator('body').innerText({ timeout: 2_000 });
    } catch (error) {
      if (/detached|destroyed|closed|timeout/i.test(String(error))) return '';
      throw error;
    }
  }

  // ---- evidence -----------------------------------------------------------------------------------------

  /** Saves a screenshot of the whole workbench to the artifacts; returns its path. */
  async screenshot(name: string): Promise<string> {
    const path = join(this.artifacts, `${String(++this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  exthostLog(): string {
    return this.server.exthostLog();
  }

  /** Our LogOutputChannel's file, once the extension has written to it. */
  channelLog(channel = LOG_CHANNEL): string | undefined {
    return this.server.channelLog(channel);
  }

  /** The lines that matter when something failed, from every log we have. */
  logExcerpt(): string {
    const parts: string[] = [];
    const exthost = this.exthostLog().split('\n');
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
    const channel = this.channelLog();
    parts.push(
      `--- ${LOG_CHANNEL} log ---`,
      channel?.trim().split('\n').slice(-40).join('\n') || '(not created)',
    );
    // Browser console: page errors, and errors that concern the extension host or webviews (the gallery
    // requests that the harness blackholes are expected noise).
    const consoleLines = this.console
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

  /** Copies the VS Code logs and the browser console into the artifacts. */
  saveLogs(): void {
    const logs = this.server.logDir();
    if (logs && existsSync(logs)) cpSync(logs, join(this.artifacts, 'logs'), { recursive: true });
    writeFileSync(join(this.artifacts, 'browser-console.log'), `${this.console.join('\n')}\n`);
    writeFileSync(join(this.artifacts, 'code-server.log'), `${this.server.output.join('\n')}\n`);
  }

  /**
   * Runs a test body; on failure saves a screenshot and the logs and appends the log excerpt to the error,
   * so the test runner's output shows what the extension host said.
   */
  async check(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      await this.screenshot(`FAILED-${name.replace(/[^\w-]+/g, '-')}`).catch(() => {});
      this.saveLogs();
      let excerpt = `\n\n${this.logExcerpt()}\n(artifacts: ${this.artifacts})`;
      // Leave the workbench usable for the next test: close a modal dialog, but report it.
      const dialog = await this.dialog().catch(() => undefined);
      if (dialog) {
        excerpt += `\n--- open dialog (closed) ---\n${formatDialog(dialog)}`;
        await this.dismissDialog().catch(() => {});
      }
      await this.closeQuickInput().catch(() => {});
      if (error instanceof Error) {
        // The runner prints the stack (made when the error was), so the excerpt goes there too.
        error.message += excerpt;
        if (error.stack && !error.stack.includes(excerpt)) error.stack += excerpt;
        throw error;
      }
      throw new Error(`${String(error)}${excerpt}`);
    }
  }

  /** Closes the browser and stops code-server's process group; returns processes that had to be killed. */
  async stop(): Promise<string[]> {
    await this.context.close().catch(() => {});
    this.saveLogs();
    return this.server.stop().finally(() => rmSync(this.server.runDir, { recursive: true, force: true }));
  }
}

function formatDialog(dialog: Dialog): string {
  return [dialog.message, dialog.detail].filter(Boolean).join(': ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
