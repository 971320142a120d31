// The fixed structure behind the graph view (scene.ts): which boxes and nodes each name-scope box holds, the
// top level's items, the edges between nodes the view draws and which touch each node, and a box's contents as
// a layout problem. Item i < nodes is node i; item nodes + b is box b. Pure (no DOM).
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { LayoutInput } from './layout';

/** A box's contents (or the top level's) to lay out, with what maps the layout back to items and edges. */
export interface Problem {
  items: number[];
  input: LayoutInput;
  /** "from,to" (items) → edge index in input.edges. */
  keys: Map<string, number>;
  labels: (string | undefined)[];
}

/** The edges between nodes the view draws: producer → consumer, weights left out, with the value's shape. */
export function nodeEdges(skeleton: GraphSkeleton): { u: number; v: number; label?: string }[] {
  const edges: { u: number; v: number; label?: string }[] = [];
  skeleton.nodes.forEach((node, i) => {
    for (const v of node.inputs) {
      const value = skeleton.values[v];
      if (value.producer >= 0 && !value.weight)
        edges.push({ u: value.producer, v: i, ...(value.shape ? { label: value.shape } : {}) });
    }
  });
  return edges;
}

export class BoxTree {
  readonly boxChildren: number[][];
  readonly boxNodes: number[][];
  readonly topItems: number[];
  /** The edges between nodes (nodeEdges). */
  readonly graph: { u: number; v: number; label?: string }[];
  private readonly outEdges: number[][];
  private readonly inEdges: number[][];
  private readonly nodes: number;

  constructor(private readonly skeleton: GraphSkeleton) {
    const n = skeleton.nodes.length;
    this.nodes = n;
    this.boxChildren = skeleton.boxes.map(() => []);
    this.boxNodes = skeleton.boxes.map(() => []);
    this.topItems = [];
    skeleton.boxes.forEach((box, b) => {
      if (box.parent >= 0) this.boxChildren[box.parent].push(b);
      else this.topItems.push(n + b);
    });
    skeleton.nodes.forEach((node, i) => {
      if (node.box === undefined) this.topItems.push(i);
      else this.boxNodes[node.box].push(i);
    });
    this.graph = nodeEdges(skeleton);
    this.outEdges = Array.from({ length: n }, () => []);
    this.inEdges = Array.from({ length: n }, () => []);
    this.graph.forEach((e, k) => {
      this.outEdges[e.u].push(k);
      this.inEdges[e.v].push(k);
    });
  }

  contents(b: number): number[] {
    return [...this.boxChildren[b].map((c) => this.nodes + c), ...this.boxNodes[b]];
  }

  /**
   * The contents of a box (or the top level, container -1) as a layout problem: its items, and the edges
   * between them (one per pair of items, whatever the number of values), with the shape when it is one value
   * between two nodes.
   */
  problem(container: number, w: Float64Array, h: Float64Array): Problem {
    const items = container < 0 ? this.topItems : this.contents(container);
    const at = new Map(items.map((item, k) => [item, k]));
    const edges: [number, number][] = [];
    const keys = new Map<string, number>();
    const labels: (string | undefined)[] = [];
    const indices = container < 0 ? this.graph.map((_, k) => k) : this.edgesOf(this.subtree(container).nodes);
    for (const k of indices) {
      const e = this.graph[k];
      const a = at.get(this.itemIn(e.u, container));
      const c = at.get(this.itemIn(e.v, container));
      if (a === undefined || c === undefined || a === c) continue;
      const key = `${items[a]},${items[c]}`;
      if (keys.has(key)) continue;
      keys.set(key, edges.length);
      edges.push([a, c]);
      labels.push(items[a] === e.u && items[c] === e.v ? e.label : undefined);
    }
    return {
      items,
      keys,
      labels,
      input: { sizes: items.map((i) => ({ w: w[i], h: h[i] })), edges },
    };
  }

  /** The item among a box's contents (or the top level's) that holds a node; -1 when it is elsewhere. */
  itemIn(node: number, container: number): number {
    let b = this.skeleton.nodes[node].box ?? -1;
    if (b === container) return node;
    for (; b >= 0; b = this.skeleton.boxes[b].parent)
      if (this.skeleton.boxes[b].parent === container) return this.nodes + b;
    return -1;
  }

  /** The graph edges touching these nodes. */
  edgesOf(nodes: number[]): number[] {
    const set = new Set<number>();
    for (const i of nodes) {
      for (const k of this.outEdges[i]) set.add(k);
      for (const k of this.inEdges[i]) set.add(k);
    }
    return [...set];
  }

  subtree(b: number): { boxes: number[]; nodes: number[] } {
    const boxes: number[] = [];
    const nodes: number[] = [];
    const stack = [b];
    while (stack.length) {
      const c = stack.pop()!;
      boxes.push(c);
      // Loops, not spreads: a flat graph's one box holds every node, and a spread of 200,000 overflows the stack.
      for (const n of this.boxNodes[c]) nodes.push(n);
      for (const child of this.boxChildren[c]) stack.push(child);
    }
    return { boxes, nodes };
  }

  /** The ancestors of a box that are expanded (all are, when the box is shown), innermost first. */
  ancestors(b: number): number[] {
    const out: number[] = [];
    for (let a = this.skeleton.boxes[b].parent; a >= 0; a = this.skeleton.boxes[a].parent) out.push(a);
    return out;
  }

  /** Whether a box holds an item, however deep. */
  holds(box: number, item: number): boolean {
    let b =
      item >= this.nodes
        ? this.skeleton.boxes[item - this.nodes].parent
        : (this.skeleton.nodes[item].box ?? -1);
    for (; b >= 0; b = this.skeleton.boxes[b].parent) if (b === box) return true;
    return false;
  }
}
