// topologicalOrder on graphs whose nodes are not sorted: producers first, otherwise file order (the ready node
// first in the file goes next), nodes in a cycle last in file order; and no quadratic time on a node order made
// to defeat a sorted list.
import assert from 'node:assert/strict';
import Long from 'long';
import { describe, test } from 'node:test';
import { topologicalOrder } from '../../../src/core/graph/topology';
import { type GraphView, ModelView } from '../../../src/core/onnx/modelView';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { mulberry32 } from '../../../src/core/random';

type Node = { name: string; inputs: string[]; output: string };

function graphOf(nodes: Node[]): GraphView {
  const model: onnx.ModelProto.$Properties = {
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: {
      name: 'g',
      node: nodes.map((n) => ({ op_type: 'Sum', name: n.name, input: n.inputs, output: [n.output] })),
      input: [{ name: 'x' }],
    },
  };
  return new ModelView(openModelBytes(onnx.ModelProto.encode(model).finish())).graph;
}

/** The reference: repeatedly the first node in file order whose producers have all gone; then the rest. */
function reference(graph: GraphView): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const left = [...graph.nodes];
  for (;;) {
    const i = left.findIndex((node) =>
      node.inputs.every((v) => {
        const producer = graph.producer(v);
        return !producer || producer === node || done.has(producer.name);
      }),
    );
    if (i < 0) break;
    done.add(left[i].name);
    order.push(left[i].name);
    left.splice(i, 1);
  }
  return [...order, ...left.map((n) => n.name)];
}

describe('topologicalOrder', () => {
  test('random unsorted graphs, cycles included: the same order as the reference', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 40; trial++) {
      const count = 5 + Math.floor(random() * 40);
      const nodes: Node[] = [];
      for (let i = 0; i < count; i++) {
        const inputs = ['x'];
        for (let k = 0; k < 3; k++) if (i > 0 && random() < 0.5) inputs.push(`v${Math.floor(random() * i)}`);
        // Now and then a read of a later value: a cycle, or an edge a shuffle turns around.
        if (trial % 4 === 0 && random() < 0.1) inputs.push(`v${Math.floor(random() * count)}`);
        nodes.push({ name: `n${i}`, inputs, output: `v${i}` });
      }
      for (let i = nodes.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
      }
      const graph = graphOf(nodes);
      assert.deepEqual(
        topologicalOrder(graph).map((n) => n.name),
        reference(graph),
        `trial ${trial}`,
      );
    }
  });

  test('names written by several nodes (an invalid graph): the order of the reference, each read walked once', () => {
    const random = mulberry32(11);
    for (let trial = 0; trial < 30; trial++) {
      const count = 5 + Math.floor(random() * 30);
      const nodes: Node[] = [];
      for (let i = 0; i < count; i++) {
        const inputs = ['x'];
        if (i > 0 && random() < 0.7) inputs.push(`v${Math.floor(random() * 4)}`);
        nodes.push({ name: `n${i}`, inputs, output: `v${Math.floor(random() * 4)}` });
      }
      const graph = graphOf(nodes);
      assert.deepEqual(
        topologicalOrder(graph).map((n) => n.name),
        reference(graph),
        `trial ${trial}`,
      );
    }
    // 2,000 nodes that each read and write one name: each of them walked its 2,000 readers (4,000,000 visits;
    // a file of 20,000 such nodes took 50 s to analyse). Only the node that stands for the name releases them.
    const nodes: Node[] = [{ name: 'n0', inputs: ['x'], output: 'v' }];
    for (let i = 1; i < 2000; i++) nodes.push({ name: `n${i}`, inputs: ['v'], output: 'v' });
    const graph = graphOf(nodes);
    const consumers = graph.consumers.bind(graph);
    let visits = 0;
    graph.consumers = (value: string) => {
      const found = consumers(value);
      visits += found.length;
      return found;
    };
    assert.deepEqual(
      topologicalOrder(graph).map((n) => n.name),
      reference(graph),
    );
    assert.ok(visits <= 2000, `${visits} reads walked`);
  });

  test('a chain written backwards behind many ready nodes orders in time linear in the nodes', () => {
    // A sorted list of ready nodes would be searched end to end for every link of the chain: 100,000 × 100,000.
    const links = 100_000;
    const nodes: Node[] = [];
    for (let k = links - 1; k >= 0; k--)
      nodes.push({ name: `c${k}`, inputs: [k === 0 ? 'x' : `c${k - 1}_out`], output: `c${k}_out` });
    for (let i = 0; i < links; i++) nodes.push({ name: `f${i}`, inputs: ['x'], output: `f${i}_out` });
    const graph = graphOf(nodes);
    const start = performance.now();
    const order = topologicalOrder(graph);
    const elapsed = performance.now() - start;
    assert.equal(order.length, 2 * links);
    assert.deepEqual(
      order.slice(0, 3).map((n) => n.name),
      ['c0', 'c1', 'c2'],
    );
    // About 0.5 s here; the sorted list it replaces took 29 s. The bound is far from both.
    assert.ok(elapsed < 8_000, `${elapsed.toFixed(0)} ms`);
  });
});
