import { VALUE_BYTES } from './fieldReader';
import { onnx } from './proto/onnx.js';
import { CONTAINER_FIELDS } from './schema';
import { CONTAINER_TYPES } from './spanTable';
import type { TableWalk } from './tableNodes';

const TENSOR = CONTAINER_TYPES.indexOf('Tensor');
// The tensor fields this walk reads (onnx.proto); the element data fields are only found, as the walk finds them.
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
/** Where dims not packed are gathered (written from the start, never emptied: an emptied list gives its room up). */
const SCRATCH_DIMS: unknown[] = [];
const PAYLOAD_BITS = CONTAINER_FIELDS.Tensor.reduce((bits, f) => (f.payload ? bits | (1 << f.no) : bits), 0);

/**
 * Reads a graph's initializer in bytes [valueStart, end) of the file, when it holds only its dims (packed or
 * not), data type, name and element data (which stays in the file, found as the message walk finds it): the
 * same message, row and charges as the walk of its message, without the generic walk's work per field (the
 * initializers of a 50,000-node graph are ~75,000 tensors). Else reads nothing, charges nothing and gives
 * undefined (the caller walks it as a message). A first pass over its tags decides.
 */
export function readTableTensor(
  walk: TableWalk,
  field: number,
  tagStart: number,
  lengthStart: number,
  valueStart: number,
  end: number,
  depth: number,
): onnx.TensorProto | undefined {
  if (depth > walk.maxDepth) return undefined; // the message walk refuses it
  const cursor = walk.cursor;
  cursor.keep = valueStart;
  cursor.pos = valueStart;
  while (cursor.pos < end) {
    const tag = cursor.varint();
    if (tag >= 0x80) return undefined; // every field read here has a one-byte tag
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo === TENSOR_DATA_TYPE) {
      // As the walk decodes it itself: a varint that fits an int32 as it is (else the generated decoder's).
      if (wireType !== 0) return undefined;
      const value = cursor.varint();
      if (value >= 0x80000000) return undefined;
      continue;
    }
    if (
      fieldNo === TENSOR_NAME
        ? wireType !== 2
        : fieldNo === TENSOR_DIMS
          ? wireType !== 0 && wireType !== 2
          : !(PAYLOAD_BITS & (1 << fieldNo))
    )
      return undefined;
    if (wireType === 2) {
      const length = cursor.varint();
      if (length > end - cursor.pos) return undefined; // the message walk says what is wrong
      cursor.skip(length);
    } else if (!cursor.skipValue(wireType)) return undefined;
  }
  if (cursor.pos !== end) return undefined;
  const reader = walk.reader;
  const row = walk.spans.open(TENSOR, field, tagStart, lengthStart, valueStart, end);
  const tensor = new onnx.TensorProto();
  walk.place(tensor, row);
  walk.nameId = -1;
  // Dims given packed go to a list of their own; those not packed (as C++ protobuf writes them) to a scratch
  // list first, most tensors' dims being one of the reader's shared lists in the end.
  let dims: unknown[] | undefined;
  let loose = 0;
  cursor.pos = valueStart;
  while (cursor.pos < end) {
    const fieldStart = cursor.pos;
    const tag = cursor.varint();
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    const afterTag = cursor.pos;
    if (fieldNo === TENSOR_DATA_TYPE) {
      const value = cursor.varint();
      reader.charge(VALUE_BYTES);
      tensor.data_type = value;
    } else if (wireType === 2) {
      const length = cursor.varint();
      const fieldEnd = cursor.pos + length;
      if (fieldNo === TENSOR_NAME || fieldNo === TENSOR_DIMS) {
        // As decodeWalked reads them: the length and the bytes, held together.
        const at = cursor.hold(afterTag, fieldEnd);
        const to = at + (fieldEnd - afterTag);
        if (fieldNo === TENSOR_NAME) {
          tensor.name = reader.stringIn(cursor.held, at + (cursor.pos - afterTag), to);
          walk.nameId = reader.strings.lastId;
        } else {
          dims ??= SCRATCH_DIMS.slice(0, loose);
          loose = 0;
          dims = reader.int64sAt(cursor.held, at, to, dims);
        }
      } else walk.spans.addPayload(fieldNo, wireType, fieldStart, cursor.pos, fieldEnd);
      cursor.pos = fieldEnd;
    } else if (fieldNo === TENSOR_DIMS) {
      // A dim not packed, decoded as the generated decoder decodes it (its tag, then the value), and charged so.
      cursor.skipValue(0);
      const at = cursor.hold(fieldStart, cursor.pos);
      const dim = reader.int64At(cursor.held, at, at + (cursor.pos - fieldStart));
      if (dims) dims.push(dim);
      else SCRATCH_DIMS[loose++] = dim;
    } else {
      cursor.skipValue(wireType);
      walk.spans.addPayload(fieldNo, wireType, fieldStart, afterTag, cursor.pos);
    }
  }
  walk.spans.close(row);
  // As the walk seals a tensor: its dims one of the shared lists when short and small, else a list of their own.
  if (dims)
    tensor.dims = (
      dims.length > 0 ? (reader.sharedInt64s(dims) ?? dims.slice()) : dims
    ) as typeof tensor.dims;
  else if (loose > 0)
    tensor.dims = (reader.sharedInt64s(SCRATCH_DIMS, loose) ??
      SCRATCH_DIMS.slice(0, loose)) as typeof tensor.dims;
  return Object.freeze(tensor);
}
