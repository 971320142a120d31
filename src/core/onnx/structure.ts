import { WireError } from './errors';
import { type ContainerType, fieldInfo } from './schema';
import { WireCursor, varintSize } from './wireCursor';

/** Where one container message sits in the file. Offsets are absolute. */
export interface MessageSpan {
  readonly type: ContainerType;
  /** The field number this message sits in within its parent (0 for the model itself). */
  readonly field: number;
  /** Start of the field's tag (equal to valueStart for the root). */
  readonly tagStart: number;
  /** Start of the length prefix (equal to valueStart for the root). */
  readonly lengthStart: number;
  readonly valueStart: number;
  readonly end: number;
  /** Container messages inside, in file order. */
  children: MessageSpan[];
  /** Tensor element-data fields left on disk (TensorProto only), in file order. */
  payload: PayloadSegment[];
  /** Bytes the skeleton drops inside this message (payload, and shorter length prefixes below). */
  removed: number;
  /** A TensorProto with data_location = EXTERNAL. */
  external?: boolean;
}

/** One occurrence of a TensorProto data field: `raw_data`, a packed `float_data` run, an unpacked element… */
export interface PayloadSegment {
  readonly field: number;
  readonly wireType: number;
  readonly tagStart: number;
  /** For wire type 2 the bytes after the length prefix; otherwise the element's own bytes. */
  readonly valueStart: number;
  readonly end: number;
}

export interface StructureLimits {
  /** Deepest nesting of container messages (graphs in attributes in nodes in graphs…). */
  maxDepth: number;
}

const DEFAULT_LIMITS: StructureLimits = { maxDepth: 64 };

// Most messages have no children or payload: share one empty array instead of allocating thousands.
const NONE: MessageSpan[] = [];
const NONE_PAYLOAD: PayloadSegment[] = [];

/**
 * Walks the wire format of a ModelProto and records, for every container message (model, graphs, nodes,
 * attributes, functions, tensors…), its byte span, and for every tensor where its element data lies. It
 * reads only tags and lengths, never the element data, so a model's weights stay on disk.
 */
export function walkStructure(cursor: WireCursor, limits: StructureLimits = DEFAULT_LIMITS): MessageSpan {
  const size = cursor.source.size;
  const root: MessageSpan = {
    type: 'Model',
    field: 0,
    tagStart: 0,
    lengthStart: 0,
    valueStart: 0,
    end: size,
    children: NONE,
    payload: NONE_PAYLOAD,
    removed: 0,
  };
  walk(cursor, root, 0, limits);
  return root;
}

function walk(cursor: WireCursor, span: MessageSpan, depth: number, limits: StructureLimits): void {
  if (depth > limits.maxDepth) {
    throw new WireError(
      'too-deep',
      `messages are nested more than ${limits.maxDepth} levels deep (at byte ${span.tagStart})`,
    );
  }
  let seen: Set<number> | undefined; // singular container fields met so far
  cursor.pos = span.valueStart;
  while (cursor.pos < span.end) {
    const tagStart = cursor.pos;
    const tag = cursor.varint();
    const fieldNo = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNo === 0 || fieldNo > 0x1fffffff) {
      throw new WireError('not-onnx', `byte ${tagStart} holds an invalid field number`);
    }
    const lengthStart = cursor.pos;
    let valueStart = cursor.pos;
    switch (wireType) {
      case 0: {
        const value = cursor.varint();
        if (fieldNo === 14 && span.type === 'Tensor' && value === 1) span.external = true;
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
        valueStart = cursor.pos;
        if (length > span.end - valueStart) {
          throw new WireError(
            'truncated',
            `field ${fieldNo} at byte ${tagStart} declares ${length} bytes but only ${span.end - valueStart} remain` +
              (span.end === cursor.source.size ? ' in the file' : ' in its message'),
          );
        }
        cursor.skip(length);
        break;
      }
      case 3:
        skipGroup(cursor, fieldNo, span.end, 0);
        break;
      default:
        throw new WireError('not-onnx', `byte ${tagStart} holds an invalid wire type ${wireType}`);
    }
    const end = cursor.pos;
    if (end > span.end) {
      throw new WireError(
        'truncated',
        `field ${fieldNo} at byte ${tagStart} runs past the end of its message`,
      );
    }
    const info = fieldInfo(span.type, fieldNo);
    if (info?.container && wireType === 2) {
      if (!info.repeated) {
        // protobuf merges a repeated singular message; no exporter writes one, and spans could not follow.
        if (seen?.has(fieldNo)) {
          throw new WireError(
            'unsupported',
            `field '${info.name}' appears twice in one message (at byte ${tagStart})`,
          );
        }
        (seen ??= new Set()).add(fieldNo);
      }
      const child: MessageSpan = {
        type: info.container,
        field: fieldNo,
        tagStart,
        lengthStart,
        valueStart,
        end,
        children: NONE,
        payload: NONE_PAYLOAD,
        removed: 0,
      };
      walk(cursor, child, depth + 1, limits);
      cursor.pos = end;
      if (span.children === NONE) span.children = [];
      span.children.push(child);
      if (child.removed > 0) {
        const oldHeader = child.valueStart - child.tagStart;
        const newHeader =
          child.lengthStart - child.tagStart + varintSize(child.end - child.valueStart - child.removed);
        span.removed += child.removed + oldHeader - newHeader;
      }
    } else if (info?.payload) {
      if (span.payload === NONE_PAYLOAD) span.payload = [];
      span.payload.push({ field: fieldNo, wireType, tagStart, valueStart, end });
      span.removed += end - tagStart;
    }
  }
  if (cursor.pos !== span.end) {
    throw new WireError('truncated', `a field runs past the end of its message at byte ${span.end}`);
  }
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
