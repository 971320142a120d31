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
//
// The class drives the workbench; its helpers live beside it: chromium.ts (the browser), palette.ts,
// quickInput.ts and focus.ts (where keys go), workbenchState.ts (reading the DOM), webviewFrame.ts and
// evidence.ts (what a failure leaves).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, ConsoleMessage, Frame, Locator, Page } from 'playwright-core';
import { isOutbound, launchBrowser } from './chromium';
import { CodeServer, type ServerOptions } from './codeServer';
import { copyLogs, logExcerptFrom } from './evidence';
import { LOG_CHANNEL } from './extensionUnderTest';
import { focusEditor, focusWorkbench } from './focus';
import { openPalette, pickFromPalette } from './palette';
import { paths } from './paths';
import { closeQuickInput, quickInputOf, rowLabels, waitForRow } from './quickInput';
import { sleep } from './sleep';
import { cssString } from './text';
import { findWebviewFrame, readWebviewText, readWebviewShowing } from './webviewFrame';
import {
  type Dialog,
  type Notification,
  formatDialog,
  readDialog,
  readNotifications,
  readOutputChannel,
  readOutputText,
  readProblemRows,
  readTabLabels,
  readTabs,
} from './workbenchState';

export interface StartOptions extends ServerOptions {
  /** Artifacts go to test/e2e/artifacts/<name>/. */
  name: string;
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
      context = await launchBrowser(server);
      const page = context.pages()[0] ?? (await context.newPage());
      const vs = new VsCode(server, context, page, options.name);
      context.on('request', (request) => {
        const url = request.url();
        if (isOutbound(url)) vs.outboundRequests.push(url);
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
    return quickInputOf(this.page);
  }

  /** Opens the command palette with `query` typed and returns the labels of the rows shown. */
  async paletteLabels(query: string): Promise<string[]> {
    await openPalette(this.page, query);
    const labels = await rowLabels(this.page);
    await closeQuickInput(this.page);
    return labels;
  }

  /** Runs a command from the palette by its full title ("Category: Title"). */
  async runCommand(title: string): Promise<void> {
    await pickFromPalette(this.page, title, (line) => this.console.push(line));
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  /** Starts a command that asks questions: the quick input stays open for answerQuickInput. */
  async startCommand(title: string): Promise<void> {
    await pickFromPalette(this.page, title, (line) => this.console.push(line));
  }

  /**
   * Waits for a quick pick or input box whose title matches, then picks the row labelled `label`, or types
   * `text`, or accepts what is there.
   */
  async answerQuickInput(title: RegExp, answer: { label?: string; text?: string } = {}): Promise<void> {
    await this.quickInput.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
    if (answer.label !== undefined) {
      await (await waitForRow(this.page, answer.label)).click();
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
        await focusWorkbench(this.page);
        await this.page.keyboard.press('Control+P');
        await this.quickInput.locator('input').waitFor({ state: 'visible' });
        await this.page.keyboard.type(relativePath);
        const row = await waitForRow(this.page, name);
        await row.click({ timeout: last ? undefined : 5_000 });
        await this.quickInput.waitFor({ state: 'hidden' });
        await tab.waitFor({ timeout: last ? undefined : 8_000 });
        return;
      } catch (error) {
        if (last) throw error;
        this.console.push(
          `[harness] ${name} was not opened by Quick Open (attempt ${attempt}; tabs ${JSON.stringify(await readTabLabels(this.page))}); retrying`,
        );
      }
    }
  }

  /**
   * Opens a file of the workspace's top folder by clicking it in the Explorer (Quick Open's file index can lag
   * behind files the test has just written).
   */
  async openFromExplorer(name: string): Promise<void> {
    await focusWorkbench(this.page);
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
    await focusWorkbench(this.page);
    await this.page.keyboard.press('Control+G');
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  /** aria-labels of the open editor tabs, active first. */
  async tabs(): Promise<string[]> {
    return readTabs(this.page);
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
    return readProblemRows(panel);
  }

  /**
   * Applies a quick fix by its title at the cursor of the active text editor (Ctrl+., retried while the code
   * actions arrive). Move the cursor first with goToLine; save with runCommand('File: Save').
   */
  async applyQuickFix(title: string): Promise<void> {
    const item = this.page.locator('.action-widget .monaco-list-row', { hasText: title });
    for (let attempt = 0; attempt < 10; attempt++) {
      await focusEditor(this.page);
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
    await focusEditor(this.page);
    await this.page.keyboard.type(text);
  }

  /** The notification toasts shown now. */
  async notifications(): Promise<Notification[]> {
    return readNotifications(this.page);
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

  /** The modal dialog shown now, if any (see readDialog). */
  async dialog(): Promise<Dialog | undefined> {
    return readDialog(this.page);
  }

  /** Closes the modal dialog with Escape. */
  async dismissDialog(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.monaco-dialog-box').waitFor({ state: 'hidden' });
  }

  /** The name of the channel the Output panel shows (its channel picker), once the panel is open. */
  async outputChannel(): Promise<string> {
    return readOutputChannel(this.page);
  }

  /** The text the Output panel shows now (its rendered lines: enough for a short log). */
  async outputText(): Promise<string> {
    return readOutputText(this.page);
  }

  // ---- custom editor webview ----------------------------------------------------------------------------

  /** The content frame of the visible custom editor webview, once it has a body. */
  async webviewFrame(timeoutMs = 15_000): Promise<Frame> {
    return findWebviewFrame(this.page, timeoutMs);
  }

  /** `read` of the webview's frame once `selector` shows in it, again if the page is replaced meanwhile. */
  async readWebviewShowing<T>(
    selector: string,
    read: (frame: Frame) => Promise<T>,
    timeoutMs = 30_000,
  ): Promise<T> {
    return readWebviewShowing(this.page, selector, read, timeoutMs);
  }

  /** The webview's frame once `selector` shows in it (not the frame of an editor being replaced). */
  async webviewShowing(selector: string, timeoutMs = 30_000): Promise<Frame> {
    return readWebviewShowing(this.page, selector, async (frame) => frame, timeoutMs);
  }

  /** The webview's visible text, or '' while the page is being replaced. */
  async webviewText(): Promise<string> {
    return readWebviewText(this.page, 15_000);
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
    return logExcerptFrom(this.exthostLog(), this.channelLog(), this.console);
  }

  /** Copies the VS Code logs and the browser console into the artifacts. */
  saveLogs(): void {
    copyLogs(this.server, this.artifacts, this.console);
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
      await closeQuickInput(this.page).catch(() => {});
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
