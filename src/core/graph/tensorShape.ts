import { toDimension } from '../onnx/int64';
import type { onnx } from '../onnx/proto/onnx.js';

/**
 * A tensor's dims, checked as toDimension checks them. Most are Longs with a zero high word, read directly:
 * toDimension builds its error message (a string per dim) before it knows whether it needs one, and this runs
 * for thousands of weights.
 */
export function tensorShape(tensor: onnx.TensorProto.$Properties): number[] {
  const dims = tensor.dims ?? [];
  const shape = new Array<number>(dims.length); // its exact size: the facts keep it
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    shape[i] = typeof d === 'object' && d.high === 0 && d.low >= 0 ? d.low : toDimension(d, tensor.name);
  }
  return shape;
}
