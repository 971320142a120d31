import { type ByteSource, MemorySource } from './byteSource';
import { WireError } from './errors';

const WINDOW = 1 << 20;
const MIN_WINDOW = 4 << 10;
/**
 * A skip the read-ahead reads through rather than starting over at 4 KiB: copying this many bytes from the page
 * cache costs about what one more read call does.
 */
const SHORT_SKIP = 32 << 10;
/** The most bytes before the position a refill keeps (see `keep`). */
const KEEP_MAX = 64 << 10;

/**
 * Reads protobuf wire primitives from a ByteSource through a window, so walking the structure of a large
 * file costs a few positional reads, and skipping a tensor's bytes costs nothing. The window works like
 * read-ahead: it grows (up to 1 MiB) while reads are sequential or skip little, and falls back to 4 KiB after a
 * longer jump, so a model of large tensors is not read whole just to find their headers.
 */
export class WireCursor {
  pos = 0;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private buffer: Uint8Array = new Uint8Array(0);
  private readAhead = MIN_WINDOW;

  /** The source is in memory: the window is all of it, and nothing is ever copied into a buffer. */
  private readonly inMemory: boolean;

  constructor(readonly source: ByteSource) {
    this.inMemory = source instanceof MemorySource;
    if (this.inMemory) {
      this.buffer = source.read(0, source.size);
      this.window = this.buffer;
      this.held = this.buffer;
    }
  }

  /** Byte at the current position, advancing. */
  byte(): number {
    if (this.pos < this.windowStart || this.pos >= this.windowStart + this.window.length)
      this.fill(this.pos, 1);
    return this.window[this.pos++ - this.windowStart];
  }

  /** An unsigned varint of up to 64 bits, as a number (exact up to 2^53). */
  varint(): number {
    // Fast path: a one- or two-byte varint inside the window (tags and most lengths).
    const at = this.pos - this.windowStart;
    if (at >= 0 && at + 2 <= this.window.length) {
      const b0 = this.window[at];
      if (b0 < 0x80) {
        this.pos++;
        return b0;
      }
      const b1 = this.window[at + 1];
      if (b1 < 0x80) {
        this.pos += 2;
        return (b0 & 0x7f) + b1 * 128;
      }
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new WireError('not-onnx', `a number at byte ${this.pos - 10} is longer than protobuf allows`);
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** Skips a field's value of wire type 0, 1, 2 or 5; false, skipping nothing, for a group or an invalid type. */
  skipValue(wireType: number): boolean {
    switch (wireType) {
      case 0:
        this.varint();
        return true;
      case 1:
        this.skip(8);
        return true;
      case 5:
        this.skip(4);
        return true;
      case 2:
        this.skip(this.varint());
        return true;
      default:
        return false;
    }
  }

  /**
   * Where the bytes the walk still needs begin (the fields of a message not yet decoded): a refill that
   * would leave them behind starts there instead, so that decoding them does not read them again.
   */
  keep = 0;

  /** What `hold` made readable: the window's buffer, or a buffer of its own. */
  held: Uint8Array = this.buffer;

  /**
   * Makes bytes [start, end) of the source readable in `held`, at the index it returns: in the window when
   * they fit (valid until the next read), else in a buffer of their own.
   */
  hold(start: number, end: number): number {
    if (start < this.windowStart || end > this.windowStart + this.window.length) {
      if (end - start > WINDOW / 4) {
        this.held = this.source.read(start, end - start);
        return 0;
      }
      this.fill(start, end - start);
    }
    this.held = this.buffer;
    return start - this.windowStart;
  }

  private fill(at: number, need: number): void {
    // In memory, the window is the whole source: a read outside it is past the end (or before the start).
    if (this.inMemory) throw outside(this.source.size);
    if (this.keep < at && this.keep >= this.windowStart && at - this.keep <= KEEP_MAX) {
      need += at - this.keep;
      at = this.keep;
    }
    // Sequential: the walk reached the window's end, or went on past it from bytes it keeps, or skipped at most
    // SHORT_SKIP past it (a small weight's data). A model of tens of thousands of small weights is then read
    // in a few large reads, not a 4 KiB read after each weight that crosses the window's end (3,300 reads for
    // a 26 MB transformer, 32 now).
    const end = this.windowStart + this.window.length;
    const sequential = at >= this.windowStart && at <= end + SHORT_SKIP;
    this.readAhead = sequential ? Math.min(this.readAhead * 2, WINDOW) : MIN_WINDOW;
    const length = Math.min(Math.max(this.readAhead, need), this.source.size - at);
    if (length < need || at < 0) throw outside(this.source.size);
    // One buffer, refilled: what hold() makes readable in it is only valid until the next read.
    if (this.buffer.length < length) this.buffer = new Uint8Array(Math.max(length, WINDOW));
    this.window = this.buffer.subarray(0, length);
    this.source.readInto(at, this.window);
    this.windowStart = at;
  }
}

function outside(size: number): WireError {
  return new WireError('truncated', `the file ends at byte ${size} in the middle of a field`);
}
