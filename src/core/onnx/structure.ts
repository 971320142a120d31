import { WireError } from './errors';
import { CONTAINER_FIELDS, type FieldInfo } from './schema';
import { CONTAINER_TYPES, SpanTable } from './spanTable';
import type { WireCursor } from './wireCursor';

export type { MessageSpan, PayloadSegment } from './spanTable';

export interface StructureLimits {
  /** Deepest nesting of container messages (graphs in attributes in nodes in graphs…). */
  maxDepth: number;
}

/** What one pass over a file's wire format gives: where every container message is, and the skeleton. */
export interface Structure {
  spans: SpanTable;
  /**
   * The file's bytes with every tensor's element data left out: what protobufjs decodes, all of the model
   * but its weights (typically a few kilobytes per megabyte of model). A message's length prefix keeps its
   * width in the file and is written as a padded varint (continuation bytes), which protobuf readers accept,
   * so the skeleton is written in one pass, before the lengths of the messages it is inside are known.
   */
  skeleton: Uint8Array;
}

const DEFAULT_LIMITS: StructureLimits = { maxDepth: 64 };

/** Field info by container type index and field number (the walk looks up every field of the file). */
const FIELDS: (FieldInfo | undefined)[][] = CONTAINER_TYPES.map((type) => {
  const byNumber: (FieldInfo | undefined)[] = [];
  for (const f of CONTAINER_FIELDS[type]) byNumber[f.no] = f;
  return byNumber;
});
const TYPE_INDEX = new Map(CONTAINER_TYPES.map((type, i) => [type, i]));
/** The container type index of each container field, by type index and field number (−1: not a container). */
const CHILD_TYPE: number[][] = FIELDS.map((byNumber) =>
  Array.from(byNumber, (f) => (f?.container ? TYPE_INDEX.get(f.container)! : -1)),
);
const TENSOR = TYPE_INDEX.get('Tensor')!;
const DATA_LOCATION = 14;

/**
 * Walks the wire format of a ModelProto once: records, for every container message (model, graphs, nodes,
 * attributes, functions, tensors…), its byte span and, for every tensor, where its element data lies; and
 * copies everything else into the skeleton. It reads only tags, lengths and the small fields, never the
 * element data, so a model's weights stay on disk.
 */
export function readStructure(cursor: WireCursor, limits: StructureLimits = DEFAULT_LIMITS): Structure {
  const walker = new Walker(cursor, limits);
  const size = cursor.source.size;
  walker.message(0, 0, 0, 0, 0, size, 0);
  return { spans: walker.spans, skeleton: walker.finish() };
}

class Walker {
  readonly spans = new SpanTable();
  private out: Uint8Array;
  private at = 0;

  constructor(
    private readonly cursor: WireCursor,
    private readonly limits: StructureLimits,
  ) {
    this.out = new Uint8Array(Math.min(cursor.source.size, 1 << 16));
  }

  message(
    type: number,
    field: number,
    tagStart: number,
    lengthStart: number,
    valueStart: number,
    end: number,
    depth: number,
  ): void {
    if (depth > this.limits.maxDepth) {
      throw new WireError(
        'too-deep',
        `messages are nested more than ${this.limits.maxDepth} levels deep (at byte ${tagStart})`,
      );
    }
    const cursor = this.cursor;
    const fields = FIELDS[type];
    const row = this.spans.open(type, field, tagStart, lengthStart, valueStart, end);
    let seen = 0; // singular container fields met so far, as bits (their numbers are all below 32)
    let pending = valueStart; // the first byte not yet copied to the skeleton
    cursor.pos = valueStart;
    while (cursor.pos < end) {
      const fieldStart = cursor.pos;
      const tag = cursor.varint();
      // Bit operations for the usual tag (below 2^31); a larger one is an invalid field number below.
      const fieldNo = tag < 0x80000000 ? tag >>> 3 : Math.floor(tag / 8);
      const wireType = tag & 7;
      if (fieldNo === 0 || fieldNo > 0x1fffffff) {
        throw new WireError('not-onnx', `byte ${fieldStart} holds an invalid field number`);
      }
      const fieldLengthStart = cursor.pos;
      let fieldValueStart = cursor.pos;
      switch (wireType) {
        case 0: {
          const value = cursor.varint();
          if (fieldNo === DATA_LOCATION && type === TENSOR && value === 1) this.spans.external[row] = 1;
          break;
        }
        case 1:
          cursor.skip(8);
          break;
        case 5:
          cursor.skip(4);
          break;
        case 2: {
          const length = cursor.varint();
          fieldValueStart = cursor.pos;
          if (length > end - fieldValueStart) {
            throw new WireError(
              'truncated',
              `field ${fieldNo} at byte ${fieldStart} declares ${length} bytes but only ${end - fieldValueStart} remain` +
                (end === cursor.source.size ? ' in the file' : ' in its message'),
            );
          }
          cursor.skip(length);
          break;
        }
        case 3:
          skipGroup(cursor, fieldNo, end, 0);
          break;
        default:
          throw new WireError('not-onnx', `byte ${fieldStart} holds an invalid wire type ${wireType}`);
      }
      const fieldEnd = cursor.pos;
      if (fieldEnd > end) {
        throw new WireError(
          'truncated',
          `field ${fieldNo} at byte ${fieldStart} runs past the end of its message`,
        );
      }
      const info = fieldNo < fields.length ? fields[fieldNo] : undefined;
      if (info?.container && wireType === 2) {
        if (!info.repeated) {
          // protobuf merges a repeated singular message; no exporter writes one, and spans could not follow.
          if (seen & (1 << fieldNo)) {
            throw new WireError(
              'unsupported',
              `field '${info.name}' appears twice in one message (at byte ${fieldStart})`,
            );
          }
          seen |= 1 << fieldNo;
        }
        this.copy(pending, fieldLengthStart);
        const width = fieldValueStart - fieldLengthStart;
        const prefixAt = this.reserve(width);
        const contentStart = this.at;
        this.message(
          CHILD_TYPE[type][fieldNo],
          fieldNo,
          fieldStart,
          fieldLengthStart,
          fieldValueStart,
          fieldEnd,
          depth + 1,
        );
        writePaddedVarint(this.out, prefixAt, this.at - contentStart, width);
        cursor.pos = fieldEnd;
        pending = fieldEnd;
      } else if (info?.payload) {
        this.copy(pending, fieldStart);
        this.spans.addPayload(fieldNo, wireType, fieldStart, fieldValueStart, fieldEnd);
        pending = fieldEnd;
      }
    }
    if (cursor.pos !== end) {
      throw new WireError('truncated', `a field runs past the end of its message at byte ${end}`);
    }
    this.copy(pending, end);
    this.spans.close(row);
  }

  finish(): Uint8Array {
    // Do not keep a mostly empty buffer alive as long as the model (decoded byte fields are views of it).
    return this.at * 1.25 < this.out.length ? this.out.slice(0, this.at) : this.out.subarray(0, this.at);
  }

  /** Copies bytes [start, end) of the file to the skeleton. */
  private copy(start: number, end: number): void {
    if (end <= start) return;
    this.reserve(end - start);
    this.cursor.copyTo(this.out, this.at - (end - start), start, end);
  }

  /** Makes room for n more bytes at the end of the skeleton; returns where they start. */
  private reserve(n: number): number {
    const at = this.at;
    if (at + n > this.out.length) {
      let capacity = this.out.length * 2;
      while (capacity < at + n) capacity *= 2;
      const bigger = new Uint8Array(capacity);
      bigger.set(this.out.subarray(0, at));
      this.out = bigger;
    }
    this.at = at + n;
    return at;
  }
}

/**
 * Writes `value` as a varint of exactly `width` bytes. It always fits: a message's skeleton is never longer
 * than the message, whose length was written in `width` bytes.
 */
function writePaddedVarint(out: Uint8Array, at: number, value: number, width: number): void {
  for (let i = 0; i < width - 1; i++) {
    out[at + i] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  if (value >= 128) throw new Error(`internal: a length does not fit its ${width}-byte prefix`);
  out[at + width - 1] = value;
}

function skipGroup(cursor: WireCursor, fieldNo: number, limit: number, depth: number): void {
  if (depth > 32) throw new WireError('too-deep', 'groups are nested too deeply');
  while (cursor.pos < limit) {
    const tag = cursor.varint();
    const wireType = tag % 8;
    switch (wireType) {
      case 0:
        cursor.varint();
        break;
      case 1:
        cursor.skip(8);
        break;
      case 5:
        cursor.skip(4);
        break;
      case 2:
        cursor.skip(cursor.varint());
        break;
      case 3:
        skipGroup(cursor, Math.floor(tag / 8), limit, depth + 1);
        break;
      case 4:
        if (Math.floor(tag / 8) !== fieldNo)
          throw new WireError('not-onnx', 'a group ends with the wrong field number');
        return;
      default:
        throw new WireError('not-onnx', `invalid wire type ${wireType} inside a group`);
    }
  }
  throw new WireError('truncated', 'a group is not closed before the end of its message');
}
