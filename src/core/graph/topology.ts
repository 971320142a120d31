import type { GraphView, NodeView } from '../onnx/modelView';

const cache = new WeakMap<GraphView, NodeView[]>();

/**
 * Nodes in an order where every producer comes before its consumers. ONNX requires graphs to be sorted,
 * but not every exporter obeys; Kahn's algorithm keeps the file order where it can. Nodes in a cycle (an
 * invalid graph) come last, in file order.
 */
export function topologicalOrder(graph: GraphView): NodeView[] {
  const known = cache.get(graph);
  if (known) return known;
  if (isSorted(graph)) {
    cache.set(graph, graph.nodes);
    return graph.nodes;
  }
  const waiting = new Map<NodeView, number>();
  const ready: NodeView[] = [];
  for (const node of graph.nodes) {
    const deps = new Set(
      node.inputs.map((v) => graph.producer(v)).filter((p): p is NodeView => p !== undefined && p !== node),
    );
    if (deps.size === 0) ready.push(node);
    else waiting.set(node, deps.size);
  }
  const order: NodeView[] = [];
  const done = new Set<NodeView>();
  // Process in file order: a min-heap would be exact; a sorted insert is enough for the rare unsorted graph.
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    done.add(node);
    const released = new Set<NodeView>();
    for (const output of node.outputs) {
      for (const consumer of graph.consumers(output)) {
        if (released.has(consumer) || !waiting.has(consumer)) continue;
        released.add(consumer);
        const left = waiting.get(consumer)! - 1;
        if (left === 0) {
          waiting.delete(consumer);
          insertSorted(ready, consumer);
        } else waiting.set(consumer, left);
      }
    }
  }
  for (const node of graph.nodes) if (!done.has(node)) order.push(node);
  cache.set(graph, order);
  return order;
}

function insertSorted(list: NodeView[], node: NodeView): void {
  let i = list.length;
  while (i > 0 && list[i - 1].index > node.index) i--;
  list.splice(i, 0, node);
}

/** True when every node's producers come before it (what ONNX requires, and what exporters write). */
function isSorted(graph: GraphView): boolean {
  const { start, producer } = graph.edges();
  const nodes = graph.nodes;
  for (let n = 0; n < nodes.length; n++)
    for (let k = start[n]; k < start[n + 1]; k++) if (producer[k] >= n) return false;
  return true;
}
