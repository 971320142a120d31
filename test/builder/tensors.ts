// Tensor contents and their three encodings in a TensorProto: raw_data (what torch.onnx writes), the typed
// repeated fields float_data / int64_data (what hand-written and older tools write), and external data
// (location/offset/length entries pointing into a side file, used for models over 2 GiB).
import Long from 'long';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { uniformFloats } from './prng';
import type { DType, Init, TensorData } from './types';

export const ONNX_ELEM_TYPE: Readonly<Record<DType, number>> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorData {
  if (values.length !== elementCount(dims)) {
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
  }
  return { name, dtype: 'float32', dims: [...dims], data: Float32Array.from(values) };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorData {
  if (values.length !== elementCount(dims)) {
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
  }
  return { name, dtype: 'int64', dims: [...dims], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** Fills a float tensor from an Init spec; uniform noise is keyed by (seed, tensor name). */
export function initFloats(seed: number, name: string, count: number, init: Init): Float32Array {
  switch (init.kind) {
    case 'uniform':
      return uniformFloats(seed, name, count, init.low, init.high);
    case 'constant':
      return new Float32Array(count).fill(init.value);
    case 'values':
      if (init.values.length !== count) throw new Error(`tensor ${name}: needs ${count} values`);
      return Float32Array.from(init.values);
  }
}

/** Little-endian bytes of a tensor, as ONNX raw_data and external files require on every platform. */
export function tensorBytes(tensor: TensorData): Uint8Array {
  const width = tensor.dtype === 'float32' ? 4 : 8;
  const bytes = new Uint8Array(tensor.data.length * width);
  const view = new DataView(bytes.buffer);
  if (tensor.data instanceof Float32Array) {
    tensor.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  } else {
    tensor.data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  }
  return bytes;
}

export function byteLength(tensor: TensorData): number {
  return tensor.data.length * (tensor.dtype === 'float32' ? 4 : 8);
}

export type TensorStorage =
  | { readonly kind: 'raw' }
  | { readonly kind: 'typed' }
  | {
      readonly kind: 'external';
      readonly location: string;
      readonly offset: number;
      readonly length: number;
    };

export function tensorToProto(tensor: TensorData, storage: TensorStorage): onnx.TensorProto.$Properties {
  const proto: onnx.TensorProto.$Properties = {
    dims: tensor.dims.map((d) => Long.fromNumber(d)),
    data_type: ONNX_ELEM_TYPE[tensor.dtype],
    name: tensor.name,
  };
  switch (storage.kind) {
    case 'raw':
      proto.raw_data = tensorBytes(tensor);
      break;
    case 'typed':
      if (tensor.data instanceof Float32Array) proto.float_data = Array.from(tensor.data);
      else proto.int64_data = Array.from(tensor.data, (v) => Long.fromString(v.toString()));
      break;
    case 'external':
      proto.data_location = onnx.TensorProto.DataLocation.EXTERNAL;
      proto.external_data = [
        { key: 'location', value: storage.location },
        { key: 'offset', value: String(storage.offset) },
        { key: 'length', value: String(storage.length) },
      ];
      break;
  }
  return proto;
}
