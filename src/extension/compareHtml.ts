// The page of "Compare Models": two models layer by layer (output channels of every root layer, what was
// removed) with parameters and MACs in total. No vscode import; every model string is escaped.
import type { CompareResult } from '../protocol/server';
import { escapeHtml } from '../shared/markup';
import { type PageOptions, page } from './summaryHtml';

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });
const change = (before: number, after: number) =>
  `${compact.format(before)} → ${compact.format(after)}${after > 0 ? ` (${(before / after).toFixed(2)}×)` : ''}`;

export function renderComparePage(
  result: CompareResult,
  original: string,
  other: string,
  options: PageOptions,
): string {
  const title = `${original} ↔ ${other}`;
  if (!result.ok)
    return page(
      title,
      `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(result.message)}</p>`,
      options,
    );
  const rows = result.rows.map((r) => {
    const removed = r.before - r.after;
    return `<tr class="${removed ? 'changed' : ''}"><td><code>${escapeHtml(r.root)}</code></td><td>${escapeHtml(r.op)}</td><td class="num">${r.before} → ${r.after}</td><td class="num">${removed || ''}</td></tr>`;
  });
  const body = `
<header><h1>${escapeHtml(title)}</h1></header>
<section id="compare" aria-label="Compare">
  <p class="totals"><strong>Parameters ${change(result.parameters.before, result.parameters.after)} · MACs ${change(result.macs.before, result.macs.after)}</strong></p>
  <table class="compare">
    <thead><tr><th>Layer</th><th>Op</th><th class="num">Output channels</th><th class="num">Removed</th></tr></thead>
    <tbody>
${rows.join('\n')}
    </tbody>
  </table>
</section>`;
  return page(title, body, options);
}
