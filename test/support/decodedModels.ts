// What a model decodes to, as protobufjs decodes it whole: the tests of the reader compare its messages with it.
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { PAYLOAD_FIELDS } from '../../src/core/onnx/schema';

const PAYLOAD: readonly string[] = PAYLOAD_FIELDS;
const CONTAINERS = [
  onnx.ModelProto,
  onnx.GraphProto,
  onnx.NodeProto,
  onnx.AttributeProto,
  onnx.FunctionProto,
  onnx.TrainingInfoProto,
  onnx.SparseTensorProto,
  onnx.TensorProto,
];

/** The model protobufjs decodes from the bytes, unknown fields kept, tensors' element data removed. */
export function expected(bytes: Uint8Array): onnx.ModelProto {
  const reader = new protobuf.Reader(bytes);
  reader.discardUnknown = false;
  const model = onnx.ModelProto.decode(reader);
  const strip = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(strip);
    else if (value instanceof onnx.TensorProto) for (const name of PAYLOAD) delete (value as never)[name];
    else if (value && typeof value === 'object' && !ArrayBuffer.isView(value))
      Object.values(value).forEach(strip);
  };
  strip(model);
  return model;
}

/** Same classes, same own properties (hidden ones too), same values, recursively. */
export function assertSame(actual: unknown, wanted: unknown, path: string): void {
  if (typeof wanted !== 'object' || wanted === null) {
    assert.equal(actual, wanted, path);
    return;
  }
  assert.equal(typeof actual, 'object', path);
  assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(wanted), `${path}: class`);
  if (ArrayBuffer.isView(wanted)) {
    assert.deepEqual(Array.from(actual as Uint8Array), Array.from(wanted as Uint8Array), path);
    return;
  }
  const names = (o: object) =>
    Object.getOwnPropertyNames(o)
      .map((k) => `${k}${Object.getOwnPropertyDescriptor(o, k)!.enumerable ? '' : ' (hidden)'}`)
      .sort();
  assert.deepEqual(names(actual as object), names(wanted), `${path}: own properties`);
  for (const key of Object.getOwnPropertyNames(wanted)) {
    if (key === 'length' && Array.isArray(wanted)) continue;
    assertSame(
      (actual as Record<string, unknown>)[key],
      (wanted as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
  }
}

export function assertFrozen(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(assertFrozen);
  if (!CONTAINERS.some((type) => value instanceof type)) return;
  assert.ok(Object.isFrozen(value), `${value!.constructor.name} frozen`);
  for (const v of Object.values(value as object)) {
    if (Array.isArray(v) && v.some((e) => CONTAINERS.some((type) => e instanceof type)))
      assert.ok(Object.isFrozen(v), 'list of messages frozen');
    assertFrozen(v);
  }
}
