// Hostile models crafted from the builder's fixtures at the wire level: the attacks of issue 12 that no exporter
// writes (huge packed lists, chains that blow up when folded, names made to forge output). Shared by the unit
// tests of each limit and by the hostile-input suite (test/hostile/attacks.ts).
import Long from 'long';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { ModelBuilder } from '../builder/model-builder';
import { buildFixture } from '../builder/fixtures';
import { int64Tensor } from '../builder/tensors';
import type { Value } from '../builder/types';
import { type WireField, type WireMessage, parseMessage, serialize, wire } from '../fuzz/wire';

const INTS = 7;
const STRINGS = 8;

/** plain-chain with one more attribute on its first node, given as wire fields after name and type. */
function withAttribute(type: number, fields: WireField[]): Uint8Array {
  const model = parseMessage(buildFixture('plain-chain').bytes, 'Model');
  firstNode(model).fields.push(
    wire.msg(5, 'Attribute', [wire.str(1, 'junk'), wire.int(20, type), ...fields]),
  );
  return serialize(model);
}

function firstNode(model: WireMessage): WireMessage {
  const graph = model.fields.find((f) => f.no === 7)!.message!;
  return graph.fields.find((f) => f.no === 1)!.message!;
}

/**
 * An attribute of packed int64s, each two bytes (128 + k): every one decodes into a Long of its own, some
 * thirty times its size in the file.
 */
export function packedIntsAttribute(count: number): Uint8Array {
  const bytes = new Uint8Array(2 * count);
  for (let i = 0; i < bytes.length; i += 2) {
    bytes[i] = 0x80 | (i & 0x7f);
    bytes[i + 1] = 1;
  }
  return withAttribute(INTS, [{ no: 8, wireType: 2, bytes }]);
}

/** An attribute of `count` byte strings of `length` bytes each (each one a Uint8Array once decoded). */
export function stringsAttribute(count: number, length: number): Uint8Array {
  // The fields as one run of bytes (tag 9/LEN, length, bytes), written as they are: a million fields
  // would take seconds as wire objects. Lengths below 128 take one byte.
  if (length > 127) throw new Error('stringsAttribute: length must be below 128');
  const field = Uint8Array.from([0x4a, length, ...new Uint8Array(length).fill(0x61)]);
  const run = new Uint8Array(field.length * count);
  for (let i = 0; i < count; i++) run.set(field, i * field.length);
  const model = parseMessage(buildFixture('plain-chain').bytes, 'Model');
  const head = serialize({ type: 'Attribute', fields: [wire.str(1, 'junk'), wire.int(20, STRINGS)] });
  const attribute = new Uint8Array(head.length + run.length);
  attribute.set(head);
  attribute.set(run, head.length);
  firstNode(model).fields.push({ no: 5, wireType: 2, bytes: attribute });
  return serialize(model);
}

/**
 * A Constant of 64 ints concatenated with itself `doublings` times (64 · 2^doublings elements if folded),
 * beside a conv: 26 doublings are a file of 1.4 kB that folding used to grow past the heap.
 */
export function doublingConcat(doublings: number): Uint8Array {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 3, 4, 4]);
  let doubled: Value = b.constantNode(
    int64Tensor(
      'c64',
      [64],
      Array.from({ length: 64 }, (_, i) => i),
    ),
  );
  for (let i = 0; i < doublings; i++) doubled = b.concat([doubled, doubled], 0);
  b.output(b.conv(x, 4, { kernel: 3, pads: 1 }));
  return b.build().bytes;
}

/**
 * plain-chain with `text` in its names: the graph input, conv2's node and weight, a metadata entry (the names
 * are replaced everywhere they are used, so the model stays valid and prunable).
 */
export function hostileNames(text: string): Uint8Array {
  const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes);
  const graph = model.graph!;
  const rename = new Map([
    ['input', `${text}:input`],
    ['conv2.weight', `${text}:weight`],
  ]);
  const renamed = (v: string) => rename.get(v) ?? v;
  graph.input!.forEach((v) => (v.name = renamed(v.name!)));
  graph.initializer!.forEach((t) => (t.name = renamed(t.name!)));
  for (const node of graph.node!) {
    node.input = node.input!.map(renamed);
    if (node.name === '/conv2/Conv') node.name = `${text}:node`;
  }
  model.metadata_props = [{ key: `${text}:key`, value: `${text}:value` }];
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A graph input declared with `rank` dims, read by a chain of `adds` Add(x, x) nodes: each output's shape is a
 * new list as long as the input's, kept for the whole analysis (100,000 dims and 2,000 nodes: 1.6 GB).
 */
export function wideRank(rank: number, adds: number): Uint8Array {
  const dims = Array.from({ length: rank }, () => ({ dim_value: Long.fromNumber(1) }));
  const node: onnx.NodeProto.$Properties[] = [];
  let previous = 'x';
  for (let i = 0; i < adds; i++) {
    node.push({ op_type: 'Add', name: `add${i}`, input: [previous, previous], output: [`a${i}`] });
    previous = `a${i}`;
  }
  return onnx.ModelProto.encode({
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: {
      name: 'wide',
      node,
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: dims } } } }],
      output: [{ name: previous, type: { tensor_type: { elem_type: 1 } } }],
    },
  }).finish();
}

/** conv(x) → …`relus`… → conv → y, on [1, 4, 8, 8]: the nodes an attack names or wires. */
function convChain(relus: onnx.NodeProto.$Properties[], first: string, last: string): Uint8Array {
  const weight: onnx.TensorProto.$Properties = {
    name: 'W',
    data_type: 1,
    dims: [4, 4, 1, 1].map((d) => Long.fromNumber(d)),
    raw_data: new Uint8Array(new Float32Array(16).fill(0.5).buffer),
  };
  const shape = { dim: [1, 4, 8, 8].map((d) => ({ dim_value: Long.fromNumber(d) })) };
  return onnx.ModelProto.encode({
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: {
      name: 'chain',
      node: [
        { op_type: 'Conv', name: 'conv_in', input: ['x', 'W'], output: [first] },
        ...relus,
        { op_type: 'Conv', name: 'conv_out', input: [last, 'W'], output: ['y'] },
      ],
      initializer: [weight],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1, shape } } }],
    },
  }).finish();
}

/** A chain of Relu nodes named by `names`, each writing the value named by the next (hash flooding). */
export function namedChain(names: readonly string[]): Uint8Array {
  const relus = names.slice(1).map((name, i) => ({
    op_type: 'Relu',
    name,
    input: [names[i]],
    output: [name],
  }));
  return convChain(relus, names[0], names[names.length - 1]);
}

/** `writers` Relu nodes that each read and write one value name: an invalid graph (a value has one producer). */
export function oneNameManyWriters(writers: number): Uint8Array {
  const relus = Array.from({ length: writers }, (_, i) => ({
    op_type: 'Relu',
    name: `relu${i}`,
    input: ['v'],
    output: ['v'],
  }));
  return convChain(relus, 'v', 'v');
}

/**
 * A conv's `n` output channels and `n` rows swapped by Reshape → Transpose → Reshape: each input channel feeds
 * every output channel, n² pairs to enumerate (16,384: 2^28) in a file of a few hundred bytes.
 */
export function crossedRearrange(n: number): Uint8Array {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 1, n, 1]);
  const y = b.conv(x, n, { kernel: 1, name: '/conv/Conv' });
  b.output(b.reshape(b.transpose(b.reshape(y, [1, n, n, 1]), [0, 2, 1, 3]), [1, n, n, 1]));
  return b.build().bytes;
}
