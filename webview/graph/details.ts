// The details panel beside the graph: the node's attributes, inputs and outputs with shapes, weight statistics,
// and for a group root a chart of each output channel's L1 norm with its pruning units (pixel-shuffle blocks)
// marked. Built with DOM calls and textContent only: model strings never become markup.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { NodeDetails, PortDetails } from '../../src/core/inspect/nodeDetails';
import { el } from '../dom';

const number = (v: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);

function ports(title: string, list: PortDetails[]): HTMLElement {
  const section = el('section');
  section.append(el('h3', title));
  const table = el('table');
  for (const p of list) {
    const row = el('tr');
    const name = el('td');
    name.append(el('code', p.name));
    row.append(name, el('td', p.dtype ?? '?'), el('td', p.shape ?? '?'));
    table.append(row);
    if (p.weight) {
      const w = p.weight;
      const stats = w.stats
        ? `min ${number(w.stats.min)} · max ${number(w.stats.max)} · mean ${number(w.stats.mean)} · std ${number(w.stats.std)} · sparsity ${(w.stats.sparsity * 100).toFixed(1)} %`
        : (w.why ?? '');
      const info = el('tr', undefined, 'weight');
      const cell = el('td', `weight [${w.dims.join(', ')}], ${w.bytes.toLocaleString('en')} bytes. ${stats}`);
      cell.colSpan = 3;
      info.append(cell);
      table.append(info);
    }
  }
  section.append(table);
  return section;
}

function importanceChart(importance: NonNullable<NodeDetails['importance']>): HTMLElement {
  const section = el('section');
  const blocks = importance.blocks.length;
  section.append(
    el('h3', `Importance (${importance.criterion} per output channel)`),
    el(
      'p',
      importance.unit > 1
        ? `${importance.channels.length} channels in ${blocks} units of ${importance.unit}: a unit is removed whole (pixel-shuffle block or group). Bars of one unit share a colour band.`
        : `${importance.channels.length} channels, each prunable on its own.`,
      'muted',
    ),
  );
  const canvas = el('canvas', undefined, 'importance');
  canvas.width = 320;
  canvas.height = 90;
  const ctx = canvas.getContext('2d')!;
  const style = getComputedStyle(document.body);
  const colours = [
    style.getPropertyValue('--vscode-charts-blue').trim() || '#3794ff',
    style.getPropertyValue('--vscode-charts-orange').trim() || '#d18616',
  ];
  const max = Math.max(...importance.channels, 1e-12);
  const bar = canvas.width / importance.channels.length;
  const unitOf = new Map<number, number>();
  importance.blocks.forEach((block, u) => block.forEach((c) => unitOf.set(c, u)));
  importance.channels.forEach((v, c) => {
    ctx.fillStyle = colours[(unitOf.get(c) ?? c) % 2];
    const h = (v / max) * (canvas.height - 4);
    ctx.fillRect(c * bar, canvas.height - h, Math.max(1, bar - 1), h);
  });
  canvas.setAttribute('aria-label', `L1 norm of ${importance.channels.length} output channels`);
  section.append(canvas);
  return section;
}

export function renderDetails(panel: HTMLElement, d: NodeDetails, skeleton: GraphSkeleton): void {
  panel.replaceChildren();
  panel.append(el('h2', d.name), el('p', d.domain ? `${d.domain}::${d.op}` : d.op, 'muted'));
  const group = skeleton.groups.find((g) => g.id === d.group);
  if (group) {
    const section = el('section', undefined, 'group');
    section.append(el('h3', `Channel group ${group.id}`));
    const facts = [
      `${group.channels} channels, unit ${group.unit}, ${group.members.length} members`,
      `roots: ${group.roots.map((i) => skeleton.nodes[i].name).join(', ')}`,
      ...group.shuffleLabels.map((s) => `pixel shuffle: ${s}`),
      group.prunable ? 'prunable' : `locked: ${group.locked ?? ''}`,
    ];
    for (const f of facts) section.append(el('p', f));
    panel.append(section);
  }
  if (d.attributes.length) {
    const section = el('section');
    section.append(el('h3', 'Attributes'));
    const table = el('table');
    for (const a of d.attributes) {
      const row = el('tr');
      row.append(el('td', a.name), el('td', a.value));
      table.append(row);
    }
    section.append(table);
    panel.append(section);
  }
  panel.append(ports('Inputs', d.inputs), ports('Outputs', d.outputs));
  if (d.importance) panel.append(importanceChart(d.importance));
}
