// Shape rules of the ops that join, cut or pick along an axis (shapeRules.ts' SHAPES): Concat, Split, Slice,
// Pad and Gather, with the Split sizes and Slice parameters the op specs read too.
import type { Dim, NodeView } from '../onnx/modelView';
import { type InputFacts, type ValueFacts, normAxis, sliceLength } from './facts';
import { type FoldBudget, foldValue } from './fold';

export function concat(node: NodeView, input: InputFacts, budget: FoldBudget): ValueFacts[] {
  const shapes = node.inputs.map((_, i) => input(i)?.shape);
  const first = shapes.find((s) => s);
  const value = foldValue(node, input, budget);
  if (!first || shapes.some((s) => !s)) return [{ dtype: input(0)?.dtype, value }];
  const axis = normAxis(node.attributes.int('axis', 0), first.length);
  const sizes = shapes.map((s) => s![axis]);
  const total = sizes.every((s) => typeof s === 'number')
    ? (sizes as number[]).reduce((a, b) => a + b, 0)
    : undefined;
  return [{ shape: first.map((d, i) => (i === axis ? total : d)), dtype: input(0)?.dtype, value }];
}

/** Split sizes: from the `split` input (opset ≥ 13) or attribute, or equal parts. */
export function splitSizes(node: NodeView, input: InputFacts, axisSize: Dim): number[] | undefined {
  const explicit = node.inputs[1] ? input(1)?.value : node.attributes.ints('split');
  if (explicit) return explicit.every((s) => s !== undefined) ? (explicit as number[]) : undefined;
  if (typeof axisSize !== 'number') return undefined;
  const parts = node.attributes.int('num_outputs', node.outputs.length);
  const size = Math.ceil(axisSize / parts);
  return Array.from({ length: parts }, (_, i) => Math.min(size, axisSize - i * size));
}

export function split(node: NodeView, input: InputFacts): ValueFacts[] {
  const x = input(0)?.shape;
  if (!x) return node.outputs.map(() => ({ dtype: input(0)?.dtype }));
  const axis = normAxis(node.attributes.int('axis', 0), x.length);
  const sizes = splitSizes(node, input, x[axis]);
  return node.outputs.map((_, i) => ({
    shape: x.map((d, j) => (j === axis ? sizes?.[i] : d)),
    dtype: input(0)?.dtype,
  }));
}

/** Slice parameters (opset ≥ 10 inputs, or attributes before), resolved against the input shape. */
export function sliceParams(node: NodeView, input: InputFacts, rank: number) {
  const a = node.attributes;
  const fromInput = node.opset === undefined || node.opset >= 10;
  const starts = fromInput ? input(1)?.value : a.ints('starts');
  const ends = fromInput ? input(2)?.value : a.ints('ends');
  const axes = (fromInput ? input(3)?.value : a.ints('axes')) ?? starts?.map((_, i) => i);
  const steps = (fromInput ? input(4)?.value : undefined) ?? starts?.map(() => 1);
  if (
    !starts ||
    !ends ||
    !axes ||
    !steps ||
    [...starts, ...ends, ...axes, ...steps].some((v) => v === undefined)
  )
    return undefined;
  return (axes as number[]).map((axis, i) => ({
    axis: normAxis(axis, rank),
    start: starts[i] as number,
    end: ends[i] as number,
    step: steps[i] as number,
  }));
}

export function slice(node: NodeView, input: InputFacts, budget: FoldBudget): ValueFacts[] {
  const x = input(0)?.shape;
  const value = foldValue(node, input, budget);
  if (!x) return [{ dtype: input(0)?.dtype, value }];
  const params = sliceParams(node, input, x.length);
  if (!params) return [{ shape: x.map(() => undefined), dtype: input(0)?.dtype, value }];
  const shape = [...x];
  for (const p of params) {
    const size = x[p.axis];
    shape[p.axis] = typeof size === 'number' ? sliceLength(size, p.start, p.end, p.step) : undefined;
  }
  return [{ shape, dtype: input(0)?.dtype, value }];
}

export function pad(node: NodeView, input: InputFacts): ValueFacts[] {
  const x = input(0)?.shape;
  const pads = node.inputs[1] ? input(1)?.value : node.attributes.ints('pads');
  if (!x || !pads || pads.some((p) => p === undefined))
    return [{ shape: x?.map(() => undefined), dtype: input(0)?.dtype }];
  const axesValue = node.inputs[3] ? input(3)?.value : undefined;
  const axes = axesValue ? (axesValue as number[]).map((a) => normAxis(a, x.length)) : x.map((_, i) => i);
  const shape = [...x];
  axes.forEach((axis, i) => {
    const d = shape[axis];
    shape[axis] =
      typeof d === 'number' ? d + (pads[i] as number) + (pads[i + axes.length] as number) : undefined;
  });
  return [{ shape, dtype: input(0)?.dtype }];
}
export function gather(node: NodeView, input: InputFacts, budget: FoldBudget): ValueFacts[] {
  const data = input(0)?.shape;
  const indices = input(1)?.shape;
  const value = foldValue(node, input, budget);
  if (!data || !indices) return [{ dtype: input(0)?.dtype, value }];
  const axis = normAxis(node.attributes.int('axis', 0), data.length);
  return [
    { shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)], dtype: input(0)?.dtype, value },
  ];
}
