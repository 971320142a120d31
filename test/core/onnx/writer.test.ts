import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import Long from 'long';
import { withChanges } from '../../../src/core/onnx/edit';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32, readTensorBytes } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { addBiasModel, encodeModel, floatTensor } from '../../support/minimalModels';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Appends an unknown field (number 99, a string) to a message's bytes: what a newer exporter might add. */
function withUnknownField(bytes: Uint8Array, text: string): Uint8Array {
  const extra = protobuf.Writer.create()
    .uint32((99 << 3) | 2)
    .string(text)
    .finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return out;
}

function decodeKeepingUnknowns(bytes: Uint8Array): onnx.ModelProto {
  const reader = protobuf.Reader.create(bytes);
  reader.discardUnknown = false;
  return onnx.ModelProto.decode(reader);
}

/** The add-bias model's node, encoded on its own. */
function addNodeBytes(): Uint8Array {
  return onnx.NodeProto.encode({
    op_type: 'Add',
    name: '/Add',
    input: ['x', 'bias'],
    output: ['y'],
  }).finish();
}

describe('writer', () => {
  test('an unmodified model re-saves byte for byte', () => {
    const path = save('plain.onnx', encodeModel(addBiasModel()));
    const model = openModel(path);
    const out = join(dir, 'plain-copy.onnx');
    writeModel(model, model.proto, out);
    assert.deepEqual(readFileSync(out), readFileSync(path));
  });

  test('unknown fields from a newer IR survive a re-save, in untouched and in edited messages', () => {
    // Unknown fields on the model, the graph (edited below), a node and a tensor.
    const node = addNodeBytes();
    const base = addBiasModel();
    const graphBytes = onnx.GraphProto.encode({ ...base.graph, node: [] }).finish();
    const graph = withUnknownField(
      concat(
        graphBytes,
        protobuf.Writer.create()
          .uint32((1 << 3) | 2)
          .bytes(withUnknownField(node, 'node-extra'))
          .finish(),
      ),
      'graph-extra',
    );
    const modelBytes = withUnknownField(
      concat(
        onnx.ModelProto.encode({ ...base, graph: undefined }).finish(),
        protobuf.Writer.create()
          .uint32((7 << 3) | 2)
          .bytes(graph)
          .finish(),
      ),
      'model-extra',
    );
    const path = save('unknown.onnx', modelBytes);
    const model = openModel(path);
    // Edit the graph (rename it): the graph is re-encoded, its node copied.
    const edited = withChanges(model.proto, { graph: withChanges(model.proto.graph!, { name: 'renamed' }) });
    const out = join(dir, 'unknown-edited.onnx');
    writeModel(model, edited, out);
    const saved = readFileSync(out);
    for (const text of ['model-extra', 'graph-extra', 'node-extra']) {
      assert.ok(saved.includes(Buffer.from(text)), `${text} kept`);
    }
    const decoded = decodeKeepingUnknowns(saved);
    assert.equal(decoded.graph!.name, 'renamed');
    assert.equal(decoded.graph!.node![0].op_type, 'Add');
    assert.equal(decoded.graph!.$unknowns?.length, 1);
  });

  test('an edited tensor gets new data, copied by range or from memory', () => {
    const path = save('edit.onnx', encodeModel(addBiasModel()));
    const model = openModel(path);
    const bias = model.proto.graph!.initializer![0];
    const where = model.locate(bias);
    assert.equal(where.kind, 'raw');
    if (where.kind !== 'raw') return;
    // Keep elements 1 and 3 (bytes 4–8 and 12–16): the pruner's kind of edit.
    const sliced = withChanges(bias, { dims: [Long.fromNumber(2)] });
    model.setTensorData(sliced, [
      { source: model.source, start: where.start + 4, end: where.start + 8 },
      { source: model.source, start: where.start + 12, end: where.start + 16 },
    ]);
    const edited = withChanges(model.proto, {
      graph: withChanges(model.proto.graph!, { initializer: [sliced] }),
    });
    const out = join(dir, 'edit-out.onnx');
    writeModel(model, edited, out);
    const reread = openModel(out);
    assert.deepEqual(Array.from(readTensorAsFloat32(reread, reread.proto.graph!.initializer![0])), [2, 4]);
    reread.close();
  });

  test('a tensor an edit copied without giving it data is refused, not written without its elements', () => {
    const path = save('nodata.onnx', encodeModel(addBiasModel()));
    const model = openModel(path);
    const out = join(dir, 'nodata-out.onnx');
    const graph = model.proto.graph!;
    const withInitializer = (t: onnx.TensorProto.$Properties) =>
      withChanges(model.proto, { graph: withChanges(graph, { initializer: [t] }) });
    // Its stored bytes stay on disk: the copy has the dims and nothing else.
    const copy = withChanges(graph.initializer![0], { name: 'bias' });
    assert.throws(
      () => writeModel(model, withInitializer(copy), out),
      /'bias' was copied by an edit without its data/,
    );
    assert.equal(existsSync(out), false);
    // An edit's tensor of no elements has no data to lose.
    writeModel(model, withInitializer(withChanges(copy, { dims: [Long.fromNumber(0)] })), out);
    model.close();
  });

  test('an unchanged message moved to another field is encoded under that field, not copied with its old tag', () => {
    // The initializer, read from GraphProto field 5, also held by an attribute's `tensors` (field 10): copied
    // from its tag on, it would be the attribute's field 5, `t`.
    const path = save('moved.onnx', encodeModel(addBiasModel()));
    const model = openModel(path);
    const graph = model.proto.graph!;
    const holder = {
      op_type: 'Identity',
      name: '/Holder',
      input: ['x'],
      output: ['x2'],
      attribute: [
        { name: 'kept', type: onnx.AttributeProto.AttributeType.TENSORS, tensors: [graph.initializer![0]] },
      ],
    };
    const edited = withChanges(model.proto, {
      graph: withChanges(graph, { node: [...graph.node!, holder] }),
    });
    const out = join(dir, 'moved-out.onnx');
    writeModel(model, edited, out);
    model.close();
    const attribute = onnx.ModelProto.decode(readFileSync(out)).graph!.node![1].attribute![0];
    assert.equal(attribute.t, null);
    assert.deepEqual(
      attribute.tensors!.map((t) => t.name),
      ['bias'],
    );
  });

  test('messages reordered, inserted and dropped by an edit are written as the edit says', () => {
    // The writer expects each message after the last one it met, in file order: every way an edit breaks
    // that expectation must still find each unchanged message's own bytes.
    const tensors = ['a', 'b', 'c', 'd'].map((name, i) => floatTensor(name, [2], [i, i + 0.5]));
    const nodes = ['a', 'b', 'c', 'd'].map((name) => ({
      op_type: 'Identity',
      name: `/${name}`,
      input: [name],
      output: [`${name}_out`],
    }));
    const model = openModel(
      save(
        'reorder.onnx',
        encodeModel({
          ir_version: Long.fromNumber(8),
          opset_import: [{ domain: '', version: Long.fromNumber(17) }],
          graph: { name: 'g', node: nodes, initializer: tensors },
        }),
      ),
    );
    const graph = model.proto.graph!;
    const [a, b, c, d] = graph.initializer!;
    const added = floatTensor('e', [2], [7, 8]);
    const edited = withChanges(model.proto, {
      graph: withChanges(graph, {
        node: [...graph.node!].reverse(),
        // a new tensor first, then d and b swapped, c dropped, a moved last
        initializer: [added, d, b, a],
      }),
    });
    const out = join(dir, 'reorder-out.onnx');
    writeModel(model, edited, out);
    model.close();
    const written = onnx.ModelProto.decode(readFileSync(out)).graph!;
    assert.deepEqual(
      written.node!.map((n) => n.name),
      ['/d', '/c', '/b', '/a'],
    );
    assert.deepEqual(
      written.initializer!.map((t) => [
        t.name,
        Array.from(new Float32Array(new Uint8Array(t.raw_data!).buffer)),
      ]),
      [
        ['e', [7, 8]],
        ['d', [3, 3.5]],
        ['b', [1, 1.5]],
        ['a', [0, 0.5]],
      ],
    );
    assert.ok(c.name === 'c');
  });

  test('an unchanged message the writer meets out of file order still keeps its exact bytes', () => {
    // A node whose input's length is a two-byte varint (0x81 0x00 = 1): copied, it keeps those bytes;
    // encoded anew, they would shrink. The edit reverses the nodes, so it is not where the writer expects.
    const odd = new Uint8Array([(1 << 3) | 2, 0x81, 0x00, ...Buffer.from('x'), ...addNodeBytes().slice(0)]);
    const plain = onnx.NodeProto.encode({
      op_type: 'Identity',
      name: '/Id',
      input: ['y'],
      output: ['z'],
    }).finish();
    const base = addBiasModel();
    const rest = onnx.GraphProto.encode({ ...base.graph, node: [] }).finish();
    const field = (bytes: Uint8Array) => new Uint8Array([(1 << 3) | 2, bytes.length, ...bytes]);
    const graph = new Uint8Array([...field(odd), ...field(plain), ...rest]);
    const modelBytes = onnx.ModelProto.encode({ ...base, graph: undefined }).finish();
    const header = protobuf.Writer.create()
      .uint32((7 << 3) | 2)
      .uint32(graph.length)
      .finish();
    const model = openModel(save('out-of-order.onnx', new Uint8Array([...modelBytes, ...header, ...graph])));
    const nodes = model.proto.graph!.node!;
    const edited = withChanges(model.proto, {
      graph: withChanges(model.proto.graph!, { node: [nodes[1], nodes[0]] }),
    });
    const out = join(dir, 'out-of-order-out.onnx');
    writeModel(model, edited, out);
    model.close();
    const written = readFileSync(out);
    assert.ok(Buffer.from(written).includes(Buffer.from(field(odd))), 'the node keeps its own bytes');
    assert.deepEqual(
      onnx.ModelProto.decode(written).graph!.node!.map((n) => n.name),
      ['/Id', '/Add'],
    );
  });

  test('unchanged messages keep their exact bytes, a length written in more bytes than needed included', () => {
    // The node's length as a two-byte varint (0x80 | n, 0x00): valid protobuf that a re-encoding would
    // shorten. Any edit of the graph leaves the untouched node's bytes exactly as they were.
    const node = addNodeBytes();
    assert.ok(node.length < 128);
    const base = addBiasModel();
    const rest = onnx.GraphProto.encode({ ...base.graph, node: [] }).finish();
    const graph = new Uint8Array([(1 << 3) | 2, 0x80 | node.length, 0x00, ...node, ...rest]);
    const modelBytes = onnx.ModelProto.encode({ ...base, graph: undefined }).finish();
    const header = protobuf.Writer.create()
      .uint32((7 << 3) | 2)
      .uint32(graph.length)
      .finish();
    const path = save('long-varint.onnx', new Uint8Array([...modelBytes, ...header, ...graph]));
    const model = openModel(path);
    const edited = withChanges(model.proto, {
      graph: withChanges(model.proto.graph!, { name: 'renamed' }),
    });
    const out = join(dir, 'long-varint-out.onnx');
    writeModel(model, edited, out);
    model.close();
    const written = readFileSync(out);
    const field = new Uint8Array([(1 << 3) | 2, 0x80 | node.length, 0x00, ...node]);
    assert.ok(
      Buffer.from(written).includes(Buffer.from(field)),
      'the node is copied with its own length bytes',
    );
    assert.equal(onnx.ModelProto.decode(written).graph!.name, 'renamed');
  });

  test('typed-field tensors (float_data, int64_data) are read and kept', () => {
    const base = addBiasModel();
    const shape: onnx.TensorProto.$Properties = {
      name: 'shape',
      data_type: 7,
      dims: [Long.fromNumber(2)],
      int64_data: [Long.fromNumber(1), Long.fromNumber(-1)],
    };
    const typed = {
      ...base,
      graph: {
        ...base.graph,
        initializer: [
          { name: 'bias', data_type: 1, dims: [Long.fromNumber(4)], float_data: [1, 2, 3, 4] },
          shape,
        ],
      },
    };
    const path = save('typed.onnx', encodeModel(typed));
    const model = openModel(path);
    const [bias, shapeTensor] = model.proto.graph!.initializer!;
    assert.equal(model.locate(bias).kind, 'typed');
    assert.deepEqual(Array.from(readTensorAsFloat32(model, bias)), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(new BigInt64Array(readTensorBytes(model, shapeTensor).slice().buffer)), [
      1n,
      -1n,
    ]);
    // Force a re-encode of the graph: the typed fields are copied as they were.
    const out = join(dir, 'typed-out.onnx');
    writeModel(model, { ...model.proto, graph: { ...model.proto.graph!, name: 'x' } }, out);
    const decoded = decodeKeepingUnknowns(readFileSync(out));
    assert.deepEqual(decoded.graph!.initializer![0].float_data, [1, 2, 3, 4]);
  });

  test('a cancelled save leaves the target untouched and no temporary file', () => {
    const path = save('cancel.onnx', encodeModel(addBiasModel()));
    const target = save('cancel-target.onnx', Buffer.from('previous content'));
    const model = openModel(path);
    const big = floatTensor('big', [1 << 20]);
    const edited = {
      ...model.proto,
      graph: { ...model.proto.graph!, initializer: [...model.proto.graph!.initializer!, big] },
    };
    const controller = new AbortController();
    assert.throws(
      () =>
        writeModel(model, edited, target, {
          signal: controller.signal,
          onProgress: (written) => {
            if (written > 0) controller.abort();
          },
        }),
      /abort/i,
    );
    assert.equal(readFileSync(target, 'utf8'), 'previous content');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('a failing write leaves the target untouched', () => {
    const path = save('fail.onnx', encodeModel(addBiasModel()));
    const model = openModel(path);
    const missingFolder = join(dir, 'no-such-folder', 'out.onnx');
    assert.throws(() => writeModel(model, model.proto, missingFolder), /ENOENT/);
    assert.equal(existsSync(missingFolder), false);
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
