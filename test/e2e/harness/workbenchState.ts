// What the workbench shows now, read from its DOM: notification toasts, the modal dialog, the Problems panel's
// rows, the Output panel and the editor tabs. Nothing here clicks or types.
import type { Locator, Page } from 'playwright-core';

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

export function formatDialog(dialog: Dialog): string {
  return [dialog.message, dialog.detail].filter(Boolean).join(': ');
}

/** The notification toasts shown now. */
export function readNotifications(page: Page): Promise<Notification[]> {
  return page.locator('.notification-toast .notification-list-item').evaluateAll((items) =>
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

/**
 * The modal dialog shown now, if any. VS Code 1.139 shows some messages as dialogs rather than toasts (a
 * command that failed from the palette, "no formatter installed").
 */
export async function readDialog(page: Page): Promise<Dialog | undefined> {
  const box = page.locator('.monaco-dialog-box');
  if (!(await box.isVisible())) return undefined;
  return box.evaluate((el) => ({
    message: el.querySelector('.dialog-message-text')?.textContent?.trim() ?? '',
    detail: el.querySelector('.dialog-message-detail')?.textContent?.trim() ?? '',
    buttons: [...el.querySelectorAll('.dialog-buttons .monaco-button')].map(
      (b) => b.textContent?.trim() ?? '',
    ),
  }));
}

/** Rows of the open Problems panel, each as `Message source(code) [Ln l, Col c]` (file rows left out). */
export function readProblemRows(panel: Locator): Promise<string[]> {
  return panel.locator('.monaco-list-row .marker-message-details-container').evaluateAll((rows) =>
    rows.map((row) => {
      const text = (selector: string) => row.querySelector(selector)?.textContent?.trim() ?? '';
      const code = text('.marker-code');
      return `${text('.marker-message')} ${text('.marker-source')}${code ? `(${code})` : ''} ${text('.marker-line')}`;
    }),
  );
}

/** The name of the channel the Output panel shows (its channel picker), once the panel is open. */
export async function readOutputChannel(page: Page): Promise<string> {
  const picker = page.locator('.part.panel select.monaco-select-box').first();
  await picker.waitFor({ state: 'attached' });
  return picker.evaluate((select) => {
    const s = select as HTMLSelectElement;
    return s.options[s.selectedIndex]?.text ?? '';
  });
}

/** The text the Output panel shows now (its rendered lines: enough for a short log). */
export async function readOutputText(page: Page): Promise<string> {
  const output = page.locator('.part.panel .output-view, .part.panel [id="workbench.panel.output"]').first();
  await output.waitFor({ state: 'visible' });
  return (await output.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

/** aria-labels of the open editor tabs in order, the active one starred; does not wait for any. */
export function readTabLabels(page: Page): Promise<string[]> {
  return page
    .locator('.tabs-container .tab')
    .evaluateAll((tabs) =>
      tabs.map(
        (tab) => `${tab.classList.contains('active') ? '*' : ''}${tab.getAttribute('aria-label') ?? ''}`,
      ),
    );
}

/** aria-labels of the open editor tabs, active first. */
export async function readTabs(page: Page): Promise<string[]> {
  const active = await page.locator('.tabs-container .tab.active').getAttribute('aria-label');
  const all = await page
    .locator('.tabs-container .tab')
    .evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute('aria-label') ?? ''));
  return active ? [active, ...all.filter((label) => label !== active)] : all;
}
