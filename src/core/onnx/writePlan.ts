// The writer's plan of an output file (writer.ts): a tree of parts (ranges of the source, bytes encoded anew,
// the plans of messages inside), their sizes, the protobuf headers between them, and writing a plan out.
import type { AtomicFile } from './atomicFile';
import type { ByteSource } from './byteSource';
import { type DataChunk, type SourceRange, chunkLength } from './dataChunk';

export interface Plan {
  size: number;
  parts: (DataChunk | Plan)[];
}

/** The parts of one message's plan and their size; ranges of the source that follow one another are one. */
export class PlanParts {
  readonly parts: (DataChunk | Plan)[] = [];
  size = 0;
  /** The last part, when it is a range of the source this plan made (and so may extend). */
  private lastRange: { source: ByteSource; start: number; end: number } | undefined;

  constructor(private readonly source: ByteSource) {}

  add(part: DataChunk | Plan): void {
    this.parts.push(part);
    this.size += partSize(part);
    this.lastRange = undefined;
  }

  addRange(start: number, end: number): void {
    if (this.lastRange && this.lastRange.end === start) {
      this.lastRange.end = end;
      this.size += end - start;
      return;
    }
    const range = { source: this.source, start, end };
    this.add(range);
    this.lastRange = range;
  }
}

/** Writes a plan's parts in order, ranges of the source that follow one another as one. */
export function emitPlan(
  plan: Plan,
  out: AtomicFile,
  total: number,
  options: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void },
): void {
  let pending: SourceRange | undefined;
  const flush = () => {
    if (!pending) return;
    out.write(pending, options.signal);
    options.onProgress?.(out.written, total);
    pending = undefined;
  };
  const visit = (part: DataChunk | Plan): void => {
    if (isPlan(part)) {
      for (const inner of part.parts) visit(inner);
    } else if (!(part instanceof Uint8Array) && 'source' in part) {
      if (pending && pending.source === part.source && pending.end === part.start)
        pending = { source: part.source, start: pending.start, end: part.end };
      else {
        flush();
        pending = part;
      }
    } else {
      flush();
      out.write(part, options.signal);
      options.onProgress?.(out.written, total);
    }
  };
  visit(plan);
  flush();
}

function partSize(part: DataChunk | Plan): number {
  return isPlan(part) ? part.size : chunkLength(part);
}

function isPlan(part: DataChunk | Plan): part is Plan {
  return !(part instanceof Uint8Array) && 'parts' in part;
}

/** The tag and length that precede a length-delimited field's value. */
export function header(fieldNo: number, length: number): Uint8Array {
  const tag = fieldNo * 8 + 2;
  const bytes = new Uint8Array(varintLength(tag) + varintLength(length));
  putVarint(bytes, putVarint(bytes, 0, tag), length);
  return bytes;
}

function varintLength(value: number): number {
  let n = 1;
  for (; value >= 128; n++) value = Math.floor(value / 128);
  return n;
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
