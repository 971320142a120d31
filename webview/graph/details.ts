// The details panel beside the graph: the node's attributes, inputs and outputs with shapes, weight statistics,
// the nodes that read its outputs, its channel group's roots and members (grouped by op type, each a link that
// reveals the node), and for a group root a chart of each output channel's L1 norm with its pruning units
// (pixel-shuffle blocks) marked. Long lists show their first LIST_LIMIT items and a "Show all" button (the page
// script's one handler for capped lists). Built with DOM calls and textContent only: model strings never become
// markup.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { NodeDetails, PortDetails } from '../../src/core/inspect/nodeDetails';
import { LIST_LIMIT, showAllLabel } from '../../src/shared/markup';
import { el } from '../dom';

const number = (v: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);

/** Marks `element` hidden when it is past the first LIST_LIMIT of its list. */
function cap<T extends HTMLElement>(element: T, index: number): T {
  if (index >= LIST_LIMIT) element.hidden = true;
  return element;
}

/** The "Show all" button after a capped list (rows or items), when it has more than LIST_LIMIT. */
function showAllButton(count: number): HTMLElement[] {
  if (count <= LIST_LIMIT) return [];
  const button = el('button', showAllLabel(count), 'show-all');
  button.type = 'button';
  button.dataset.showAll = '';
  return [button];
}

/** A list of nodes, each a link that reveals it in the graph. */
function nodeList(names: readonly string[]): HTMLElement[] {
  const list = el('ul', undefined, 'node-list');
  names.forEach((name, i) => {
    const link = el('button', name, 'link');
    link.type = 'button';
    link.dataset.reveal = name;
    link.title = 'Show in the graph';
    const item = cap(el('li'), i);
    item.append(link);
    list.append(item);
  });
  return [list, ...showAllButton(names.length)];
}

/** A heading with a count: "Members (1,447)". */
const counted = (title: string, n: number) => el('h3', `${title} (${n.toLocaleString('en')})`);

/**
 * The group's members grouped by op type, most frequent first, each op a collapsible list with its count. A
 * short list (up to LIST_LIMIT members) opens every op; a long one opens none until asked. What the user opened
 * stays open while they move between members of the same group.
 */
const openOps = new Set<string>();

function membersByOp(groupId: string, members: readonly number[], skeleton: GraphSkeleton): HTMLElement {
  const section = el('section', undefined, 'members');
  section.append(counted('Members', members.length));
  const byOp = new Map<string, string[]>();
  for (const i of members) {
    const node = skeleton.nodes[i];
    const names = byOp.get(node.op);
    if (names) names.push(node.name);
    else byOp.set(node.op, [node.name]);
  }
  const ops = [...byOp].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  for (const [op, names] of ops) {
    const key = `${groupId}\u0000${op}`;
    const group = el('details', undefined, 'member-group');
    group.dataset.op = op;
    group.open = members.length <= LIST_LIMIT || openOps.has(key);
    const summary = el('summary');
    summary.append(el('code', op), el('span', String(names.length), 'count'));
    group.append(summary, ...nodeList(names));
    group.addEventListener('toggle', () => (group.open ? openOps.add(key) : openOps.delete(key)));
    section.append(group);
  }
  return section;
}

/** The nodes that read the node's outputs. */
function consumers(index: number, skeleton: GraphSkeleton): HTMLElement | undefined {
  const outputs = new Set(skeleton.nodes[index].outputs);
  const names = skeleton.nodes.filter((n) => n.inputs.some((v) => outputs.has(v))).map((n) => n.name);
  if (names.length === 0) return undefined;
  const section = el('section', undefined, 'consumers');
  section.append(counted('Consumers', names.length), ...nodeList(names));
  return section;
}

function ports(title: string, list: PortDetails[]): HTMLElement {
  const section = el('section');
  section.append(list.length > LIST_LIMIT ? counted(title, list.length) : el('h3', title));
  const table = el('table');
  list.forEach((p, index) => {
    const row = cap(el('tr'), index);
    const name = el('td');
    name.append(el('code', p.name));
    row.append(name, el('td', p.dtype ?? '?'), el('td', p.shape ?? '?'));
    table.append(row);
    if (p.weight) {
      const w = p.weight;
      const stats = w.stats
        ? `min ${number(w.stats.min)} · max ${number(w.stats.max)} · mean ${number(w.stats.mean)} · std ${number(w.stats.std)} · sparsity ${(w.stats.sparsity * 100).toFixed(1)} %`
        : (w.why ?? '');
      const info = cap(el('tr', undefined, 'weight'), index);
      const cell = el('td', `weight [${w.dims.join(', ')}], ${w.bytes.toLocaleString('en')} bytes. ${stats}`);
      cell.colSpan = 3;
      info.append(cell);
      table.append(info);
    }
  });
  // Show all reveals the hidden rows of the table before it (a weight's row goes with its port's).
  const tbody = el('tbody');
  for (const row of Array.from(table.childNodes)) tbody.append(row); // a Concat of 200,000 inputs: no spread
  table.append(tbody);
  section.append(table, ...showAllButton(list.length));
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
  const max = importance.channels.reduce((a, b) => Math.max(a, b), 1e-12); // a layer may have 2^20 channels
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
      group.prunable ? 'prunable' : `locked: ${group.locked ?? ''}`,
      ...group.shuffleLabels.map((s) => `pixel shuffle: ${s}`),
    ];
    for (const f of facts) section.append(el('p', f));
    section.append(
      counted('Roots', group.roots.length),
      ...nodeList(group.roots.map((i) => skeleton.nodes[i].name)),
      membersByOp(group.id, group.members, skeleton),
    );
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
  const index = skeleton.nodes.findIndex((n) => n.name === d.name);
  const readers = index >= 0 ? consumers(index, skeleton) : undefined;
  if (readers) panel.append(readers);
  if (d.importance) panel.append(importanceChart(d.importance));
}

/**
 * A body node's details, from the skeleton alone: it is not in the channel analysis, so the host has nothing
 * more to say (no group, no weight statistics). Says which call's body holds it, with a link to the call.
 */
export function renderBodyDetails(panel: HTMLElement, index: number, skeleton: GraphSkeleton): void {
  const node = skeleton.nodes[index];
  const bodies = skeleton.bodies!;
  panel.replaceChildren();
  panel.append(el('h2', node.name), el('p', node.op, 'muted'));
  // The innermost call box around the node, and the branch under it (If's then_branch) if any.
  let branch: string | undefined;
  let call: number | undefined;
  for (let b = node.box ?? -1; b >= 0 && call === undefined; b = skeleton.boxes[b].parent) {
    const box = skeleton.boxes[b];
    if (box.call !== undefined) call = box.call;
    else branch = box.label;
  }
  const section = el('section', undefined, 'body');
  if (call !== undefined) {
    const caller = skeleton.nodes[call];
    section.append(
      el('p', `Inside the ${branch ? `${branch} of` : 'body of'} ${caller.op} node:`),
      ...nodeList([caller.name]),
    );
  }
  section.append(
    el(
      'p',
      'Shown for reading: the channel analysis and the prune do not look inside bodies (a call locks the channels it reads).',
      'muted',
    ),
  );
  panel.append(section);
  const attributes = bodies.attributes[index - bodies.start] ?? [];
  if (attributes.length) {
    const table = el('table');
    for (const [name, value] of attributes) {
      const row = el('tr');
      row.append(el('td', name), el('td', value));
      table.append(row);
    }
    const block = el('section');
    block.append(el('h3', 'Attributes'), table);
    panel.append(block);
  }
  const port = (v: number): PortDetails => ({
    name: skeleton.values[v].name,
    shape: skeleton.values[v].shape,
    dtype: skeleton.values[v].dtype,
  });
  panel.append(ports('Inputs', node.inputs.map(port)), ports('Outputs', node.outputs.map(port)));
  const readers = consumers(index, skeleton);
  if (readers) panel.append(readers);
}
