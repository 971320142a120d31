// The pruning panel and the compare view in the model editor's page. The plan file beside the model is the one
// source of truth: the form writes it (through the host), edits of the plan in its editor come back here, and
// the preview (channels per group, parameters and MACs before and after) is always the plan's. DOM calls and
// textContent only.
import type { PrunePreview } from '../src/core/prune/preview';
import type { AllocationTarget } from '../src/core/quality/allocateTarget';
import { inputValue, isChecked, setInputValue } from './components';
import type { AllocationReply, HostMessage, PageMessage, PanelSettings } from '../src/protocol/webview';
import { el } from './dom';
import { renderFidelity } from './fidelityView';
import { renderSensitivityChart } from './sensitivityChart';

/** The messages this panel takes (the inspector takes the others). */
export const PANEL_MESSAGES: ReadonlySet<HostMessage['type']> = new Set([
  'plan',
  'compare',
  'calib',
  'sensitivity',
  'allocation',
  'fidelity',
]);

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

function change(before: number, after: number): string {
  const ratio = after > 0 ? ` (${(before / after).toFixed(2)}×)` : '';
  return `${compact.format(before)} → ${compact.format(after)}${ratio}`;
}

export class PrunePanel {
  constructor(private readonly post: (message: PageMessage) => void) {
    document.getElementById('prune-write')?.addEventListener('click', () => this.write());
    document.getElementById('prune-apply')?.addEventListener('click', () => {
      this.status('Applying the plan…');
      this.post({ type: 'apply-plan', reconstruct: isChecked('prune-reconstruct') });
    });
    const on = (id: string, action: () => void) =>
      document.getElementById(id)?.addEventListener('click', action);
    on('prune-calib-pick', () => this.post({ type: 'pick-calib' }));
    on('prune-calib-clear', () => this.post({ type: 'clear-calib' }));
    on('sens-run', () => this.post({ type: 'sensitivity' }));
    on('sens-cancel', () => this.post({ type: 'cancel' }));
    on('alloc-run', () => this.allocate());
    on('fidelity-run', () => this.post({ type: 'fidelity' }));
    this.busy('sens', false);
    post({ type: 'plan' });
    if (document.getElementById('compare')) post({ type: 'compare' });
  }

  receive(message: HostMessage): void {
    if (message.type === 'plan') {
      if (message.settings) this.fill(message.settings);
      if (message.preview) this.showPreview(message.preview);
      this.status(
        message.message ??
          (message.plan ? `Plan: ${message.plan}` : 'No plan yet: set the amount and write one.'),
      );
      document.getElementById('prune')!.dataset.plan = message.plan ?? '';
    } else if (message.type === 'compare') {
      this.showCompare(message);
    } else if (message.type === 'calib') {
      const calib = document.getElementById('prune-calib');
      if (calib) calib.textContent = message.dir ?? 'random (a weak estimate)';
    } else if (message.type === 'sensitivity') {
      this.showSensitivity(message);
    } else if (message.type === 'allocation') {
      this.showAllocation(message);
    } else if (message.type === 'fidelity') {
      this.showFidelity(message);
    }
  }

  /** While a measurement runs its Run button is disabled and Cancel enabled, and the other way round. */
  private busy(prefix: 'sens' | 'fidelity', running: boolean): void {
    document.getElementById(`${prefix}-run`)?.toggleAttribute('disabled', running);
    document.getElementById(`${prefix}-cancel`)?.toggleAttribute('disabled', !running);
  }

  private showSensitivity(message: Extract<HostMessage, { type: 'sensitivity' }>): void {
    const status = document.getElementById('sens-status');
    if (!status) return;
    if (message.running) {
      this.busy('sens', true);
      status.textContent = 'Measuring each group alone in ONNX Runtime… (Cancel stops it)';
      return;
    }
    this.busy('sens', false);
    if (!message.ok) {
      status.textContent = message.cancelled ? 'Cancelled: no result.' : message.message;
      return;
    }
    const { report } = message;
    const { measured, prunable, macsShare } = report.coverage;
    // Fewer groups than the model has (the Sensitivity: Max Groups setting): which, and what they cover.
    const groups =
      measured === prunable
        ? `${measured} groups`
        : `${measured} of ${prunable} groups (those with the most MACs${macsShare === null ? '' : `: ${(macsShare * 100).toFixed(1)} % of the prunable layers' MACs`}; Allocate cuts only these)`;
    const ratios = report.ratios.length;
    status.textContent = `${groups} × ${ratios} ratio${ratios === 1 ? '' : 's'} (criterion ${report.criterion}); inputs: ${report.inputs}`;
    renderSensitivityChart(document.getElementById('sens-chart')!, report.rows);
  }

  private allocate(): void {
    const kind = inputValue('alloc-kind') as AllocationTarget['kind'];
    const value = Number(inputValue('alloc-value'));
    const status = document.getElementById('alloc-status')!;
    let target: AllocationTarget | undefined;
    if (kind === 'psnr' && Number.isFinite(value) && value > 0) target = { kind, db: value };
    else if ((kind === 'macs' || kind === 'top1') && value > 0 && value <= 1) target = { kind, share: value };
    if (!target) {
      status.textContent =
        kind === 'psnr'
          ? 'The minimum PSNR is a number of dB above 0.'
          : 'The share must be above 0 and at most 1.';
      return;
    }
    status.textContent = 'Allocating…';
    this.post({ type: 'allocate', target });
  }

  private showAllocation(reply: { type: 'allocation' } & AllocationReply): void {
    const status = document.getElementById('alloc-status');
    if (!status) return;
    if (!reply.ok) {
      status.textContent = reply.message;
      return;
    }
    const cut = Object.keys(reply.ratios).length;
    const figures = reply.predicted.map((o) => {
      const parts = [];
      if (o.psnr !== undefined)
        parts.push(`PSNR ${Number.isFinite(o.psnr) ? `${o.psnr.toFixed(1)} dB` : '∞'}`);
      if (o.top1 !== undefined) parts.push(`top-1 ${(o.top1 * 100).toFixed(1)} %`);
      parts.push(`cosine ${o.cosine.toFixed(4)}`);
      return `${o.name}: ${parts.join(', ')}`;
    });
    status.textContent =
      `${cut} layer${cut === 1 ? '' : 's'} cut, written to the plan. Predicted (first order, from the sensitivity run): ` +
      `MACs ${(reply.predictedMacs * 100).toFixed(1)} % of the original; ${figures.join('; ')}` +
      (reply.reached ? '.' : '. The target is out of reach with the measured ratios.');
  }

  private showFidelity(message: Extract<HostMessage, { type: 'fidelity' }>): void {
    const status = document.getElementById('fidelity-status');
    const host = document.getElementById('fidelity');
    if (!status || !host) return;
    document.getElementById('fidelity-run')?.toggleAttribute('disabled', message.running === true);
    if (message.running) {
      status.textContent = 'Running both models in ONNX Runtime…';
      return;
    }
    if (!message.ok) {
      status.textContent = message.cancelled ? 'Cancelled.' : message.message;
      return;
    }
    status.textContent = '';
    renderFidelity(host, message);
  }

  private status(text: string): void {
    document.getElementById('prune-status')!.textContent = text;
  }

  private fill(settings: PanelSettings): void {
    setInputValue('prune-criterion', settings.criterion);
    setInputValue('prune-mode', settings.mode);
    setInputValue('prune-value', String(settings.value));
  }

  private write(): void {
    const value = Number(inputValue('prune-value'));
    const mode = inputValue('prune-mode') as PanelSettings['mode'];
    const share = mode === 'macs' || mode === 'latency';
    const valid = share ? value > 0 && value <= 1 : value >= 0 && value < 1;
    if (!Number.isFinite(value) || !valid) {
      this.status(
        share
          ? `The ${mode === 'macs' ? 'MACs' : 'latency'} target must be above 0 and at most 1.`
          : 'The ratio must be at least 0 and below 1.',
      );
      return;
    }
    this.status(mode === 'latency' ? 'Measuring latency in ONNX Runtime…' : 'Writing the plan…');
    this.post({
      type: 'write-plan',
      settings: { criterion: inputValue('prune-criterion') as PanelSettings['criterion'], mode, value },
    });
  }

  private showPreview(preview: PrunePreview): void {
    const host = document.getElementById('prune-preview')!;
    const totals = el(
      'p',
      `Parameters ${change(preview.parameters.before, preview.parameters.after)} · MACs ${change(preview.macs.before, preview.macs.after)} (estimated before Apply)`,
      'totals',
    );
    const table = el('table', undefined, 'preview');
    const head = el('tr');
    for (const h of ['Group', 'Root', 'Channels', 'Keep', 'MACs of the root']) head.append(el('th', h));
    table.append(el('thead'));
    table.tHead!.append(head);
    const body = el('tbody');
    for (const row of preview.rows) {
      const tr = el('tr');
      const root = el('td');
      root.append(el('code', row.root));
      const keep = el('td');
      if (row.skipped) keep.append(el('span', `left alone: ${row.skipped}`, 'muted'));
      else {
        const input = el('input');
        input.type = 'number';
        input.min = '1';
        input.max = String(row.channels);
        input.value = String(row.kept);
        input.dataset.root = row.root;
        input.setAttribute('aria-label', `Channels of ${row.root} to keep`);
        // A per-layer override: the plan's layers entry for this root, written by the host.
        input.addEventListener('change', () => {
          const n = Number(input.value);
          if (Number.isInteger(n) && n >= 1 && n <= row.channels)
            this.post({ type: 'layer', root: row.root, keep: n, channels: row.channels });
        });
        keep.append(input);
      }
      tr.append(
        el('td', row.group),
        root,
        el('td', String(row.channels), 'num'),
        keep,
        el('td', change(row.macs.before, row.macs.after), 'num'),
      );
      body.append(tr);
    }
    table.append(body);
    host.replaceChildren(totals, table);
  }

  private showCompare(result: Extract<HostMessage, { type: 'compare' }>): void {
    const host = document.getElementById('compare-table');
    if (!host) return;
    if (!result.ok) {
      host.textContent = result.message;
      return;
    }
    host.className = '';
    const totals = el(
      'p',
      `Parameters ${change(result.parameters.before, result.parameters.after)} · MACs ${change(result.macs.before, result.macs.after)}`,
      'totals',
    );
    const table = el('table', undefined, 'compare');
    const head = el('tr');
    for (const h of ['Layer', 'Op', 'Output channels', 'Removed']) head.append(el('th', h));
    table.append(el('thead'));
    table.tHead!.append(head);
    const body = el('tbody');
    for (const row of result.rows) {
      const tr = el('tr', undefined, row.after < row.before ? 'changed' : '');
      const name = el('td');
      name.append(el('code', row.root));
      const removed = row.before - row.after;
      tr.append(
        name,
        el('td', row.op),
        el('td', `${row.before} → ${row.after}`, 'num'),
        el('td', removed ? String(removed) : '', 'num'),
      );
      body.append(tr);
    }
    table.append(body);
    host.replaceChildren(totals, table);
  }
}
