import { type ByteSource, MemorySource } from '../onnx/byteSource';
import type { DataChunk, LazyChunk } from '../onnx/dataChunk';
import { dataTypeBits } from '../onnx/dataTypes';
import { withChanges } from '../onnx/edit';
import { OnnxError } from '../onnx/errors';
import { toLong, toSafeNumber } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { tensorBytesSource } from '../onnx/tensorData';
import { KeptRuns } from './keptRuns';

/** Largest read while gathering a sliced tensor: memory stays bounded whatever the tensor's size. */
const MAX_READ = 4 << 20;
/** Tensors up to this size are read whole before slicing. */
const SMALL_TENSOR = 1 << 20;
/** Tensors up to this size are gathered index by index, without working out a copy plan first. */
const TINY_TENSOR = 64 << 10;

/**
 * Per axis of a tensor, the indices it loses: ascending and distinct (undefined or empty: none). Lists, not
 * sets: a prune holds one for every sliced axis of tens of thousands of weights until they are written, and
 * most of them are one list shared by every member of a channel space.
 */
export type AxisRemovals = readonly (readonly number[] | undefined)[];

/**
 * Buffers shared by the sliced tensors of one prune, reused from one tensor's data to the next. A writer
 * consumes the lazy chunks one after another, each piece before asking for the next (see LazyChunk): fresh
 * buffers for each of tens of thousands of small weights were most of a large graph's garbage.
 */
export class SliceBuffers {
  private readonly slots: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
  /** Each slot's whole buffer as 4-byte words (for gathering elements of 4 or 8 bytes a word at a time). */
  private readonly wordViews: Uint32Array[] = [new Uint32Array(0), new Uint32Array(0), new Uint32Array(0)];

  /** `n` bytes of slot 0 (a small tensor read whole), 1 (the gathered output) or 2 (one read's bytes). */
  take(slot: 0 | 1 | 2, n: number): Uint8Array {
    return this.whole(slot, n).subarray(0, n);
  }

  /** The whole buffer of a slot, at least `n` bytes (a multiple of 8), from its first byte. */
  whole(slot: 0 | 1 | 2, n: number): Uint8Array {
    if (this.slots[slot].length < n) {
      const size = Math.ceil(Math.max(n, this.slots[slot].length * 2) / 8) * 8;
      this.slots[slot] = new Uint8Array(size);
      this.wordViews[slot] = new Uint32Array(this.slots[slot].buffer);
    }
    return this.slots[slot];
  }

  /** The same memory as `whole(slot, …)`, as words: valid until the slot grows. */
  words(slot: 0 | 1 | 2): Uint32Array {
    return this.wordViews[slot];
  }
}

/**
 * A tensor with some indices removed along some axes: new dims, and its data as one chunk produced at write
 * time by reading the kept runs from the source (raw data in the model or external file are read in place;
 * typed fields are decoded once into memory first).
 */
export function sliceTensor(
  file: ModelFile,
  tensor: onnx.TensorProto.$Properties,
  remove: AxisRemovals,
  buffers: SliceBuffers = new SliceBuffers(),
): { tensor: onnx.TensorProto.$Properties; data: DataChunk } {
  const name = tensor.name || '(unnamed)';
  const bits = dataTypeBits(tensor.data_type ?? 0);
  if (bits === undefined || bits < 8) {
    throw new OnnxError(
      'unsupported',
      `${file.name}: tensor '${name}' has a data type (${tensor.data_type}) this tool cannot slice.`,
      file.name,
    );
  }
  const element = bits / 8;
  const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d, 'a tensor dimension'));
  remove.forEach((gone, axis) => {
    if (!gone?.length) return;
    const size = axis < dims.length ? dims[axis] : 0;
    if (gone[0] < 0 || gone[gone.length - 1] >= size)
      throw new Error(`internal: removing index out of range on axis ${axis} of '${name}' (${size})`);
    for (let k = 1; k < gone.length; k++)
      if (gone[k] <= gone[k - 1]) throw new Error(`internal: removed indices of '${name}' not ascending`);
  });
  const newDims = dims.map((d, axis) => d - (remove[axis]?.length ?? 0));
  const located = tensorBytesSource(file, tensor);
  const total = dims.reduce((a, b) => a * b, 1) * element;
  // A small tensor is read in one go when its data is written (one read instead of one per kept run:
  // thousands of small weights), not now: read now, every sliced tensor would sit in memory until the write.
  const whole = total <= SMALL_TENSOR && !(located.source instanceof MemorySource);
  const data = new Gathered(located.source, located.base, dims, remove, element, total, whole, buffers);
  return { tensor: withChanges(tensor, { dims: newDims.map((d) => toLong(d)) }), data };
}

/** The indices each axis keeps (sorted; undefined: all of them). */
function keptIndices(dims: readonly number[], remove: AxisRemovals) {
  return dims.map((size, axis) => {
    const gone = remove[axis];
    if (!gone?.length) return undefined;
    const indices: number[] = [];
    for (let i = 0, g = 0; i < size; i++) {
      if (g < gone.length && gone[g] === i) g++;
      else indices.push(i);
    }
    return indices;
  });
}

/**
 * The kept elements (row-major) of a tensor with `remove[axis]` removed from its axes. How to copy them (the
 * kept indices, their runs) is worked out when the data is produced, not before: a prune slices tens of
 * thousands of tensors before writing any, and all that would live until the write. One object per tensor
 * (not a closure and its scope) for the same reason.
 */
class Gathered implements LazyChunk {
  readonly length: number;

  constructor(
    private readonly from: ByteSource,
    private readonly at: number,
    private readonly dims: number[],
    private readonly remove: AxisRemovals,
    private readonly element: number,
    /** The tensor's size in bytes. */
    private readonly total: number,
    /** Whether to read the tensor whole into memory before gathering. */
    private readonly whole: boolean,
    private readonly buffers: SliceBuffers,
  ) {
    let length = element;
    dims.forEach((d, axis) => (length *= d - (remove[axis]?.length ?? 0)));
    this.length = length;
  }

  produce(use: (bytes: Uint8Array, length?: number) => void): void {
    const { from, at, dims, remove, element, total, whole, buffers, length } = this;
    if (total <= TINY_TENSOR) {
      // Read into the start of a slot's buffer (word-aligned: elements of 4 or 8 bytes are copied a word at a
      // time) and gathered into the start of another, which is handed out with its length: no view of either
      // for each of tens of thousands of small tensors.
      const bytes = buffers.whole(0, total);
      from.readInto(at, bytes, 0, total);
      const out = buffers.whole(1, length);
      if (element % 4 === 0) gatherTiny(buffers.words(0), dims, remove, element / 4, buffers.words(1));
      else gatherTiny(bytes, dims, remove, element, out);
      use(out, length);
      return;
    }
    const kept = keptIndices(dims, remove);
    const first = kept.findIndex((k) => k !== undefined);
    const outer = dims.slice(0, first).reduce((a, b) => a * b, 1);
    const block = dims.slice(first + 1).reduce((a, b) => a * b, 1) * element; // bytes of one index of `first`
    const inner = kept.slice(first + 1);
    const innerDims = dims.slice(first + 1);
    const deeper = inner.some((k) => k !== undefined);
    const keptBlock = innerDims.reduce((n, d, i) => n * (inner[i]?.length ?? d), 1) * element;
    const slab = dims[first] * block; // every index of `first` for one outer index
    const keptSlab = kept[first]!.length * keptBlock;
    // A small slab (a [1000, 4096] weight sliced on its columns) is read whole and its kept runs copied in
    // one go; a large one is read run by run of `first`, blocks by blocks.
    const slabRuns =
      slab <= MAX_READ ? KeptRuns.of(dims.slice(first), kept.slice(first), element) : undefined;
    const blockRuns = slabRuns || !deeper ? undefined : KeptRuns.of(innerDims, inner, element);
    const plan = slabRuns || blockRuns || !deeper ? undefined : copyPlan(innerDims, inner, element);
    const runs = toRuns(kept[first]!);
    let source = from;
    let base = at;
    if (whole) {
      const bytes = buffers.take(0, total);
      from.readInto(at, bytes);
      source = new MemorySource(bytes);
      base = 0;
    }
    const inMemory = source instanceof MemorySource;
    // Reused buffers: each piece is written out before the next is asked for.
    // Room for one read's kept bytes: a small slab's (≤ MAX_READ), or up to MAX_READ of blocks (one block when a
    // block is larger). Never the whole kept tensor: that is VGG-16's 100 MB first Gemm weight.
    const gathers = slabRuns !== undefined || deeper; // else the reads themselves are the pieces
    const out = buffers.take(1, gathers ? Math.min(length, Math.max(MAX_READ, keptBlock)) : 0);
    let filled = 0;
    const read = (at: number, n: number): Uint8Array => {
      if (inMemory) {
        // A view (no copy) when word-aligned; otherwise a copy, so the runs can be copied word by word.
        const view = source.read(base + at, n);
        if (view.byteOffset % 4 === 0) return view;
      }
      const bytes = buffers.take(2, n);
      source.readInto(base + at, bytes);
      return bytes;
    };
    for (let o = 0; o < outer; o++) {
      if (slabRuns) {
        if (filled + keptSlab > out.length) {
          use(out, filled);
          filled = 0;
        }
        slabRuns.copy(read(o * slab, slab), 1, slab, out, filled);
        filled += keptSlab;
        continue;
      }
      // Read a run of blocks in pieces of at most MAX_READ bytes.
      const perRead = Math.max(1, Math.floor(MAX_READ / block));
      for (const [start, count] of runs) {
        for (let done = 0; done < count; done += perRead) {
          const n = Math.min(perRead, count - done);
          if (!deeper) {
            // Whole blocks kept: the read itself is the piece.
            if (filled > 0) use(out, filled);
            filled = 0;
            use(read((o * dims[first] + start + done) * block, n * block));
            continue;
          }
          if (filled + n * keptBlock > out.length) {
            use(out, filled);
            filled = 0;
          }
          const bytes = read((o * dims[first] + start + done) * block, n * block);
          if (blockRuns) blockRuns.copy(bytes, n, block, out, filled);
          else
            for (let b = 0; b < n; b++)
              copyKept(bytes.subarray(b * block, (b + 1) * block), plan!, 0, out, filled + b * keptBlock);
          filled += n * keptBlock;
        }
      }
    }
    if (filled > 0) use(out, filled);
  }
}

/**
 * How to copy the kept elements of a dense block of `dims`: per axis, its stride in bytes, the kept indices
 * (all when undefined), and, for the last sliced axis, its kept runs (everything below it is contiguous).
 * Worked out once per tensor, used for every block.
 */
interface CopyPlan {
  strides: number[];
  kept: (number[] | undefined)[];
  /** Index of the last sliced axis, and its runs of consecutive kept indices. */
  lastSliced: number;
  runs: [number, number][];
}

function copyPlan(dims: number[], kept: (number[] | undefined)[], element: number): CopyPlan {
  const strides = dims.map((_, axis) => dims.slice(axis + 1).reduce((a, b) => a * b, 1) * element);
  let lastSliced = -1;
  kept.forEach((k, axis) => {
    if (k) lastSliced = axis;
  });
  return { strides, kept, lastSliced, runs: lastSliced >= 0 ? toRuns(kept[lastSliced]!) : [] };
}

/** Copies the kept elements of a dense block into `out` at `at`; returns the bytes written. */
function copyKept(block: Uint8Array, plan: CopyPlan, axis: number, out: Uint8Array, at: number): number {
  const stride = plan.strides[axis];
  let written = 0;
  if (axis === plan.lastSliced) {
    // Everything below this axis is kept: copy runs of consecutive indices in one go.
    for (const [start, count] of plan.runs) {
      out.set(block.subarray(start * stride, (start + count) * stride), at + written);
      written += count * stride;
    }
    return written;
  }
  const size = block.length / stride;
  const indices = plan.kept[axis];
  const count = indices ? indices.length : size;
  for (let j = 0; j < count; j++) {
    const i = indices ? indices[j] : j;
    written += copyKept(block.subarray(i * stride, (i + 1) * stride), plan, axis + 1, out, at + written);
  }
  return written;
}

/**
 * Copies the kept elements of a small tensor (`bytes`, row-major) into `out`. No kept-index lists, runs or
 * copy plan: a prune slices tens of thousands of weights of a few elements each (a transformer's norms and
 * biases), and working those out cost more than the copying.
 */
function gatherTiny(
  bytes: Uint8Array | Uint32Array,
  dims: readonly number[],
  remove: AxisRemovals,
  /** In units of `bytes` and `out`: bytes, or 4-byte words. */
  element: number,
  out: Uint8Array | Uint32Array,
): void {
  let last = -1;
  for (let axis = 0; axis < dims.length; axis++) if (remove[axis]?.length) last = axis;
  let span = element;
  for (let axis = 0; axis < dims.length; axis++) span *= dims[axis];
  if (last < 0) {
    out.set(bytes.subarray(0, span));
    return;
  }
  // Everything below the last sliced axis is kept: one index of it is one contiguous block.
  copyTiny(bytes, 0, span, dims, remove, last, 0, out, 0);
}

/** Copies the kept indices of `axis` (whose whole extent is `span` units at `from`) to `out` at `at`. */
function copyTiny(
  bytes: Uint8Array | Uint32Array,
  from: number,
  span: number,
  dims: readonly number[],
  remove: AxisRemovals,
  last: number,
  axis: number,
  out: Uint8Array | Uint32Array,
  at: number,
): number {
  const size = dims[axis];
  const stride = span / size;
  const gone = remove[axis];
  for (let i = 0, g = 0; i < size; i++) {
    if (gone !== undefined && g < gone.length && gone[g] === i) {
      g++; // ascending: the next removed index is the next to skip
      continue;
    }
    const start = from + i * stride;
    if (axis < last) at = copyTiny(bytes, start, stride, dims, remove, last, axis + 1, out, at);
    else if (stride >= 64) {
      out.set(bytes.subarray(start, start + stride), at);
      at += stride;
    } else for (let b = 0; b < stride; b++) out[at++] = bytes[start + b];
  }
  return at;
}

/** Sorted indices as [start, count] runs of consecutive values. */
export function toRuns(indices: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}
