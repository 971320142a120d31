// The hand-written field table of the lazy reader and streaming writer (src/core/onnx/schema.ts) against the
// protobufjs reflection of the .proto the generated code comes from: a field number, name, repeatedness or
// message type copied wrong would make the reader skip or misread that field in every model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import {
  CONTAINER_FIELDS,
  type ContainerType,
  ENCODERS,
  MESSAGE_CLASSES,
  PAYLOAD_FIELDS,
} from '../../../src/core/onnx/schema';

const proto = protobuf.parse(readFileSync(join(process.cwd(), 'src/core/onnx/proto/onnx.proto'), 'utf8'), {
  keepCase: true,
}).root;
proto.resolveAll();

const CONTAINERS = Object.keys(CONTAINER_FIELDS) as ContainerType[];
const messageOf = (type: ContainerType): protobuf.Type => proto.lookupType(`onnx.${type}Proto`);

describe('schema.ts against onnx.proto', () => {
  for (const type of CONTAINERS) {
    test(`${type}: every field, its number, name, repeatedness and container type`, () => {
      const message = messageOf(type);
      const expected = message.fieldsArray
        .map((f) => {
          const target = f.resolvedType?.name.replace(/Proto$/, '');
          const container = CONTAINERS.find((c) => c === target);
          return { no: f.id, name: f.name, repeated: f.repeated, ...(container ? { container } : {}) };
        })
        .sort((a, b) => a.no - b.no);
      const actual = CONTAINER_FIELDS[type].map(({ no, name, repeated, container }) => ({
        no,
        name,
        repeated,
        ...(container ? { container } : {}),
      }));
      assert.deepEqual(actual, expected);
    });
  }

  test('the table is in field-number order (the order the writer emits)', () => {
    for (const type of CONTAINERS) {
      const numbers = CONTAINER_FIELDS[type].map((f) => f.no);
      assert.deepEqual(
        numbers,
        [...numbers].sort((a, b) => a - b),
        type,
      );
    }
  });

  test('payload fields are the TensorProto element-data fields, raw_data the only bytes one', () => {
    assert.deepEqual(
      [...PAYLOAD_FIELDS],
      ['float_data', 'int32_data', 'string_data', 'int64_data', 'raw_data', 'double_data', 'uint64_data'],
    );
    const tensor = messageOf('Tensor');
    assert.deepEqual(
      PAYLOAD_FIELDS.map((name) => [name, tensor.fields[name]!.type, tensor.fields[name]!.repeated]),
      [
        ['float_data', 'float', true],
        ['int32_data', 'int32', true],
        ['string_data', 'bytes', true],
        ['int64_data', 'int64', true],
        ['raw_data', 'bytes', false],
        ['double_data', 'double', true],
        ['uint64_data', 'uint64', true],
      ],
    );
  });

  test('each container type is encoded and decoded by the generated class of its message', () => {
    for (const type of CONTAINERS) {
      const generated = (onnx as unknown as Record<string, unknown>)[`${type}Proto`];
      assert.equal(ENCODERS[type], generated, type);
      assert.equal(MESSAGE_CLASSES[type], generated, type);
    }
  });

  test('the generated code writes each leaf field under the number the table gives', () => {
    // One scalar of every singular leaf field, encoded by the generated code: its first tag names the field.
    for (const type of CONTAINERS) {
      const message = messageOf(type);
      for (const field of CONTAINER_FIELDS[type]) {
        const reflected = message.fields[field.name]!;
        if (field.repeated || field.container || reflected.resolvedType) continue;
        const value =
          reflected.type === 'string' ? 'x' : reflected.type === 'bytes' ? new Uint8Array([1]) : 1;
        const bytes = ENCODERS[type].encode({ [field.name]: value }).finish();
        const tag = protobuf.Reader.create(bytes).uint32();
        assert.equal(tag >>> 3, field.no, `${type}.${field.name}`);
      }
    }
  });
});
