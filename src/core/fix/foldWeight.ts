import type { Analysis } from '../analyze/analyze';
import { dataTypeBits } from '../onnx/dataTypes';
import { withChanges } from '../onnx/edit';
import { toLong } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorBytes, tensorByteLength, tensorBytesSource } from '../onnx/tensorData';
import { tensorShape } from '../graph/tensorShape';
import { type FoldableWeight, type FoldingCode, foldableWeight } from '../ops/foldableWeight';

/** What folding the rearranged weights of a model's layers changes (see fixModel, PR001 and PR003). */
export interface FoldedWeights {
  /** The rearranging nodes, removed. */
  removed: Set<onnx.NodeProto.$Properties>;
  /** The initializers that replace their outputs: the constant's bytes under the output's name and shape. */
  initializers: onnx.TensorProto.$Properties[];
  /** Graph inputs for them, where the model lists its initializers as inputs too (IR < 4 requires it). */
  inputs: onnx.ValueInfoProto.$Properties[];
  /** The layers whose finding was fixed (the node of each). */
  fixed: string[];
}

/**
 * Folds the weight of each layer whose `code` finding offers it (PR001: a Gemm/MatMul, PR003: a Conv or
 * ConvTranspose; or of the one at `node`: the layer, or the node that rearranges its weight): its Reshape,
 * Flatten, Squeeze, Unsqueeze or Transpose of an initializer becomes an initializer of the result's shape holding
 * the same elements, so the model computes exactly what it did and the analysis follows the layer's weight.
 */
export function foldWeights(
  file: ModelFile,
  analysis: Analysis,
  code: FoldingCode,
  node?: string,
): FoldedWeights {
  const { state } = analysis;
  const graph = state.graph;
  const folded: FoldedWeights = { removed: new Set(), initializers: [], inputs: [], fixed: [] };
  const declaredInputs = file.proto.graph?.input ?? [];
  for (const d of analysis.report.diagnostics) {
    if (d.code !== code || !d.node || !d.fixes.some((f) => f.id === `${code}.fold-weight`)) continue;
    const product = graph.nodes.find((n) => n.name === d.node);
    const fold = product ? foldableWeight(state, product.inputs[1]) : undefined;
    if (!fold || (node !== undefined && node !== d.node && node !== fold.node.name)) continue;
    if (folded.removed.has(fold.node.proto)) {
      folded.fixed.push(d.node); // a weight two layers share is folded once
      continue;
    }
    folded.removed.add(fold.node.proto);
    folded.initializers.push(foldedTensor(file, fold));
    const listed = declaredInputs.find((v) => v.name === fold.constant.name);
    if (listed?.type?.tensor_type) folded.inputs.push(declaredInput(listed, fold));
    folded.fixed.push(d.node);
  }
  return folded;
}

/**
 * The constant under the folded value's name and shape, its data the constant's bytes: copied by range when
 * written, or permuted now for a Transpose.
 */
function foldedTensor(file: ModelFile, fold: FoldableWeight): onnx.TensorProto.$Properties {
  const { constant, perm } = fold;
  const tensor = withChanges(constant, { name: fold.value, dims: fold.dims.map((d) => toLong(d)) });
  if (perm) {
    const element = dataTypeBits(constant.data_type ?? 0)! / 8;
    file.setTensorData(tensor, [
      permuted(readTensorBytes(file, constant), tensorShape(constant), perm, element),
    ]);
  } else {
    const { source, base } = tensorBytesSource(file, constant);
    file.setTensorData(tensor, [{ source, start: base, end: base + tensorByteLength(file, constant) }]);
  }
  return tensor;
}

/**
 * The elements of a row-major tensor of `dims` (each `element` bytes) with its axes permuted as Transpose
 * permutes them: output axis i is input axis perm[i]. The output is walked in order, the input by strides.
 */
export function permuted(
  bytes: Uint8Array,
  dims: readonly number[],
  perm: readonly number[],
  element: number,
): Uint8Array {
  const rank = dims.length;
  const out = new Uint8Array(bytes.length);
  const inStride = new Array<number>(rank).fill(element);
  for (let a = rank - 2; a >= 0; a--) inStride[a] = inStride[a + 1] * dims[a + 1];
  const size = perm.map((p) => dims[p]);
  const stride = perm.map((p) => inStride[p]);
  const index = new Array<number>(rank).fill(0);
  const last = rank - 1;
  let from = 0;
  for (let to = 0; to < out.length; to += element) {
    for (let b = 0; b < element; b++) out[to + b] = bytes[from + b];
    // The next output index, odometer-wise; the input offset follows by the strides.
    let a = last;
    while (a >= 0 && ++index[a] === size[a]) {
      from -= stride[a] * (size[a] - 1);
      index[a--] = 0;
    }
    if (a >= 0) from += stride[a];
  }
  return out;
}

/** The graph input that declares the folded initializer, like the one that declared the constant. */
function declaredInput(
  listed: onnx.ValueInfoProto.$Properties,
  fold: FoldableWeight,
): onnx.ValueInfoProto.$Properties {
  const shape = { dim: fold.dims.map((d) => ({ dim_value: toLong(d) })) };
  const type = { tensor_type: { elem_type: listed.type!.tensor_type!.elem_type, shape } };
  return withChanges(listed, { name: fold.value, type });
}
