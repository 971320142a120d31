import type { Analysis } from '../analyze/analyze';
import { dataTypeBits } from '../onnx/dataTypes';
import { withChanges } from '../onnx/edit';
import { toLong } from '../onnx/int64';
import { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { tensorBytesSource } from '../onnx/tensorData';
import { FOLD_WEIGHT_FIX, type FoldableWeight, foldableWeight } from '../ops/foldableWeight';

/** What folding the rearranged weights of a model's products changes (see fixModel, PR001). */
export interface FoldedWeights {
  /** The rearranging nodes, removed. */
  removed: Set<onnx.NodeProto.$Properties>;
  /** The initializers that replace their outputs: the constant's bytes under the output's name and shape. */
  initializers: onnx.TensorProto.$Properties[];
  /** Graph inputs for them, where the model lists its initializers as inputs too (IR < 4 requires it). */
  inputs: onnx.ValueInfoProto.$Properties[];
  /** The products whose finding was fixed (the node of each PR001). */
  fixed: string[];
}

/**
 * Folds the weight of each Gemm/MatMul whose PR001 finding offers it (or of the one at `node`: the product, or
 * the node that rearranges its weight): its Reshape, Flatten, Squeeze or Unsqueeze of an initializer becomes an
 * initializer of the result's shape holding the same bytes, so the model computes exactly what it did and the
 * analysis follows the product's weight. The constant's data is copied by range when written, not read now.
 */
export function foldWeights(file: ModelFile, analysis: Analysis, node?: string): FoldedWeights {
  const { state } = analysis;
  const graph = state.graph;
  const folded: FoldedWeights = { removed: new Set(), initializers: [], inputs: [], fixed: [] };
  const declaredInputs = file.proto.graph?.input ?? [];
  for (const d of analysis.report.diagnostics) {
    if (d.code !== 'PR001' || !d.node || !d.fixes.some((f) => f.id === FOLD_WEIGHT_FIX)) continue;
    const product = graph.nodes.find((n) => n.name === d.node);
    const fold = product ? foldableWeight(state, product.inputs[1]) : undefined;
    if (!fold || (node !== undefined && node !== d.node && node !== fold.node.name)) continue;
    if (folded.removed.has(fold.node.proto)) {
      folded.fixed.push(d.node); // a weight two products share is folded once
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

/** The constant under the folded value's name and shape, its data the constant's bytes (copied when written). */
function foldedTensor(file: ModelFile, fold: FoldableWeight): onnx.TensorProto.$Properties {
  const { constant } = fold;
  const length = (ModelFile.elementCount(constant) * dataTypeBits(constant.data_type ?? 0)!) / 8;
  const { source, base } = tensorBytesSource(file, constant);
  const tensor = withChanges(constant, { name: fold.value, dims: fold.dims.map((d) => toLong(d)) });
  file.setTensorData(tensor, [{ source, start: base, end: base + length }]);
  return tensor;
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
