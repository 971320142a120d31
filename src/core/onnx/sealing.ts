// How the structure walk (structure.ts) ends a message it decoded: added to its parent's field, sealed.
import type { FieldReader } from './fieldReader';
import { NODE_ATTRIBUTE } from './leafAttributes';
import { CONTAINER_FIELDS, type FieldInfo } from './schema';
import { CONTAINER_TYPES } from './spanTable';

const NODE = CONTAINER_TYPES.indexOf('Node');
const ATTRIBUTE = CONTAINER_TYPES.indexOf('Attribute');
/** The repeated fields of each type but element data (their lists are trimmed when the message is done). */
const LIST_FIELDS: FieldInfo[][] = CONTAINER_TYPES.map((type) =>
  CONTAINER_FIELDS[type].filter((f) => f.repeated && !f.payload),
);

/** Adds a decoded message to its field, as the generated decoder does. */
export function adopt(message: Record<string, unknown>, info: FieldInfo, child: object): void {
  if (!info.repeated) {
    message[info.name] = child;
    return;
  }
  // A new array for the first element: the prototype holds a shared empty one.
  const list = message[info.name] as object[];
  if (list.length > 0) list.push(child);
  else message[info.name] = [child];
}

/**
 * Ends a decoded message: its lists trimmed, the lists of messages and the message itself frozen. `present`
 * has a bit for each field of the schema the message holds: a list field it does not hold is the prototype's
 * shared empty list (an attribute has seven list fields and holds one at most, as a rule). `reader` holds the
 * shared int64 lists.
 */
export function seal(
  message: Record<string, unknown>,
  type: number,
  present: number,
  reader: FieldReader,
): object {
  const lists = LIST_FIELDS[type];
  for (let i = 0; i < lists.length; i++) {
    const info = lists[i];
    if ((present & (1 << info.no)) === 0) continue;
    // An empty list is the prototype's shared one (or, rarely, an empty packed field's own): nothing to do.
    const list = message[info.name] as unknown[];
    if (list.length === 0) continue;
    // A short list of small int64s (a tensor's dims, an attribute's ints) is one shared by every message
    // that holds the same values: most of a large model's lists are a few dozen distinct ones.
    const shared = info.container ? undefined : reader.sharedInt64s(list);
    if (shared) {
      message[info.name] = shared;
      continue;
    }
    // A list built by pushing has room for 17 elements or half as many again as it holds; a copy has
    // exactly its elements. The lists live as long as the model and are most of what garbage collection
    // copies while a model opens (a node's inputs and outputs, a tensor's dims, an attribute's ints). A
    // string list the walk made with one element (see appended: most nodes' outputs) has no room to trim.
    if (list.length === 1 && info.walked === 'string') continue;
    const trimmed = list.slice();
    // A node's leaf attributes were decoded with its fields (see the walk), not sealed as they ended.
    if (type === NODE && info.no === NODE_ATTRIBUTE)
      for (const attribute of trimmed as Record<string, unknown>[])
        if (!Object.isFrozen(attribute)) seal(attribute, ATTRIBUTE, -1, reader);
    // Frozen: an edit cannot change a decoded message in place (the writer would copy its old bytes);
    // edits build new objects (see edit.ts). Lists of leaf values (a node's inputs) are left alone.
    message[info.name] = info.container ? Object.freeze(trimmed) : trimmed;
  }
  return Object.freeze(message);
}
