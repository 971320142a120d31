/**
 * The fuzzer's mutations. Each takes a valid seed model and a random stream and returns hostile bytes and a
 * one-line description (printed with a failure, next to the seed and case number that rebuild it).
 */
import {
  type WireField,
  type WireMessage,
  allFields,
  allMessages,
  encodeVarint,
  parseMessage,
  serialize,
  wire,
} from './wire';

export const OPERATIONS = [
  'bitflip',
  'truncate',
  'length',
  'duplicate',
  'reorder',
  'huge',
  'deep',
  'rewire',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Mutated {
  bytes: Uint8Array;
  what: string;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const int = (rng: Rng, below: number) => Math.floor(rng() * below);

/** Integers that break code assuming small, positive, safe values. */
const HOSTILE_INTS: readonly bigint[] = [
  0n,
  1n,
  2n,
  3n,
  7n,
  255n,
  65535n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 32n + 4n,
  2n ** 53n - 1n,
  2n ** 53n + 1n,
  2n ** 62n,
  2n ** 63n - 1n,
  -1n,
  -2n,
  -(2n ** 31n),
  -(2n ** 63n),
  1000000000n,
  123456789012n,
];

/** Strings for external-data offsets and lengths (digits only, or not). */
const HOSTILE_NUMBERS = [
  '0',
  '1',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  '18446744073709551615',
  '-1',
  '1e9',
  ' 4',
  '00000000000000000000016',
];

export function mutate(op: Operation, seed: Uint8Array, rng: Rng): Mutated {
  switch (op) {
    case 'bitflip':
      return bitflip(seed, rng);
    case 'truncate':
      return truncate(seed, rng);
    case 'deep':
      return deep(rng);
    default: {
      const root = parseMessage(seed, 'Model');
      const what = TREE_MUTATIONS[op](root, rng);
      return { bytes: serialize(root), what };
    }
  }
}

function bitflip(seed: Uint8Array, rng: Rng): Mutated {
  const marks: number[] = [];
  serialize(parseMessage(seed, 'Model'), marks);
  const bytes = Uint8Array.from(seed);
  const flips: number[] = [];
  const count = 1 + int(rng, 8);
  for (let i = 0; i < count; i++) {
    // Mostly at or just after a tag or length prefix (structure), sometimes anywhere (weights, strings).
    const at =
      rng() < 0.75 ? Math.min(pick(rng, marks) + int(rng, 3), bytes.length - 1) : int(rng, bytes.length);
    const bit = int(rng, 8);
    bytes[at] ^= 1 << bit;
    flips.push(at * 8 + bit);
  }
  return { bytes, what: `bit flips at bits ${flips.join(', ')}` };
}

function truncate(seed: Uint8Array, rng: Rng): Mutated {
  const marks: number[] = [];
  serialize(parseMessage(seed, 'Model'), marks);
  const at = rng() < 0.5 ? pick(rng, marks) + int(rng, 2) : int(rng, seed.length);
  return { bytes: seed.subarray(0, at), what: `truncated to ${at} of ${seed.length} bytes` };
}

const describeField = (f: WireField, parent: WireMessage) => `field ${f.no} of a ${parent.type}`;

const TREE_MUTATIONS: Record<
  Exclude<Operation, 'bitflip' | 'truncate' | 'deep'>,
  (root: WireMessage, rng: Rng) => string
> = {
  /** A length prefix that lies: a little, a lot, or beyond 2^53 (written as a 10-byte varint). */
  length(root, rng) {
    const candidates = allFields(root).filter(({ field }) => field.wireType === 2);
    const { field, parent } = pick(rng, candidates);
    const size = field.message ? serialize(field.message).length : (field.bytes?.length ?? 0);
    const value = pick(rng, [
      BigInt(size + 1),
      BigInt(Math.max(0, size - 1)),
      0n,
      BigInt(size * 2 + 3),
      BigInt(int(rng, 1 << 20)),
      ...HOSTILE_INTS.filter((n) => n > 0n),
    ]);
    field.lengthOverride = value;
    return `length of ${describeField(field, parent)} says ${value} (is ${size})`;
  },
  /** A field written twice: repeated fields grow, singular ones (a second graph, raw_data…) conflict. */
  duplicate(root, rng) {
    const messages = allMessages(root).filter(({ message }) => message.fields.length > 0);
    const { message } = pick(rng, messages);
    const i = int(rng, message.fields.length);
    message.fields.splice(i + 1, 0, cloneField(message.fields[i]));
    return `duplicated ${describeField(message.fields[i], message)} (index ${i})`;
  },
  /** Fields of one message in another order (protobuf allows it; the last of a singular field wins). */
  reorder(root, rng) {
    const messages = allMessages(root).filter(({ message }) => message.fields.length > 1);
    if (messages.length === 0) return 'nothing to reorder';
    const { message } = pick(rng, messages);
    const fields = message.fields;
    for (let i = fields.length - 1; i > 0; i--) {
      const j = int(rng, i + 1);
      [fields[i], fields[j]] = [fields[j], fields[i]];
    }
    return `shuffled the ${fields.length} fields of a ${message.type}`;
  },
  /**
   * A node input or output renamed to another value of the model: cycles, two producers of one value, a node
   * reading its own output, a weight used as an activation.
   */
  rewire(root, rng) {
    const names = allFields(root).filter(
      ({ field, parent }) => parent.type === 'Node' && (field.no === 1 || field.no === 2),
    );
    if (names.length < 2) return 'nothing to rewire';
    const { field } = pick(rng, names);
    const other = pick(rng, names).field;
    const before = new TextDecoder().decode(field.bytes);
    field.bytes = other.bytes;
    return `node ${field.no === 1 ? 'input' : 'output'} '${before}' now '${new TextDecoder().decode(other.bytes)}'`;
  },
  /** Declared sizes no real model has: dims, shape dims, attribute ints, external-data offsets and lengths. */
  huge(root, rng) {
    const fields = allFields(root);
    const varints = (type: string, no: number) =>
      fields.filter(({ field, parent }) => parent.type === type && field.no === no && field.wireType === 0);
    const tensors = allMessages(root).filter(({ message }) => message.type === 'Tensor');
    const choice = int(rng, 7);
    const value = pick(rng, HOSTILE_INTS);
    const setVarint = (list: { field: WireField; parent: WireMessage }[], what: string) => {
      if (list.length === 0) return undefined;
      const { field } = pick(rng, list);
      field.varint = BigInt.asUintN(64, value);
      return `${what} set to ${value}`;
    };
    if (choice === 0) return setVarint(varints('Tensor', 1), 'a tensor dim') ?? 'no tensor dims';
    if (choice === 1) return setVarint(varints('Dim', 1), 'a shape dim_value') ?? 'no shape dims';
    if (choice === 2) return setVarint(varints('Attribute', 3), "an attribute's i") ?? 'no int attributes';
    if (choice === 3) return setVarint(varints('Tensor', 2), 'a tensor data_type') ?? 'no tensors';
    if (choice === 4) return hostileIntData(fields, rng, value);
    if (choice === 5) return hostileInts(fields, rng, value);
    // External data: point a tensor at a file with hostile offset and length.
    if (tensors.length === 0) return 'no tensors';
    const tensor = pick(rng, tensors).message;
    // Existing files (the case itself, the external-data fixture's data) take hostile ranges; others are missing.
    const location = pick(rng, [
      'case.onnx',
      'external-data.onnx.data',
      'weights.bin',
      'data.bin',
      '',
      '../x.bin',
      '/etc/hostname',
      'sub/../weights.bin',
    ]);
    const offset = pick(rng, HOSTILE_NUMBERS);
    const length = pick(rng, HOSTILE_NUMBERS);
    const entry = (key: string, text: string) => wire.msg(13, 'Entry', [wire.str(1, key), wire.str(2, text)]);
    tensor.fields = tensor.fields.filter((f) => f.no !== 13 && f.no !== 14 && f.no !== 9);
    tensor.fields.push(
      entry('location', location),
      entry('offset', offset),
      entry('length', length),
      wire.int(14, 1),
    );
    return `external data '${location}' offset ${offset} length ${length}`;
  },
};

/** One element of a small int64 tensor (a Reshape target, Slice bounds, axes, pads) set to a hostile value. */
function hostileIntData(
  fields: { field: WireField; parent: WireMessage }[],
  rng: Rng,
  value: bigint,
): string {
  const candidates = fields.filter(
    ({ field, parent }) =>
      field.no === 9 &&
      field.bytes &&
      field.bytes.length % 8 === 0 &&
      field.bytes.length <= 64 &&
      parent.fields.some((f) => f.no === 2 && f.varint === 7n),
  );
  if (candidates.length === 0) return 'no int64 constants';
  const { field } = pick(rng, candidates);
  const bytes = Uint8Array.from(field.bytes!);
  const at = int(rng, bytes.length / 8);
  new DataView(bytes.buffer).setBigInt64(at * 8, BigInt.asIntN(64, value), true);
  field.bytes = bytes;
  return `int64 constant element ${at} set to ${value}`;
}

/** One element of an attribute's ints (kernel_shape, pads, perm, axes…) set to a hostile value. */
function hostileInts(fields: { field: WireField; parent: WireMessage }[], rng: Rng, value: bigint): string {
  const candidates = fields.filter(({ field, parent }) => parent.type === 'Attribute' && field.no === 8);
  if (candidates.length === 0) return 'no ints attributes';
  const { field } = pick(rng, candidates);
  if (field.wireType === 0) {
    field.varint = BigInt.asUintN(64, value);
    return `an attribute's ints element set to ${value}`;
  }
  // Packed: decode the varints, replace one, encode again.
  const values: bigint[] = [];
  const raw = field.bytes!;
  for (let i = 0; i < raw.length;) {
    let v = 0n;
    let shift = 0n;
    while (true) {
      const b = raw[i++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80 || i >= raw.length) break;
    }
    values.push(v);
  }
  if (values.length === 0) return 'empty ints';
  const at = int(rng, values.length);
  values[at] = BigInt.asUintN(64, value);
  field.bytes = Uint8Array.from(values.flatMap((v) => encodeVarint(v)));
  return `an attribute's ints element ${at} of ${values.length} set to ${value}`;
}

/**
 * A chain of messages thousands deep, built at the wire level from the inside out (no recursion, so building
 * it cannot overflow the stack the way reading it might): graphs in If attributes, or TypeProto sequences.
 */
export function deep(rng: Rng, depth = 100 + int(rng, 5000)): Mutated {
  const kind = pick(rng, ['graph', 'type', 'graphs-list']);
  // Each level: bytes before the child field, the child's field number, bytes after.
  const enc = (fields: WireField[]) => serialize({ type: 'X', fields });
  const node = (before: WireField[]) => enc(before);
  let levels: { before: Uint8Array; no: number; after: Uint8Array }[];
  let leaf: Uint8Array;
  if (kind === 'type') {
    // value_info { name, type { sequence_type { elem_type { sequence_type { … } } } } }
    levels = [{ before: enc([wire.str(1, 'v')]), no: 2, after: new Uint8Array(0) }];
    for (let i = 0; i < depth; i++) {
      levels.push({ before: new Uint8Array(0), no: 4, after: new Uint8Array(0) });
      levels.push({ before: new Uint8Array(0), no: 1, after: new Uint8Array(0) });
    }
    leaf = enc([wire.msg(1, 'TensorType', [wire.int(1, 1)])]);
  } else {
    // graph { node { op_type: If, attribute { name, type, g { node { … } } } } }
    const attrNo = kind === 'graph' ? 6 : 11;
    levels = [];
    for (let i = 0; i < depth; i++) {
      levels.push({ before: enc([wire.str(2, `g${i}`)]), no: 1, after: new Uint8Array(0) });
      levels.push({
        before: node([wire.str(1, 'c'), wire.str(2, `o${i}`), wire.str(4, 'If')]),
        no: 5,
        after: new Uint8Array(0),
      });
      levels.push({
        before: enc([wire.str(1, 'then_branch'), wire.int(20, attrNo === 6 ? 5 : 10)]),
        no: attrNo,
        after: new Uint8Array(0),
      });
    }
    leaf = enc([wire.str(2, 'leaf')]);
  }
  // Lengths from the inside out, then one pass writing the prefixes outside in.
  const lengths: number[] = new Array(levels.length);
  let inner = leaf.length;
  for (let i = levels.length - 1; i >= 0; i--) {
    lengths[i] = inner;
    const l = levels[i];
    inner =
      l.before.length +
      encodeVarint(BigInt(l.no * 8 + 2)).length +
      encodeVarint(BigInt(inner)).length +
      inner +
      l.after.length;
  }
  const body = new Uint8Array(inner);
  let at = 0;
  for (let i = 0; i < levels.length; i++) {
    body.set(levels[i].before, at);
    at += levels[i].before.length;
    for (const b of [...encodeVarint(BigInt(levels[i].no * 8 + 2)), ...encodeVarint(BigInt(lengths[i]))])
      body[at++] = b;
  }
  body.set(leaf, at);
  at += leaf.length;
  for (let i = levels.length - 1; i >= 0; i--) {
    body.set(levels[i].after, at);
    at += levels[i].after.length;
  }
  const head = enc([wire.int(1, 8), wire.msg(8, 'Opset', [wire.str(1, ''), wire.int(2, 17)])]);
  // The chain sits in the model's graph (field 7), or in a value_info of a graph for the type chain.
  const graphField = kind === 'type' ? enc([wire.str(2, 'g')]) : new Uint8Array(0);
  const inGraph =
    kind === 'type'
      ? concat(graphField, [...encodeVarint(BigInt(11 * 8 + 2)), ...encodeVarint(BigInt(body.length))], body)
      : body;
  const model = concat(
    head,
    [...encodeVarint(BigInt(7 * 8 + 2)), ...encodeVarint(BigInt(inGraph.length))],
    inGraph,
  );
  return { bytes: model, what: `${kind} nesting ${depth} deep` };
}

/** A deep copy of a field that shares the value bytes (structuredClone would copy the seed's whole buffer). */
function cloneField(field: WireField): WireField {
  const copy = { ...field };
  if (field.message)
    copy.message = { type: field.message.type, fields: field.message.fields.map(cloneField) };
  return copy;
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  // A plain Uint8Array, not a Buffer: its slice() copies, as the mutations expect.
  return new Uint8Array(Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)))));
}
