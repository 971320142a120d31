// Where key presses go: the workbench (not a webview's iframe, not under a modal dialog, not the quick input)
// or the active text editor at its cursor.
import type { Page } from 'playwright-core';
import { closeQuickInput } from './quickInput';
import { formatDialog, readDialog } from './workbenchState';

/**
 * Puts keyboard focus in the workbench (not in a webview, whose iframe would swallow key presses). A modal
 * dialog would swallow them too: that fails at once, with the dialog's text.
 */
export async function focusWorkbench(page: Page): Promise<void> {
  const dialog = await readDialog(page);
  if (dialog) throw new Error(`a modal dialog blocks the workbench: ${formatDialog(dialog)}`);
  await closeQuickInput(page);
  await page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    if (active?.tagName === 'IFRAME') active.blur();
  });
}

/** Focuses the active text editor without a click, which would move its cursor. */
export async function focusEditor(page: Page): Promise<void> {
  await closeQuickInput(page);
  await page
    .locator('.editor-group-container.active .monaco-editor')
    .first()
    .locator('.native-edit-context, textarea')
    .first()
    .focus();
}
