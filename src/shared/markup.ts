// The UI kit's elements as HTML, for pages rendered in the extension host, and the HTML escaper the host and
// the page share. With webview/components/index.ts (which registers the elements in the page), this is the only
// place that knows the kit is @vscode/webview-ui-toolkit: swapping the kit means changing these two files.
// Pure strings: no DOM, no vscode.

/** Every string that comes from a model goes through this before it reaches a page. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function attributes(data: Record<string, string | undefined>): string {
  return Object.entries(data)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeHtml(value)}"`)
    .join('');
}

/** A button; `data` becomes data-* attributes the page script reads when it is clicked. */
export function button(
  label: string,
  data: Record<string, string | undefined>,
  options: { appearance?: 'primary' | 'secondary' | 'icon'; title?: string; id?: string } = {},
): string {
  const data_ = Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v]));
  const attrs = attributes({
    id: options.id,
    appearance: options.appearance ?? 'secondary',
    title: options.title,
    ...data_,
  });
  return `<vscode-button${attrs}>${escapeHtml(label)}</vscode-button>`;
}

/** A small count or status next to a heading. */
export function badge(text: string): string {
  return `<vscode-badge>${escapeHtml(text)}</vscode-badge>`;
}

/** A short label (a finding's code, a locked group). */
export function tag(text: string, title?: string): string {
  return `<vscode-tag${attributes({ title })}>${escapeHtml(text)}</vscode-tag>`;
}

/** A drop-down of (value, label) options. */
export function dropdown(id: string, options: [string, string][], label: string): string {
  const items = options.map(
    ([value, text]) => `<vscode-option value="${escapeHtml(value)}">${escapeHtml(text)}</vscode-option>`,
  );
  return `<vscode-dropdown id="${escapeHtml(id)}" aria-label="${escapeHtml(label)}">${items.join('')}</vscode-dropdown>`;
}

/** A one-line text field. */
export function textField(id: string, value: string, label: string): string {
  return `<vscode-text-field id="${escapeHtml(id)}" value="${escapeHtml(value)}" aria-label="${escapeHtml(label)}" size="6"></vscode-text-field>`;
}

/** Long lists on the page (findings of one code, a group's members, a node's ports) show this many at first. */
export const LIST_LIMIT = 50;

/** The label of the button that shows the rest of a capped list; the page script reveals the hidden items. */
export function showAllLabel(count: number): string {
  return `Show all ${count.toLocaleString('en-US')}`;
}

/**
 * A list of `items` (markup already escaped) that shows the first LIST_LIMIT; the rest are hidden behind a
 * "Show all" button (data-show-all), which the page script handles for every such list.
 */
export function cappedList(items: readonly string[], className: string): string {
  const lis = items.map((item, i) => `<li${capped(i)}>${item}</li>`);
  return `<ul class="${escapeHtml(className)}">\n${lis.join('\n')}\n</ul>${showAllButton(items.length)}`;
}

/** ` hidden` for an item past the first LIST_LIMIT of its list (a list item or a table row). */
export function capped(index: number): string {
  return index >= LIST_LIMIT ? ' hidden' : '';
}

/** The "Show all" button that follows a capped list or table of `count` items, if it has more than LIST_LIMIT. */
export function showAllButton(count: number): string {
  return count > LIST_LIMIT
    ? `\n<button type="button" class="show-all" data-show-all>${escapeHtml(showAllLabel(count))}</button>`
    : '';
}

/** A UI kit checkbox with its label. */
export function checkbox(id: string, label: string, title?: string): string {
  return `<vscode-checkbox id="${escapeHtml(id)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${escapeHtml(label)}</vscode-checkbox>`;
}
