// The writer's plan of an output file (writer.ts): its parts in output order (ranges of the source, bytes
// encoded anew, chunks of tensor data), the protobuf headers between them, and writing a plan out.
import type { AtomicFile } from './atomicFile';
import type { ByteSource } from './byteSource';
import { type DataChunk, chunkLength, isLazy } from './dataChunk';

const RANGE = 0; // bytes [a, b) of the source
const BYTES = 1; // bytes [a, b) of the arena
const CHUNK = 2; // chunks[a]
/** Encoded bytes up to this size are copied into the arena; larger ones are kept as they are. */
const ARENA_MAX = 4096;

/**
 * The parts of an output file, in order, as numbers in one array (kind, a, b) and small encoded bytes in one
 * arena, not an object per part: the plan of a pruned large graph has hundreds of thousands of parts (a
 * header and re-encoded fields for every sliced tensor), and all of them live until the plan is written.
 * Ranges of the source that follow one another are one part. A message's header goes before its fields but
 * is known only after them (its length): `reserve` keeps its place, `fill` writes it.
 */
export class WritePlan {
  /** Bytes of all parts so far: a message's size is the difference across planning it. */
  size = 0;
  private parts = new Float64Array(3 * 1024);
  private count = 0;
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private readonly chunks: DataChunk[] = [];

  constructor(private readonly source: ByteSource) {}

  /** Adds bytes [start, end) of the source. */
  addRange(start: number, end: number): void {
    if (end === start) return;
    const last = 3 * (this.count - 1);
    if (this.count > 0 && this.parts[last] === RANGE && this.parts[last + 2] === start) {
      this.parts[last + 2] = end;
    } else this.push(RANGE, start, end);
    this.size += end - start;
  }

  /** Adds encoded bytes (copied when small: the caller may reuse them). */
  addBytes(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (bytes.length > ARENA_MAX) {
      this.addChunk(bytes);
      return;
    }
    const at = this.room(bytes.length);
    this.arena.set(bytes, at);
    this.arenaUsed += bytes.length;
    this.push(BYTES, at, at + bytes.length);
    this.size += bytes.length;
  }

  /** Adds a chunk of data: a range of this plan's source is a range, anything else is kept as it is. */
  addChunk(chunk: DataChunk): void {
    if (!(chunk instanceof Uint8Array) && !isLazy(chunk) && chunk.source === this.source) {
      this.addRange(chunk.start, chunk.end);
      return;
    }
    const length = chunkLength(chunk);
    if (length === 0) return;
    this.chunks.push(chunk);
    this.push(CHUNK, this.chunks.length - 1, 0);
    this.size += length;
  }

  /** Adds the tag and length that precede a length-delimited field's value. */
  addHeader(fieldNo: number, length: number): void {
    this.fill(this.reserve(), fieldNo, length);
  }

  /** Keeps the place of a header whose length is not known yet; `fill` writes it. */
  reserve(): number {
    this.push(BYTES, 0, 0);
    return this.count - 1;
  }

  /** Writes the header of field `fieldNo` with a value of `length` bytes in the place `reserve` kept. */
  fill(slot: number, fieldNo: number, length: number): void {
    const tag = fieldNo * 8 + 2;
    const at = this.room(20);
    const end = putVarint(this.arena, putVarint(this.arena, at, tag), length);
    this.arenaUsed = end;
    this.parts[3 * slot + 1] = at;
    this.parts[3 * slot + 2] = end;
    this.size += end - at;
  }

  /** Whether the plan is the source from its first byte to `end`, unchanged. */
  isRangeOfSource(end: number): boolean {
    return this.count === 1 && this.parts[0] === RANGE && this.parts[1] === 0 && this.parts[2] === end;
  }

  /** Writes the parts in order. */
  emit(
    out: AtomicFile,
    options: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void },
  ): void {
    const { parts, source } = this;
    for (let i = 0; i < 3 * this.count; i += 3) {
      const a = parts[i + 1];
      const b = parts[i + 2];
      switch (parts[i]) {
        case RANGE:
          out.writeRange(source, a, b, options.signal);
          break;
        case BYTES:
          out.writePart(this.arena, a, b, options.signal);
          break;
        default:
          out.write(this.chunks[a], options.signal);
      }
      options.onProgress?.(out.written, this.size);
    }
  }

  private push(kind: number, a: number, b: number): void {
    if (3 * (this.count + 1) > this.parts.length) {
      const grown = new Float64Array(this.parts.length * 2);
      grown.set(this.parts);
      this.parts = grown;
    }
    const at = 3 * this.count++;
    this.parts[at] = kind;
    this.parts[at + 1] = a;
    this.parts[at + 2] = b;
  }

  /** Where `n` more bytes of the arena start (growing it when need be). */
  private room(n: number): number {
    if (this.arenaUsed + n > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + n));
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    return this.arenaUsed;
  }
}

/** Writes `value` as a varint at `at`; returns the index after it. */
function putVarint(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    bytes[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  bytes[at++] = value;
  return at;
}
