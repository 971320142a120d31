import type { Dim, NodeView } from '../onnx/modelView';

/** What is known of a value: its shape, element type, and for small constants their values. */
export interface ValueFacts {
  /** Undefined when even the rank is unknown; a dim is a number, a symbolic name, or undefined. */
  shape?: Dim[];
  dtype?: number;
  /**
   * The elements of a small constant (a Reshape shape, Slice starts, Resize scales…), flattened, when known;
   * an element is undefined where it depends on something unknown (a symbolic batch size).
   */
  value?: (number | undefined)[];
}

/** The facts of a graph's values, as the channel rules read them (`inferShapes` makes them). */
export interface Facts {
  get(name: string): ValueFacts | undefined;
  /** `get(node.inputs[i])` for a node of the graph these are the facts of, found by the input's place. */
  input(node: NodeView, i: number, name: string): ValueFacts | undefined;
  /** `get(node.outputs[o])` for a node of that graph (see input). */
  output(node: NodeView, o: number): ValueFacts | undefined;
  /** The shape alone (an initializer's without working out its other facts). */
  shape(name: string): Dim[] | undefined;
  /** The first input of the node whose folding passed the limits, if any. */
  overLimitInput(node: NodeView): string | undefined;
  /** The values left unknown because folding them passed the limits (what ONNX Runtime would still build). */
  readonly overLimit: ReadonlySet<string>;
}

export const SMALL_CONSTANT = 64;

/**
 * Most dims a shape the analysis keeps may have (real models stay below 10). A value's facts are kept for the
 * whole analysis and each op rule builds its output's shape from its inputs', so a declared shape of 100,000
 * dims read by thousands of nodes would take gigabytes from a file of a few hundred kilobytes: a larger shape
 * is unknown, as a shape that depends on something unknown is.
 */
export const MAX_RANK = 64;

export function product(dims: readonly Dim[]): number | undefined {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return undefined;
    p *= d;
  }
  return p;
}

/** Resolves a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** NumPy-style broadcasting of two shapes; undefined when the rank of either is unknown. */
export function broadcast(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a || !b) return undefined;
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x === y ? x : typeof x === 'number' ? x : y);
  }
  return out;
}

/** The facts of a node's inputs by position (what shape rules and folding read). */
export type InputFacts = (i: number) => ValueFacts | undefined;

/**
 * How many elements a Slice keeps along an axis of `size` elements (ONNX clamping rules), worked out, not
 * counted: an axis may be declared millions long. Undefined for what is no slice: a step of 0 (which ONNX
 * forbids, and which would never end), a size that is not a count, bounds that are not numbers.
 */
export function sliceLength(size: number, start: number, end: number, step: number): number | undefined {
  const bounds = sliceBounds(size, start, end, step);
  if (!bounds) return undefined;
  const [s, e] = bounds;
  return step > 0 ? (s < e ? Math.ceil((e - s) / step) : 0) : s > e ? Math.ceil((s - e) / -step) : 0;
}

/** Indices a Slice keeps along an axis of `size` elements (ONNX clamping rules); undefined as sliceLength. */
export function sliceIndices(size: number, start: number, end: number, step: number): number[] | undefined {
  const bounds = sliceBounds(size, start, end, step);
  if (!bounds) return undefined;
  const [s, e] = bounds;
  const out: number[] = [];
  if (step > 0) for (let i = s; i < e; i += step) out.push(i);
  else for (let i = s; i > e; i += step) out.push(i);
  return out;
}

/** The first index and the bound a Slice walks from and to, clamped (undefined: see sliceLength). */
function sliceBounds(size: number, start: number, end: number, step: number): [number, number] | undefined {
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isFinite(step) || step === 0) return undefined;
  if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const s = start < 0 ? start + size : start;
  const e = end < 0 ? end + size : end;
  return step > 0 ? [clamp(s, 0, size), clamp(e, 0, size)] : [clamp(s, -1, size - 1), clamp(e, -1, size - 1)];
}
