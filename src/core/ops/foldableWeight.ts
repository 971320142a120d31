import type { ChannelState } from '../deps/state';
import { tensorShape } from '../graph/tensorShape';
import { DataType, dataTypeBits } from '../onnx/dataTypes';
import type { NodeView } from '../onnx/modelView';
import type { onnx } from '../onnx/proto/onnx.js';

/**
 * A weight that a node computes at run time from an initializer by rearranging its shape only (ONNX Runtime's
 * MNIST reshapes its classifier's [16, 4, 4, 10] weight to [256, 10]): the same bytes in the same order, so an
 * initializer of the node's output shape holding them computes exactly what the node did. What the PR001 fix
 * "fold" writes in its place.
 */
export interface FoldableWeight {
  /** The node that rearranges the constant (removed by the fold). */
  node: NodeView;
  /** The initializer it reads. */
  constant: onnx.TensorProto.$Properties;
  /** The value it makes, and its shape: the name and dims of the initializer that replaces it. */
  value: string;
  dims: number[];
}

/** The id of the PR001 fix that folds such a weight (a model fix: fixModel). */
export const FOLD_WEIGHT_FIX = 'PR001.fold-weight';

/** Ops whose output holds their first input's elements in the same order (only the shape changes). */
const SAME_BYTES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/**
 * The rearrangement that makes `value`, when it can be folded into an initializer: a Reshape, Flatten, Squeeze
 * or Unsqueeze (default domain) of an initializer of a numeric type, into a shape the analysis knows in full
 * with as many elements, of a value that is not a graph output. Undefined otherwise (a Transpose or Cast moves
 * or converts the elements: folding it is constant folding's job).
 */
export function foldableWeight(state: ChannelState, value: string | undefined): FoldableWeight | undefined {
  const graph = state.graph;
  const node = value ? graph.producer(value) : undefined;
  if (!node || node.domain !== '' || !SAME_BYTES.has(node.opType) || node.outputs.length !== 1)
    return undefined;
  const constant = graph.initializer(node.inputs[0] ?? '');
  // Whole bytes per element (not a string, not a packed 4-bit type): the folded data is a range of the file.
  const bits = constant ? dataTypeBits(constant.data_type ?? 0) : undefined;
  if (!constant || !bits || bits < 8 || constant.data_type === DataType.STRING || graph.isGraphOutput(value!))
    return undefined;
  const dims = state.shape(value);
  if (!dims || !dims.every((d): d is number => typeof d === 'number')) return undefined;
  let count: number;
  try {
    count = tensorShape(constant).reduce((a, b) => a * b, 1);
  } catch {
    return undefined; // a broken dim: the analysis says so elsewhere
  }
  if (dims.reduce((a, b) => a * b, 1) !== count) return undefined;
  return { node, constant, value: value!, dims };
}
