// The command palette: opening it with a query typed, and picking a command's row, both tried again when
// something takes focus as the palette opens.
import type { Page } from 'playwright-core';
import { focusWorkbench } from './focus';
import { quickInputOf, waitForRow } from './quickInput';
import { sleep } from './sleep';

export async function openPalette(page: Page, query: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await focusWorkbench(page);
    await page.keyboard.press('F1');
    const input = quickInputOf(page).locator('input');
    try {
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${query}`, { timeout: 5_000 });
      return;
    } catch (error) {
      // Something took focus while the palette opened (a panel revealed by the previous command closes
      // the quick input): open it again, twice at most.
      if (attempt >= 3) throw error;
      await page.keyboard.press('Escape');
      await sleep(300);
    }
  }
}

/**
 * Opens the palette, finds the row titled `title` and clicks it. The palette can close under us when a panel
 * or editor takes focus as it opens (the extension activating, the language server starting); a click that
 * Playwright could not deliver never reached VS Code, so nothing ran and trying again is safe. Each retry is
 * told to `note`.
 */
export async function pickFromPalette(
  page: Page,
  title: string,
  note: (line: string) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await openPalette(page, title);
      const row = await waitForRow(page, title);
      await row.click({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      note(`[harness] palette closed before "${title}" was picked (attempt ${attempt}); retrying`);
    }
  }
}
