import { WireError } from './errors';
import { adopt, seal } from './sealing';
import { dataLocation, decodingError, invalid, tooLong, truncated, twice } from './walkErrors';
import { withRoom } from '../lists';
import { DecodeLimitError, FieldReader, MAX_DECODED_VALUES } from './fieldReader';
import type { onnx } from './proto/onnx.js';
import { CONTAINER_FIELDS, type FieldInfo, MESSAGE_CLASSES, type MessageClass } from './schema';
import { decodeWalked, walkable } from './walkedFields';
import { LEAF_ATTRIBUTE_BYTES, NODE_ATTRIBUTE, isLeafAttribute } from './leafAttributes';
import { CONTAINER_TYPES, SpanTable } from './spanTable';
import { AttributeTable } from './attributeTable';
import { NodeTable, attachNodeTable } from './nodeTable';
import { type TableWalk, readTableNode } from './tableNodes';
import { readTableTensor } from './tableTensors';
import type { WireCursor } from './wireCursor';

export type { MessageSpan, PayloadSegment } from './spanTable';

export interface StructureLimits {
  /** Deepest nesting of container messages (graphs in attributes in nodes in graphs…). */
  maxDepth: number;
  /** The decoded structure's memory, as the reader estimates it, may be this many times the file's size… */
  memoryPerByte: number;
  /** …or this many bytes, whichever is larger (small files decode freely). */
  memoryFloor: number;
}

/** What one pass over a file's wire format gives: the model decoded, and where every container message is. */
export interface Structure {
  /** The whole model decoded except tensor element data, which stays on disk; container messages frozen. */
  proto: onnx.ModelProto;
  spans: SpanTable;
  /** The container messages of `proto` by their row of the span table. */
  messages: object[];
  /** Every tensor with data_location = EXTERNAL, in file order. */
  external: onnx.TensorProto.$Properties[];
}

/**
 * A real model's structure (names, attributes, shapes) decodes into a few times its size in the file; 16 times
 * leaves room for any of them while a file made to blow up (packed varints that each become a Long, empty
 * byte strings that each become a Uint8Array: 30–100 times) stops early.
 */
const DEFAULT_LIMITS: StructureLimits = { maxDepth: 64, memoryPerByte: 16, memoryFloor: 32 << 20 };

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
// The walk keeps the fields of a message it met as the bits of one number.
if (FIELDS.some((byNumber) => byNumber.length > 32))
  throw new Error('internal: a container field number past 31');
const CLASSES: MessageClass[] = CONTAINER_TYPES.map((type) => MESSAGE_CLASSES[type]);
const TENSOR = TYPE_INDEX.get('Tensor')!;
const NODE = TYPE_INDEX.get('Node')!;
const ATTRIBUTE = TYPE_INDEX.get('Attribute')!;
const GRAPH = TYPE_INDEX.get('Graph')!;
const GRAPH_NODE = CONTAINER_FIELDS.Graph.find((f) => f.container === 'Node')!.no;
const GRAPH_INITIALIZER = CONTAINER_FIELDS.Graph.find((f) => f.name === 'initializer')!.no;
const DATA_LOCATION = 14;
/**
 * A decoded tensor's row, on the tensor itself. Finding where a tensor's data lies is the commonest lookup by
 * message (a prune makes it for every weight, several times), and a map of tens of thousands of tensors cost
 * more than it. An ordinary property, so an edit's copy (Object.assign) carries it: the file answers a row only
 * for the very tensor it decoded there (ModelFile.tensorRowOf). Object.defineProperty, to hide it, took three
 * times as long as the assignment (tens of milliseconds over a large graph's weights).
 */
const TENSOR_ROW = Symbol('row');

/**
 * The row a tensor was decoded at, or a node made from a node table (nodeTable.ts), if it was (by any file: the
 * caller checks that it is its own).
 */
export function decodedRow(message: object): number | undefined {
  return (message as { [TENSOR_ROW]?: number })[TENSOR_ROW];
}

/** Makes `message` the decoded message of `row`: its place among `messages`, and the row on it. */
function markRow(messages: object[], message: object, row: number): void {
  messages[row] = message;
  (message as { [TENSOR_ROW]?: number })[TENSOR_ROW] = row;
}

/** What `tabled` gives for a node it read into its graph's node table. */
const TABLED = Object.freeze({});

/** A run of leaf fields longer than this is decoded in parts, while its start is still in the window. */
const RUN_LIMIT = 64 << 10;

/**
 * Walks the wire format of a ModelProto once and decodes it: records, for every container message (model,
 * graphs, nodes, attributes, functions, tensors…), its byte span and, for every tensor, where its element
 * data lies; builds each container message itself (the generated class, so the object is what protobufjs
 * builds), and has the generated decoder decode the rest of its fields in place from the window. It reads
 * only tags, lengths and the small fields, never the element data, so a model's weights stay on disk.
 */
export function readStructure(cursor: WireCursor, limits: StructureLimits = DEFAULT_LIMITS): Structure {
  const walker = new Walker(cursor, limits);
  const size = cursor.source.size;
  let proto: onnx.ModelProto;
  try {
    proto = walker.message(0, 0, 0, 0, 0, size, 0) as onnx.ModelProto;
  } catch (error) {
    // The budget ran out in a field the walk decodes itself (decodeFields says so for the others).
    if (error instanceof DecodeLimitError) throw tooMuch(size, limits, cursor.pos);
    throw error;
  }
  const messages = walker.messages;
  messages.length = walker.spans.count; // no room past the last row (see withRoom)
  walker.decoded.messages = messages;
  return { proto, spans: walker.spans, messages, external: walker.external };
}

class Walker implements TableWalk {
  readonly spans = new SpanTable();
  messages: object[] = [];
  /**
   * The messages by row once the walk is done, for the node tables' graphs: a node message made later (see
   * NodeTable.messages) takes its row's place there. Not the walker itself, which holds the window.
   */
  readonly decoded: { messages: object[] } = { messages: [] };
  readonly external: onnx.TensorProto.$Properties[] = [];
  readonly reader = new FieldReader();
  private readonly attributes = new AttributeTable();
  nameId = -1;

  get maxDepth(): number {
    return this.limits.maxDepth;
  }

  reserve(row: number): void {
    this.messages = withRoom(this.messages, row);
  }

  place(message: object, row: number): void {
    this.messages = withRoom(this.messages, row);
    markRow(this.messages, message, row);
  }

  /** `place` for a node message a node table makes after the walk (into the messages as they are then). */
  private readonly placeLater = (node: object, row: number) => markRow(this.decoded.messages, node, row);

  constructor(
    readonly cursor: WireCursor,
    private readonly limits: StructureLimits,
  ) {
    this.reader.discardUnknown = false; // keep fields from newer IR versions so a re-save loses nothing
    this.reader.budget = memoryLimit(cursor.source.size, limits);
  }

  message(
    type: number,
    field: number,
    tagStart: number,
    lengthStart: number,
    valueStart: number,
    end: number,
    depth: number,
  ): object {
    if (depth > this.limits.maxDepth) {
      throw new WireError(
        'too-deep',
        `messages are nested more than ${this.limits.maxDepth} levels deep (at byte ${tagStart})`,
      );
    }
    const cursor = this.cursor;
    const fields = FIELDS[type];
    const row = this.spans.open(type, field, tagStart, lengthStart, valueStart, end);
    const message = new CLASSES[type]() as Record<string, unknown>;
    // At index `row`: rows are numbered in the order messages are met.
    this.messages = withRoom(this.messages, row);
    this.messages[row] = message;
    if (type === TENSOR) (message as { [TENSOR_ROW]?: number })[TENSOR_ROW] = row;
    let seen = 0; // singular container fields met so far, as bits (their numbers are all below 32)
    let present = 0; // the schema's fields met, as bits: only their lists need sealing
    let run = valueStart; // the first byte of the leaf fields not yet decoded
    let nodes: NodeTable | undefined; // a graph's, from its first node
    let weightIds: number[] | undefined; // a graph's: the ids of its initializers' names, in order
    cursor.keep = run;
    cursor.pos = valueStart;
    while (cursor.pos < end) {
      const fieldStart = cursor.pos;
      const tag = cursor.varint();
      // Bit operations for the usual tag (below 2^31); a larger one is an invalid field number below.
      const fieldNo = tag < 0x80000000 ? tag >>> 3 : Math.floor(tag / 8);
      const wireType = tag & 7;
      if (fieldNo === 0 || fieldNo > 0x1fffffff)
        throw invalid(`byte ${fieldStart} holds an invalid field number`);
      const fieldLengthStart = cursor.pos;
      let fieldValueStart = cursor.pos;
      let value = -1; // a varint field's value
      switch (wireType) {
        case 0: {
          value = cursor.varint();
          if (fieldNo === DATA_LOCATION && type === TENSOR)
            this.spans.external[row] = dataLocation(value, fieldStart) ?? this.spans.external[row];
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
          if (length > end - fieldValueStart)
            throw tooLong(fieldNo, fieldStart, length, end - fieldValueStart, end === cursor.source.size);
          cursor.skip(length);
          break;
        }
        case 3:
          skipGroup(cursor, fieldNo, end, 0);
          break;
        default:
          throw invalid(`byte ${fieldStart} holds an invalid wire type ${wireType}`);
      }
      const fieldEnd = cursor.pos;
      if (fieldEnd > end)
        throw truncated(`field ${fieldNo} at byte ${fieldStart} runs past the end of its message`);
      const info = fieldNo < fields.length ? fields[fieldNo] : undefined;
      if (info !== undefined) present |= 1 << fieldNo;
      // A node's attribute that holds no container is a leaf field of the node (leafAttributes.ts): shared
      // with the nodes that hold the same bytes when short, else decoded in the node's runs, below.
      const leafAttribute =
        type === NODE &&
        fieldNo === NODE_ATTRIBUTE &&
        wireType === 2 &&
        isLeafAttribute(cursor, fieldValueStart, fieldEnd);
      if (leafAttribute) this.reader.charge(LEAF_ATTRIBUTE_BYTES);
      if (info?.container && wireType === 2 && !leafAttribute) {
        if (!info.repeated) {
          // protobuf merges a repeated singular message; no exporter writes one, and spans could not follow.
          if (seen & (1 << fieldNo)) throw twice(info, fieldStart);
          seen |= 1 << fieldNo;
        }
        // Checked here, not in decodeFields: a graph's nodes follow one another with nothing between them.
        if (run < fieldStart) this.decodeFields(message, type, run, fieldStart, depth);
        // A graph's nodes go to its node table: as columns when they are plain, else as messages.
        const graphNode = type === GRAPH && fieldNo === GRAPH_NODE;
        if (graphNode) nodes ??= new NodeTable(0, this.reader.strings);
        const row = this.spans.count;
        const tabled =
          type === GRAPH &&
          this.tabled(nodes, fieldNo, fieldStart, fieldLengthStart, fieldValueStart, fieldEnd, depth + 1);
        const child =
          tabled ||
          this.message(
            CHILD_TYPE[type][fieldNo],
            fieldNo,
            fieldStart,
            fieldLengthStart,
            fieldValueStart,
            fieldEnd,
            depth + 1,
          );
        if (!graphNode) adopt(message, info, child);
        else if (child !== TABLED) nodes!.addMessage(child, row);
        if (type === GRAPH && fieldNo === GRAPH_INITIALIZER) {
          const id = tabled ? this.nameId : -1;
          (weightIds ??= []).push(
            id >= 0 ? id : this.reader.strings.idOf((child as onnx.TensorProto.$Properties).name ?? ''),
          );
        }
        cursor.pos = fieldEnd;
        run = fieldEnd;
        cursor.keep = run;
      } else if (leafAttribute && AttributeTable.shares(fieldEnd - fieldValueStart)) {
        if (run < fieldStart) this.decodeFields(message, type, run, fieldStart, depth);
        adopt(message, info!, this.sharedAttribute(fieldValueStart, fieldEnd, depth));
        cursor.pos = fieldEnd;
        run = fieldEnd;
        cursor.keep = run;
      } else if (info?.walked !== undefined && walkable(info.walked, wireType, value)) {
        // Decoded here, as the generated decoder would, after the fields before it (whose order it keeps).
        if (run < fieldStart) this.decodeFields(message, type, run, fieldStart, depth);
        decodeWalked(cursor, this.reader, message, type === NODE, info, fieldLengthStart, fieldEnd, value);
        cursor.pos = fieldEnd;
        run = fieldEnd;
        cursor.keep = run;
      } else if (info?.payload) {
        if (run < fieldStart) this.decodeFields(message, type, run, fieldStart, depth);
        this.spans.addPayload(fieldNo, wireType, fieldStart, fieldValueStart, fieldEnd);
        run = fieldEnd;
        cursor.keep = run;
      } else if (fieldStart - run > RUN_LIMIT) {
        this.decodeFields(message, type, run, fieldStart, depth);
        run = fieldStart;
        cursor.keep = run;
      }
    }
    if (cursor.pos !== end) throw truncated(`a field runs past the end of its message at byte ${end}`);
    if (run < end) this.decodeFields(message, type, run, end, depth);
    this.spans.close(row);
    if (this.spans.external[row] === 1) this.external.push(message as onnx.TensorProto.$Properties);
    if (nodes) {
      nodes.weightIds = weightIds;
      attachNodeTable(message, nodes, this.placeLater);
      present &= ~(1 << GRAPH_NODE); // the table's list is made sealed
    }
    return seal(message, type, present, this.reader);
  }

  /**
   * A graph's child in bytes [valueStart, end) read by a walk of its own, when it can be: a node into the
   * graph's node table (TABLED), an initializer that holds only the usual fields (the tensor); else undefined.
   */
  private tabled(
    nodes: NodeTable | undefined,
    fieldNo: number,
    tagStart: number,
    lengthStart: number,
    valueStart: number,
    end: number,
    depth: number,
  ): object | undefined {
    if (fieldNo === GRAPH_NODE)
      return readTableNode(this, nodes!, tagStart, lengthStart, valueStart, end, depth) ? TABLED : undefined;
    if (fieldNo !== GRAPH_INITIALIZER) return undefined;
    return readTableTensor(this, fieldNo, tagStart, lengthStart, valueStart, end, depth);
  }

  /**
   * A node's leaf attribute in bytes [start, end) of the file: the one decoded from the same bytes before, or
   * decoded and sealed now (see AttributeTable).
   */
  sharedAttribute(start: number, end: number, depth: number): object {
    const cursor = this.cursor;
    const length = end - start;
    let at = cursor.hold(start, end);
    const known = this.attributes.get(cursor.held, at, at + length);
    if (known) return known;
    const attribute = new CLASSES[ATTRIBUTE]() as Record<string, unknown>;
    this.decodeFields(attribute, ATTRIBUTE, start, end, depth + 1);
    const sealed = seal(attribute, ATTRIBUTE, -1, this.reader);
    at = cursor.hold(start, end); // still in the window: decoding held these bytes
    this.attributes.add(cursor.held, at, at + length, sealed);
    return sealed;
  }

  /**
   * Decodes the leaf fields in bytes [start, end) (not empty) of the file into `message`, with the generated decoder:
   * protobuf decodes a message's fields one after another, so decoding them in runs (between its container
   * and element-data fields) gives the same message as decoding it whole.
   */
  private decodeFields(message: object, type: number, start: number, end: number, depth: number): void {
    const cursor = this.cursor;
    const at = cursor.hold(start, end);
    this.reader.point(cursor.held, at, at + (end - start));
    try {
      CLASSES[type].decode(this.reader, end - start, undefined, depth, message);
    } catch (error) {
      if (error instanceof DecodeLimitError) throw tooMuch(this.cursor.source.size, this.limits, start);
      throw decodingError(error);
    }
  }
}

/** What the decoded structure of a file of `size` bytes may take, in the reader's estimate. */
function memoryLimit(size: number, limits: StructureLimits): number {
  return Math.max(limits.memoryFloor, size * limits.memoryPerByte);
}

function tooMuch(size: number, limits: StructureLimits, at: number): WireError {
  const mib = Math.round(memoryLimit(size, limits) / (1 << 20));
  return new WireError(
    'too-large',
    `its structure (all but the tensor data) decodes into more than ${mib} MiB of memory (${limits.memoryPerByte} times the file's size, at least ${limits.memoryFloor >> 20} MiB) or ${MAX_DECODED_VALUES} values (at byte ${at})`,
  );
}

function skipGroup(cursor: WireCursor, fieldNo: number, limit: number, depth: number): void {
  if (depth > 32) throw new WireError('too-deep', 'groups are nested too deeply');
  while (cursor.pos < limit) {
    const tag = cursor.varint();
    const wireType = tag % 8;
    if (cursor.skipValue(wireType)) continue;
    if (wireType === 3) skipGroup(cursor, Math.floor(tag / 8), limit, depth + 1);
    else if (wireType === 4) {
      if (Math.floor(tag / 8) !== fieldNo)
        throw new WireError('not-onnx', 'a group ends with the wrong field number');
      return;
    } else throw new WireError('not-onnx', `invalid wire type ${wireType} inside a group`);
  }
  throw new WireError('truncated', 'a group is not closed before the end of its message');
}
