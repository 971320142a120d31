// The graph's edges (who produces each node input, who reads each value) are typed arrays built from one
// lookup per input. They must answer exactly what a scan of the nodes answers: readers in node order, a node
// that reads a value twice listed twice, the outputs of a multi-output node told apart, values that no node
// produces (inputs, initializers), and a graph whose nodes are not sorted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { topologicalOrder } from '../../../src/core/graph/topology';
import { type GraphView, ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { ModelBuilder } from '../../builder/model-builder';

function graphOf(bytes: Uint8Array): GraphView {
  return new ModelView(openModelBytes(bytes)).graph;
}

/** x → Split → (a, b); Add(a, a); Mul(a, b); one initializer read by two nodes. */
function branchy(): onnx.ModelProto.$Properties {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 8, 4, 4]);
  const [p, q] = b.split(x, [4, 4], { axis: 1 });
  const twice = b.add(p, p, { name: 'twice' });
  const mixed = b.mul(p, q, { name: 'mixed' });
  const w = b.initializer('shared.weight', [1, 4, 1, 1], [1, 2, 3, 4]);
  const c1 = b.mul(twice, w, { name: 'c1' });
  const c2 = b.mul(mixed, w, { name: 'c2' });
  b.output(b.add(c1, c2, { name: 'sum' }));
  return b.build().model;
}

/** Every value's readers by scanning the nodes: the reference. */
function scanned(graph: GraphView, value: string): string[] {
  const out: string[] = [];
  for (const node of graph.nodes) for (const input of node.inputs) if (input === value) out.push(node.name);
  return out;
}

function everyValue(graph: GraphView): Set<string> {
  const values = new Set<string>(['missing', '']);
  for (const node of graph.nodes) for (const v of [...node.inputs, ...node.outputs]) values.add(v);
  for (const name of graph.initializers.keys()) values.add(name);
  return values;
}

describe('graph edges', () => {
  test('consumers are what a scan of the nodes finds, for produced and unproduced values', () => {
    const graph = graphOf(onnx.ModelProto.encode(branchy()).finish());
    for (const value of everyValue(graph)) {
      const found = graph.consumers(value).map((n) => n.name);
      // The empty name is no value: nothing reads it.
      assert.deepEqual(found, value === '' ? [] : scanned(graph, value), `readers of '${value}'`);
    }
    const split = graph.nodes.find((n) => n.opType === 'Split')!;
    assert.deepEqual(
      graph.consumers(split.outputs[0]).map((n) => n.name),
      ['twice', 'twice', 'mixed'],
    );
    assert.deepEqual(
      graph.consumers('shared.weight').map((n) => n.name),
      ['c1', 'c2'],
    );
  });

  test('consumers asked together are the same lists, before and after the index of unproduced values', () => {
    for (const reverse of [false, true]) {
      const model = branchy();
      if (reverse) model.graph!.node!.reverse();
      const bytes = onnx.ModelProto.encode(model).finish();
      const values = [...everyValue(graphOf(bytes)), 'x', 'shared.weight', '__proto__'];
      // Asked together first (one pass over the inputs), then after one `consumers` built the index.
      for (const indexedFirst of [false, true]) {
        const graph = graphOf(bytes);
        if (indexedFirst) graph.consumers('shared.weight');
        const together = graph.consumersOfEach(values);
        assert.deepEqual([...together.keys()].sort(), [...new Set(values)].sort());
        for (const value of values)
          assert.deepEqual(
            together.get(value)!.map((n) => n.name),
            graph.consumers(value).map((n) => n.name),
            `readers of '${value}'`,
          );
      }
    }
  });

  test('values the reader does not share (long, non-ASCII) and nodes read as messages are linked as any other', () => {
    // The view links node inputs to producers by the ids of their names in the reader's strings: names the
    // reader shares have one from the walk, the others (and a Constant node's, decoded as a message) get one
    // after. An initializer named like a node output, one named twice, and an empty (absent) input too.
    const model = branchy();
    const graph = model.graph!;
    const rename = (v: string) => (!v || v === 'x' ? v : v.length % 2 ? `${v}-é` : `${v}/${'v'.repeat(200)}`);
    for (const node of graph.node!) {
      node.input = node.input!.map(rename);
      node.output = node.output!.map(rename);
    }
    for (const t of graph.initializer!) t.name = rename(t.name!);
    graph.output = graph.output!.map((o) => ({ ...o, name: rename(o.name!) }));
    const twice = graph.node!.find((n) => n.name === 'twice')!;
    graph.node!.push(
      {
        op_type: 'Constant',
        name: 'k',
        output: [`${twice.output![0]}`],
        attribute: [{ name: 'value', type: 4, t: { name: 'kt', dims: [], data_type: 1, float_data: [2] } }],
      },
      { op_type: 'Clip', name: 'clip', input: [twice.output![0], '', 'x'], output: ['clipped'] },
    );
    graph.initializer!.push(
      { ...graph.initializer![0] },
      { name: 'clipped', dims: [], data_type: 1, float_data: [0] },
    );
    const view = graphOf(onnx.ModelProto.encode(model).finish());
    for (const value of everyValue(view)) {
      const found = view.consumers(value).map((n) => n.name);
      assert.deepEqual(found, value === '' ? [] : scanned(view, value), `readers of '${value}'`);
      // The producer of a name is the last node that writes it (the Constant, for the name written twice).
      const writers = view.nodes.filter((n) => n.outputs.includes(value));
      assert.equal(view.producer(value), value ? writers.at(-1) : undefined, `producer of '${value}'`);
    }
    const { start, producer } = view.edges();
    view.nodes.forEach((node, n) =>
      node.inputs.forEach((input, i) =>
        assert.equal(
          producer[start[n] + i],
          input ? (view.producer(input)?.index ?? -1) : -1,
          `${node.name} ${i}`,
        ),
      ),
    );
    // The Constant holds a tensor: read as a message, not into the node table's columns.
    assert.ok(view.nodes.find((n) => n.name === 'k')!.attributeList[0].t);
    assert.deepEqual([...view.initializerOutputs()], ['clipped']);
    assert.equal(view.initializers.size, graph.initializer!.length - 1);
    assert.ok(view.initializer(rename('shared.weight')));
  });

  test('in a graph written backwards the edges still find every reader, and the order puts producers first', () => {
    const model = branchy();
    model.graph!.node!.reverse();
    const graph = graphOf(onnx.ModelProto.encode(model).finish());
    for (const value of everyValue(graph))
      if (value)
        assert.deepEqual(
          graph.consumers(value).map((n) => n.name),
          scanned(graph, value),
        );
    const order = topologicalOrder(graph);
    assert.equal(order.length, graph.nodes.length);
    const at = new Map(order.map((n, i) => [n, i]));
    for (const node of graph.nodes)
      for (const input of node.inputs) {
        const producer = graph.producer(input);
        if (producer) assert.ok(at.get(producer)! < at.get(node)!, `${producer.name} before ${node.name}`);
      }
  });
});
