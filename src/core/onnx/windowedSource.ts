import { type ByteSource, checkRange, copyBytes } from './byteSource';

/** Bytes of the window: reads this small or smaller are served from it. */
const WINDOW = 1 << 20;

/**
 * A source read through one reused window. Pruning reads every weight and copies every unchanged message,
 * mostly in file order and mostly a few bytes or kilobytes at a time: through the window that costs one read
 * call per MiB, not one per tensor or node, and no copy of the whole file in memory (whose fresh pages cost
 * more than the reads themselves, and count in full towards the peak memory). Larger reads go straight to the
 * file. `read` returns a copy, never a view of the window, so what callers keep stays valid.
 */
export class WindowedSource implements ByteSource {
  private window: Uint8Array | undefined;
  private start = 0;
  private end = 0;

  constructor(private readonly inner: ByteSource) {}

  get size(): number {
    return this.inner.size;
  }

  get name(): string {
    return this.inner.name;
  }

  read(offset: number, length: number): Uint8Array {
    const target = new Uint8Array(length);
    this.readInto(offset, target);
    return target;
  }

  readInto(offset: number, target: Uint8Array, at = 0, length = target.length - at): void {
    checkRange(this, offset, length);
    if (length >= WINDOW) {
      this.inner.readInto(offset, target, at, length);
      return;
    }
    if (offset < this.start || offset + length > this.end) {
      this.window ??= new Uint8Array(WINDOW);
      const n = Math.min(WINDOW, this.size - offset);
      this.inner.readInto(offset, this.window, 0, n);
      this.start = offset;
      this.end = offset + n;
    }
    copyBytes(this.window!, offset - this.start, target, at, length);
  }

  close(): void {
    this.inner.close();
  }
}
