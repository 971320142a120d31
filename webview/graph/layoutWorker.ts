// The inspector's layout worker: lays out off the page's thread, first with the fast layered layout (the
// first paint), then, for graphs small enough, again with dagre (the refined layout replaces the first).
import dagre from '@dagrejs/dagre';
import { type LayoutInput, type LayoutResult, layeredLayout } from './layout';

export interface LayoutRequest {
  id: number;
  input: LayoutInput;
  /** Graphs with at most this many nodes are refined with dagre. */
  dagreLimit: number;
}

export interface LayoutReply {
  id: number;
  result: LayoutResult | null;
  /** True when another (refined) result follows. */
  more: boolean;
  ms: number;
}

function dagreLayout({ sizes, edges }: LayoutInput): LayoutResult {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 0, marginy: 0 });
  sizes.forEach((s, i) => g.setNode(String(i), { width: s.w, height: s.h }));
  edges.forEach(([u, v], i) => g.setEdge(String(u), String(v), {}, String(i)));
  dagre.layout(g);
  const x = new Float64Array(sizes.length);
  const y = new Float64Array(sizes.length);
  sizes.forEach((_, i) => {
    const node = g.node(String(i));
    x[i] = node.x;
    y[i] = node.y;
  });
  const paths = edges.map(([u, v], i) => {
    const points =
      (g.edge(String(u), String(v), String(i)) as { points?: { x: number; y: number }[] }).points ?? [];
    // From centre to centre, like the layered layout's paths, so the renderer treats both alike.
    return [x[u], y[u], ...points.slice(1, -1).flatMap((p) => [p.x, p.y]), x[v], y[v]];
  });
  const graph = g.graph();
  return { x, y, paths, width: graph.width ?? 0, height: graph.height ?? 0, engine: 'dagre' };
}

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const { id, input, dagreLimit } = event.data;
  const refine = input.sizes.length <= dagreLimit;
  let started = performance.now();
  self.postMessage({ id, result: layeredLayout(input), more: refine, ms: performance.now() - started });
  if (!refine) return;
  started = performance.now();
  try {
    self.postMessage({ id, result: dagreLayout(input), more: false, ms: performance.now() - started });
  } catch {
    // dagre failed (deep recursion on an unusual graph): the layered layout stays.
    self.postMessage({ id, result: null, more: false, ms: performance.now() - started });
  }
};
