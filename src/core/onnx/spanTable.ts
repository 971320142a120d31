import type { ContainerType } from './schema';

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
  /** Tensor element-data fields left on disk (TensorProto only), in file order. */
  readonly payload: readonly PayloadSegment[];
  /** A TensorProto with data_location = EXTERNAL. */
  readonly external: boolean;
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

export const CONTAINER_TYPES: readonly ContainerType[] = [
  'Model',
  'Graph',
  'Node',
  'Attribute',
  'Function',
  'TrainingInfo',
  'SparseTensor',
  'Tensor',
];

const RAW_DATA = 9;

/**
 * Every container message of a file, in file order (a message before the messages inside it), in columns
 * of typed arrays rather than one object each: a 10,000-node model has ~33,000 of them, and objects that
 * live as long as the model are what garbage collection spends its time copying. Offsets are float64, so
 * files beyond 4 GiB work. Row i's messages inside are rows i+1 … after[i]−1; its payload segments are
 * payload rows payloadFrom[i] … payloadTo[i]−1.
 */
export class SpanTable {
  count = 0;
  type = new Uint8Array(256);
  field = new Int32Array(256);
  tagStart = new Float64Array(256);
  lengthStart = new Float64Array(256);
  valueStart = new Float64Array(256);
  end = new Float64Array(256);
  after = new Int32Array(256);
  payloadFrom = new Int32Array(256);
  payloadTo = new Int32Array(256);
  external = new Uint8Array(256);

  payloadCount = 0;
  payloadField = new Int32Array(64);
  payloadWireType = new Uint8Array(64);
  payloadTagStart = new Float64Array(64);
  payloadValueStart = new Float64Array(64);
  payloadEnd = new Float64Array(64);

  /** Adds a row for a message (its contents and `after` are filled in by `close`); returns its index. */
  open(type: number, field: number, tagStart: number, lengthStart: number, valueStart: number, end: number) {
    if (this.count === this.type.length) this.growRows();
    const i = this.count++;
    this.type[i] = type;
    this.field[i] = field;
    this.tagStart[i] = tagStart;
    this.lengthStart[i] = lengthStart;
    this.valueStart[i] = valueStart;
    this.end[i] = end;
    this.payloadFrom[i] = this.payloadCount;
    return i;
  }

  /** Ends row i: everything added since it opened is inside it. */
  close(i: number): void {
    this.after[i] = this.count;
    this.payloadTo[i] = this.payloadCount;
  }

  addPayload(field: number, wireType: number, tagStart: number, valueStart: number, end: number): void {
    if (this.payloadCount === this.payloadField.length) this.growPayload();
    const p = this.payloadCount++;
    this.payloadField[p] = field;
    this.payloadWireType[p] = wireType;
    this.payloadTagStart[p] = tagStart;
    this.payloadValueStart[p] = valueStart;
    this.payloadEnd[p] = end;
  }

  /** Row i as an object, for the writer and for callers outside the reader. */
  span(i: number): MessageSpan {
    const payload: PayloadSegment[] = [];
    for (let p = this.payloadFrom[i]; p < this.payloadTo[i]; p++) payload.push(this.segment(p));
    return {
      type: CONTAINER_TYPES[this.type[i]],
      field: this.field[i],
      tagStart: this.tagStart[i],
      lengthStart: this.lengthStart[i],
      valueStart: this.valueStart[i],
      end: this.end[i],
      payload,
      external: this.external[i] === 1,
    };
  }

  segment(p: number): PayloadSegment {
    return {
      field: this.payloadField[p],
      wireType: this.payloadWireType[p],
      tagStart: this.payloadTagStart[p],
      valueStart: this.payloadValueStart[p],
      end: this.payloadEnd[p],
    };
  }

  /** The payload row of row i's last raw_data field (protobuf: the last one wins), or −1. */
  lastRawData(i: number): number {
    for (let p = this.payloadTo[i] - 1; p >= this.payloadFrom[i]; p--)
      if (this.payloadField[p] === RAW_DATA) return p;
    return -1;
  }

  private growRows(): void {
    const n = this.type.length * 2;
    this.type = grown(this.type, new Uint8Array(n));
    this.field = grown(this.field, new Int32Array(n));
    this.tagStart = grown(this.tagStart, new Float64Array(n));
    this.lengthStart = grown(this.lengthStart, new Float64Array(n));
    this.valueStart = grown(this.valueStart, new Float64Array(n));
    this.end = grown(this.end, new Float64Array(n));
    this.after = grown(this.after, new Int32Array(n));
    this.payloadFrom = grown(this.payloadFrom, new Int32Array(n));
    this.payloadTo = grown(this.payloadTo, new Int32Array(n));
    this.external = grown(this.external, new Uint8Array(n));
  }

  private growPayload(): void {
    const n = this.payloadField.length * 2;
    this.payloadField = grown(this.payloadField, new Int32Array(n));
    this.payloadWireType = grown(this.payloadWireType, new Uint8Array(n));
    this.payloadTagStart = grown(this.payloadTagStart, new Float64Array(n));
    this.payloadValueStart = grown(this.payloadValueStart, new Float64Array(n));
    this.payloadEnd = grown(this.payloadEnd, new Float64Array(n));
  }
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}
