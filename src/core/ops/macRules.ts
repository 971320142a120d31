import type { Dim, NodeView } from '../onnx/modelView';

/** The MAC rules the op specs choose from; the convention is `metrics/macs.ts`'s. */

type InputShape = (i: number) => Dim[] | undefined;
export type MacRule = (
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
export function convMacs(w: number, bias: number | undefined): MacRule {
  return (node, input, shapeOf) => {
    const weight = weightDims(input(w));
    const y = batchOneDims(node.outputs[0] ? shapeOf(node.outputs[0]) : undefined);
    if (!weight || !y || weight.length < 2) return undefined;
    const out = elements(y);
    return out * elements(weight.slice(1)) + (bias !== undefined && present(node, bias) ? out : 0);
  };
}

/** ConvTranspose: every input element is multiplied into Cout/g × kernel outputs. */
export const convTransposeMacs: MacRule = (node, input, shapeOf) => {
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

export const gemmMacs: MacRule = (node, input) => {
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
export function matmulMacs(ia: number): MacRule {
  return (node, input, shapeOf) => {
    const a = input(ia);
    const y = batchOneDims(node.outputs[0] ? shapeOf(node.outputs[0]) : undefined);
    const k = a?.[a.length - 1];
    if (!y || typeof k !== 'number') return undefined;
    return elements(y) * k;
  };
}
