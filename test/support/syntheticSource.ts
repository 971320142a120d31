import type { ByteSource } from '../../src/core/onnx/byteSource';

/**
 * A ByteSource of deterministic pseudo-random float32 values that exists only as a formula: it lets the
 * benchmark and the large-model test write hundreds of megabytes (or more than 2 GiB) of weights without
 * holding them in memory. Every 4-byte word is a small float derived from its index and the seed.
 */
export class SyntheticFloatSource implements ByteSource {
  readonly name: string;

  constructor(
    readonly size: number,
    private readonly seed = 1,
  ) {
    if (size % 4 !== 0) throw new Error('size must be a multiple of 4');
    this.name = `<synthetic ${size} bytes>`;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array, at = 0, length = target.length - at): void {
    if (at !== 0 || length !== target.length) {
      this.readInto(offset, target.subarray(at, at + length));
      return;
    }
    if (offset < 0 || offset + target.length > this.size) throw new RangeError(`read outside ${this.name}`);
    if (offset % 4 !== 0 || target.length % 4 !== 0) {
      // Any range, as ByteSource promises (a writer's buffer fills at any offset): the words around it, cut.
      const start = offset - (offset % 4);
      const words = new Uint8Array(Math.ceil((offset + target.length - start) / 4) * 4);
      this.readInto(start, words);
      target.set(words.subarray(offset - start, offset - start + target.length));
      return;
    }
    const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    const first = offset / 4;
    for (let i = 0; i < target.length / 4; i++) view.setFloat32(i * 4, valueAt(first + i, this.seed), true);
  }

  close(): void {}
}

/** The value of word `index`: a hash mapped to [-0.1, 0.1). */
export function valueAt(index: number, seed: number): number {
  let h = (Math.imul(index ^ (index >>> 16), 0x45d9f3b) + seed) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h ^= h >>> 16;
  return ((h >>> 8) / 0x1000000 - 0.5) * 0.2;
}
