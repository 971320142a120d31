// A node's attributes that hold no container (a number, a string, a list of ints: nearly all of them) are
// decoded by the structure walk with their node's other fields, not walked as messages of their own: they
// have no data to find, and a row and a walk for each of a large graph's hundreds of thousands of attributes
// cost more than the rest of the node. This file says which attributes those are, in the file and decoded.
import { CONTAINER_FIELDS, MESSAGE_CLASSES } from './schema';
import type { WireCursor } from './wireCursor';

export const NODE_ATTRIBUTE = CONTAINER_FIELDS.Node.find((f) => f.container === 'Attribute')!.no;
/** The fields of an attribute that hold containers (a tensor, a graph…), as bits. */
const ATTRIBUTE_CONTAINERS = CONTAINER_FIELDS.Attribute.reduce(
  (bits, f) => (f.container ? bits | (1 << f.no) : bits),
  0,
);
/** What a leaf attribute's object costs, charged to the reader's budget (its fields are charged as decoded). */
export const LEAF_ATTRIBUTE_BYTES = 64;

/**
 * Whether bytes [start, end) are an attribute with no container field, well formed. Anything else (a tensor,
 * a graph, bytes that do not parse) is walked as a container, which decodes it or says what is wrong.
 * Leaves the cursor where it was.
 */
export function isLeafAttribute(cursor: WireCursor, start: number, end: number): boolean {
  const back = cursor.pos;
  cursor.pos = start;
  let leaf = true;
  while (leaf && cursor.pos < end) {
    const tag = cursor.varint();
    const fieldNo = tag >>> 3;
    if (tag >= 0x80000000 || fieldNo === 0 || (fieldNo < 32 && ATTRIBUTE_CONTAINERS & (1 << fieldNo))) {
      leaf = false;
      break;
    }
    leaf = cursor.skipValue(tag & 7);
  }
  leaf &&= cursor.pos === end;
  cursor.pos = back;
  return leaf;
}

/**
 * Whether a decoded message is an attribute the walk gave no row (see the walk: one that holds no container),
 * so that looking for its row need not build an index of every message to find it has none.
 */
export function isRowlessAttribute(message: object): boolean {
  if (!(message instanceof MESSAGE_CLASSES.Attribute)) return false;
  const fields = message as unknown as Record<string, unknown>;
  for (const f of CONTAINER_FIELDS.Attribute) {
    if (!f.container) continue;
    const value = fields[f.name];
    if (f.repeated ? (value as unknown[]).length > 0 : value != null) return false;
  }
  return true;
}
