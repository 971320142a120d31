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
  const ready = new ReadyNodes();
  for (const node of graph.nodes) {
    const deps = new Set(
      node.inputs.map((v) => graph.producer(v)).filter((p): p is NodeView => p !== undefined && p !== node),
    );
    if (deps.size === 0) ready.push(node);
    else waiting.set(node, deps.size);
  }
  const order: NodeView[] = [];
  const done = new Set<NodeView>();
  // The ready node first in file order goes next: a heap, since a hostile file can order its nodes so that a
  // sorted list would be searched end to end at every step (quadratic in the node count).
  while (ready.size > 0) {
    const node = ready.pop();
    order.push(node);
    done.add(node);
    const released = new Set<NodeView>();
    for (const output of node.outputs) {
      // Only the node that stands for a value releases its readers: a name written by many nodes (an invalid
      // graph) has one producer, the last, and each of the others would walk all of its readers again
      // (quadratic: 20,000 nodes writing and reading one name took 50 s).
      if (graph.producer(output) !== node) continue;
      for (const consumer of graph.consumers(output)) {
        if (released.has(consumer) || !waiting.has(consumer)) continue;
        released.add(consumer);
        const left = waiting.get(consumer)! - 1;
        if (left === 0) {
          waiting.delete(consumer);
          ready.push(consumer);
        } else waiting.set(consumer, left);
      }
    }
  }
  for (const node of graph.nodes) if (!done.has(node)) order.push(node);
  cache.set(graph, order);
  return order;
}

/** Nodes ready to go, the one first in file order out first: a binary min-heap by node index. */
class ReadyNodes {
  private readonly heap: NodeView[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(node: NodeView): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(node);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].index <= node.index) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = node;
  }

  pop(): NodeView {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const child = left + 1 < heap.length && heap[left + 1].index < heap[left].index ? left + 1 : left;
        if (heap[child].index >= last.index) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** True when every node's producers come before it (what ONNX requires, and what exporters write). */
function isSorted(graph: GraphView): boolean {
  const { start, producer } = graph.edges();
  const nodes = graph.nodes;
  for (let n = 0; n < nodes.length; n++)
    for (let k = start[n]; k < start[n + 1]; k++) if (producer[k] >= n) return false;
  return true;
}
