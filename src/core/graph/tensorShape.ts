import { toDimension } from '../onnx/int64';
import { MAX_RANK } from './facts';
import type { onnx } from '../onnx/proto/onnx.js';

/**
 * A tensor's dims, checked as toDimension checks them. Most are Longs with a zero high word, read directly:
 * toDimension builds its error message (a string per dim) before it knows whether it needs one, and this runs
 * for thousands of weights.
 */
export function tensorShape(tensor: onnx.TensorProto.$Properties): number[] {
  const dims = tensor.dims ?? [];
  // Literals for the usual ranks (each call makes one: `new Array(n)` of a length known only at run time is a
  // call into the runtime, ~4 ms over a transformer50k analysis), exactly as long as the shape (the facts keep it).
  switch (dims.length) {
    case 0:
      return [];
    case 1:
      return [dimension(tensor, 0)];
    case 2:
      return [dimension(tensor, 0), dimension(tensor, 1)];
    case 3:
      return [dimension(tensor, 0), dimension(tensor, 1), dimension(tensor, 2)];
    case 4:
      return [dimension(tensor, 0), dimension(tensor, 1), dimension(tensor, 2), dimension(tensor, 3)];
    default: {
      const shape = new Array<number>(dims.length);
      for (let i = 0; i < dims.length; i++) shape[i] = dimension(tensor, i);
      return shape;
    }
  }
}

/** A weight's shape as its facts would have it: its dims, unknown past MAX_RANK of them. */
export function weightShape(tensor: onnx.TensorProto.$Properties): number[] | undefined {
  return (tensor.dims?.length ?? 0) > MAX_RANK ? undefined : tensorShape(tensor);
}

function dimension(tensor: onnx.TensorProto.$Properties, i: number): number {
  const d = tensor.dims![i];
  return typeof d === 'object' && d.high === 0 && d.low >= 0 ? d.low : toDimension(d, tensor.name);
}
