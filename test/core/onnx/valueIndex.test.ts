// The reader gives each distinct string an id (StringTable), the graph view indexes values by those ids
// (IdIndex), other indexes of many names are NameIndexes, the view numbers the values nodes produce (value
// slots, which the analysis keeps facts and channel spaces by), and the reader shares equal short int64 lists
// between messages. Each must answer what the plain version answers: a Map, a lookup by name, the lists
// protobufjs decodes.
import assert from 'node:assert/strict';
import Long from 'long';
import { describe, test } from 'node:test';
import { Buffer } from 'node:buffer';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { IdIndex } from '../../../src/core/onnx/idIndex';
import { NameIndex } from '../../../src/core/onnx/nameIndex';
import { StringTable } from '../../../src/core/onnx/stringTable';
import { type GraphView, ModelView } from '../../../src/core/onnx/modelView';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { ModelBuilder } from '../../builder/model-builder';

function graphOf(model: onnx.ModelProto.$Properties): GraphView {
  return new ModelView(openModelBytes(onnx.ModelProto.encode(model).finish())).graph;
}

/** x → conv → relu, conv → sigmoid, their sum; two weights of the same dims. */
function small(): onnx.ModelProto.$Properties {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 4, 6, 6]);
  const a = b.relu(b.conv(x, 4, { kernel: 3, pads: 1, name: 'c1' }), { name: 'r' });
  const c = b.sigmoid(b.conv(x, 4, { kernel: 3, pads: 1, name: 'c2' }), { name: 's' });
  b.output(b.add(a, c, { name: 'sum' }));
  return b.build().model;
}

describe('value index', () => {
  for (const expected of [0, 100, 5000, 20000])
    test(`NameIndex made with room for ${expected} names answers what a Map answers, through growth, replaced values and any name`, () => {
      const index = new NameIndex<number>(expected);
      const map = new Map<string, number>();
      const names = ['', 'é', 'x'.repeat(300), '\u{1f600}'];
      for (let i = 0; i < 5000; i++) names.push(`/blocks.${i % 1700}/conv_${i % 7}/Conv_output_0`);
      names.forEach((name, i) => {
        index.set(name, i);
        map.set(name, i);
      });
      assert.equal(index.size, map.size);
      for (const name of [...names, 'missing', '/blocks.1/conv_1']) {
        assert.equal(index.get(name), map.get(name), name);
        assert.equal(index.has(name), map.has(name), name);
      }
      assert.deepEqual([...index.toMap()], [...map]);
      const visited: [string, number][] = [];
      index.forEach((value, name) => visited.push([name, value]));
      assert.deepEqual(visited, [...map]);
    });

  test('StringTable: a string read from bytes and the same string given as text have one id', () => {
    const strings = new StringTable();
    const texts = ['', 'x', 'é', 'x'.repeat(300), '\u{1f600}', '/blocks.1/Conv_output_0', 'Conv'];
    // A byte that is not ASCII in each place of a word of four and of the last, partial one (hashed a word a step).
    texts.push('abcé', 'abcdefgé', 'é1234567', 'abcdé', 'ab\u00ff', '\u0100a', '\u0001\u0001a');
    for (let i = 0; i < 3000; i++) texts.push(`/blocks.${i % 1100}/conv_${i % 3}/Conv_output_0`);
    const ids = new Map<string, number>();
    for (const text of texts) {
      const bytes = Buffer.from(`..${text}..`, 'utf8');
      const read = strings.get(bytes, bytes, 2, bytes.length - 2);
      assert.equal(read, text);
      // Shared (ASCII, short, not empty): the id it has; else none until asked for one.
      const shared = text.length > 0 && text.length <= 128 && [...text].every((c) => c.charCodeAt(0) < 0x80);
      if (shared) assert.ok(strings.lastId >= 0, text);
      else assert.equal(strings.lastId, -1, text);
      const id = strings.idOf([...text].join('')); // the same text, another string object
      if (shared) assert.equal(id, strings.lastId, text);
      if (ids.has(text)) assert.equal(id, ids.get(text), text);
      ids.set(text, id);
      assert.equal(strings.find(text), id);
    }
    assert.equal(new Set(ids.values()).size, ids.size, 'distinct strings, distinct ids');
    assert.equal(strings.count, ids.size);
    assert.equal(strings.find('missing'), -1);
  });

  test('IdIndex answers what a Map answers, by name and by id, through replaced values and any name', () => {
    const strings = new StringTable();
    for (const expected of [0, 100, 5000]) {
      const index = new IdIndex<number>(strings, expected);
      const map = new Map<string, number>();
      const names = ['', 'é', 'x'.repeat(300), '\u{1f600}'];
      for (let i = 0; i < 5000; i++) names.push(`/blocks.${i % 1700}/conv_${i % 7}/Conv_output_0`);
      names.forEach((name, i) => {
        if (i % 2) index.set(name, i);
        else index.setById(strings.idOf(name), name, i);
        map.set(name, i);
      });
      assert.equal(index.size, map.size);
      for (const name of [...names, 'missing', '/blocks.1/conv_1']) {
        assert.equal(index.get(name), map.get(name), name);
        assert.equal(index.has(name), map.has(name), name);
        if (map.has(name)) assert.equal(index.getById(strings.find(name)), map.get(name), name);
      }
      assert.equal(index.getById(-1), undefined);
      assert.equal(index.getById(strings.idOf('set nowhere')), undefined);
      assert.deepEqual([...index.toMap()], [...map]);
      const visited: [string, number][] = [];
      index.forEach((value, name) => visited.push([name, value]));
      assert.deepEqual(visited, [...map]);
      assert.equal(index.indexOf(names[3]), [...map.keys()].indexOf(names[3]));
    }
  });

  test('IdIndex copies given new names answer what Maps answer', () => {
    const strings = new StringTable();
    const names = Array.from({ length: 300 }, (_, i) => `/layer.${i}/Conv_output_0`);
    const entries = (index: IdIndex<number>) => {
      const seen: [string, number][] = [];
      index.forEach((value, name) => seen.push([name, value]));
      assert.deepEqual(seen, [...index.toMap()]);
      return seen;
    };
    const index = new IdIndex<number>(strings);
    names.slice(0, 200).forEach((name, i) => index.set(name, i));
    // A copy with other values shares the names until either is given a new one; each then has its own.
    const copy = index.withValues(names.slice(0, 200).map((_, i) => -i));
    index.set(names[250], 250);
    copy.set(names[260], -260);
    copy.set(names[261], -261);
    index.set(names[0], 1000);
    assert.deepEqual(entries(index), [
      [names[0], 1000],
      ...names.slice(1, 200).map((name, i): [string, number] => [name, i + 1]),
      [names[250], 250],
    ]);
    assert.deepEqual(entries(copy), [
      ...names.slice(0, 200).map((name, i): [string, number] => [name, -i]),
      [names[260], -260],
      [names[261], -261],
    ]);
    assert.equal(index.get(names[260]), undefined);
    assert.equal(copy.get(names[250]), undefined);
    assert.equal(copy.size, 202);
  });

  test('IdIndex.commonNames: the names two indexes of one string table both hold', () => {
    const strings = new StringTable();
    const a = new IdIndex<number>(strings);
    const b = new IdIndex<string>(strings, 4);
    const names = Array.from({ length: 3000 }, (_, i) => `/blocks.${i}/Conv_output_${i % 3}`);
    names.forEach((name, i) => a.set(name, i));
    // Every seventh of a's names (some as other string objects of the same text), and names a lacks.
    const wanted: string[] = [];
    for (let i = 0; i < names.length; i += 7) {
      const same = i % 2 === 0 ? names[i] : [...names[i]].join('');
      b.set(same, 'w');
      wanted.push(names[i]);
    }
    for (const name of ['', 'é', 'x'.repeat(300), '/blocks.3001/Conv_output_0']) b.set(name, 'other');
    assert.deepEqual([...a.commonNames(b)], wanted, 'in the order a set them');
    assert.deepEqual([...b.commonNames(a)], wanted);
    assert.equal(a.commonNames(new IdIndex<number>(strings)).size, 0);
    assert.throws(() => a.commonNames(new IdIndex<number>(new StringTable())), /internal/);
  });

  test('value slots: one per produced name, the same by name, by input and by output', () => {
    const model = small();
    for (const duplicated of [false, true]) {
      if (duplicated) {
        // A broken graph: the sigmoid writes the relu's output too; the name keeps one slot (its last producer's).
        const nodes = model.graph!.node!;
        const relu = nodes.find((n) => n.op_type === 'Relu')!;
        const sigmoid = nodes.find((n) => n.op_type === 'Sigmoid')!;
        sigmoid.output = [relu.output![0]];
      }
      const graph = graphOf(model);
      const slots = new Set<number>();
      for (const node of graph.nodes) {
        node.outputs.forEach((name, o) => {
          const slot = graph.valueSlot(name);
          assert.ok(slot >= 0 && slot < graph.valueSlots, name);
          assert.equal(graph.outputSlot(node, o), slot, `${node.name} output ${o}`);
          assert.equal(graph.producer(name) === node, !duplicated || node.opType !== 'Relu');
          slots.add(slot);
        });
        node.inputs.forEach((name, i) => assert.equal(graph.inputSlot(node, i), graph.valueSlot(name), name));
      }
      assert.equal(slots.size, duplicated ? graph.nodes.length - 1 : graph.nodes.length);
      for (const name of ['x', 'missing', '', ...graph.initializers.keys()])
        assert.equal(graph.valueSlot(name), -1);
    }
  });

  test("a node input's initializer and producer found by its place are those found by its name, in subgraphs too", () => {
    // A body reads an outer weight and an outer value, a node of the main graph reads a weight twice, and an
    // initializer repeats a name (the last wins): every lookup by place must answer what the name answers.
    const b = new ModelBuilder({ opset: 17, seed: 5 });
    const x = b.input('x', [1, 4, 6, 6]);
    const flag = b.input('flag', [], 'bool');
    const scale = b.initializer('shared.scale', [1, 4, 1, 1], [1, 2, 3, 4]);
    const stem = b.relu(b.conv(x, 4, { kernel: 3, pads: 1, name: 'c1' }), { name: 'r' });
    const body = (name: string) =>
      b.body(name, [], (g) => [g.relu(g.mul(g.outer(stem), g.outer(scale)), { name: `${name}.relu` })]);
    const [picked] = b.ifElse(flag, body('then'), body('else'), { name: 'gate' });
    b.output(
      b.add(b.mul(picked, scale, { name: 'm' }), b.mul(scale, scale, { name: 'sq' }), { name: 'sum' }),
    );
    b.output(b.relu(b.add(stem, b.mul(stem, scale, { name: 'ms' }), { name: 'skip' }), { name: 'tail' }));
    const model = b.build().model;
    const weight = model.graph!.node!.find((n) => n.op_type === 'Conv')!.input![1];
    const tensor = model.graph!.initializer!.find((t) => t.name === weight)!;
    model.graph!.initializer!.push({ ...tensor, doc_string: 'the second' });
    const main = graphOf(model);
    let checked = 0;
    for (const graph of main.allGraphs())
      for (const node of graph.nodes)
        node.inputs.forEach((name, i) => {
          if (!name) return;
          assert.strictEqual(graph.inputInitializer(node, i), graph.initializer(name), `${node.name} ${i}`);
          assert.strictEqual(graph.inputProducer(node, i), graph.producer(name), `${node.name} ${i}`);
          checked++;
        });
    assert.ok(main.subgraphs.length === 2 && checked > 12);
    const conv = main.nodes.find((n) => n.opType === 'Conv')!;
    assert.equal(main.inputInitializer(conv, 1)!.doc_string, 'the second');
    // The analysis' spaces and facts by place are those by name.
    const { state } = analyzeModel(main.model);
    let withSpace = 0;
    for (const node of main.nodes) {
      node.inputs.forEach((name, i) => {
        if (state.space(name)) withSpace++;
        assert.strictEqual(state.inputSpace(node, i), state.space(name), `${node.name} input ${i}`);
        assert.strictEqual(state.inputFact(node, i), state.fact(name), `${node.name} input ${i}`);
      });
      node.outputs.forEach((name, o) => {
        assert.strictEqual(state.outputSpace(node, o), state.space(name), `${node.name} output ${o}`);
        assert.strictEqual(state.outputFact(node, o), state.fact(name), `${node.name} output ${o}`);
      });
    }
    assert.ok(withSpace >= 3, `${withSpace} inputs with channels`);
  });

  test('value slots of a node of many outputs: the same as a scan finds, in time linear in them', () => {
    // A Split of 100,000 outputs (an empty one and a name written twice among them), each read by an Identity.
    // Each lookup of one of its outputs scanned them all: 40,000 took 4 s to analyse and draw.
    const count = 100_000;
    const outputs = Array.from({ length: count }, (_, o) => (o === 7 ? '' : o === 9 ? 's3' : `s${o}`));
    const node: onnx.NodeProto.$Properties[] = [
      { op_type: 'Split', name: 'split', input: ['x'], output: outputs, attribute: [] },
      ...outputs
        .filter((o, i) => o && i % 1000 === 0)
        .map((o) => ({ op_type: 'Identity', name: `id_${o}`, input: [o], output: [`y_${o}`] })),
    ];
    const start = performance.now();
    const graph = graphOf({ ...small(), graph: { name: 'g', node } });
    const split = graph.nodes[0];
    const first = new Map<string, number>();
    outputs.forEach((name, o) => first.has(name) || first.set(name, o));
    for (let o = 0; o < count; o++) {
      const name = outputs[o];
      if (graph.valueSlot(name) !== (name ? first.get(name) : -1)) assert.fail(`output ${o} (${name})`);
    }
    for (const reader of graph.nodes.slice(1))
      assert.equal(graph.inputSlot(reader, 0), graph.valueSlot(reader.inputs[0]));
    assert.equal(graph.outputSlot(split, 9), graph.valueSlot('s3'));
    // About 0.2 s here; the bound is far from it and from the quadratic half minute.
    assert.ok(performance.now() - start < 10_000);
  });

  test('initializers: a Map in file order, the last of a name met twice winning', () => {
    const model = small();
    const weights = model.graph!.initializer!;
    const copy = { ...weights[0], doc_string: 'the second' };
    model.graph!.initializer = [...weights, copy];
    const graph = graphOf(model);
    assert.deepEqual([...graph.initializers.keys()], [...new Set(weights.map((t) => t.name))]);
    assert.equal(graph.initializers.get(weights[0].name!), graph.initializer(weights[0].name!));
    assert.equal(graph.initializer(weights[0].name!)!.doc_string, 'the second');
    assert.strictEqual(graph.initializer(weights[0].name!), graph.proto.initializer!.at(-1));
    const visited: [string, unknown][] = [];
    graph.forEachInitializer((tensor, name) => visited.push([name, tensor]));
    assert.deepEqual(visited, [...graph.initializers]);
    assert.strictEqual(graph.ownInitializer(weights[0].name!), graph.initializers.get(weights[0].name!));
  });

  test('equal short int64 lists are one frozen list; others are lists of their own', () => {
    const model = small();
    const big: onnx.TensorProto.$Properties = {
      name: 'big',
      dims: [Long.fromInt(70000), Long.fromInt(3)],
      data_type: 1,
      raw_data: new Uint8Array(0),
    };
    model.graph!.initializer = [...model.graph!.initializer!, big];
    const graph = graphOf(model);
    const convs = graph.nodes.filter((n) => n.opType === 'Conv');
    const kernels = convs.map((n) => n.proto.attribute!.find((a) => a.name === 'kernel_shape')!.ints!);
    assert.strictEqual(kernels[0], kernels[1]);
    assert.ok(Object.isFrozen(kernels[0]));
    assert.deepEqual(
      kernels[0].map((v) => Number(v)),
      [3, 3],
    );
    const [w1, w2] = convs.map((n) => graph.initializer(n.inputs[1])!);
    assert.notStrictEqual(w1, w2);
    assert.strictEqual(w1.dims, w2.dims);
    assert.deepEqual(
      w1.dims!.map((v) => Number(v)),
      [4, 4, 3, 3],
    );
    // 70,000 is a Long of its own: its list is not shared, and not frozen (as before).
    const bigDims = graph.initializer('big')!.dims!;
    assert.ok(!Object.isFrozen(bigDims));
    assert.deepEqual(
      bigDims.map((v) => Number(v)),
      [70000, 3],
    );
  });
});
