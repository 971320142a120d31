// Static shape arithmetic, following the ONNX operator specifications. Dimensions may be symbolic strings
// (a dynamic batch); ops that need a number (channels, spatial sizes) ask for one through `numeric`.
import type { Dim, Shape } from './types';

export type Pair = readonly [number, number];
export type Quad = readonly [number, number, number, number];

export function numeric(dim: Dim, what: string): number {
  if (typeof dim !== 'number') throw new Error(`${what} must be a static dimension, got '${dim}'`);
  return dim;
}

export function pair(value: number | Pair | undefined, fallback: number): Pair {
  if (value === undefined) return [fallback, fallback];
  return typeof value === 'number' ? [value, value] : value;
}

/** ONNX pads order for 2-D: [top, left, bottom, right]. */
export function quad(value: number | Quad | undefined): Quad {
  if (value === undefined) return [0, 0, 0, 0];
  return typeof value === 'number' ? [value, value, value, value] : value;
}

/** Conv / pool output size of one spatial axis. */
export function windowOutput(
  size: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = size + padBegin + padEnd - dilation * (kernel - 1) - 1;
  const out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (out <= 0) throw new Error(`window ${kernel} with stride ${stride} does not fit in size ${size}`);
  return out;
}

/** ConvTranspose output size of one spatial axis. */
export function transposedOutput(
  size: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  outputPadding: number,
): number {
  return stride * (size - 1) + outputPadding + (kernel - 1) * dilation + 1 - padBegin - padEnd;
}

/** Numpy-style multidirectional broadcasting (Add, Mul, Sub, Div, PRelu's slope). */
export function broadcast(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new Error(`cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return normalized;
}

/** Length of one axis after Slice(start, end, step), with the spec's clamping of out-of-range indices. */
export function slicedLength(dim: number, start: number, end: number, step: number): number {
  if (step === 0) throw new Error('Slice step must not be 0');
  const resolve = (index: number) => (index < 0 ? index + dim : index);
  if (step > 0) {
    const s = Math.min(Math.max(resolve(start), 0), dim);
    const e = Math.min(Math.max(resolve(end), 0), dim);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  const s = Math.min(Math.max(resolve(start), 0), dim - 1);
  const e = Math.min(Math.max(resolve(end), -1), dim - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

/**
 * Output shape of a Reshape with a static target: 0 copies the input dimension, -1 takes what is left.
 * A symbolic input dimension may only flow through a 0 or be recovered by the -1.
 */
export function reshapeOutput(input: Shape, target: readonly number[]): Dim[] {
  const out: Dim[] = target.map((d, i) => (d === 0 ? input[i] : d));
  const inferred = out.indexOf(-1);
  const staticIn = input.filter((d): d is number => typeof d === 'number').reduce((p, d) => p * d, 1);
  const symbolicIn = input.filter((d) => typeof d === 'string');
  const staticOut = out
    .filter((d): d is number => typeof d === 'number' && d !== -1)
    .reduce((p, d) => p * d, 1);
  const symbolicOut = out.filter((d) => typeof d === 'string');
  const unmatched = symbolicIn.filter((d) => !symbolicOut.includes(d));
  if (inferred >= 0) {
    if (unmatched.length > 1) throw new Error(`Reshape cannot infer -1 from [${input.join(', ')}]`);
    if (unmatched.length === 1) {
      if (staticIn !== staticOut) throw new Error(`Reshape [${input.join(', ')}] -> [${target.join(', ')}]`);
      out[inferred] = unmatched[0];
    } else {
      if (staticIn % staticOut !== 0)
        throw new Error(`Reshape [${input.join(', ')}] -> [${target.join(', ')}]`);
      out[inferred] = staticIn / staticOut;
    }
  } else if (unmatched.length > 0 || staticIn !== staticOut) {
    throw new Error(`Reshape [${input.join(', ')}] -> [${target.join(', ')}] changes the element count`);
  }
  return out;
}

export function transposeOutput(input: Shape, perm: readonly number[]): Dim[] {
  if (perm.length !== input.length) throw new Error(`perm [${perm.join(', ')}] for rank ${input.length}`);
  return perm.map((p) => input[p]);
}
