import { AttributeTable } from './attributeTable';
import type { FieldReader } from './fieldReader';
import { LEAF_ATTRIBUTE_BYTES, NODE_ATTRIBUTE, isLeafAttribute } from './leafAttributes';
import type { NodeTable } from './nodeTable';
import type { onnx } from './proto/onnx.js';
import { CONTAINER_FIELDS } from './schema';
import { CONTAINER_TYPES, type SpanTable } from './spanTable';
import type { WireCursor } from './wireCursor';

/** What the walk's own readings of a graph's nodes and initializers need of the structure walk (structure.ts). */
export interface TableWalk {
  readonly cursor: WireCursor;
  readonly reader: FieldReader;
  readonly spans: SpanTable;
  /** The deepest a message may be nested. */
  readonly maxDepth: number;
  /** The id of the name of the tensor readTableTensor read last (−1: its name has none yet, or it has none). */
  nameId: number;
  /** Makes room for a row among the decoded messages, its place left empty. */
  reserve(row: number): void;
  /** Makes `message` the decoded message of `row` (its place among the messages, the row on it). */
  place(message: object, row: number): void;
  /** A node's leaf attribute in bytes [start, end) of the file, shared with the nodes that hold the same. */
  sharedAttribute(start: number, end: number, depth: number): object;
}

const NODE = CONTAINER_TYPES.indexOf('Node');
/** Where a node's lists are gathered before they are copied (see readTableNode). */
const SCRATCH_INPUTS: string[] = [];
const SCRATCH_OUTPUTS: string[] = [];
const SCRATCH_ATTRIBUTES: onnx.AttributeProto[] = [];
/** The ids of the strings of the node's inputs and outputs (−1: a string the reader did not share). */
let inputIds = new Int32Array(64);
let outputIds = new Int32Array(64);
const GRAPH_NODE = CONTAINER_FIELDS.Graph.find((f) => f.container === 'Node')!.no;
// The node fields a node table keeps (onnx.proto).
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;

/**
 * Reads the node in bytes [valueStart, end) of the file into `table` as columns, when it holds only what the
 * table keeps (strings for its inputs, outputs, name, op type and domain; attributes that hold no container,
 * short enough to share: see sharedAttribute), decoded and charged as the walk of its message would; else
 * reads nothing, charges nothing and says false (the caller walks it as a message). A first pass over its tags
 * decides, so a node is never charged twice.
 */
export function readTableNode(
  walk: TableWalk,
  table: NodeTable,
  tagStart: number,
  lengthStart: number,
  valueStart: number,
  end: number,
  depth: number,
): boolean {
  if (depth > walk.maxDepth) return false; // the message walk refuses it
  const cursor = walk.cursor;
  cursor.keep = valueStart;
  cursor.pos = valueStart;
  while (cursor.pos < end) {
    const tag = cursor.varint();
    // Every field the table keeps has a one-byte tag of wire type 2 (a length).
    if (tag >= 0x80 || (tag & 7) !== 2) return false;
    const length = cursor.varint();
    const start = cursor.pos;
    if (length > end - start) return false; // the message walk says what is wrong
    cursor.skip(length);
    switch (tag >>> 3) {
      case NODE_INPUT:
      case NODE_OUTPUT:
      case NODE_NAME:
      case NODE_OP_TYPE:
      case NODE_DOMAIN:
        break;
      case NODE_ATTRIBUTE:
        if (!AttributeTable.shares(length) || !isLeafAttribute(cursor, start, start + length)) return false;
        break;
      default:
        return false;
    }
  }
  if (cursor.pos !== end) return false;
  const row = walk.spans.open(NODE, GRAPH_NODE, tagStart, lengthStart, valueStart, end);
  walk.reserve(row); // its place stays empty until its message is made
  const inputs = SCRATCH_INPUTS;
  const outputs = SCRATCH_OUTPUTS;
  const attributes = SCRATCH_ATTRIBUTES;
  // Written from the start, never emptied: an emptied list gives its room up, and each node grew it again.
  let i = 0;
  let o = 0;
  let a = 0;
  let name: string | undefined;
  let opType: string | undefined;
  let domain: string | undefined;
  cursor.pos = valueStart;
  while (cursor.pos < end) {
    const fieldNo = cursor.varint() >>> 3;
    const length = cursor.varint();
    const fieldEnd = cursor.pos + length;
    if (fieldNo === NODE_ATTRIBUTE) {
      walk.reader.charge(LEAF_ATTRIBUTE_BYTES);
      attributes[a++] = walk.sharedAttribute(cursor.pos, fieldEnd, depth) as onnx.AttributeProto;
    } else {
      // A node's name is its own (no other field holds it): not worth looking up among the strings met.
      const at = cursor.hold(cursor.pos, fieldEnd);
      const text = walk.reader.stringIn(cursor.held, at, at + length, fieldNo !== NODE_NAME);
      if (fieldNo === NODE_INPUT) {
        if (i === inputIds.length) inputIds = doubled(inputIds);
        inputIds[i] = walk.reader.strings.lastId;
        inputs[i++] = text;
      } else if (fieldNo === NODE_OUTPUT) {
        if (o === outputIds.length) outputIds = doubled(outputIds);
        outputIds[o] = walk.reader.strings.lastId;
        outputs[o++] = text;
      } else if (fieldNo === NODE_NAME) name = text;
      else if (fieldNo === NODE_OP_TYPE) opType = text;
      else domain = text;
    }
    cursor.pos = fieldEnd;
  }
  walk.spans.close(row);
  table.add(
    row,
    name,
    opType,
    domain,
    i > 0 ? copy(inputs, i) : undefined,
    o > 0 ? copy(outputs, o) : undefined,
    a > 0 ? Object.freeze(copy(attributes, a)) : undefined,
  );
  table.addIds(inputIds, i, outputIds, o);
  return true;
}

function doubled(list: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(2 * list.length);
  grown.set(list);
  return grown;
}

/**
 * A copy of the first `length` elements of a scratch list: short ones (nearly all) as literals, which cost a fraction of
 * a slice (a call into the runtime per list, 100,000 lists on a 50,000-node graph).
 */
function copy<T>(list: T[], length: number): T[] {
  switch (length) {
    case 1:
      return [list[0]];
    case 2:
      return [list[0], list[1]];
    case 3:
      return [list[0], list[1], list[2]];
    default:
      return list.slice(0, length);
  }
}
