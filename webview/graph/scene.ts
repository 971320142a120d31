// What the graph view shows: nodes and collapsed name-scope boxes (core/inspect/hierarchy.ts), their
// positions, the frames of expanded boxes and the edges between what is visible. Expanding a box lays out only
// its contents (the layouter runs in the worker) and opens room for them in place: what is above the box does
// not move, what is beside it moves sideways and what is below moves down, each by one offset, so the picture
// the reader had keeps its shape. Pure (no DOM): it runs in the page and in Node tests.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { BoxTree, type Problem } from './boxTree';
import { type Frame, HEADER, PAD, computeFrames } from './frames';
import type { LayoutInput, LayoutResult } from './layout';

export type Layouter = (input: LayoutInput) => Promise<LayoutResult>;

export const NODE_HEIGHT = 38;
const BOX_HEIGHT = 52;

export interface SceneEdge {
  /** Items (a node i, or a collapsed box b as nodes + b). */
  from: number;
  to: number;
  /** Polyline through the layout: [x0, y0, x1, y1, …], from the centre of `from` to the centre of `to`. */
  path: number[];
  /** The shape of the value carried, when the edge is one value between two nodes. */
  label?: string;
}

/** 12345 → "12,345" (toLocaleString is slow enough to matter for thousands of boxes). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** A box's two lines: its scope's name, then how many nodes and which ops it holds. */
export function boxLabels(skeleton: GraphSkeleton, b: number): [string, string] {
  const box = skeleton.boxes[b];
  const ops = box.ops
    .slice(0, 3)
    .map(([op, n]) => `${op}×${n}`)
    .join(' ');
  return [box.label, `${thousands(box.nodes)} nodes · ${ops}${box.ops.length > 3 ? ' …' : ''}`];
}

export class Scene {
  /** Item i < nodes is node i; item nodes + b is box b. */
  readonly nodes: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  /** 1 when the item is drawn (a node whose boxes are all expanded, or a collapsed box whose are). */
  readonly shown: Uint8Array;
  readonly expanded: Uint8Array;
  edges: SceneEdge[] = [];
  frames: Frame[] = [];
  /** Bumped on every change, so the renderer re-indexes. */
  version = 0;
  /** The items shown, as a list (kept in step with `shown`; rebuilt when undefined). */
  private list: number[] | undefined;
  private readonly tree: BoxTree;

  constructor(
    readonly skeleton: GraphSkeleton,
    nodeWidths: readonly number[],
  ) {
    const n = skeleton.nodes.length;
    const count = n + skeleton.boxes.length;
    this.nodes = n;
    this.x = new Float64Array(count);
    this.y = new Float64Array(count);
    this.w = new Float64Array(count);
    this.h = new Float64Array(count);
    this.shown = new Uint8Array(count);
    this.expanded = new Uint8Array(skeleton.boxes.length);
    nodeWidths.forEach((w, i) => {
      this.w[i] = w;
      this.h[i] = NODE_HEIGHT;
    });
    skeleton.boxes.forEach((_, b) => {
      const [title, line] = boxLabels(skeleton, b);
      this.w[n + b] = Math.max(120, 7.5 * title.length + 32, 6.2 * line.length + 20);
      this.h[n + b] = BOX_HEIGHT;
    });
    this.tree = new BoxTree(skeleton);
  }

  /** Every node shown, at the positions of a layout of the whole graph (edges in nodeEdges' order). */
  showFlat(layout: LayoutResult): void {
    this.list = undefined;
    this.shown.fill(0);
    this.expanded.fill(1);
    for (let i = 0; i < this.nodes; i++) {
      this.shown[i] = 1;
      this.x[i] = layout.x[i];
      this.y[i] = layout.y[i];
    }
    this.edges = this.tree.graph.map((e, k) => ({
      from: e.u,
      to: e.v,
      path: layout.paths[k],
      label: e.label,
    }));
    this.frames = [];
    this.version++;
  }

  /** The top level: boxes collapsed, laid out by `layouter`. */
  async showTop(layouter: Layouter): Promise<void> {
    this.list = undefined;
    this.shown.fill(0);
    this.expanded.fill(0);
    const problem = this.tree.problem(-1, this.w, this.h);
    const layout = await layouter(problem.input);
    problem.items.forEach((item, k) => {
      this.shown[item] = 1;
      this.x[item] = layout.x[k];
      this.y[item] = layout.y[k];
    });
    this.edges = problem.input.edges.map(([a, c], k) => ({
      from: problem.items[a],
      to: problem.items[c],
      path: layout.paths[k],
      ...(problem.labels[k] ? { label: problem.labels[k] } : {}),
    }));
    this.frames = [];
    this.version++;
  }

  /** The item a node is drawn as: itself, or the outermost collapsed box holding it. */
  itemOf(node: number): number {
    let item = node;
    for (let b = this.skeleton.nodes[node].box ?? -1; b >= 0; b = this.skeleton.boxes[b].parent)
      if (!this.expanded[b]) item = this.nodes + b;
    return item;
  }

  /** The collapsed boxes holding a node, outermost first: what Reveal expands. */
  collapsedAround(node: number): number[] {
    const chain: number[] = [];
    for (let b = this.skeleton.nodes[node].box ?? -1; b >= 0; b = this.skeleton.boxes[b].parent)
      if (!this.expanded[b]) chain.push(b);
    return chain.reverse();
  }

  /**
   * Opens name-scope boxes level by level, the smallest first, while at most `budget` items are shown: the
   * first view of a large graph shows its top levels, a box of thousands of blocks staying closed.
   */
  async openLevels(layouter: Layouter, budget: number): Promise<void> {
    let count = this.tree.topItems.length;
    // Name scopes only: a call's body (core/inspect/bodies.ts) stays one box until asked for, as Netron
    // shows an If or a function call as one node.
    const scope = (b: number) => this.skeleton.boxes[b].call === undefined;
    let level = this.tree.topItems
      .filter((i) => i >= this.nodes && scope(i - this.nodes))
      .map((i) => i - this.nodes);
    const more = (b: number) => this.tree.boxChildren[b].length + this.tree.boxNodes[b].length - 1;
    while (level.length > 0) {
      const chosen: number[] = [];
      for (const b of [...level].sort((a, c) => more(a) - more(c))) {
        if (count + more(b) > budget) break;
        chosen.push(b);
        count += more(b);
      }
      if (chosen.length === 0) break;
      await this.expand(chosen, layouter);
      level = chosen.flatMap((b) => this.tree.boxChildren[b]).filter(scope);
    }
  }

  /** Expands collapsed boxes (their contents laid out in parallel, then opened one by one in place). */
  async expand(boxes: number[], layouter: Layouter): Promise<void> {
    const todo = boxes.filter((b) => !this.expanded[b] && this.shown[this.nodes + b]);
    const problems = todo.map((b) => this.tree.problem(b, this.w, this.h));
    const layouts = await Promise.all(problems.map((p) => layouter(p.input)));
    todo.forEach((b, k) => this.open(b, problems[k], layouts[k]));
  }

  /** Collapses an expanded box (and every box inside it) back into one box where its frame's top was. */
  collapse(b: number): void {
    const frame = this.frames.find((f) => f.box === b);
    if (!frame || !this.expanded[b]) return;
    const inside = this.tree.subtree(b);
    this.list = undefined;
    for (const c of inside.boxes) this.expanded[c] = 0;
    for (const i of inside.nodes) this.shown[i] = 0;
    for (const c of inside.boxes) this.shown[this.nodes + c] = 0;
    const item = this.nodes + b;
    this.shown[item] = 1;
    this.x[item] = (frame.x0 + frame.x1) / 2;
    this.y[item] = frame.y0 + this.h[item] / 2;
    const hidden = (i: number) => !this.shown[i];
    this.edges = this.edges.filter((e) => !hidden(e.from) && !hidden(e.to));
    const { pairs } = this.visibleEdges(this.tree.edgesOf(inside.nodes));
    for (const p of pairs)
      this.edges.push({
        from: p.from,
        to: p.to,
        path: [this.x[p.from], this.y[p.from], this.x[p.to], this.y[p.to]],
      });
    this.frames = computeFrames(this, this.shownItems());
    this.version++;
  }

  /** Bounds of everything shown. */
  bounds(): { x0: number; y0: number; x1: number; y1: number } {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < this.shown.length; i++) {
      if (!this.shown[i]) continue;
      x0 = Math.min(x0, this.x[i] - this.w[i] / 2);
      x1 = Math.max(x1, this.x[i] + this.w[i] / 2);
      y0 = Math.min(y0, this.y[i] - this.h[i] / 2);
      y1 = Math.max(y1, this.y[i] + this.h[i] / 2);
    }
    for (const f of this.frames) {
      x0 = Math.min(x0, f.x0);
      x1 = Math.max(x1, f.x1);
      y0 = Math.min(y0, f.y0);
      y1 = Math.max(y1, f.y1);
    }
    return Number.isFinite(x0) ? { x0, y0, x1, y1 } : { x0: 0, y0: 0, x1: 0, y1: 0 };
  }

  /** The items shown, as a list. */
  shownItems(): number[] {
    if (!this.list) {
      this.list = [];
      for (let i = 0; i < this.shown.length; i++) if (this.shown[i]) this.list.push(i);
    }
    return this.list;
  }

  /** The distinct item pairs these graph edges join as things are shown now (within one item: none). */
  private visibleEdges(edgeIndices: number[]): {
    pairs: { from: number; to: number; label?: string }[];
  } {
    const pairs: { from: number; to: number; label?: string }[] = [];
    const seen = new Set<string>();
    for (const k of edgeIndices) {
      const e = this.tree.graph[k];
      const from = this.itemOf(e.u);
      const to = this.itemOf(e.v);
      if (from === to) continue;
      const key = `${from},${to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push({
        from,
        to,
        ...(from === e.u && to === e.v && e.label ? { label: e.label } : {}),
      });
    }
    return { pairs };
  }

  /** Opens box b in place with its contents laid out as `layout`. */
  private open(b: number, problem: Problem, layout: LayoutResult): void {
    const B = this.nodes + b;
    const bx = this.x[B];
    const top = this.y[B] - this.h[B] / 2;
    const bottom = this.y[B] + this.h[B] / 2;
    const W = layout.width + 2 * PAD;
    const H = HEADER + layout.height + PAD;
    const grow = Math.max(0, (W - this.w[B]) / 2);
    const dy = Math.max(0, H - this.h[B]);
    const frames = new Map(this.frames.map((f) => [f.box, f]));
    const bands = this.tree
      .ancestors(b)
      .map((a) => frames.get(a))
      .filter((f): f is Frame => f !== undefined);
    // Items beside the box (or beside a frame holding it) move outward; items below it move down.
    const sideOf = (x: number, y0: number, y1: number, item?: number): number => {
      let beside = y1 > top && y0 < bottom;
      for (const f of bands) {
        if (beside) break;
        const outside = item !== undefined ? !this.tree.holds(f.box, item) : x < f.x0 || x > f.x1;
        beside = outside && y1 > f.y0 && y0 < f.y1;
      }
      return beside ? (x < bx ? -grow : grow) : 0;
    };
    const before = this.shownItems();
    for (const i of before) {
      if (i === B) continue;
      const y0 = this.y[i] - this.h[i] / 2;
      const y1 = this.y[i] + this.h[i] / 2;
      this.x[i] += sideOf(this.x[i], y0, y1, i);
      if (y0 >= bottom) this.y[i] += dy;
    }
    const touching = new Map<number, SceneEdge>();
    const kept: SceneEdge[] = [];
    for (const e of this.edges) {
      const path = e.path.slice();
      for (let j = 2; j < path.length - 2; j += 2) {
        const px = path[j];
        const py = path[j + 1];
        path[j] += sideOf(px, py, py);
        if (py >= bottom) path[j + 1] += dy;
      }
      if (e.from === B || e.to === B) {
        // Re-attached below to the item inside that it now reaches.
        touching.set(e.from === B ? -1 - e.to : e.from, { ...e, path });
        continue;
      }
      path[0] = this.x[e.from];
      path[1] = this.y[e.from];
      path[path.length - 2] = this.x[e.to];
      path[path.length - 1] = this.y[e.to];
      kept.push({ ...e, path });
    }
    // The contents, in the room opened.
    this.expanded[b] = 1;
    this.shown[B] = 0;
    const items = problem.items;
    this.list = [...before.filter((i) => i !== B), ...items];
    const left = bx - W / 2 + PAD;
    items.forEach((item, k) => {
      this.shown[item] = 1;
      this.x[item] = left + layout.x[k];
      this.y[item] = top + HEADER + layout.y[k];
    });
    problem.input.edges.forEach(([a, c], k) => {
      const path = layout.paths[k].slice();
      for (let j = 0; j < path.length; j += 2) {
        path[j] += left;
        path[j + 1] += top + HEADER;
      }
      const label = problem.labels[k];
      kept.push({ from: items[a], to: items[c], path, ...(label ? { label } : {}) });
    });
    const at = new Set(items);
    const { pairs } = this.visibleEdges(this.tree.edgesOf(this.tree.subtree(b).nodes));
    for (const p of pairs) {
      if (at.has(p.from) === at.has(p.to)) continue; // inside: laid out above
      // From outside: the edge the box had, now ending at the item inside.
      const old = at.has(p.to) ? touching.get(p.from) : touching.get(-1 - p.to);
      const path = old ? old.path.slice() : this.straight(p.from, p.to);
      path.splice(0, 2, this.x[p.from], this.y[p.from]);
      path.splice(-2, 2, this.x[p.to], this.y[p.to]);
      kept.push({ from: p.from, to: p.to, path, ...(p.label ? { label: p.label } : {}) });
    }
    this.edges = kept;
    this.frames = computeFrames(this, this.shownItems());
    this.version++;
  }

  private straight(from: number, to: number): number[] {
    return [this.x[from], this.y[from], this.x[to], this.y[to]];
  }
}
