import type { FieldReader } from './fieldReader';
import { VALUE_BYTES } from './fieldReader';
import type { onnx } from './proto/onnx.js';
import type { FieldInfo, WalkedField } from './schema';
import type { WireCursor } from './wireCursor';

/**
 * The leaf fields the structure walk decodes itself as it meets them (FieldInfo.walked): a node's strings, a
 * tensor's name, data type and packed dims. Each is read once, not once to walk and again by the generated
 * decoder, and stored as the generated decoder would store it.
 */

/**
 * Whether the walk decodes this field itself: a string or packed list with its length (wire type 2), an int32
 * from a varint that fits one as it is (the generated decoder truncates any other: left to it).
 */
export function walkable(kind: WalkedField, wireType: number, value: number): boolean {
  return kind === 'int32' ? wireType === 0 && value >= 0 && value < 0x80000000 : wireType === 2;
}

/**
 * Decodes a walked field of a node or tensor into `message`: a string or packed list in bytes [lengthStart,
 * end) of the file (its length first), or a varint's `value`. Counted against the reader's budget as the
 * generated decoder's reading would be. Stored by a function of the message's own type, whose property
 * accesses each see one class of message.
 */
export function decodeWalked(
  cursor: WireCursor,
  reader: FieldReader,
  message: object,
  isNode: boolean,
  info: FieldInfo,
  lengthStart: number,
  end: number,
  value: number,
): void {
  if (info.walked === 'int32') {
    reader.charge(VALUE_BYTES);
    storeTensorField(message as onnx.TensorProto, info.no, value);
    return;
  }
  const at = cursor.hold(lengthStart, end);
  const held = cursor.held;
  if (info.walked === 'int64s') {
    const tensor = message as onnx.TensorProto;
    const dims = tensor.dims.length > 0 ? tensor.dims : [];
    storeTensorField(tensor, info.no, reader.int64sAt(held, at, at + (end - lengthStart), dims));
    return;
  }
  // A node's name is its own (no other field holds it): not worth looking up among the strings met.
  const text = reader.stringAt(held, at, at + (end - lengthStart), !(isNode && info.no === NODE_NAME));
  if (isNode) storeNodeField(message as onnx.NodeProto, info.no, text);
  else storeTensorField(message as onnx.TensorProto, info.no, text);
}

const NODE_NAME = 3;

/** `list` with `element` added: a new array for the first (the prototype holds a shared empty one). */
function appended<T>(list: T[], element: T): T[] {
  if (list.length === 0) return [element];
  list.push(element);
  return list;
}

/** A node's field the walk decoded (the string fields: schema.ts). */
function storeNodeField(node: onnx.NodeProto, no: number, text: string): void {
  switch (no) {
    case 1:
      node.input = appended(node.input, text);
      return;
    case 2:
      node.output = appended(node.output, text);
      return;
    case 3:
      node.name = text;
      return;
    case 4:
      node.op_type = text;
      return;
    case 6:
      node.doc_string = text;
      return;
    case 7:
      node.domain = text;
      return;
    case 8:
      node.overload = text;
      return;
    default:
      throw new Error(`internal: the walk decodes no field ${no} of a node`);
  }
}

/** A tensor's field the walk decoded (dims, data type, name, doc string: schema.ts). */
function storeTensorField(tensor: onnx.TensorProto, no: number, value: unknown): void {
  switch (no) {
    case 1:
      tensor.dims = value as onnx.TensorProto['dims'];
      return;
    case 2:
      tensor.data_type = value as number;
      return;
    case 8:
      tensor.name = value as string;
      return;
    case 12:
      tensor.doc_string = value as string;
      return;
    default:
      throw new Error(`internal: the walk decodes no field ${no} of a tensor`);
  }
}
