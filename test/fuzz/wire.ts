/**
 * A protobuf wire-format tree of an ONNX model, for the fuzzer: parsed with our own small table of which
 * fields hold messages (independent of the reader under test), mutated, and serialised again with the
 * length prefixes recomputed, except where a mutation deliberately overrides one.
 */

/** One field occurrence. Values of wire types 1, 2 and 5 are bytes; wire type 0 is a varint. */
export interface WireField {
  no: number;
  wireType: number;
  /** Varint value (wire type 0), as an unsigned 64-bit bigint. */
  varint?: bigint;
  /** Raw value bytes (wire types 1, 2, 5) when the field is not parsed as a message. */
  bytes?: Uint8Array;
  /** The parsed message (wire type 2 fields our table knows as messages). */
  message?: WireMessage;
  /** A length prefix written instead of the true length: corruption on purpose. */
  lengthOverride?: bigint;
  /** A tag written instead of the true one (raw bytes): corruption on purpose. */
  rawTag?: Uint8Array;
}

export interface WireMessage {
  type: string;
  fields: WireField[];
}

/** For each message type, the field numbers that hold messages and the type they hold. */
const MESSAGES: Record<string, Record<number, string>> = {
  Model: { 7: 'Graph', 8: 'Opset', 14: 'Entry', 20: 'Training', 25: 'Function' },
  Graph: { 1: 'Node', 5: 'Tensor', 11: 'Value', 12: 'Value', 13: 'Value', 15: 'Sparse', 16: 'Entry' },
  Node: { 5: 'Attribute', 9: 'Entry' },
  Attribute: { 5: 'Tensor', 6: 'Graph', 10: 'Tensor', 11: 'Graph', 14: 'Type', 15: 'Type', 22: 'Sparse' },
  Function: { 7: 'Node', 9: 'Opset', 11: 'Attribute', 12: 'Value', 14: 'Entry' },
  Training: { 1: 'Graph', 2: 'Graph', 3: 'Entry', 4: 'Entry' },
  Sparse: { 1: 'Tensor', 2: 'Tensor' },
  Tensor: { 13: 'Entry', 16: 'Entry' },
  Value: { 2: 'Type', 4: 'Entry' },
  Type: { 1: 'TensorType', 4: 'ElemType', 5: 'MapType', 8: 'TensorType', 9: 'ElemType' },
  TensorType: { 2: 'Shape' },
  ElemType: { 1: 'Type' },
  MapType: { 2: 'Type' },
  Shape: { 1: 'Dim' },
  Dim: {},
  Opset: {},
  Entry: {},
};

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.bytes.length) throw new Error('varint past end');
      const b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result & 0xffffffffffffffffn;
    }
    throw new Error('varint too long');
  }
  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length) throw new Error('length past end');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Parses a message; throws on malformed input (the fuzzer only parses valid seeds). */
export function parseMessage(bytes: Uint8Array, type: string): WireMessage {
  const reader = new Reader(bytes);
  const fields: WireField[] = [];
  const children = MESSAGES[type] ?? {};
  while (reader.pos < bytes.length) {
    const tag = Number(reader.varint());
    const no = tag >>> 3;
    const wireType = tag & 7;
    switch (wireType) {
      case 0:
        fields.push({ no, wireType, varint: reader.varint() });
        break;
      case 1:
        fields.push({ no, wireType, bytes: reader.take(8) });
        break;
      case 5:
        fields.push({ no, wireType, bytes: reader.take(4) });
        break;
      case 2: {
        const value = reader.take(Number(reader.varint()));
        const childType = children[no];
        fields.push(
          childType
            ? { no, wireType, message: parseMessage(value, childType) }
            : { no, wireType, bytes: value },
        );
        break;
      }
      default:
        throw new Error(`wire type ${wireType} in a seed`);
    }
  }
  return { type, fields };
}

export function encodeVarint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function tagBytes(field: WireField): Uint8Array | number[] {
  return field.rawTag ?? encodeVarint(BigInt(field.no * 8 + field.wireType));
}

/** Serialised size of a message's fields; caches the value sizes for `write`. */
function measure(message: WireMessage, sizes: Map<WireMessage, number>): number {
  let total = 0;
  for (const field of message.fields) {
    total += tagBytes(field).length;
    if (field.wireType === 0) total += encodeVarint(field.varint ?? 0n).length;
    else if (field.message) {
      const inner = measure(field.message, sizes);
      total += encodeVarint(field.lengthOverride ?? BigInt(inner)).length + inner;
    } else {
      const n = field.bytes?.length ?? 0;
      total += (field.wireType === 2 ? encodeVarint(field.lengthOverride ?? BigInt(n)).length : 0) + n;
    }
  }
  sizes.set(message, total);
  return total;
}

/**
 * Serialises a message. `marks` (when given) collects the offsets where structure lies (tags and length
 * prefixes), so bit flips can aim at structure instead of weights.
 */
export function serialize(message: WireMessage, marks?: number[]): Uint8Array {
  const sizes = new Map<WireMessage, number>();
  const out = new Uint8Array(measure(message, sizes));
  let at = 0;
  const put = (bytes: Uint8Array | number[]) => {
    out.set(bytes, at);
    at += bytes.length;
  };
  const write = (m: WireMessage) => {
    for (const field of m.fields) {
      marks?.push(at);
      put(tagBytes(field));
      if (field.wireType === 0) put(encodeVarint(field.varint ?? 0n));
      else if (field.message) {
        marks?.push(at);
        put(encodeVarint(field.lengthOverride ?? BigInt(sizes.get(field.message)!)));
        write(field.message);
      } else {
        const bytes = field.bytes ?? new Uint8Array(0);
        if (field.wireType === 2) {
          marks?.push(at);
          put(encodeVarint(field.lengthOverride ?? BigInt(bytes.length)));
        }
        put(bytes);
      }
    }
  };
  write(message);
  return out;
}

/** Every message in the tree with the field that holds it (undefined for the root), depth first. */
export function allMessages(root: WireMessage): { message: WireMessage; holder?: WireField }[] {
  const out: { message: WireMessage; holder?: WireField }[] = [];
  const visit = (message: WireMessage, holder?: WireField) => {
    out.push({ message, holder });
    for (const field of message.fields) if (field.message) visit(field.message, field);
  };
  visit(root);
  return out;
}

/** Every field in the tree with the message that holds it. */
export function allFields(root: WireMessage): { field: WireField; parent: WireMessage }[] {
  return allMessages(root).flatMap(({ message }) =>
    message.fields.map((field) => ({ field, parent: message })),
  );
}

const utf8 = new TextEncoder();

/** Small builders for hand-made messages. */
export const wire = {
  str: (no: number, text: string): WireField => ({ no, wireType: 2, bytes: utf8.encode(text) }),
  int: (no: number, value: bigint | number): WireField => ({
    no,
    wireType: 0,
    varint: BigInt.asUintN(64, BigInt(value)),
  }),
  msg: (no: number, type: string, fields: WireField[]): WireField => ({
    no,
    wireType: 2,
    message: { type, fields },
  }),
};
