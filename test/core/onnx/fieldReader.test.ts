import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { FieldReader } from '../../../src/core/onnx/fieldReader';

/** Decodes with protobufjs's own reader and with ours: the messages must be the same. */
function both(bytes: Uint8Array): [onnx.NodeProto, onnx.NodeProto] {
  const plain = new protobuf.Reader(bytes);
  plain.discardUnknown = false;
  const ours = new FieldReader(bytes);
  ours.discardUnknown = false;
  return [onnx.NodeProto.decode(plain), onnx.NodeProto.decode(ours)];
}

describe('field reader', () => {
  test('strings and int64s decode exactly as protobufjs decodes them', () => {
    const names = [
      '',
      'x',
      'conv_out',
      'conv_out', // repeated: shared, still equal
      'conv_ou',
      'Ünïcødé 名前',
      'a\u0000b',
      '\uFEFFbom',
      'long '.repeat(40),
      'y'.repeat(128),
      'y'.repeat(129),
    ];
    const ints = [0, 1, 127, 128, 255, 300, 2 ** 31 - 1, -1, -128, 2 ** 40, Number.MAX_SAFE_INTEGER];
    const node = {
      input: names,
      output: [...names].reverse(),
      name: 'node',
      op_type: 'Conv',
      attribute: [
        { name: 'kernel_shape', type: 7, ints: ints.map((v) => Long.fromNumber(v)) },
        { name: 'axis', type: 2, i: Long.fromNumber(-3) },
        { name: 'big', type: 2, i: Long.fromString('-9223372036854775808') },
      ],
    };
    const bytes = onnx.NodeProto.encode(node).finish();
    const [plain, ours] = both(bytes);
    assert.deepEqual(ours, plain);
    assert.deepEqual(ours.input, names);
    assert.deepEqual(
      (ours.attribute[0].ints ?? []).map((v) => v.toString()),
      ints.map((v) => String(v)),
    );
  });

  test('thousands of distinct and repeated names (the table grows) stay exact', () => {
    const input = Array.from({ length: 5000 }, (_, i) => `/layer${i % 3000}/out_${i % 7}`);
    const [plain, ours] = both(onnx.NodeProto.encode({ input, output: input }).finish());
    assert.deepEqual(ours, plain);
    assert.deepEqual(ours.input, input);
  });

  test('invalid UTF-8 decodes as protobufjs decodes it (replacement characters)', () => {
    // NodeProto.name (field 3) with bytes that are not UTF-8.
    const bytes = new Uint8Array([0x1a, 4, 0x61, 0xff, 0xfe, 0x62]);
    const [plain, ours] = both(bytes);
    assert.equal(ours.name, plain.name);
  });

  test('a string running past the end is an error, as with protobufjs', () => {
    const bytes = new Uint8Array([0x1a, 10, 0x61, 0x62]);
    assert.throws(() => onnx.NodeProto.decode(new protobuf.Reader(bytes)), RangeError);
    assert.throws(() => onnx.NodeProto.decode(new FieldReader(bytes)), RangeError);
  });
});
