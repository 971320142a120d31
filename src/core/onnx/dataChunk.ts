import type { ByteSource } from './byteSource';

/** Bytes of some source, copied without loading them (a tensor kept as it was, or part of one). */
export interface SourceRange {
  readonly source: ByteSource;
  readonly start: number;
  readonly end: number;
}

/**
 * Bytes made when written, piece by piece (a tensor sliced along several axes: gathering it row by row keeps
 * memory bounded where a list of byte ranges would run to hundreds of thousands of entries).
 */
export interface LazyChunk {
  readonly length: number;
  /**
   * Hands the bytes to `use` in pieces, in order: a piece is the first `length` bytes of `bytes` (all of them
   * when `length` is absent: a reused buffer is handed as it is, no view of its start for each of tens of
   * thousands of tensors), and may be overwritten once `use` returns (buffers are reused). A callback, not a
   * generator: a prune writes tens of thousands of small sliced tensors, and a generator's setup and
   * resumptions cost more than copying their bytes.
   */
  produce(use: (bytes: Uint8Array, length?: number) => void): void;
}

/** A piece of tensor data: bytes in memory, a byte range of a source, or bytes produced at write time. */
export type DataChunk = Uint8Array | SourceRange | LazyChunk;

/**
 * Whether a chunk is made when written, told by its `produce` method: a lazy chunk's other properties are its
 * own (one that reads from a `source` field is not a byte range for it).
 */
export function isLazy(chunk: DataChunk): chunk is LazyChunk {
  return !(chunk instanceof Uint8Array) && typeof (chunk as Partial<LazyChunk>).produce === 'function';
}

export function chunkLength(chunk: DataChunk): number {
  if (chunk instanceof Uint8Array || isLazy(chunk)) return chunk.length;
  return chunk.end - chunk.start;
}

export function chunksLength(chunks: readonly DataChunk[]): number {
  let n = 0;
  for (const chunk of chunks) n += chunkLength(chunk);
  return n;
}

/**
 * Hands the chunk's bytes to `use` piece by piece, reading a range `piece` bytes at a time. A piece may be
 * overwritten once `use` returns (buffers are reused): use it or copy it before then.
 */
export function forEachPiece(chunk: DataChunk, use: (bytes: Uint8Array) => void, piece = 8 << 20): void {
  if (chunk instanceof Uint8Array) {
    use(chunk);
  } else if (!isLazy(chunk)) {
    for (let at = chunk.start; at < chunk.end; at += piece)
      use(chunk.source.read(at, Math.min(piece, chunk.end - at)));
  } else {
    let produced = 0;
    chunk.produce((bytes, length = bytes.length) => {
      produced += length;
      use(length === bytes.length ? bytes : bytes.subarray(0, length));
    });
    checkProduced(chunk, produced);
  }
}

/** A lazy chunk must produce exactly the bytes it promised: the message headers before it count on them. */
export function checkProduced(chunk: LazyChunk, produced: number): void {
  if (produced !== chunk.length)
    throw new Error(`internal: a lazy chunk produced ${produced} bytes, not ${chunk.length}`);
}
