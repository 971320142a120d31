/**
 * Where model bytes come from. The reader only ever asks for ranges, so a model larger than 2 GiB, or one
 * whose weights we never touch, costs only the bytes actually read.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A human-readable name for messages (usually the file path). */
  readonly name: string;
  /** Reads `length` bytes at `offset`. Throws if the range is outside the source. */
  read(offset: number, length: number): Uint8Array;
  /**
   * Reads into `target` from `offset`: the whole of it, or `length` bytes from its index `at` (a writer's
   * buffer is filled at any place, and a view of each place would be an object per small range).
   */
  readInto(offset: number, target: Uint8Array, at?: number, length?: number): void;
  close(): void;
}

/** A source over bytes already in memory (tests, the webview, models received over a protocol). */
export class MemorySource implements ByteSource {
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = '<memory>',
  ) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  readInto(offset: number, target: Uint8Array, at = 0, length = target.length - at): void {
    checkRange(this, offset, length);
    copyBytes(this.bytes, offset, target, at, length);
  }

  close(): void {}
}

export function checkRange(source: ByteSource, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > source.size) {
    throw new RangeError(
      `read of ${length} bytes at ${offset} is outside ${source.name} (${source.size} bytes)`,
    );
  }
}

/**
 * Copies `length` bytes from `from[start…]` to `to[at…]`. A few bytes (most parts of a model: headers, names,
 * small fields) are copied one by one; a view for `set` is an object of its own.
 */
export function copyBytes(from: Uint8Array, start: number, to: Uint8Array, at: number, length: number): void {
  if (at < 0 || length < 0 || at + length > to.length) throw new RangeError('copy outside its target');
  if (length <= 64) for (let i = 0; i < length; i++) to[at + i] = from[start + i];
  else to.set(from.subarray(start, start + length), at);
}
