// The pruning panel and the compare view in the model editor's page. The plan file beside the model is the one
// source of truth: the form writes it (through the host), edits of the plan in its editor come back here, and
// the preview (channels per group, parameters and MACs before and after) is always the plan's. DOM calls and
// textContent only.
import type { PrunePreview } from '../src/core/prune/preview';
import { inputValue, setInputValue } from './components';
import type { HostMessage, PageMessage, PanelSettings } from '../src/protocol/webview';
import { el } from './dom';

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
      this.post({ type: 'apply-plan' });
    });
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
    }
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
    const valid = mode === 'macs' ? value > 0 && value <= 1 : value >= 0 && value < 1;
    if (!Number.isFinite(value) || !valid) {
      this.status(
        mode === 'macs'
          ? 'The MACs target must be above 0 and at most 1.'
          : 'The ratio must be at least 0 and below 1.',
      );
      return;
    }
    this.status('Writing the plan…');
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
