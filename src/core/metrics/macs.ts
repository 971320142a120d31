import type { Dim, NodeView } from '../onnx/modelView';
import { OPS, type OpRegistry } from '../ops/registry';

/**
 * Multiply-accumulates of one node for one inference, from static shapes.
 *
 * The convention (the one Torch-Pruning's `count_ops_and_params` uses for the layers it counts, so "MACs
 * ratio" means the same here as in its papers and tables):
 * - Conv: output elements × (input channels / group × kernel elements), plus one add per output element
 *   when there is a bias. ConvTranspose: input elements × (output channels / group × kernel elements), plus
 *   the bias adds. (Torch-Pruning's counter multiplies ConvTranspose by *output* positions, stride² more than
 *   the work done; we count the work done. Ratios before/after pruning are the same either way.)
 * - Gemm: M × K × N, plus M × N with a C input. MatMul: output elements × K (batch dims included).
 * - QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger: as their float counterparts.
 * - Each op's rule is its spec's `macs` (`src/core/ops/`, rules in `ops/macRules.ts`).
 * - Everything else counts 0: element-wise ops, activations, normalisation, pooling, resizing and data
 *   movement are cheap next to the products and do not change how pruning is judged.
 *
 * A leading dim that is symbolic or unknown is the batch and counts as 1 (so MACs are per image). Any other
 * dim that is not a number makes the count unknown (`undefined`).
 */
export function nodeMacs(
  node: NodeView,
  shapeOf: (value: string) => Dim[] | undefined,
  ops: OpRegistry = OPS,
): number | undefined {
  const rule = ops.macRule(node.domain, node.opType);
  return rule ? rule(node, (i) => (node.inputs[i] ? shapeOf(node.inputs[i]) : undefined), shapeOf) : 0;
}
