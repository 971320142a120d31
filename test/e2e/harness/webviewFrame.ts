// The custom editor's webview as the suites reach it: the content frame inside VS Code's two iframes, and
// its text, found again after the editor reloads the page.
import type { Frame, Page } from 'playwright-core';
import { sleep } from './sleep';

/**
 * The content frame of the visible custom editor webview: the outer `iframe.webview` holds an inner
 * iframe (#pending-frame while loading, then #active-frame). Waits until it has a body.
 */
export async function findWebviewFrame(page: Page, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const outer of await page.locator('iframe.webview').all()) {
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
export async function readWebviewText(page: Page, timeoutMs: number): Promise<string> {
  try {
    return await (await findWebviewFrame(page, timeoutMs)).locator('body').innerText({ timeout: 2_000 });
  } catch (error) {
    if (/detached|destroyed|closed|timeout/i.test(String(error))) return '';
    throw error;
  }
}

/**
 * Runs `read` on the webview's frame once `selector` is visible in it. The editor sets new HTML when its
 * document changes (an applied plan, an undo), and a frame found just before that detaches under a wait or a
 * read: look again in the frame that replaced it, until the deadline.
 */
export async function readWebviewShowing<T>(
  page: Page,
  selector: string,
  read: (frame: Frame) => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const frame = await findWebviewFrame(page, Math.max(1_000, deadline - Date.now()));
      const wait = Math.min(2_000, Math.max(100, deadline - Date.now()));
      await frame.locator(selector).first().waitFor({ state: 'visible', timeout: wait });
      return await read(frame);
    } catch (error) {
      if (!/detached|destroyed|closed|timeout/i.test(String(error))) throw error;
      last = error;
    }
  }
  throw new Error(`${selector} never became visible in the webview: ${String(last)}`);
}
