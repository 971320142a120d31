import type { Fix } from '../analyze/types';
import type { ChannelState } from '../deps/state';
import { tensorShape } from '../graph/tensorShape';
import { DataType, dataTypeBits } from '../onnx/dataTypes';
import type { NodeView } from '../onnx/modelView';
import type { onnx } from '../onnx/proto/onnx.js';

/**
 * A weight that a node computes at run time from an initializer by rearranging it (ONNX Runtime's MNIST reshapes
 * its classifier's [16, 4, 4, 10] weight to [256, 10]): the same elements, in the same order or permuted by a
 * Transpose, so an initializer of the node's output shape holding them computes exactly what the node did. What
 * the PR001 fix "fold" writes in its place.
 */
export interface FoldableWeight {
  /** The node that rearranges the constant (removed by the fold). */
  node: NodeView;
  /** The initializer it reads. */
  constant: onnx.TensorProto.$Properties;
  /** The value it makes, and its shape: the name and dims of the initializer that replaces it. */
  value: string;
  dims: number[];
  /** A Transpose's permutation of the constant's axes (its data is permuted); undefined: the same bytes. */
  perm: number[] | undefined;
}

/** The findings that offer to fold such a weight: PR001 (a Gemm/MatMul), PR003 (a Conv or ConvTranspose). */
export type FoldingCode = 'PR001' | 'PR003';

/** The fix of a finding that folds a weight (a model fix: fixModel). */
export function foldFix(code: FoldingCode, fold: FoldableWeight): Fix {
  return {
    id: `${code}.fold-weight`,
    title: `Fold ${fold.node.opType} '${fold.node.name}' into an initializer`,
    kind: 'model',
  };
}

/** Ops whose output holds their first input's elements in the same order (only the shape changes). */
const SAME_BYTES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** The most bytes a Transpose's fold permutes (in memory, with a copy): SECURITY.md. */
const MAX_PERMUTED_BYTES = 256 << 20;

/**
 * The rearrangement that makes `value`, when it can be folded into an initializer: a Reshape, Flatten, Squeeze,
 * Unsqueeze or Transpose (of at most MAX_PERMUTED_BYTES) in the default domain, of an initializer of a numeric
 * type, into a shape the analysis knows in full with as many elements, of a value that is not a graph output.
 * Undefined otherwise (a Cast converts the elements: folding it is constant folding's job).
 */
export function foldableWeight(state: ChannelState, value: string | undefined): FoldableWeight | undefined {
  const graph = state.graph;
  const node = value ? graph.producer(value) : undefined;
  if (!node || node.domain !== '' || node.outputs.length !== 1) return undefined;
  const transpose = node.opType === 'Transpose';
  if (!transpose && !SAME_BYTES.has(node.opType)) return undefined;
  const constant = graph.initializer(node.inputs[0] ?? '');
  // Whole bytes per element (not a string, not a packed 4-bit type): the folded data is a range of the file.
  const bits = constant ? dataTypeBits(constant.data_type ?? 0) : undefined;
  if (!constant || !bits || bits < 8 || constant.data_type === DataType.STRING || graph.isGraphOutput(value!))
    return undefined;
  const dims = state.shape(value);
  if (!dims || !dims.every((d): d is number => typeof d === 'number')) return undefined;
  let shape: number[];
  try {
    shape = tensorShape(constant);
  } catch {
    return undefined; // a broken dim: the analysis says so elsewhere
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (dims.reduce((a, b) => a * b, 1) !== count) return undefined;
  if (!transpose) return { node, constant, value: value!, dims, perm: undefined };
  let perm: number[] | undefined;
  try {
    perm = node.attributes.ints('perm') ?? shape.map((_, i) => shape.length - 1 - i);
  } catch {
    return undefined; // an attribute past 2^53
  }
  const permutes = perm.length === shape.length && new Set(perm).size === perm.length;
  if (!permutes || perm.some((p, i) => !(p >= 0 && p < shape.length) || shape[p] !== dims[i]))
    return undefined;
  return (count * bits) / 8 <= MAX_PERMUTED_BYTES ? { node, constant, value: value!, dims, perm } : undefined;
}
