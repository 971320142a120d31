// The model editor's page for a document: the summary (summaryHtml.ts), a line saying what edits are applied and
// unsaved, the channel groups and the findings, each fixable one with a Fix button. No vscode import.
import type { FindingRow, GroupRow, ModelEdit, ModelStateResult } from '../protocol/server';
import { badge, button, checkbox, dropdown, escapeHtml, tag, textField } from '../shared/markup';
import { type PageOptions, renderSummaryPage } from './summaryHtml';

export interface EditorPageInput {
  state: Extract<ModelStateResult, { ok: true }>;
  edits: readonly ModelEdit[];
  dirty: boolean;
}

export function renderEditorPage(input: EditorPageInput, title: string, options: PageOptions): string {
  const { state } = input;
  return renderSummaryPage(state.summary, title, options, {
    top:
      editsLine(input) +
      findingsSection(state.findings) +
      (options.script?.worker
        ? inspectorSection(state.summary.path) + pruneSection(input.edits, state.verification)
        : ''),
    bottom: groupsSection(state.groups),
  });
}

/** The graph inspector's frame; webview/graph/inspector.ts fills it once the page script runs. */
function inspectorSection(modelPath: string): string {
  return `
<section id="inspector" aria-label="Graph" data-model="${escapeHtml(modelPath)}">
  <div class="toolbar">
    <input id="search" type="search" placeholder="Search nodes, ops, tensors (/)" aria-label="Search the graph" spellcheck="false">
    <span id="search-count" class="muted"></span>
    ${button('Fit', {}, { id: 'fit', title: 'Fit the graph in view (0)' })}
    ${button('Export SVG', {}, { id: 'export-svg' })}
    ${button('Export PNG', {}, { id: 'export-png' })}
    <span id="graph-status" class="muted" role="status">Loading the graph…</span>
  </div>
  <div class="stage">
    <canvas id="graph" tabindex="0" aria-label="Model graph: drag to pan, wheel to zoom, arrows to move along edges"></canvas>
    <canvas id="minimap" aria-hidden="true"></canvas>
    <aside id="details" aria-label="Node details">Select a node to see its attributes, weights and channel group.</aside>
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
      ${button('Run Sensitivity', {}, { id: 'sens-run', title: 'Prune each group alone at 0.1, 0.3, 0.5 and 0.7 and measure its fidelity in ONNX Runtime' })}
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

function findingsSection(findings: readonly FindingRow[]): string {
  if (findings.length === 0) return '';
  const items = findings.map((f) => {
    const fix = f.fix
      ? button(
          'Fix',
          { fix: f.fix.code, node: f.fix.node, title: f.fix.title },
          { appearance: 'primary', title: f.fix.title },
        )
      : '';
    const where = f.node ? `<code>${escapeHtml(f.node)}</code>: ` : '';
    const actions = [
      fix,
      f.node ? button('Reveal', { reveal: f.node }, { title: 'Show the node in the graph' }) : '',
      f.group
        ? button(
            'Exclude Layer',
            { 'exclude-group': f.group },
            { title: "Leave this group's layers out of the plan" },
          )
        : '',
    ].join(' ');
    return `    <li>${tag(f.code)} <span class="sev-${f.severity}">${f.severity}</span> <span>${where}${escapeHtml(f.message)}</span> <span class="actions">${actions}</span></li>`;
  });
  return `
<section aria-label="Findings">
  <h2>Findings ${badge(String(findings.length))}</h2>
  <ul class="findings">
${items.join('\n')}
  </ul>
</section>`;
}

function groupsSection(groups: readonly GroupRow[]): string {
  if (groups.length === 0) return '';
  const prunable = groups.filter((g) => g.prunable).length;
  const rows = groups.map((g) => {
    const roots = g.roots
      .map(
        (r) =>
          `<code class="reveal" data-reveal="${escapeHtml(r)}" title="Show in the graph">${escapeHtml(r)}</code>`,
      )
      .join(', ');
    const shuffles = g.pixelShuffles.map(escapeHtml).join('<br>');
    const state = g.prunable
      ? 'prunable'
      : `<span class="locked" title="${escapeHtml(g.locked ?? '')}">locked: ${escapeHtml(g.locked ?? '')}</span>`;
    return `      <tr><td>${escapeHtml(g.id)}</td><td>${roots}</td><td class="num">${g.channels}</td><td class="num">${g.unit}</td><td class="num">${g.members}</td><td>${shuffles}</td><td>${state}</td></tr>`;
  });
  return `
<section aria-label="Channel groups">
  <h2>Channel groups ${badge(`${prunable} of ${groups.length} prunable`)}</h2>
  <table class="groups">
    <thead><tr><th>Group</th><th>Roots</th><th class="num">Channels</th><th class="num">Unit</th><th class="num">Members</th><th>Pixel shuffles</th><th>State</th></tr></thead>
    <tbody>
${rows.join('\n')}
    </tbody>
  </table>
</section>`;
}
