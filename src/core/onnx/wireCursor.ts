import type { ByteSource } from './byteSource';
import { WireError } from './errors';

const WINDOW = 1 << 20;

/**
 * Reads protobuf wire primitives from a ByteSource through a 1 MiB window, so walking the structure of a
 * large file costs a few positional reads, and skipping a tensor's bytes costs nothing.
 */
export class WireCursor {
  pos = 0;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(readonly source: ByteSource) {}

  /** Byte at the current position, advancing. */
  byte(): number {
    if (this.pos < this.windowStart || this.pos >= this.windowStart + this.window.length)
      this.fill(this.pos, 1);
    return this.window[this.pos++ - this.windowStart];
  }

  /** An unsigned varint of up to 64 bits, as a number (exact up to 2^53). */
  varint(): number {
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

  /** Copies bytes [start, end) of the source (through the window when it is there). */
  bytes(start: number, end: number): Uint8Array {
    const length = end - start;
    if (start >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(start - this.windowStart, end - this.windowStart);
    }
    if (length <= WINDOW / 4) {
      this.fill(start, length);
      return this.window.subarray(start - this.windowStart, end - this.windowStart);
    }
    return this.source.read(start, length);
  }

  private fill(at: number, need: number): void {
    const length = Math.min(Math.max(WINDOW, need), this.source.size - at);
    if (length < need || at < 0)
      throw new WireError('truncated', `the file ends at byte ${this.source.size} in the middle of a field`);
    this.window = this.source.read(at, length);
    this.windowStart = at;
  }
}

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

export function writeVarint(value: number, target: number[]): void {
  while (value >= 128) {
    target.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  target.push(value);
}
