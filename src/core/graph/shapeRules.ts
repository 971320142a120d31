import type { Dim, NodeView } from '../onnx/modelView';
import { DataType } from '../onnx/dataTypes';
import { concat, gather, pad, slice, split } from './axisShapes';
import { type InputFacts, type ValueFacts, broadcast, normAxis, product } from './facts';

import { type FoldBudget, foldValue } from './fold';
import { conv, convTranspose, globalPool, pool } from './windowShapes';

/** A rule gets the analysis' folding budget, which every folded value it keeps is counted against. */
export type ShapeRule = (node: NodeView, input: InputFacts, budget: FoldBudget) => ValueFacts[];

const same: ShapeRule = (_node, input) => [
  { shape: input(0)?.shape, dtype: input(0)?.dtype, value: input(0)?.value },
];
/** Same shape and type, no folded value (an activation): the input's facts object itself when it has no value. */
const sameNoValue: ShapeRule = (_node, input) => {
  const x = input(0);
  return [x && x.value === undefined ? x : { shape: x?.shape, dtype: x?.dtype }];
};

const elementwise: ShapeRule = (node, input, budget) => {
  // Before opset 7, Add/Mul… broadcast only with broadcast=1, aligning the second input at `axis`:
  // the output has the first input's shape.
  if (node.attributes.int('broadcast', 0) === 1) return [{ shape: input(0)?.shape, dtype: input(0)?.dtype }];
  let shape = input(0)?.shape;
  for (let i = 1; i < node.inputs.length; i++) shape = broadcast(shape, input(i)?.shape);
  return [{ shape, dtype: input(0)?.dtype, value: foldValue(node, input, budget) }];
};

const flatten: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  if (!x) return [{ dtype: input(0)?.dtype }];
  const axis = normAxis(node.attributes.int('axis', 1), x.length);
  const outer = axis === 1 ? x[0] : product(x.slice(0, axis));
  return [{ shape: [outer, product(x.slice(axis))], dtype: input(0)?.dtype }];
};

/** Reshape's target with 0 (copy) and -1 (infer) resolved; a symbolic dim may be carried through. */
function reshapeTarget(
  input: Dim[] | undefined,
  target: (number | undefined)[],
  allowZero = false,
): Dim[] | undefined {
  // 0 copies the input's dim at its index (unless allowzero says it is a 0).
  const copied = (d: number | undefined, i: number): Dim => (d === 0 && !allowZero ? input?.[i] : d);
  if (target.some((d) => d === undefined)) {
    // Dims computed at run time (read from a symbolic shape): the rank is known, those dims are not (nor a
    // -1 beside them). One that leads can only be the batch.
    if (target.slice(1).some((d) => d === undefined) || !input)
      return target.map((d, i) => (d === undefined || d === -1 ? undefined : copied(d, i)));
    target = [0, ...target.slice(1)];
  }
  const dims: Dim[] = target.map(copied);
  const minus = dims.indexOf(-1);
  if (minus < 0) return dims;
  // Unknown input: a leading -1 is the batch, whatever it is.
  if (!input) return minus === 0 && !target.includes(0) ? [undefined, ...dims.slice(1)] : undefined;
  const known = (list: Dim[]) =>
    list.reduce<number>((p, d) => (typeof d === 'number' && d !== -1 ? p * d : p), 1);
  const symbolic = (list: Dim[]) => list.filter((d) => typeof d !== 'number');
  const inSymbolic = symbolic(input);
  const outSymbolic = symbolic(dims.filter((_, i) => i !== minus));
  if (inSymbolic.length === 0 && outSymbolic.length === 0) dims[minus] = known(input) / known(dims);
  else if (inSymbolic.length === outSymbolic.length + 1 && known(input) === known(dims)) {
    dims[minus] = inSymbolic.find((d) => !outSymbolic.includes(d));
  } else if (inSymbolic.length === outSymbolic.length) dims[minus] = known(input) / known(dims);
  else dims[minus] = undefined;
  return dims;
}

/** Reshape's target: the `shape` input, or before opset 5 the `shape` attribute. */
function reshapeTargetOf(node: NodeView, input: InputFacts): (number | undefined)[] | undefined {
  return node.inputs[1] ? input(1)?.value : node.attributes.ints('shape');
}

const reshape: ShapeRule = (node, input) => {
  const target = reshapeTargetOf(node, input);
  const shape = target
    ? reshapeTarget(input(0)?.shape, target, node.attributes.int('allowzero', 0) === 1)
    : undefined;
  return [{ shape, dtype: input(0)?.dtype, value: input(0)?.value }];
};

const transpose: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  if (!x) return [{ dtype: input(0)?.dtype }];
  const perm = node.attributes.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
  return [{ shape: perm.map((p) => x[p]), dtype: input(0)?.dtype }];
};

const depthToSpace: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  const r = node.attributes.int('blocksize', 0);
  if (!x || x.length !== 4 || !r) return [{ dtype: input(0)?.dtype }];
  const [n, c, h, w] = x;
  const mul = (d: Dim) => (typeof d === 'number' ? d * r : undefined);
  return [
    { shape: [n, typeof c === 'number' ? c / (r * r) : undefined, mul(h), mul(w)], dtype: input(0)?.dtype },
  ];
};

const spaceToDepth: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  const r = node.attributes.int('blocksize', 0);
  if (!x || x.length !== 4 || !r) return [{ dtype: input(0)?.dtype }];
  const [n, c, h, w] = x;
  const div = (d: Dim) => (typeof d === 'number' ? d / r : undefined);
  return [
    { shape: [n, typeof c === 'number' ? c * r * r : undefined, div(h), div(w)], dtype: input(0)?.dtype },
  ];
};

const resize: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  if (!x) return [{ dtype: input(0)?.dtype }];
  const legacy = node.opType === 'Upsample';
  const scales = legacy ? (node.attributes.floats('scales') ?? input(1)?.value) : input(2)?.value;
  const sizes = legacy ? undefined : input(3)?.value;
  if (sizes && sizes.length === x.length) return [{ shape: sizes, dtype: input(0)?.dtype }];
  if (scales && scales.length === x.length) {
    return [
      {
        shape: x.map((d, i) =>
          typeof d === 'number' && scales[i] !== undefined
            ? Math.floor(d * scales[i]!)
            : i === 0
              ? d
              : undefined,
        ),
        dtype: input(0)?.dtype,
      },
    ];
  }
  return [{ shape: x.map((d, i) => (i < 2 ? d : undefined)), dtype: input(0)?.dtype }];
};

const gemm: ShapeRule = (node, input) => {
  const a = input(0)?.shape;
  const b = input(1)?.shape;
  if (!a || !b) return [{ dtype: input(0)?.dtype }];
  const m = node.attributes.int('transA', 0) ? a[1] : a[0];
  const n = node.attributes.int('transB', 0) ? b[0] : b[1];
  return [{ shape: [m, n], dtype: input(0)?.dtype }];
};

const matmul: ShapeRule = (_node, input) => {
  const a = input(0)?.shape;
  const b = input(1)?.shape;
  if (!a || !b || a.length < 1 || b.length < 1) return [{ dtype: input(0)?.dtype }];
  if (b.length === 1) return [{ shape: a.slice(0, -1), dtype: input(0)?.dtype }];
  if (a.length === 1) return [{ shape: [...b.slice(0, -2), b[b.length - 1]], dtype: input(0)?.dtype }];
  const batch = broadcast(a.slice(0, -2), b.slice(0, -2)) ?? [];
  return [{ shape: [...batch, a[a.length - 2], b[b.length - 1]], dtype: input(0)?.dtype }];
};

const shapeOf: ShapeRule = (node, input, budget) => {
  const x = input(0)?.shape;
  if (!x) return [{ dtype: DataType.INT64 }];
  const start = normAxis(node.attributes.int('start', 0), x.length);
  const end = node.attributes.has('end')
    ? normAxis(node.attributes.int('end', x.length), x.length)
    : x.length;
  const dims = x.slice(start, end);
  if (!budget.take(dims.length)) return [{ shape: [dims.length], dtype: DataType.INT64 }];
  return [
    {
      shape: [dims.length],
      dtype: DataType.INT64,
      value: dims.map((d) => (typeof d === 'number' ? d : undefined)),
    },
  ];
};

function axesOf(node: NodeView, input: InputFacts): number[] | undefined {
  const values = node.inputs[1] ? input(1)?.value : node.attributes.ints('axes');
  return values && values.every((v) => v !== undefined) ? (values as number[]) : undefined;
}

const unsqueeze: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  const axes = axesOf(node, input);
  const value = input(0)?.value;
  if (!x || !axes) return [{ dtype: input(0)?.dtype, value }];
  const rank = x.length + axes.length;
  const norm = new Set(axes.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.has(i) ? 1 : x[j++]);
  return [{ shape, dtype: input(0)?.dtype, value }];
};

const squeeze: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  const axes = axesOf(node, input);
  const value = input(0)?.value;
  if (!x) return [{ dtype: input(0)?.dtype, value }];
  const drop = axes
    ? new Set(axes.map((a) => normAxis(a, x.length)))
    : new Set(x.flatMap((d, i) => (d === 1 ? [i] : [])));
  return [{ shape: x.filter((_, i) => !drop.has(i)), dtype: input(0)?.dtype, value }];
};

const cast: ShapeRule = (node, input) => [
  { shape: input(0)?.shape, dtype: node.attributes.int('to', 0), value: input(0)?.value },
];

const constantOfShape: ShapeRule = (node, input) => {
  const dims = input(0)?.value;
  const t = node.attributes.tensor('value');
  return [{ shape: dims, dtype: t?.data_type ?? DataType.FLOAT }];
};

/** Expand broadcasts its input against the shape it is given (NumPy rules, either side may hold the 1). */
const expand: ShapeRule = (_node, input) => {
  const target = input(1)?.value;
  const shape = target?.every((d) => d !== undefined) ? (target as number[]) : undefined;
  return [{ shape: broadcast(input(0)?.shape, shape), dtype: input(0)?.dtype }];
};

/** Tile multiplies each dim by its repeat count. */
const tile: ShapeRule = (_node, input) => {
  const x = input(0)?.shape;
  const repeats = input(1)?.value;
  const shape =
    x && repeats?.length === x.length
      ? x.map((d, i) =>
          repeats[i] === 1
            ? d
            : typeof d === 'number' && repeats[i] !== undefined
              ? d * repeats[i]!
              : undefined,
        )
      : undefined;
  return [
    { shape: shape?.every((d) => d !== undefined) ? (shape as Dim[]) : undefined, dtype: input(0)?.dtype },
  ];
};

const reduce: ShapeRule = (node, input) => {
  const x = input(0)?.shape;
  const axes = axesOf(node, input);
  if (!x || !axes) return [{ dtype: input(0)?.dtype }];
  const keep = node.attributes.int('keepdims', 1) === 1;
  const norm = new Set(axes.map((a) => normAxis(a, x.length)));
  return [
    {
      shape: keep ? x.map((d, i) => (norm.has(i) ? 1 : d)) : x.filter((_, i) => !norm.has(i)),
      dtype: input(0)?.dtype,
    },
  ];
};

/**
 * Output facts that come only from the model's `value_info`: for ops whose outputs the analysis does not work
 * out (and for Constant, whose facts inferShapes reads from its attribute before any rule).
 */
const declaredOnly: ShapeRule = () => [];

/** The library of shape rules the op specs (`src/core/ops/`) choose from; one op's own rule may live in its file. */
export const SHAPES = {
  same,
  sameNoValue,
  elementwise,
  declaredOnly,
  conv,
  convTranspose,
  pool,
  globalPool,
  flatten,
  reshape,
  transpose,
  depthToSpace,
  spaceToDepth,
  concat,
  split,
  slice,
  pad,
  resize,
  gemm,
  matmul,
  shapeOf,
  gather,
  unsqueeze,
  squeeze,
  cast,
  constantOfShape,
  expand,
  tile,
  reduce,
} as const satisfies Record<string, ShapeRule>;

/** Where shape inference finds an op's rule (the op registry, `src/core/ops/registry.ts`). */
export interface ShapeRuleSource {
  shapeRule(domain: string, opType: string): ShapeRule | undefined;
}
