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
  /** Reads into `target` (the whole of it) from `offset`. */
  readInto(offset: number, target: Uint8Array): void;
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

  readInto(offset: number, target: Uint8Array): void {
    target.set(this.read(offset, target.length));
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
