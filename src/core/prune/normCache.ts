import { toSafeNumber } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { DataType, dataTypeBits } from '../onnx/dataTypes';
import { rawToFloat32, readTensorAsFloat32, tensorBytesSource } from '../onnx/tensorData';

/**
 * Per-index norms of tensors along axes 0 and 1 (and, rarely, another: see alongOther), computed in one streaming pass per tensor (1 MiB at a time:
 * a 400 MB weight never sits in memory) and kept for the whole prune, since a weight is a member of two
 * groups (its output channels and its input channels). Every tensor's norms are one stretch of a block:
 * a large graph has tens of thousands of small weights, and an array of their own each (with its buffer)
 * was much of what garbage collection copied during a prune.
 */
export class NormCache {
  /**
   * Where each tensor's norms start (axis 0's, then axis 1's), for p = 1 and p = 2: the block's number times
   * BLOCK plus the index in the block.
   */
  private readonly starts = [new Map<object, number>(), new Map<object, number>()];
  /** Norms in blocks filled one after another (a larger tensor's take a block of their own). */
  private readonly blocks: Float64Array[] = [];
  /** The block being filled, and how much of it is. */
  private filling = -1;
  private used = BLOCK;
  /** The block of the tensor `at` or `reserve` was last asked about. */
  private current: Float64Array = new Float64Array(0);
  /** One read buffer for every tensor (thousands of small weights would otherwise each allocate their own). */
  private scratch = new Uint8Array(0);
  floats = new Float32Array(0);

  /**
   * `onRead` hears of each tensor's stored bytes once its norms are worked out (for a progress line); a cache
   * that outlives one prune (PrunableModel) is given each prune's own.
   */
  constructor(public onRead?: (bytes: number) => void) {}

  /** The norms of the tensor `at` was last asked about (or `reserve` made room for). */
  get values(): Float64Array {
    return this.current;
  }

  /** Where the per-index norms of `tensor` along `axis` start in `values`. */
  at(file: ModelFile, tensor: onnx.TensorProto.$Properties, p: 1 | 2, axis: number): number {
    const starts = this.starts[p - 1];
    let start = starts.get(tensor);
    const dims = tensor.dims ?? [];
    if (axis !== 0 && !(axis === 1 && dims.length > 1)) return this.alongOther(file, tensor, p, axis);
    if (start === undefined) {
      start = axisNorms(file, tensor, p, this);
      starts.set(tensor, start);
      this.onRead?.(file.storedBytes(tensor));
    }
    this.current = this.blocks[Math.floor(start / BLOCK)];
    const first = indexInBlock(start);
    return axis === 0 ? first : first + (dims.length > 0 ? toSafeNumber(dims[0]) : 1);
  }

  /**
   * Norms along an axis past 1 (a per-channel constant shaped [1, 1, 1, C] on a value whose channels are its
   * last axis, after a Transpose), or axis 1 of a tensor of one axis: rare and small, worked out from the
   * tensor's values read whole, and kept by tensor and axis.
   */
  private alongOther(file: ModelFile, tensor: onnx.TensorProto.$Properties, p: 1 | 2, axis: number): number {
    let byAxis = this.others[p - 1].get(tensor);
    if (!byAxis) this.others[p - 1].set(tensor, (byAxis = new Map<number, number>()));
    let start = byAxis.get(axis);
    if (start === undefined) {
      const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
      if (axis < 0 || axis >= dims.length)
        throw new Error(`internal: no norms along axis ${axis} of '${tensor.name ?? ''}'`);
      const values = readTensorAsFloat32(file, tensor);
      const size = dims[axis];
      const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      start = this.reserve(size);
      const sums = this.current;
      const out = indexInBlock(start);
      for (let k = 0; k < values.length; k++) {
        const x = values[k];
        sums[out + (Math.floor(k / inner) % size)] += p === 1 ? Math.abs(x) : Math.fround(x * x);
      }
      byAxis.set(axis, start);
      this.onRead?.(file.storedBytes(tensor));
    }
    this.current = this.blocks[Math.floor(start / BLOCK)];
    return indexInBlock(start);
  }

  /** The starts of norms along other axes than 0 and 1 (see alongOther), by tensor and axis, for p = 1 and 2. */
  private readonly others = [new Map<object, Map<number, number>>(), new Map<object, Map<number, number>>()];

  /**
   * Room for `n` more norms, zeroed, in `values` (which it sets) from `indexInBlock` of the start it returns.
   * Blocks, not one array grown by doubling: a large graph's norms run to tens of megabytes, and each doubling
   * left the array before it behind.
   */
  reserve(n: number): number {
    let block: number;
    let first = 0;
    if (n > BLOCK) {
      this.blocks.push(new Float64Array(n)); // a block of its own; the block being filled stays so
      block = this.blocks.length - 1;
    } else {
      if (this.used + n > BLOCK) {
        this.blocks.push(new Float64Array(BLOCK));
        this.filling = this.blocks.length - 1;
        this.used = 0;
      }
      block = this.filling;
      first = this.used;
      this.used += n;
    }
    this.current = this.blocks[block];
    return block * BLOCK + first;
  }

  private counts = new Int32Array(0);
  private lastMember = new Int32Array(0);
  /** Where groups' scores are carved from (`scores`), and how much of it is used. */
  private scoreBlock = new Float64Array(0);
  private scoresUsed = 0;

  /**
   * `n` zeroed numbers for one group's scores, a part of a larger block: each array of its own was memory
   * outside the heap, made and later freed one group at a time (thousands of them per prune).
   */
  scores(n: number): Float64Array {
    if (this.scoresUsed + n > this.scoreBlock.length) {
      this.scoreBlock = new Float64Array(Math.max(n, SCORE_BLOCK));
      this.scoresUsed = 0;
    }
    const scores = this.scoreBlock.subarray(this.scoresUsed, this.scoresUsed + n);
    this.scoresUsed += n;
    return scores;
  }

  /**
   * Per-unit tallies for scoring one group (unitScores), at least `n` long: `counts` zeroed, `lastMember` −1,
   * and to be left so. One pair for every group: two arrays for each of thousands of groups cost more to make
   * than the scoring loop that fills them.
   */
  tallies(n: number): { counts: Int32Array; lastMember: Int32Array } {
    if (this.counts.length < n) {
      this.counts = new Int32Array(n);
      this.lastMember = new Int32Array(n).fill(-1);
    }
    return { counts: this.counts, lastMember: this.lastMember };
  }

  /** The read buffer, at least `bytes` long (`floats` is the same memory as float32 values). */
  buffer(bytes: number): Uint8Array {
    if (this.scratch.length < bytes) {
      this.scratch = new Uint8Array(Math.ceil(bytes / 8) * 8);
      this.floats = new Float32Array(this.scratch.buffer);
    }
    return this.scratch;
  }
}

const PIECE = 1 << 20; // small enough to stay in cache between the two passes over it
const SCORE_BLOCK = 1 << 14;
/**
 * Norms per block of the NormCache (1 MiB). A tensor's start is its block's number times BLOCK plus where its
 * norms begin in the block (below BLOCK: a larger tensor's block holds it alone, from 0): a small integer,
 * which a map holds without an object of its own (up to 8,192 blocks).
 */
const BLOCK = 1 << 17;

function indexInBlock(start: number): number {
  return start % BLOCK;
}

/**
 * Norms along axes 0 and 1 (the axes members slice: weights, biases, per-channel constants); other axes are
 * never sliced. Counters instead of divisions: this loop sees every weight of the model.
 */
function axisNorms(
  file: ModelFile,
  tensor: onnx.TensorProto.$Properties,
  p: 1 | 2,
  cache: NormCache,
): number {
  // First: it refuses a shape its stored data does not fill, before the sums below are sized by that shape.
  const { source, base } = tensorBytesSource(file, tensor);
  const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
  const type = tensor.data_type ?? 0;
  const element = (dataTypeBits(type) ?? 32) / 8;
  const count = dims.reduce((a, b) => a * b, 1);
  const rows = dims[0] ?? 1;
  const cols = dims.length > 1 ? dims[1] : 1;
  const block = dims.slice(2).reduce((a, b) => a * b, 1);
  // Axis 0's sums at out0 …, axis 1's at out1 … of `sums`, which stays the same array while this runs.
  const start = cache.reserve(rows + cols);
  const sums = cache.values;
  const out0 = indexInBlock(start);
  const out1 = out0 + rows;
  const perPiece = Math.max(1, Math.floor(PIECE / element));
  let row = 0;
  let col = 0;
  let within = 0; // elements of the current (row, col) block seen so far
  let sum = 0;
  const buffer = cache.buffer(Math.min(perPiece, count) * element);
  for (let first = 0; first < count; first += perPiece) {
    const n = Math.min(perPiece, count - first);
    // Into the start of the reused buffer, with no view of it (a view per tensor for tens of thousands of them).
    source.readInto(base + first * element, buffer, 0, n * element);
    const values =
      type === DataType.FLOAT
        ? cache.floats // the same memory as `buffer`, from its start
        : rawToFloat32(buffer.subarray(0, n * element), type, tensor.name ?? '', file.name);
    // x² in place first for l2; l1 takes |x| in the loops below (one pass).
    if (p === 2) for (let t = 0; t < n; t++) values[t] = values[t] * values[t];
    let k = 0;
    while (k < n) {
      if (block === 1) {
        // [rows, cols] (a Gemm weight): a run of columns of the current row.
        const run = Math.min(cols - col, n - k);
        sums[out0 + row] += addRowRun(values, k, run, sums, out1 + col);
        k += run;
        col += run;
      } else if (within === 0 && k + block <= n) {
        // [rows, cols, …spatial]: whole blocks inside this piece, to the end of the row at most. A 3×3
        // kernel's (most conv weights') is summed in line: a call per 9 elements cost more than the sums.
        // The row's sum takes the blocks' one after another, as it always has: the same bits.
        const count = Math.min(cols - col, Math.floor((n - k) / block));
        let rowSum = sums[out0 + row];
        for (let b = 0; b < count; b++) {
          const blockSum = block === 9 ? sumAbs9(values, k) : sumAbs(values, k, block);
          rowSum += blockSum;
          sums[out1 + col] += blockSum;
          k += block;
          col++;
        }
        sums[out0 + row] = rowSum;
      } else {
        // A block split across two pieces.
        const take = Math.min(block - within, n - k);
        sum += sumAbs(values, k, take);
        within += take;
        k += take;
        if (within < block) continue;
        sums[out0 + row] += sum;
        sums[out1 + col] += sum;
        sum = 0;
        within = 0;
        col++;
      }
      if (col === cols) {
        col = 0;
        row++;
      }
    }
  }
  return start;
}

/**
 * Σ|values[from … from+count)|. Four partial sums: one running sum makes every addition wait for the one
 * before it, and this loop sees every weight of the model.
 */
function sumAbs(values: Float32Array, from: number, count: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = from;
  const end = from + count;
  for (; t + 3 < end; t += 4) {
    s0 += Math.abs(values[t]);
    s1 += Math.abs(values[t + 1]);
    s2 += Math.abs(values[t + 2]);
    s3 += Math.abs(values[t + 3]);
  }
  for (; t < end; t++) s0 += Math.abs(values[t]);
  return s0 + s1 + (s2 + s3);
}

/** sumAbs(values, from, 9), with its partial sums and their order spelled out: the same bits. */
function sumAbs9(values: Float32Array, from: number): number {
  const s0 = Math.abs(values[from]) + Math.abs(values[from + 4]) + Math.abs(values[from + 8]);
  const s1 = Math.abs(values[from + 1]) + Math.abs(values[from + 5]);
  const s2 = Math.abs(values[from + 2]) + Math.abs(values[from + 6]);
  const s3 = Math.abs(values[from + 3]) + Math.abs(values[from + 7]);
  return s0 + s1 + (s2 + s3);
}

/** Adds |values[from + t]| to columns[col + t] for t < count; returns their sum (the row's share). */
function addRowRun(
  values: Float32Array,
  from: number,
  count: number,
  columns: Float64Array,
  col: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < count; t += 4) {
    const a0 = Math.abs(values[from + t]);
    const a1 = Math.abs(values[from + t + 1]);
    const a2 = Math.abs(values[from + t + 2]);
    const a3 = Math.abs(values[from + t + 3]);
    columns[col + t] += a0;
    columns[col + t + 1] += a1;
    columns[col + t + 2] += a2;
    columns[col + t + 3] += a3;
    s0 += a0;
    s1 += a1;
    s2 += a2;
    s3 += a3;
  }
  for (; t < count; t++) {
    const a = Math.abs(values[from + t]);
    columns[col + t] += a;
    s0 += a;
  }
  return s0 + s1 + (s2 + s3);
}
