// The model editor's page for a document. With the graph (the page script and its layout worker), the graph
// takes the whole editor and everything else sits in a side bar of collapsible sections, VS Code-like: findings
// grouped by code, the selected node's details, pruning, the model's summary (summaryHtml.ts) and its channel
// groups; the page script (webview/sidebar.ts) remembers what is open. Without the graph, the same parts are one
// plain page. No vscode import.
import type { ModelEdit, ModelStateResult } from '../protocol/server';
import { badge, button, checkbox, dropdown, escapeHtml, textField } from '../shared/markup';
import { findingGroups, groupList } from './findingsHtml';
import { type PageOptions, page, renderSummaryPage, summarySections } from './summaryHtml';

export interface EditorPageInput {
  state: Extract<ModelStateResult, { ok: true }>;
  edits: readonly ModelEdit[];
  dirty: boolean;
  /** The graph opens with its name scopes collapsed above this many nodes (onnxPruner.graph.collapseAbove). */
  collapseAbove?: number;
}

export function renderEditorPage(input: EditorPageInput, title: string, options: PageOptions): string {
  const { state } = input;
  const findings = state.findings.length
    ? pane('findings', `Findings ${badge(String(state.findings.length))}`, findingGroups(state.findings))
    : '';
  const groups = state.groups.length
    ? pane(
        'groups',
        `Channel groups ${badge(`${state.groups.filter((g) => g.prunable).length} of ${state.groups.length} prunable`)}`,
        groupList(state.groups),
      )
    : '';
  if (!options.script?.worker)
    return renderSummaryPage(state.summary, title, options, {
      top: editsLine(input) + findings,
      bottom: groups,
    });
  const sidebar = `
<aside id="sidebar" aria-label="Side bar">
  <header class="sidebar-title">
    <h1>${escapeHtml(title)}</h1>${editsLine(input)}
  </header>${findings}
${pane('details', 'Details', '<div id="details">Select a node to see its attributes, weights and channel group.</div>')}
${pane('pruning', 'Pruning', pruneSection(input.edits, state.verification))}
${pane('model', 'Model', summarySections(state.summary))}${groups}
</aside>`;
  const collapse =
    input.collapseAbove !== undefined
      ? ` data-collapse-above="${Math.max(0, Math.floor(input.collapseAbove))}"`
      : '';
  const body = `
<div id="inspector" data-model="${escapeHtml(state.summary.path)}"${collapse} data-sidebar="open">
${graphArea()}
  <div id="sash" role="separator" aria-orientation="vertical" aria-controls="sidebar" aria-label="Side bar width" tabindex="0" title="Drag, or use the arrow keys, to resize the side bar"></div>${sidebar}
</div>`;
  return page(title, body, options);
}

/**
 * A collapsible section of the side bar: a native `<details>` (keyboard accessible as it is), its heading in
 * the summary. Open at first; the page script restores what the user chose.
 */
function pane(id: string, heading: string, body: string): string {
  return `
<details class="pane" id="pane-${id}" data-pane="${id}" open>
  <summary><h2>${heading}</h2></summary>
  <div class="pane-body">${body}</div>
</details>`;
}

/** The graph inspector's frame; webview/graph/inspector.ts fills it once the page script runs. */
function graphArea(): string {
  return `
<section class="graph-area" aria-label="Graph">
  <div class="toolbar">
    <input id="search" type="search" placeholder="Search nodes, ops, tensors (/)" aria-label="Search the graph" spellcheck="false">
    <span id="search-count" class="muted"></span>
    ${button('Fit', {}, { id: 'fit', title: 'Fit the graph in view (0)' })}
    ${button('Export SVG', {}, { id: 'export-svg' })}
    ${button('Export PNG', {}, { id: 'export-png' })}
    <span id="graph-status" class="muted" role="status">Loading the graph…</span>
    <button type="button" id="toggle-sidebar" class="icon-toggle" aria-controls="sidebar" aria-expanded="true" title="Hide the side bar">Hide side bar</button>
  </div>
  <div class="stage">
    <canvas id="graph" tabindex="0" aria-label="Model graph: drag to pan, wheel to zoom, arrows to move along edges"></canvas>
    <canvas id="minimap" aria-hidden="true"></canvas>
  </div>
</section>`;
}

/** The pruning panel (webview/prunePanel.ts fills the preview) and, once pruned, the compare view. */
function pruneSection(
  edits: readonly ModelEdit[],
  verification: EditorPageInput['state']['verification'],
): string {
  const verdict = verification
    ? `\n  <p class="${verification.passed ? 'verified' : 'sev-error'}" role="status">${
        verification.passed
          ? `Verified in ONNX Runtime: the ${verification.plainPrune ? 'plain prune (before the refit, which changes the weights on purpose)' : 'pruned model'} equals the model before it with the removed channels masked (max error ${escapeHtml(verification.maxAbsError?.toExponential(1) ?? '–')}).`
          : 'VERIFICATION FAILED in ONNX Runtime: see the ONNX Pruner log.'
      }</p>`
    : '';
  const compare = edits.some((e) => e.kind === 'prune')
    ? `
<section id="compare" aria-label="Compare">
  <h2>Compare with the model as opened</h2>${verdict}
  <div id="compare-table" class="muted">Loading…</div>
  <div class="prune-form">
    ${button('Measure Fidelity and Latency', {}, { id: 'fidelity-run', title: 'Run both models in ONNX Runtime on the calibration inputs: PSNR/SSIM or top-1, the outputs side by side, paired latency' })}
    <span id="fidelity-status" class="muted" role="status"></span>
  </div>
  <div id="fidelity"></div>
</section>`
    : '';
  return `
<section id="prune" aria-label="Prune channels">
  <h2>Prune channels</h2>
  <div class="prune-form">
    ${dropdown(
      'prune-criterion',
      [
        ['l1', 'l1 norm'],
        ['l2', 'l2 norm'],
        ['bn', 'BatchNorm scale'],
        ['random', 'random'],
        ['greedy', 'greedy (data-aware)'],
      ],
      'Criterion',
    )}
    ${dropdown(
      'prune-mode',
      [
        ['ratio', 'Ratio per group'],
        ['global', 'Global ratio'],
        ['macs', 'MACs target'],
        ['latency', 'Latency target'],
      ],
      'Amount',
    )}
    ${textField('prune-value', '0.5', 'Ratio, or share of MACs or of latency to keep')}
    ${button('Write Plan', {}, { id: 'prune-write', appearance: 'primary', title: 'Write <model>.prune.json and preview it' })}
    ${button('Apply Plan', {}, { id: 'prune-apply', title: 'Apply the plan to this model (undoable)' })}
    <span id="prune-status" class="muted" role="status"></span>
  </div>
  <div class="prune-form">
    <span>Calibration inputs: <code id="prune-calib">random (a weak estimate)</code></span>
    ${button('Choose Folder…', {}, { id: 'prune-calib-pick', title: 'A folder of PNG/JPEG pictures or .npy/.pb tensors: used by the greedy criterion, the refit, sensitivity and fidelity' })}
    ${button('Use Random', {}, { id: 'prune-calib-clear', title: 'Seeded random inputs instead of a folder' })}
    ${checkbox('prune-reconstruct', 'Reconstruct (refit the next layers by least squares)', 'After the prune, refit the layers that read removed channels on the calibration inputs, without training')}
  </div>
  <div id="prune-preview"></div>
  <details id="sensitivity" open>
    <summary>Sensitivity</summary>
    <div class="prune-form">
      ${button('Run Sensitivity', {}, { id: 'sens-run', title: 'Prune each group alone at 0.1, 0.3, 0.5 and 0.7 and measure its fidelity in ONNX Runtime (at most Sensitivity: Max Groups groups, those with the most MACs)' })}
      ${button('Cancel', {}, { id: 'sens-cancel', title: 'Stop the analysis' })}
      <span id="sens-status" class="muted" role="status">Which layers can be cut without hurting the output?</span>
    </div>
    <div id="sens-chart"></div>
    <div class="prune-form">
      ${dropdown(
        'alloc-kind',
        [
          ['macs', 'MACs share'],
          ['psnr', 'Minimum PSNR (dB)'],
          ['top1', 'Minimum top-1 agreement'],
        ],
        'Allocation target',
      )}
      ${textField('alloc-value', '0.6', 'Target value')}
      ${button('Allocate by Sensitivity', {}, { id: 'alloc-run', title: "Per-layer ratios for the target (more from layers that hurt least), written to the plan's layers" })}
      <span id="alloc-status" class="muted" role="status"></span>
    </div>
  </details>
</section>${compare}`;
}

function editsLine({ edits, dirty }: EditorPageInput): string {
  if (edits.length === 0) return '';
  const what = edits.map((e) => escapeHtml(e.label)).join(' · ');
  const status = dirty ? 'Unsaved edits (Save writes the model, Undo takes them back)' : 'Edits saved';
  return `\n<p class="edited" role="status"><strong>${status}:</strong> ${what}</p>`;
}
