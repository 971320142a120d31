import protobuf from 'protobufjs/minimal.js';
import { type ByteSource, MemorySource } from './byteSource';
import { DataType, dataTypeBits, dataTypeName, rawByteLength } from './dataTypes';
import { OnnxError } from './errors';
import { type DataChunk, chunksLength, forEachPiece } from './dataChunk';
import { ModelFile, TENSOR_FIELD_NAMES } from './modelFile';
import type { onnx } from './proto/onnx.js';
import type { PayloadSegment } from './structure';

/** Largest tensor we will load into memory in one piece (a single typed array cannot be larger anyway). */
const MAX_TENSOR_BYTES = 2 ** 31 - 1;

/**
 * A tensor's elements as raw little-endian bytes (the raw_data layout), read from wherever they live:
 * raw_data in the model file, typed fields (float_data…), external data, or data an edit attached.
 */
export function readTensorBytes(model: ModelFile, tensor: onnx.TensorProto.$Properties): Uint8Array {
  const type = tensor.data_type ?? 0;
  const name = tensor.name || '(unnamed)';
  const expected = tensorByteLength(model, tensor);
  const count = ModelFile.elementCount(tensor);
  const location = model.locate(tensor);
  let bytes: Uint8Array;
  switch (location.kind) {
    case 'raw':
      bytes =
        location.end - location.start === expected ? model.source.read(location.start, expected) : mismatch();
      break;
    case 'external': {
      const { source, offset, length } = model.external.data(location.ref, name, expected);
      if (length !== expected) mismatch(length);
      bytes = source.read(offset, length);
      break;
    }
    case 'chunks':
      bytes = concatChunks(location.chunks);
      if (bytes.length !== expected) mismatch(bytes.length);
      break;
    case 'typed':
      bytes = typedToRaw(
        decodeSegments(model, location.field, location.segments),
        location.field,
        type,
        count,
        mismatch,
        wrongField,
      );
      break;
    case 'inline':
      bytes = inlineToRaw(tensor, type, count, mismatch, wrongField);
      break;
    case 'empty':
      if (expected !== 0) mismatch(0);
      bytes = new Uint8Array(0);
      break;
  }
  return bytes;

  function wrongField(field: number): never {
    throw new OnnxError(
      'not-onnx',
      `${model.name}: tensor '${name}' keeps its data in ${TENSOR_FIELD_NAMES[field] ?? `field ${field}`}, which its data type ${dataTypeName(type)} does not use.`,
      model.name,
    );
  }

  function mismatch(actual?: number): never {
    throw new OnnxError(
      'truncated',
      `${model.name}: tensor '${name}' has ${actual ?? (location.kind === 'raw' ? location.end - location.start : '?')} bytes of data, but its shape [${(tensor.dims ?? []).join(', ')}] needs ${expected}.`,
      model.name,
    );
  }
}

/** The tensor's elements as float32 (float, float16, bfloat16, double, and integer types are converted). */
export function readTensorAsFloat32(model: ModelFile, tensor: onnx.TensorProto.$Properties): Float32Array {
  return rawToFloat32(readTensorBytes(model, tensor), tensor.data_type ?? 0, tensor.name ?? '', model.name);
}

/** The tensor's elements as numbers: integer tensors (shapes, axes) must fit exactly. */
export function readTensorAsNumbers(model: ModelFile, tensor: onnx.TensorProto.$Properties): number[] {
  const bytes = readTensorBytes(model, tensor);
  const type = tensor.data_type ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = ModelFile.elementCount(tensor);
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case DataType.INT64: {
        const v = view.getBigInt64(i * 8, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          // INT64_MAX / INT64_MIN appear as "to the end" in Slice; clamp them to the safe range.
          out[i] = v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
        } else out[i] = Number(v);
        break;
      }
      case DataType.INT32:
        out[i] = view.getInt32(i * 4, true);
        break;
      case DataType.UINT64:
        out[i] = Number(view.getBigUint64(i * 8, true));
        break;
      default:
        return Array.from(rawToFloat32(bytes, type, tensor.name ?? '', model.name));
    }
  }
  return out;
}

function concatChunks(chunks: readonly DataChunk[]): Uint8Array {
  const out = new Uint8Array(chunksLength(chunks));
  let at = 0;
  // Each piece is copied as it comes: a lazy chunk may reuse its buffer for the next piece.
  for (const chunk of chunks) {
    forEachPiece(chunk, (piece) => {
      out.set(piece, at);
      at += piece.length;
    });
  }
  return out;
}

/** Raw little-endian element bytes as float32 (a fast copy for float32 itself). */
export function rawToFloat32(bytes: Uint8Array, type: number, name: string, file: string): Float32Array {
  if (type === DataType.FLOAT) {
    // A copy when unaligned (new Uint8Array copies; a Buffer's slice() would be another unaligned view).
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
    return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4).slice();
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bits = dataTypeBits(type) ?? 0;
  const count = bits >= 8 ? bytes.length / (bits / 8) : 0;
  const out = new Float32Array(count);
  const get = FLOAT_READERS[type];
  if (!get)
    throw new OnnxError(
      'unsupported',
      `${file}: tensor '${name}' has data type ${type}, which is not read as numbers here.`,
      file,
    );
  for (let i = 0; i < count; i++) out[i] = get(view, i);
  return out;
}

const FLOAT_READERS: Record<number, (view: DataView, i: number) => number> = {
  [DataType.FLOAT]: (v, i) => v.getFloat32(i * 4, true),
  [DataType.DOUBLE]: (v, i) => v.getFloat64(i * 8, true),
  [DataType.FLOAT16]: (v, i) => halfToFloat(v.getUint16(i * 2, true)),
  [DataType.BFLOAT16]: (v, i) => {
    const scratch = new DataView(new ArrayBuffer(4));
    scratch.setUint32(0, v.getUint16(i * 2, true) << 16, true);
    return scratch.getFloat32(0, true);
  },
  [DataType.INT8]: (v, i) => v.getInt8(i),
  [DataType.UINT8]: (v, i) => v.getUint8(i),
  [DataType.INT16]: (v, i) => v.getInt16(i * 2, true),
  [DataType.UINT16]: (v, i) => v.getUint16(i * 2, true),
  [DataType.INT32]: (v, i) => v.getInt32(i * 4, true),
  [DataType.UINT32]: (v, i) => v.getUint32(i * 4, true),
  [DataType.INT64]: (v, i) => Number(v.getBigInt64(i * 8, true)),
  [DataType.UINT64]: (v, i) => Number(v.getBigUint64(i * 8, true)),
  [DataType.BOOL]: (v, i) => v.getUint8(i),
};

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Values of a typed data field, decoded from its file segments (packed runs or single elements). */
function decodeSegments(
  model: ModelFile,
  field: number,
  segments: readonly PayloadSegment[],
): (number | bigint)[] {
  const values: (number | bigint)[] = [];
  for (const segment of segments) {
    const bytes = model.source.read(segment.valueStart, segment.end - segment.valueStart);
    const reader = protobuf.Reader.create(bytes);
    const packed = segment.wireType === 2;
    try {
      while (reader.pos < reader.len) {
        values.push(readElement(reader, field));
        if (!packed) break;
      }
    } catch (error) {
      if (error instanceof OnnxError) throw error;
      // protobufjs' own errors (a varint cut short, a float past the end) say nothing of the file or field.
      throw new OnnxError(
        'truncated',
        `${model.name}: the ${TENSOR_FIELD_NAMES[field]} of a tensor at byte ${segment.tagStart} is corrupt (${(error as Error).message}).`,
        model.name,
      );
    }
  }
  return values;
}

function readElement(reader: protobuf.Reader, field: number): number | bigint {
  switch (field) {
    case 4:
      return reader.float();
    case 5:
      return reader.int32();
    case 7:
      return BigInt(reader.int64().toString());
    case 10:
      return reader.double();
    case 11:
      return BigInt(reader.uint64().toString());
    default:
      throw new OnnxError('unsupported', `typed data field ${field} cannot be read as numbers`);
  }
}

function inlineToRaw(
  tensor: onnx.TensorProto.$Properties,
  type: number,
  count: number,
  mismatch: (n: number) => never,
  wrongField: (field: number) => never,
): Uint8Array {
  if (tensor.raw_data?.length)
    return tensor.raw_data.length === rawByteLength(type, count)
      ? tensor.raw_data
      : mismatch(tensor.raw_data.length);
  const pick = (): [number, (number | bigint)[]] => {
    if (tensor.float_data?.length) return [4, tensor.float_data];
    if (tensor.int32_data?.length) return [5, tensor.int32_data];
    if (tensor.int64_data?.length) return [7, tensor.int64_data.map((v) => BigInt(v.toString()))];
    if (tensor.double_data?.length) return [10, tensor.double_data];
    if (tensor.uint64_data?.length) return [11, tensor.uint64_data.map((v) => BigInt(v.toString()))];
    return [9, []];
  };
  const [field, values] = pick();
  return typedToRaw(values, field, type, count, mismatch, wrongField);
}

/** The typed field that holds each data type's values (onnx.proto's TensorProto comments). */
function typedFieldOf(type: number): number {
  if (type === DataType.FLOAT || type === DataType.COMPLEX64) return 4;
  if (type === DataType.DOUBLE || type === DataType.COMPLEX128) return 10;
  if (type === DataType.INT64) return 7;
  if (type === DataType.UINT32 || type === DataType.UINT64) return 11;
  return 5; // int32_data: every other numeric type, sub-byte and 16-bit floats included
}

/** Converts typed-field values to the raw_data layout for the tensor's data type. */
function typedToRaw(
  values: (number | bigint)[],
  field: number,
  type: number,
  count: number,
  mismatch: (n: number) => never,
  wrongField: (field: number) => never,
): Uint8Array {
  const bits = dataTypeBits(type);
  if (bits === undefined) return mismatch(values.length);
  // The element width below follows the type: values from another type's field would not fit it.
  if (values.length > 0 && field !== typedFieldOf(type)) return wrongField(field);
  // Complex types store two values per element; sub-byte types store one packed byte per int32 value.
  const perElement = type === DataType.COMPLEX64 || type === DataType.COMPLEX128 ? 2 : 1;
  const expectedValues = bits < 8 ? Math.ceil((count * bits) / 8) : count * perElement;
  if (values.length !== expectedValues) mismatch(values.length);
  const out = new Uint8Array(rawByteLength(type, count)!);
  const view = new DataView(out.buffer);
  const width = bits < 8 ? 1 : bits / 8 / perElement;
  values.forEach((value, i) => {
    const at = i * width;
    if (field === 4) view.setFloat32(at, Number(value), true);
    else if (field === 10) view.setFloat64(at, Number(value), true);
    else if (field === 7) view.setBigInt64(at, BigInt(value), true);
    else if (field === 11) {
      if (width === 8) view.setBigUint64(at, BigInt(value), true);
      else view.setUint32(at, Number(value), true);
    } else {
      const n = Number(value);
      if (width === 1) view.setUint8(at, n & 0xff);
      else if (width === 2) view.setUint16(at, n & 0xffff, true);
      else view.setInt32(at, n, true);
    }
  });
  return out;
}

/**
 * Where a tensor's raw bytes can be read in place (raw data in the model, or its external file), or, for
 * typed fields and edited data, a copy in memory.
 */
export function tensorBytesSource(
  model: ModelFile,
  tensor: onnx.TensorProto.$Properties,
): { source: ByteSource; base: number } {
  // Callers read as many bytes as the shape says from here: a shape that claims more than is stored
  // (a corrupt or hostile file) must fail now, not as a read past the end of the file.
  const expected = tensorByteLength(model, tensor);
  const where = model.locate(tensor);
  if (where.kind === 'raw' && where.end - where.start === expected)
    return { source: model.source, base: where.start };
  if (where.kind === 'external') {
    const { source, offset, length } = model.external.data(where.ref, tensor.name ?? '', expected);
    if (length === expected) return { source, base: offset };
  }
  return { source: new MemorySource(readTensorBytes(model, tensor)), base: 0 };
}

/**
 * The bytes a tensor's shape and type need (raw_data layout), refusing what no tensor can be: a negative
 * dimension (ModelFile.elementCount), an unknown or string type, more than one typed array holds.
 */
export function tensorByteLength(model: ModelFile, tensor: onnx.TensorProto.$Properties): number {
  const type = tensor.data_type ?? 0;
  const name = tensor.name || '(unnamed)';
  if (type === DataType.STRING) {
    throw new OnnxError(
      'unsupported',
      `${model.name}: tensor '${name}' holds strings, which have no raw byte form.`,
      model.name,
    );
  }
  const count = ModelFile.elementCount(tensor);
  const expected = rawByteLength(type, count);
  if (expected === undefined) {
    throw new OnnxError(
      'unsupported',
      `${model.name}: tensor '${name}' has data type ${type}, which this tool does not know.`,
      model.name,
    );
  }
  if (expected > MAX_TENSOR_BYTES) {
    throw new OnnxError(
      'too-large',
      `${model.name}: tensor '${name}' declares ${expected} bytes, more than one tensor may hold.`,
      model.name,
    );
  }
  return expected;
}
