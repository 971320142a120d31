// The quick input widget (command palette, Quick Open, Go to Line, quick picks and input boxes): its rows'
// labels, waiting for a row by label, and closing the widget.
import type { Locator, Page } from 'playwright-core';
import { sleep } from './sleep';
import { escapeRegExp } from './text';

/** The quick input widget. */
export function quickInputOf(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

function quickInputRows(page: Page): Locator {
  return quickInputOf(page).locator('.monaco-list-row');
}

export async function closeQuickInput(page: Page): Promise<void> {
  if (await quickInputOf(page).isVisible()) {
    await page.keyboard.press('Escape');
    await quickInputOf(page).waitFor({ state: 'hidden' });
  }
}

/** Labels of the quick input rows (the label part only, without keybinding or detail). */
export async function rowLabels(page: Page): Promise<string[]> {
  // The list fills asynchronously: wait until it stops changing.
  let last = '';
  for (let i = 0; i < 40; i++) {
    await sleep(75);
    const labels = await quickInputRows(page)
      .locator('.label-name')
      .evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
    const key = labels.join('\n');
    if (key === last && (labels.length || i > 10)) return labels;
    last = key;
  }
  return last ? last.split('\n') : [];
}

/** The row labelled `label`, once visible; if none shows, closes the quick input and fails with the rows. */
export async function waitForRow(page: Page, label: string): Promise<Locator> {
  const row = quickInputRows(page).filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }),
  });
  try {
    await row.first().waitFor({ state: 'visible' });
  } catch {
    const labels = await rowLabels(page);
    await closeQuickInput(page);
    throw new Error(`no quick input row labelled ${JSON.stringify(label)}; rows: ${JSON.stringify(labels)}`);
  }
  return row.first();
}
