/** Past this many runs per block the runs are not listed (memory), and blocks are copied axis by axis. */
const MAX_LISTED_RUNS = 1 << 18;
/** Runs up to this many 4-byte words are copied by a loop; longer ones by `set` (measured: the loop wins below ~40). */
const SHORT_RUN_WORDS = 32;

/**
 * The bytes a sliced tensor keeps of one block (all of its axes below the first sliced one), as runs of
 * consecutive bytes. A 50 % prune of VGG-16's first Gemm keeps 256 runs of 196 bytes from each of 2,048
 * rows: copying half a million short runs one `subarray` + `set` at a time (an object each) was a third
 * of the whole prune, so the runs are listed once per tensor and short ones are copied word by word.
 */
export class KeptRuns {
  /** Bytes kept per block. */
  readonly keptBytes: number;

  private constructor(
    /** Byte offset in the block and byte length of each run (merged where consecutive). */
    private readonly starts: Int32Array,
    private readonly lengths: Int32Array,
    /** Every run starts and ends on a 4-byte boundary. */
    private readonly words: boolean,
  ) {
    let kept = 0;
    for (let i = 0; i < lengths.length; i++) kept += lengths[i];
    this.keptBytes = kept;
  }

  /**
   * The runs of a block of `dims` (row-major, `element` bytes each) keeping, per axis, the indices in
   * `kept[axis]` (sorted; undefined: all). Undefined when there would be too many runs to list.
   */
  static of(dims: number[], kept: (readonly number[] | undefined)[], element: number): KeptRuns | undefined {
    const strides = dims.map((_, axis) => dims.slice(axis + 1).reduce((a, b) => a * b, 1) * element);
    let last = -1;
    kept.forEach((k, axis) => {
      if (k) last = axis;
    });
    if (last < 0) {
      const bytes = dims.reduce((a, b) => a * b, 1) * element;
      return new KeptRuns(Int32Array.of(0), Int32Array.of(bytes), bytes % 4 === 0);
    }
    let count = 1;
    for (let axis = 0; axis <= last; axis++) count *= kept[axis]?.length ?? dims[axis];
    if (count > MAX_LISTED_RUNS || dims[0] * strides[0] > 0x7fffffff) return undefined; // Int32 offsets
    const starts: number[] = [];
    const lengths: number[] = [];
    const visit = (axis: number, offset: number): void => {
      const indices = kept[axis];
      const size = indices ? indices.length : dims[axis];
      for (let j = 0; j < size; j++) {
        const at = offset + (indices ? indices[j] : j) * strides[axis];
        if (axis < last) {
          visit(axis + 1, at);
          continue;
        }
        const n = lengths.length - 1;
        if (n >= 0 && starts[n] + lengths[n] === at) lengths[n] += strides[axis];
        else {
          starts.push(at);
          lengths.push(strides[axis]);
        }
      }
    };
    visit(0, 0);
    const words = starts.every((s, i) => s % 4 === 0 && lengths[i] % 4 === 0);
    return new KeptRuns(Int32Array.from(starts), Int32Array.from(lengths), words);
  }

  /**
   * Copies the kept bytes of `blocks` consecutive blocks of `blockBytes` from `source` into `target` from
   * byte `into` on (it must hold blocks × keptBytes more).
   */
  copy(source: Uint8Array, blocks: number, blockBytes: number, target: Uint8Array, into: number): void {
    const aligned =
      this.words && source.byteOffset % 4 === 0 && target.byteOffset % 4 === 0 && blockBytes % 4 === 0;
    const from = aligned
      ? new Int32Array(source.buffer, source.byteOffset, source.byteLength >> 2)
      : undefined;
    const to = aligned ? new Int32Array(target.buffer, target.byteOffset, target.byteLength >> 2) : undefined;
    const { starts, lengths } = this;
    let at = into;
    for (let b = 0; b < blocks; b++) {
      const base = b * blockBytes;
      for (let r = 0; r < starts.length; r++) {
        const start = base + starts[r];
        const length = lengths[r];
        if (from && to && length <= SHORT_RUN_WORDS * 4) {
          const w = start >> 2;
          const t = at >> 2;
          const n = length >> 2;
          for (let i = 0; i < n; i++) to[t + i] = from[w + i];
        } else target.set(source.subarray(start, start + length), at);
        at += length;
      }
    }
  }
}
