import { toSafeNumber } from './int64';
import type { onnx } from './proto/onnx.js';

/** A dimension: a number, a symbolic name (e.g. 'N'), or undefined when unknown. */
export type Dim = number | string | undefined;

/** A graph input, output or value_info entry as the core reads it. */
export interface ValueType {
  readonly name: string;
  /** TensorProto.DataType, when the value is a tensor with a known element type. */
  readonly dtype: number | undefined;
  /** Undefined when the rank is unknown. */
  readonly shape: Dim[] | undefined;
}

/** The name, element type and shape a ValueInfoProto declares (a sparse tensor's as a tensor's). */
export function valueType(info: onnx.ValueInfoProto.$Properties): ValueType {
  const tensorType = info.type?.tensor_type ?? info.type?.sparse_tensor_type;
  const shape = tensorType?.shape
    ? (tensorType.shape.dim ?? []).map((d): Dim => {
        if (d.dim_value != null && Object.hasOwn(d, 'dim_value'))
          return toSafeNumber(d.dim_value, 'a dimension');
        if (d.dim_param) return d.dim_param;
        return undefined;
      })
    : undefined;
  return { name: info.name ?? '', dtype: tensorType?.elem_type ?? undefined, shape };
}
