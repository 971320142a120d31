// A fast layered (Sugiyama-style) layout for the first paint of large graphs: longest-path ranks, dummy nodes on
// long edges, barycenter ordering sweeps, then x positions pulled toward their neighbours. It is linear-ish in
// nodes plus edges, so a 10,000-node graph lays out in well under a second; graphs small enough are then laid
// out again by dagre in the worker (layoutWorker.ts), whose ordering is better but which takes seconds at
// 1,000 nodes and overflows its stack at a few thousand. Pure: no DOM, runs in a worker and in Node tests.

export interface LayoutInput {
  /** Width and height of each node. */
  sizes: { w: number; h: number }[];
  /** Directed edges between node indices. */
  edges: [number, number][];
}

export interface LayoutResult {
  /** Centre of each node. */
  x: Float64Array;
  y: Float64Array;
  /** Each edge's polyline (through the dummy nodes of long edges), as [x0, y0, x1, y1, …]. */
  paths: number[][];
  width: number;
  height: number;
  engine: 'layered' | 'dagre';
}

const NODE_GAP = 24;
const RANK_GAP = 36;
const DUMMY_WIDTH = 8;
const SWEEPS = 6;

export function layeredLayout({ sizes, edges }: LayoutInput): LayoutResult {
  const n = sizes.length;
  // Topological order (Kahn); edges against it (cycles: not in ONNX, but a hostile file may have them) are
  // laid out as if reversed.
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  for (const [u, v] of edges) {
    if (u === v || u < 0 || v < 0 || u >= n || v >= n) continue;
    out[u].push(v);
    indegree[v]++;
  }
  const order: number[] = [];
  const position = new Int32Array(n).fill(-1);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  for (let head = 0; order.length < n;) {
    if (head === queue.length) {
      // A cycle: break it at the first node not yet placed.
      const v = position.findIndex((p, i) => p < 0 && !queue.includes(i));
      queue.push(v);
    }
    const u = queue[head++];
    if (position[u] >= 0) continue;
    position[u] = order.length;
    order.push(u);
    for (const v of out[u]) if (--indegree[v] === 0) queue.push(v);
  }
  const forward: [number, number][] = [];
  for (const [u, v] of edges) {
    if (u === v || u < 0 || v < 0 || u >= n || v >= n) continue;
    forward.push(position[u] < position[v] ? [u, v] : [v, u]);
  }

  // Ranks: longest path from the sources.
  const rank = new Int32Array(n);
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const [u, v] of forward) preds[v].push(u);
  for (const v of order) for (const u of preds[v]) rank[v] = Math.max(rank[v], rank[u] + 1);

  // Long edges become chains of dummy nodes, one per rank crossed.
  const nodeRank: number[] = Array.from(rank);
  const widths: number[] = sizes.map((s) => s.w);
  const up: number[][] = Array.from({ length: n }, () => []);
  const down: number[][] = Array.from({ length: n }, () => []);
  const chains: number[][] = [];
  for (const [u, v] of forward) {
    const chain = [u];
    let previous = u;
    for (let r = rank[u] + 1; r < rank[v]; r++) {
      const d = nodeRank.length;
      nodeRank.push(r);
      widths.push(DUMMY_WIDTH);
      up.push([previous]);
      down.push([]);
      down[previous].push(d);
      chain.push(d);
      previous = d;
    }
    down[previous].push(v);
    up[v].push(previous);
    chain.push(v);
    chains.push(chain);
  }
  const total = nodeRank.length;
  const ranks: number[][] = [];
  // Initial order within a rank: topological order (dummies after their source), which keeps chains straight.
  for (const v of order) (ranks[rank[v]] ??= []).push(v);
  for (let d = n; d < total; d++) (ranks[nodeRank[d]] ??= []).push(d);
  for (let r = 0; r < ranks.length; r++) ranks[r] ??= [];

  const slot = new Float64Array(total);
  const renumber = (list: number[]) => list.forEach((v, i) => (slot[v] = i));
  ranks.forEach(renumber);
  const barycenter = (v: number, neighbours: number[]) =>
    neighbours.length ? neighbours.reduce((s, u) => s + slot[u], 0) / neighbours.length : slot[v];
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const downward = sweep % 2 === 0;
    const sequence = downward ? ranks.keys() : [...ranks.keys()].reverse();
    for (const r of sequence) {
      const list = ranks[r];
      const key = new Map(list.map((v) => [v, barycenter(v, downward ? up[v] : down[v])]));
      list.sort((a, b) => key.get(a)! - key.get(b)! || slot[a] - slot[b]);
      renumber(list);
    }
  }

  // x: packed left to right, then pulled toward the mean of each node's neighbours, keeping order and gaps.
  const x = new Float64Array(total);
  for (const list of ranks) {
    let at = 0;
    for (const v of list) {
      x[v] = at + widths[v] / 2;
      at += widths[v] + NODE_GAP;
    }
  }
  for (let pass = 0; pass < 8; pass++) {
    const downward = pass % 2 === 0;
    const sequence = downward ? ranks.keys() : [...ranks.keys()].reverse();
    for (const r of sequence) {
      const list = ranks[r];
      const want = list.map((v) => {
        const ns = downward ? up[v] : down[v];
        return ns.length ? ns.reduce((s, u) => s + x[u], 0) / ns.length : x[v];
      });
      // Packed toward the wishes from the left and from the right; both keep the order and the gaps, and so
      // does their mean, which spreads a crowd to both sides of where it wants to be.
      const gap = (i: number) => (widths[list[i]] + widths[list[i + 1]]) / 2 + NODE_GAP;
      const left = want.slice();
      for (let i = 1; i < list.length; i++) left[i] = Math.max(want[i], left[i - 1] + gap(i - 1));
      const right = want.slice();
      for (let i = list.length - 2; i >= 0; i--) right[i] = Math.min(want[i], right[i + 1] - gap(i));
      for (let i = 0; i < list.length; i++) x[list[i]] = (left[i] + right[i]) / 2;
    }
  }

  // y: ranks stacked with the tallest node of each.
  const rankY: number[] = [];
  let y = 0;
  for (const list of ranks) {
    const h = list.reduce((m, v) => Math.max(m, v < n ? sizes[v].h : 0), 0);
    rankY.push(y + h / 2);
    y += h + RANK_GAP;
  }
  let minX = Infinity;
  let maxX = -Infinity;
  for (let v = 0; v < total; v++) {
    minX = Math.min(minX, x[v] - widths[v] / 2);
    maxX = Math.max(maxX, x[v] + widths[v] / 2);
  }
  if (!Number.isFinite(minX)) minX = maxX = 0;
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    nx[v] = x[v] - minX;
    ny[v] = rankY[rank[v]];
  }
  const paths = chains.map((chain) =>
    chain.flatMap((v) => [x[v] - minX, v < n ? ny[v] : rankY[nodeRank[v]]]),
  );
  return { x: nx, y: ny, paths, width: maxX - minX, height: Math.max(0, y - RANK_GAP), engine: 'layered' };
}
