// The model editor's page: the model summary as HTML. No vscode import, so it stays testable.
// A model is untrusted input: every string that comes from it goes through escapeHtml. The only script is the
// page script (dist/webview.js, with the CSP nonce); the only style sheet is inline and carries the nonce too.
import { formatBytes } from '../core/inspect/format';
import type { ModelSummary, ValueSummary } from '../core/inspect/summary';
import { capped, escapeHtml, showAllButton } from '../shared/markup';
import { LAYOUT_STYLE } from './pageStyle';

export interface PageOptions {
  /** A fresh random nonce for this page's Content-Security-Policy. */
  nonce: string;
  /** The page script's webview URI, and the webview's CSP source that serves it. */
  script?: { uri: string; cspSource: string; worker?: string };
}

/** Sections around the summary: `top` under the title (status), `bottom` after it (groups, findings). */
export interface PageExtras {
  top?: string;
  bottom?: string;
}

/** The summary page: the title, then `extras.top`, the summary's sections and `extras.bottom`, stacked. */
export function renderSummaryPage(
  summary: ModelSummary,
  title: string,
  options: PageOptions,
  extras: PageExtras = {},
): string {
  const body = `
<header>
  <h1>${escapeHtml(title)}</h1>
</header>${extras.top ?? ''}${summarySections(summary)}${extras.bottom ?? ''}`;
  return page(title, body, options);
}

/** The summary's sections: header facts, inputs and outputs with shapes, the operator histogram, metadata. */
export function summarySections(summary: ModelSummary): string {
  const s = summary;
  const opsets =
    Object.entries(s.opsets)
      .map(([domain, version]) => `${domain || 'ai.onnx'} ${version}`)
      .join(', ') || '(none)';
  const producer = [s.producer.name, s.producer.version].filter(Boolean).join(' ') || '(unknown)';
  const nodes =
    s.nodesTotal === s.nodes ? String(s.nodes) : `${s.nodes} (${s.nodesTotal} with ${s.subgraphs} subgraphs)`;
  const facts: [string, string][] = [
    ['File', s.path],
    ['File size', formatBytes(s.fileBytes)],
    ['IR version', String(s.irVersion)],
    ['Opsets', opsets],
    ['Producer', producer],
    ...(s.domain ? ([['Domain', s.domain]] as [string, string][]) : []),
    ['Nodes', nodes],
    ...(s.functions ? ([['Functions', String(s.functions)]] as [string, string][]) : []),
    ['Parameters', s.parameters.toLocaleString('en-US')],
    ['Initializer data', formatBytes(s.initializerBytes)],
    ['External data', s.externalData.length ? s.externalData.join(', ') : '(none)'],
  ];
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const metadata = Object.entries(s.metadata);
  return `
<section aria-label="Model">
  <dl class="facts">
${facts.map(([k, v]) => `    <dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}
  </dl>
</section>
<section aria-label="Inputs and outputs">
  <h3>Inputs</h3>
  ${valueTable(s.inputs)}
  <h3>Outputs</h3>
  ${valueTable(s.outputs)}
</section>
<section aria-label="Operators">
  <h3>Operators</h3>
  <table class="ops">
    <thead><tr><th>Operator</th><th class="num">Count</th></tr></thead>
    <tbody>
${ops.map(([op, n]) => `      <tr><td><code>${escapeHtml(op)}</code></td><td class="num">${n}</td></tr>`).join('\n')}
    </tbody>
  </table>
</section>
${
  metadata.length
    ? `<section aria-label="Metadata">
  <h3>Metadata</h3>
  <dl class="facts">
${metadata.map(([k, v]) => `    <dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}
  </dl>
</section>`
    : ''
}`;
}

/** The page shown when the model cannot be opened: the core's one-sentence message, nothing else. */
export function renderErrorPage(message: string, title: string, options: PageOptions): string {
  const body = `
<header>
  <h1>${escapeHtml(title)}</h1>
</header>
<p class="error" role="alert">${escapeHtml(message)}</p>`;
  return page(title, body, options);
}

function valueTable(values: ValueSummary[]): string {
  if (values.length === 0) return '<p class="muted">(none)</p>';
  const rows = values.map(
    (v, i) =>
      `<tr${capped(i)}><td><code>${escapeHtml(v.name)}</code></td><td>${escapeHtml(v.dtype ?? '?')}</td>` +
      `<td><code>${escapeHtml(formatShape(v.shape))}</code></td></tr>`,
  );
  return `<table class="values">
    <thead><tr><th>Name</th><th>Type</th><th>Shape</th></tr></thead>
    <tbody>${rows.join('')}</tbody>
  </table>${showAllButton(values.length)}`;
}

function formatShape(shape: ValueSummary['shape']): string {
  return shape === null ? '?' : `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export function page(title: string, body: string, { nonce, script }: PageOptions): string {
  const csp = script
    ? // The UI kit sets inline styles on its elements, which a style nonce would forbid; scripts keep the nonce.
      // The layout worker is fetched (connect-src) and started from a blob (worker-src).
      `default-src 'none'; style-src ${script.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}'; font-src ${script.cspSource}; connect-src ${script.cspSource}; worker-src blob:; img-src ${script.cspSource} data:;`
    : `default-src 'none'; style-src 'nonce-${nonce}';`;
  const scriptTag = script ? `\n<script nonce="${nonce}" src="${escapeHtml(script.uri)}"></script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">${script?.worker ? `\n<meta name="onnx-pruner-worker" content="${escapeHtml(script.worker)}">` : ''}
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}${LAYOUT_STYLE}</style>
</head>
<body>${body}${scriptTag}
</body>
</html>`;
}

const STYLE = `
body {
  color: var(--vscode-foreground);
  background: var(--vscode-editor-background);
  font-family: var(--vscode-font-family);
  font-size: var(--vscode-font-size);
  padding: 0 20px 20px;
  max-width: 1600px;
}
h1 { font-size: 1.5em; font-weight: 600; margin: 16px 0 12px; }
h2 {
  font-size: 1.1em; font-weight: 600; margin: 20px 0 6px; padding-bottom: 4px;
  border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
}
code { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 24px; margin: 0; }
.facts dt { color: var(--vscode-descriptionForeground); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; }
th {
  text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground);
  padding: 2px 24px 2px 0;
}
td { padding: 2px 24px 2px 0; vertical-align: top; overflow-wrap: anywhere; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: var(--vscode-list-hoverBackground); }
.muted { color: var(--vscode-descriptionForeground); }
.edited {
  display: flex; gap: 12px; align-items: center; flex-wrap: wrap;
  padding: 6px 10px; margin-bottom: 8px;
  border-left: 3px solid var(--vscode-focusBorder);
  background: var(--vscode-textBlockQuote-background);
}
.findings li {
  margin: 6px 0; list-style: none;
  display: grid; grid-template-columns: 4.5em 4.5em 1fr auto; gap: 8px; align-items: start;
}
.findings .actions { display: flex; gap: 4px; }
code.reveal { cursor: pointer; text-decoration: underline dotted; }
.verified { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
.findings { padding: 0; }
.sev-error { color: var(--vscode-errorForeground); }
.sev-warning { color: var(--vscode-editorWarning-foreground); }
.sev-info { color: var(--vscode-editorInfo-foreground); }
.locked { color: var(--vscode-descriptionForeground); }
#inspector .toolbar { display: flex; gap: 8px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
#search {
  min-width: 260px; padding: 4px 6px; color: var(--vscode-input-foreground);
  background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent);
  font-family: inherit;
}
#search:focus { outline: 1px solid var(--vscode-focusBorder); }
#inspector .stage {
  position: relative; display: grid; grid-template-columns: minmax(0, 1fr) 320px; grid-template-rows: minmax(0, 1fr);
  height: 62vh; min-height: 320px;
  border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
}
#graph { width: 100%; height: 100%; display: block; cursor: grab; }
#graph:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
#minimap {
  position: absolute; left: 8px; bottom: 8px; width: 160px; height: 110px;
  border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent)); opacity: 0.9;
}
#details {
  overflow: auto; padding: 8px 12px; font-size: 12px;
  border-left: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
}
#details h2 { font-size: 1.1em; margin: 4px 0; overflow-wrap: anywhere; }
#details h3 { font-size: 1em; margin: 10px 0 4px; }
#details p { margin: 2px 0; overflow-wrap: anywhere; }
#details table { width: 100%; }
#details td { padding: 1px 8px 1px 0; font-size: 12px; white-space: nowrap; }
#details td:first-child { white-space: normal; overflow-wrap: anywhere; }
#details .weight td { color: var(--vscode-descriptionForeground); padding-bottom: 4px; }
#details canvas.importance { width: 100%; height: 90px; }
.prune-form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
#prune-preview .totals, #compare-table .totals { font-weight: 600; margin: 8px 0 4px; }
#prune-preview input {
  width: 5em; color: var(--vscode-input-foreground); background: var(--vscode-input-background);
  border: 1px solid var(--vscode-input-border, transparent);
}
#compare tr.changed td { color: var(--vscode-foreground); }
#compare tr:not(.changed) td { color: var(--vscode-descriptionForeground); }
.error {
  color: var(--vscode-errorForeground);
  background: var(--vscode-inputValidation-errorBackground);
  border: 1px solid var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground));
  padding: 8px 12px;
  white-space: pre-wrap;
}
`;
