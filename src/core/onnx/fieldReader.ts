import { Buffer } from 'node:buffer';
import protobuf from 'protobufjs/minimal.js';
import { HASH_BASIS, doubledPairs, hashStep } from './nameIndex';
import { decodingError } from './walkErrors';
import { StringTable, decodeString } from './stringTable';

type Long = ReturnType<protobuf.Reader['int64']>;

/**
 * The protobufjs reader the fields of a model are decoded with, pointed in turn at each run of fields in the
 * structure walk's window. It returns the same values as protobufjs's own, with fewer objects: a 10,000-node
 * model holds ~80,000 strings (names, inputs, outputs, op types) of which half repeat (every value name
 * appears as one node's output and another's input), and protobufjs builds each string from many small
 * pieces and every int64 (dims, attribute ints) from two objects. Every object allocated here lives as long
 * as the model, so fewer of them is what makes garbage collection cheaper.
 */
export class FieldReader extends protobuf.Reader {
  /** The model's strings, each with its id (see StringTable). */
  readonly strings = new StringTable();
  /**
   * What the decoded values may still take, in bytes as estimated below. A decoded value takes tens of
   * bytes of memory (an object, a Long, a Uint8Array) where the file may spend one or two on it, so a file
   * of packed varints or empty byte strings would decode into many times its size; the walk sets this from
   * the file's size (see structure.ts) and decoding stops, with DecodeLimitError, when it runs out.
   */
  budget = Infinity;
  /** Values decoded so far (fields and int64 list elements); never more than MAX_DECODED_VALUES. */
  values = 0;
  /** The same bytes as `buf`, as a Buffer, whose latin1 decoding builds an ASCII string in one step. */
  private text: Buffer;

  constructor(buffer: Uint8Array = new Uint8Array(0)) {
    super(buffer);
    this.text = asBuffer(buffer);
  }

  /** Points the reader at bytes [start, end) of `buffer`. */
  point(buffer: Uint8Array, start: number, end: number): void {
    if (buffer !== this.buf) {
      this.buf = buffer;
      this.text = asBuffer(buffer);
    }
    this.pos = start;
    this.len = end;
  }

  override string(): string {
    const length = this.size();
    const start = this.pos;
    const end = start + length;
    if (end > this.len) throw new RangeError(`index out of range: ${start} + ${length} > ${this.len}`);
    this.pos = end;
    return this.strings.get(this.buf, this.text, start, end);
  }

  /**
   * A string field's value from its length, in bytes [start, end) of `buffer` (the structure walk's own
   * decoding of the field, see walkedFields.ts), counted as the generated decoder's tag and string would be.
   * `shared`: looked up among the strings met (see StringTable), for a string other fields may repeat.
   */
  stringAt(buffer: Uint8Array, start: number, end: number, shared = true): string {
    this.point(buffer, start, end);
    this.spend(VALUE_BYTES);
    let length: number;
    try {
      length = this.size();
    } catch (error) {
      throw decodingError(error);
    }
    const from = this.pos;
    if (from + length !== end)
      throw decodingError(new RangeError(`a string of ${length} bytes in a field of ${end - from}`));
    return shared
      ? this.strings.get(buffer, this.text, from, end)
      : decodeString(buffer, this.text, from, end);
  }

  /**
   * A string field's value from its bytes [start, end) of `buffer`, its length read already (the walks of a
   * graph's nodes and initializers: tableNodes.ts, tableTensors.ts); counted as stringAt counts it.
   */
  stringIn(buffer: Uint8Array, start: number, end: number, shared = true): string {
    this.point(buffer, start, end);
    this.spend(VALUE_BYTES);
    return shared
      ? this.strings.get(buffer, this.text, start, end)
      : decodeString(buffer, this.text, start, end);
  }

  /** A packed int64 list from its length, in bytes [start, end) of `buffer`, appended to `list` (see int64s). */
  int64sAt(buffer: Uint8Array, start: number, end: number, list: unknown[]): unknown[] {
    this.point(buffer, start, end);
    this.spend(VALUE_BYTES);
    try {
      return this.int64s(list as (Long | number)[]);
    } catch (error) {
      throw walkedError(error);
    }
  }

  /** An int64 field not packed, its tag first, in bytes [start, end) of `buffer`: read and charged as the generated decoder reads it. */
  int64At(buffer: Uint8Array, start: number, end: number): Long {
    this.point(buffer, start, end);
    try {
      this.tag();
      return this.int64();
    } catch (error) {
      throw walkedError(error);
    }
  }

  override tag(): number {
    this.spend(VALUE_BYTES);
    return super.tag();
  }

  /**
   * A list of int64s equal to `list`, shared by every message that holds the same short list of small values
   * (frozen, as it is shared); undefined for any other list. See ListTable.
   */
  sharedInt64s(list: readonly unknown[], length = list.length): readonly Long[] | undefined {
    return this.lists.get(list, length);
  }

  private readonly lists = new ListTable();

  /** Counts an object decoded around the fields (a message) that takes about `bytes` of memory. */
  charge(bytes: number): void {
    this.spend(bytes);
  }

  /** Counts a value that takes about `bytes` of memory; throws when the budget or the count runs out. */
  private spend(bytes: number): void {
    this.budget -= bytes;
    if (this.budget < 0 || ++this.values > MAX_DECODED_VALUES) throw new DecodeLimitError(this.values);
  }

  /**
   * A packed list of int64s (attribute ints, dims), charged as a whole before any of it is decoded: a byte
   * below 0x80 ends a varint, so the bytes say how many values there are and how many take more than one byte
   * (those get a Long of their own).
   */
  override int64s(array?: (Long | number)[]): (Long | number)[] {
    const at = this.pos;
    const end = this.size() + this.pos;
    const buf = this.buf;
    let values = 0;
    let small = 0;
    for (let i = this.pos, first = true; i < end && i < this.len; i++) {
      if (buf[i] < 0x80) {
        values++;
        if (first) small++;
        first = true;
      } else first = false;
    }
    this.spendMany(values, small * VALUE_BYTES + (values - small) * LONG_BYTES);
    this.pos = at;
    this.prepaid = true;
    try {
      return super.int64s(array);
    } finally {
      this.prepaid = false;
    }
  }

  private prepaid = false;

  private spendMany(values: number, bytes: number): void {
    this.budget -= bytes;
    this.values += values;
    if (this.budget < 0 || this.values > MAX_DECODED_VALUES) throw new DecodeLimitError(this.values);
  }

  override int64(): Long {
    // A one-byte varint (most dims and attribute ints): Long.fromInt shares one instance per small value,
    // as Long itself does; the same value protobufjs builds (low = b, high = 0, signed).
    if (this.pos < this.len) {
      const b = this.buf[this.pos];
      if (b < 0x80) {
        this.pos++;
        if (!this.prepaid) this.spend(VALUE_BYTES);
        return LongClass.fromInt(b);
      }
      // A two-byte varint (dims like 768 or 3072): one shared instance per value too. Charged as a Long of
      // its own, as before, so the budget's limits do not move.
      if (this.pos + 1 < this.len) {
        const b1 = this.buf[this.pos + 1];
        if (b1 < 0x80) {
          this.pos += 2;
          if (!this.prepaid) this.spend(LONG_BYTES);
          return sharedLong((b & 0x7f) | (b1 << 7));
        }
      }
    }
    if (!this.prepaid) this.spend(LONG_BYTES);
    return super.int64();
  }

  /**
   * Bytes fields and unknown fields, copied: protobufjs returns a view of its buffer, and this reader's
   * buffer is a window that the walk refills.
   */
  override raw(start: number, end: number): Uint8Array {
    if (end === start) return EMPTY; // one for all: an empty Uint8Array costs a backing store of its own
    this.budget -= BYTES_BYTES + (end - start);
    const copy = new Uint8Array(end - start);
    copy.set(this.buf.subarray(start, end));
    return copy;
  }
}

const LongClass = protobuf.util.Long as unknown as typeof import('long').default;
/**
 * Longs of 128 … 16,383, made on first use and shared: every tensor of a transformer has dims like these, and
 * a Long each (what protobufjs builds) is an object that lives as long as the model. Nothing changes a Long.
 */
const SHARED_LONGS: (Long | undefined)[] = [];

function sharedLong(value: number): Long {
  return (SHARED_LONGS[value] ??= LongClass.fromBits(value, 0, false));
}

/** Lists longer than this are not shared: the lists that repeat (dims, kernel shapes, strides, pads) are short. */
const SHARED_LIST_MAX = 16;

/**
 * Short lists of small int64s by their elements: a model's tensor dims and attribute ints take a few dozen
 * distinct values between them (a 50,000-node CNN has ~130,000 such lists: [64, 64, 3, 3], [1, 1]…), and each
 * list is an object that lives as long as the model. Elements are compared by identity: small values are
 * shared Long instances (see int64 above), so equal lists of them hold the same elements; a list with an
 * element of its own (a large or negative value) is never shared. An open-addressing table of (hash, 1 +
 * index) pairs in one Int32Array, like the string table below; it stays small, so a probe stays in cache.
 */
class ListTable {
  private lists: (readonly Long[])[] = [];
  private table = new Int32Array(2 * 256);

  /** The shared list of the first `length` elements of `list` (a scratch list may hold more). */
  get(list: readonly unknown[], length: number): readonly Long[] | undefined {
    if (length > SHARED_LIST_MAX) return undefined;
    let hash = HASH_BASIS ^ length;
    for (let i = 0; i < length; i++) {
      const e = list[i];
      // Only values the reader shares (below 2^14, one or two bytes): a list of others is never shared.
      if (!(e instanceof LongClass) || e.high !== 0 || e.low < 0 || e.low >= 1 << 14) return undefined;
      hash = hashStep(hash, e.low);
    }
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) {
        const shared = Object.freeze(list.slice(0, length) as Long[]);
        this.lists.push(shared);
        table[2 * slot] = hash;
        table[2 * slot + 1] = this.lists.length;
        if (this.lists.length * 4 > table.length) this.table = doubledPairs(table);
        return shared;
      }
      if (table[2 * slot] === hash) {
        const candidate = this.lists[known - 1];
        if (candidate.length === length && startsWith(list, candidate)) return candidate;
      }
    }
  }
}

/** Most values (fields and int64 list elements) one model may decode into, whatever its size. */
export const MAX_DECODED_VALUES = 1 << 26;
// Estimated memory per decoded value (V8, 64-bit): a slot in a list or a field; a Long object and its slot;
// a Uint8Array (byte strings and unknown fields are copied out of the window) besides its bytes: its
// buffer and backing store, measured at some 200 bytes, and the garbage collection they cost.
export const VALUE_BYTES = 8;
const LONG_BYTES = 48;
const BYTES_BYTES = 256;
const EMPTY = Object.freeze(new Uint8Array(0));

/** Raised when decoding would pass the reader's memory budget or MAX_DECODED_VALUES. */
export class DecodeLimitError extends Error {
  constructor(readonly values: number) {
    super(`decoding stopped after ${values} values`);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether `list` begins with the elements of `start` (by identity). */
function startsWith(list: readonly unknown[], start: readonly unknown[]): boolean {
  for (let i = 0; i < start.length; i++) if (list[i] !== start[i]) return false;
  return true;
}

/**
 * A decoding error of a field the structure walk decodes itself, as the walk reports one the generated decoder
 * met (WireError): a varint or a length that runs past its field. The budget's own error passes as it is.
 */
function walkedError(error: unknown): unknown {
  return error instanceof DecodeLimitError ? error : decodingError(error);
}
