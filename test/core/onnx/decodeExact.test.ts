// The reader builds the container messages itself and has the generated code decode the rest of their
// fields in runs from its window: the result must be the very objects protobufjs builds decoding the file
// whole (classes, own properties, hidden unknown fields, Longs, bytes), element data aside.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { withChanges } from '../../../src/core/onnx/edit';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel, openModelBytes } from '../../../src/core/onnx/reader';
import { writeModel } from '../../../src/core/onnx/writer';
import { assertFrozen, assertSame, expected } from '../../support/decodedModels';
import { floatTensor, tensorInfo } from '../../support/minimalModels';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function field(no: number, wireType: number): protobuf.Writer {
  return protobuf.Writer.create().uint32((no << 3) | wireType);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const unknown = (text: string) => field(99, 2).string(text).finish();
const message = (no: number, bytes: Uint8Array) => field(no, 2).bytes(bytes).finish();

/** A model with what the runs of fields must get right, in an order no exporter would choose. */
function awkwardModel(): Uint8Array {
  const attribute = (a: onnx.AttributeProto.$Properties) =>
    message(5, onnx.AttributeProto.encode(a).finish());
  const subgraph = onnx.GraphProto.encode({
    name: 'then',
    node: [{ op_type: 'Identity', input: ['a'], output: ['b'] }],
    output: [tensorInfo('b', [1])],
  }).finish();
  // A node whose fields are split by its attributes, with unknown fields between them.
  const node = concat(
    onnx.NodeProto.encode({ input: ['x', 'w'], output: ['y'], name: 'n0' }).finish(),
    unknown('before-attributes'),
    attribute({ name: 'mode', type: 3, s: new TextEncoder().encode('constant') }),
    attribute({ name: 'pads', type: 7, ints: [0, 1, -1, 2 ** 40].map((v) => Long.fromNumber(v)) }),
    unknown('between-attributes'),
    attribute({ name: 'value', type: 4, t: floatTensor('c', [2]) }),
    // An enum value this schema does not know (kept as an unknown field), ints packed and not.
    attribute({ name: 'future', type: 99 as onnx.AttributeProto.AttributeType, f: 0.5, doc_string: 'd' }),
    message(
      5,
      concat(
        field(1, 2).string('mixed').finish(),
        field(8, 0).int64(7).finish(),
        field(8, 2).fork().int64(8).int64(-9).ldelim().finish(),
        field(20, 0).int32(7).finish(),
      ),
    ),
    field(1, 0).uint32(5).finish(), // an input with the wrong wire type: an unknown field

    onnx.NodeProto.encode({ op_type: 'Conv', domain: 'ai.onnx', input: ['b'] }).finish(),
  );
  // A node's strings split by unknown fields and given twice: inputs appended in order, the last name wins.
  const nodeSplit = concat(
    field(1, 2).string('x').finish(),
    unknown('between-inputs'),
    field(3, 2).string('early-name').finish(),
    field(1, 2).string('ü-input').finish(),
    field(4, 2).string('Add').finish(),
    field(3, 2).string('split').finish(),
    field(2, 2).string('').finish(),
    field(2, 2).string('z').finish(),
    field(6, 2).string('a doc').finish(),
    field(7, 2).string('com.example').finish(),
    field(8, 2).string('v2').finish(),
  );
  // A node whose attribute holds a graph, the attribute's name after it.
  const withGraph = message(
    5,
    concat(message(6, subgraph), onnx.AttributeProto.encode({ name: 'then_branch', type: 5 }).finish()),
  );
  const nodes = concat(
    message(1, node),
    message(1, concat(withGraph, onnx.NodeProto.encode({ op_type: 'If' }).finish())),
    message(1, nodeSplit),
  );
  // A tensor whose name follows its data, and one with unpacked typed data around its name.
  const tensorA = concat(
    onnx.TensorProto.encode({ dims: [Long.fromNumber(4)], data_type: 1 }).finish(),
    field(9, 2).bytes(new Uint8Array(16).fill(7)).finish(),
    onnx.TensorProto.encode({ name: 'w' }).finish(),
    unknown('tensor-extra'),
  );
  // Dims not packed, an unknown data location.
  const tensorC = concat(
    field(1, 0).int64(3).finish(),
    field(1, 0).int64(300).finish(),
    onnx.TensorProto.encode({ name: 'u', data_type: 7 }).finish(),
    field(14, 0).int32(5).finish(),
  );
  const tensorB = concat(
    field(4, 5).float(1.5).finish(),
    onnx.TensorProto.encode({ name: 'v', data_type: 1 }).finish(),
    field(4, 5).float(2.5).finish(),
  );
  // The fields the walk decodes itself, met twice and out of order: packed dims in two parts around the
  // name (appended), a name given twice (the last wins), a data type out of int32's range (truncated by the
  // generated decoder, which the walk leaves it to) and then a negative one (a ten-byte varint).
  const tensorD = concat(
    field(1, 2).fork().int64(2).int64(3).ldelim().finish(),
    field(8, 2).string('first-name').finish(),
    field(1, 2)
      .fork()
      .int64(Long.fromNumber(2 ** 40))
      .ldelim()
      .finish(),
    field(2, 0)
      .uint64(Long.fromNumber(2 ** 33 + 6))
      .finish(),
    field(8, 2).string('d').finish(),
    field(2, 0).int32(-1).finish(),
    field(12, 2).string('tensor doc').finish(),
  );
  // Leaf runs longer than the walk decodes at once, and a field larger than its window holds.
  const valueInfo = Array.from({ length: 4000 }, (_, i) =>
    tensorInfo(`value_${i}_with_a_longish_name`, [1, i]),
  );
  const graph = concat(
    nodes,
    onnx.GraphProto.encode({ name: 'main', value_info: valueInfo.slice(0, 2000) }).finish(),
    message(5, tensorA),
    onnx.GraphProto.encode({ doc_string: 'd'.repeat(300 << 10), value_info: valueInfo.slice(2000) }).finish(),
    message(5, tensorB),
    message(5, tensorC),
    message(5, tensorD),
    onnx.GraphProto.encode({ input: [tensorInfo('x', [1, 4])], output: [tensorInfo('y', [1, 4])] }).finish(),
    unknown('graph-extra'),
  );
  return concat(
    onnx.ModelProto.encode({
      ir_version: Long.fromNumber(9),
      producer_name: 'Ünïcødé',
      opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    }).finish(),
    message(7, graph),
    onnx.ModelProto.encode({ metadata_props: [{ key: 'k', value: 'v' }] }).finish(),
    unknown('model-extra'),
  );
}

test('the decoded model is what protobufjs decodes, to the class and the hidden unknown fields', () => {
  const bytes = awkwardModel();
  const path = join(dir, 'awkward.onnx');
  writeFileSync(path, bytes);
  const want = expected(bytes);
  for (const model of [openModel(path, { checkExternalData: false }), openModelBytes(bytes)]) {
    assertSame(model.proto, want, 'model');
    assertFrozen(model.proto);
    const tensors = model.proto.graph!.initializer!;
    assert.deepEqual(model.locate(tensors[0]), {
      kind: 'raw',
      start: model.spanOf(tensors[0])!.payload[0].valueStart,
      end: model.spanOf(tensors[0])!.payload[0].end,
    });
    assert.equal(model.storedBytes(tensors[1]), 8);
    model.close();
  }
});

test('attributes decoded with their node (no row) are frozen, and an edited node writes them as they were', () => {
  const bytes = awkwardModel();
  const path = join(dir, 'awkward-edit.onnx');
  writeFileSync(path, bytes);
  const model = openModel(path, { checkExternalData: false });
  const [node, ifNode] = model.proto.graph!.node!;
  const attributes = node.attribute as onnx.AttributeProto[];
  // Only the attributes that hold a container (a tensor, a graph) are walked and given a row.
  assert.deepEqual(
    [...attributes, ...(ifNode.attribute as onnx.AttributeProto[])].map((a) => model.spanOf(a) !== undefined),
    [false, false, true, false, false, true],
  );
  assert.ok(attributes.every((a) => Object.isFrozen(a)));
  // The first node renamed: it is encoded anew, its attributes from their decoded fields, unknown ones included.
  const graph = model.proto.graph!;
  const edited = withChanges(model.proto, {
    graph: withChanges(graph, { node: [withChanges(node, { name: 'renamed' }), ...graph.node!.slice(1)] }),
  });
  const out = join(dir, 'awkward-edited.onnx');
  writeModel(model, edited, out);
  model.close();
  const want = expected(bytes);
  const saved = expected(new Uint8Array(readFileSync(out)));
  assert.equal(saved.graph!.node![0].name, 'renamed');
  assertSame(saved.graph!.node![0].attribute, want.graph!.node![0].attribute, 'attributes');
  assertSame(saved.graph!.node![1], want.graph!.node![1], 'the If node');
});

test('nodes whose attributes have the same bytes share them; the model is still what protobufjs decodes', () => {
  const ints = (name: string, values: number[]) => ({
    name,
    type: 7,
    ints: values.map((v) => Long.fromInt(v)),
  });
  const conv = (name: string, pads: number[], extra: onnx.IAttributeProto[] = []) => ({
    name,
    op_type: 'Conv',
    input: ['x', 'w'],
    output: [`${name}_y`],
    attribute: [
      ints('kernel_shape', [3, 3]),
      ints('pads', pads),
      { name: 'group', type: 2, i: Long.fromInt(1) },
      ...extra,
    ],
  });
  // Past the length that is shared: a string attribute of 300 bytes.
  const long = { name: 'note', type: 3, s: new TextEncoder().encode('n'.repeat(300)) };
  const model = onnx.ModelProto.create({
    ir_version: Long.fromInt(8),
    graph: {
      name: 'g',
      node: [conv('a', [1, 1, 1, 1], [long]), conv('b', [1, 1, 1, 1], [long]), conv('c', [0, 0, 0, 0])],
    },
  });
  // A Uint8Array, not the Buffer the writer gives: protobufjs decodes a Buffer's bytes fields as Buffers.
  const bytes = new Uint8Array(onnx.ModelProto.encode(model).finish());
  const path = join(dir, 'shared-attributes.onnx');
  writeFileSync(path, bytes);
  for (const opened of [openModel(path, { checkExternalData: false }), openModelBytes(bytes)]) {
    assertSame(opened.proto, expected(bytes), 'model');
    assertFrozen(opened.proto);
    const [a, b, c] = opened.proto.graph!.node!.map((n) => n.attribute!);
    assert.ok(
      a.slice(0, 3).every((attribute, i) => attribute === b[i]),
      'the same bytes: one object',
    );
    assert.equal(a[0], c[0]);
    assert.notEqual(a[1], c[1], 'other pads: another object');
    assert.notEqual(a[3], b[3], 'a long attribute is decoded for each node');
    assert.ok(
      a.every((attribute) => opened.spanOf(attribute) === undefined),
      'leaf attributes have no row',
    );
    opened.close();
  }
});
