import type { Dim, NodeView } from '../onnx/modelView';

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
 * - Everything else counts 0: element-wise ops, activations, normalisation, pooling, resizing and data
 *   movement are cheap next to the products and do not change how pruning is judged.
 *
 * A leading dim that is symbolic or unknown is the batch and counts as 1 (so MACs are per image). Any other
 * dim that is not a number makes the count unknown (`undefined`).
 */
export function nodeMacs(node: NodeView, shapeOf: (value: string) => Dim[] | undefined): number | undefined {
  if (node.domain !== '') return 0;
  const rule = MAC_RULES[node.opType];
  return rule ? rule(node, (i) => (node.inputs[i] ? shapeOf(node.inputs[i]) : undefined), shapeOf) : 0;
}

type InputShape = (i: number) => Dim[] | undefined;
type MacRule = (
  node: NodeView,
  input: InputShape,
  shapeOf: (value: string) => Dim[] | undefined,
) => number | undefined;

/** Sizes of a shape with a symbolic or unknown leading (batch) dim taken as 1; undefined if another is not known. */
function batchOneDims(shape: Dim[] | undefined): number[] | undefined {
  if (!shape) return undefined;
  const dims: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d === 'number') dims.push(d);
    else if (i === 0) dims.push(1);
    else return undefined;
  }
  return dims;
}

/** Sizes of a weight's shape: every dim must be known (weights have no batch). */
function weightDims(shape: Dim[] | undefined): number[] | undefined {
  return shape?.every((d) => typeof d === 'number') ? (shape as number[]) : undefined;
}

function elements(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function present(node: NodeView, i: number): boolean {
  return Boolean(node.inputs[i]);
}

/** Conv-like: x at input 0, weight [Cout, Cin/g, k…] at `w`, bias at `bias` (or none). */
function conv(w: number, bias: number | undefined): MacRule {
  return (node, input, shapeOf) => {
    const weight = weightDims(input(w));
    const y = batchOneDims(node.outputs[0] ? shapeOf(node.outputs[0]) : undefined);
    if (!weight || !y || weight.length < 2) return undefined;
    const out = elements(y);
    return out * elements(weight.slice(1)) + (bias !== undefined && present(node, bias) ? out : 0);
  };
}

/** ConvTranspose: every input element is multiplied into Cout/g × kernel outputs. */
const convTranspose: MacRule = (node, input, shapeOf) => {
  const x = batchOneDims(input(0));
  const weight = weightDims(input(1));
  if (!x || !weight || weight.length < 2) return undefined;
  let macs = elements(x) * elements(weight.slice(1));
  if (present(node, 2)) {
    const y = batchOneDims(node.outputs[0] ? shapeOf(node.outputs[0]) : undefined);
    if (!y) return undefined;
    macs += elements(y);
  }
  return macs;
};

const gemm: MacRule = (node, input) => {
  const a = batchOneDims(input(0));
  const b = weightDims(input(1)) ?? batchOneDims(input(1));
  if (!a || !b || a.length !== 2 || b.length !== 2) return undefined;
  const transA = node.attributes.int('transA', 0) === 1;
  const transB = node.attributes.int('transB', 0) === 1;
  const [m, k] = transA ? [a[1], a[0]] : [a[0], a[1]];
  const n = transB ? b[0] : b[1];
  return m * k * n + (present(node, 2) ? m * n : 0);
};

/** MatMul-like: a at input `ia`; output elements × the contracted dim (a's last). */
function matmul(ia: number): MacRule {
  return (node, input, shapeOf) => {
    const a = input(ia);
    const y = batchOneDims(node.outputs[0] ? shapeOf(node.outputs[0]) : undefined);
    const k = a?.[a.length - 1];
    if (!y || typeof k !== 'number') return undefined;
    return elements(y) * k;
  };
}

const MAC_RULES: Record<string, MacRule> = {
  Conv: conv(1, 2),
  ConvInteger: conv(1, undefined),
  QLinearConv: conv(3, 8),
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matmul(0),
  MatMulInteger: matmul(0),
  QLinearMatMul: matmul(0),
};
