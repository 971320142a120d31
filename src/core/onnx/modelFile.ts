import { dirname } from 'node:path';
import { type ByteSource, MemorySource } from './byteSource';
import { type DataChunk, chunksLength } from './dataChunk';
import { rawByteLength } from './dataTypes';
import { type ExternalDataRef, ExternalFiles, parseExternalData } from './externalData';
import { OnnxError } from './errors';
import { FileSource } from './fileSource';
import { WindowedSource } from './windowedSource';
import type { onnx } from './proto/onnx.js';
import type { MessageSpan, PayloadSegment, SpanTable } from './spanTable';
import { toDimension } from './int64';
import { isRowlessAttribute } from './leafAttributes';
import { decodedRow } from './structure';

/** A piece of tensor data: bytes in memory, or a byte range of some source (copied without loading). */
export type { DataChunk } from './dataChunk';

/** Where a tensor's element data lives. */
export type TensorLocation =
  | { readonly kind: 'raw'; readonly start: number; readonly end: number }
  | { readonly kind: 'typed'; readonly field: number; readonly segments: readonly PayloadSegment[] }
  | { readonly kind: 'external'; readonly ref: ExternalDataRef }
  | { readonly kind: 'chunks'; readonly chunks: readonly DataChunk[] }
  | { readonly kind: 'inline' }
  | { readonly kind: 'empty' };

export const TENSOR_FIELD_NAMES: Record<number, string> = {
  4: 'float_data',
  5: 'int32_data',
  6: 'string_data',
  7: 'int64_data',
  9: 'raw_data',
  10: 'double_data',
  11: 'uint64_data',
};

/**
 * An ONNX model opened lazily: `proto` is the whole model decoded except tensor element data, which stays
 * in the file until asked for. The decoded messages are frozen; an edit builds new message objects (sharing
 * the unchanged ones), so the writer knows by identity which messages it may copy byte for byte.
 */
export class ModelFile {
  readonly external: ExternalFiles;
  /** The permission bits of the file the model was read from (files written from it keep them). */
  readonly mode: number | undefined;

  private currentSource: ByteSource;
  private readonly index: RowIndex;
  /** The file read, as it was opened (see reopened); undefined for a model not read from a file. */
  private readonly version: { size: number; modifiedMs: number } | undefined;

  constructor(
    readonly proto: onnx.ModelProto,
    source: ByteSource,
    /** Where every container message of the file is. */
    private readonly spans: SpanTable,
    /** The messages decoded from the file, by their row of the span table. */
    private readonly messages: readonly object[],
    /** The model's path, when it was opened from a file (external data resolves against its folder). */
    readonly path: string | undefined,
    /** Every tensor of the file stored in external data (found while reading the structure). */
    readonly externalTensors: readonly onnx.TensorProto.$Properties[] = [],
    /** What a file made by `withProto` shares with the file it is made from. */
    shared?: {
      external: ExternalFiles;
      index: RowIndex;
    },
  ) {
    this.currentSource = source;
    this.mode = source instanceof FileSource ? source.mode : undefined;
    this.version =
      source instanceof FileSource ? { size: source.size, modifiedMs: source.modifiedMs } : undefined;
    this.external =
      shared?.external ?? new ExternalFiles(path === undefined ? undefined : dirname(path), source.name);
    this.index = shared?.index ?? new RowIndex(messages);
  }

  /** Where the model's bytes are read from (the file, or a copy in memory after `preload`). */
  get source(): ByteSource {
    return this.currentSource;
  }

  /**
   * Reads the whole file into memory when it is at most `limit` bytes: work that touches every weight (pruning)
   * then costs one read instead of one per tensor. Offsets stay the same, so nothing else changes.
   */
  preload(limit: number): void {
    const source = this.currentSource;
    if (source instanceof MemorySource || source.size > limit) return;
    this.useBytes(source.read(0, source.size));
  }

  /** Reads come from `bytes`, the whole file already read, from now on (the file is closed). */
  useBytes(bytes: Uint8Array): void {
    const source = this.currentSource;
    if (source instanceof MemorySource) return;
    if (bytes.length !== source.size) throw new Error('internal: useBytes needs the whole file');
    this.currentSource = new MemorySource(bytes, source.name);
    source.close();
  }

  /**
   * Reads the file through one reused 1 MiB window from now on (see WindowedSource): for work that reads most
   * of a model once, in file order, such as pruning it. Offsets stay the same, so nothing else changes.
   */
  readThroughWindow(): void {
    if (this.currentSource instanceof FileSource) this.currentSource = new WindowedSource(this.currentSource);
  }

  get name(): string {
    return this.source.name;
  }

  get size(): number {
    return this.source.size;
  }

  /**
   * This file with an edited model (a prune's result before it is written): the unchanged messages are this
   * file's, the tensors given new data (setTensorData) have it. It shares this file's source, index and
   * external files, so it is never closed itself; closing this file ends both.
   */
  withProto(proto: onnx.ModelProto.$Properties): ModelFile {
    return new ModelFile(
      proto as onnx.ModelProto,
      this.currentSource,
      this.spans,
      this.messages,
      this.path,
      this.externalTensors,
      { external: this.external, index: this.index },
    );
  }

  /**
   * This model from its file again, through a new descriptor, its structure not read again: for reading
   * weights after this one was closed (a node's details, from an analysis kept in a cache), where opening the
   * model afresh would read a 50,000-node structure for a few tensors. Undefined when the file at the path is
   * not the version read (another size or modification time, or gone) or the model was not read from a file:
   * the caller then opens it afresh. Close it when done; this file stays closed.
   */
  reopened(): ModelFile | undefined {
    if (this.path === undefined || this.version === undefined) return undefined;
    let source: FileSource;
    try {
      source = FileSource.open(this.path);
    } catch {
      return undefined;
    }
    if (source.size !== this.version.size || source.modifiedMs !== this.version.modifiedMs) {
      source.close();
      return undefined;
    }
    return new ModelFile(this.proto, source, this.spans, this.messages, this.path, this.externalTensors);
  }

  /**
   * Every distinct problem with the model's external data (a file missing, unreadable, outside the model's
   * folder, too short), one error each, in file order: what opening refuses a model for (the first), and what
   * the analysis reports as IO001 while it goes on with the structure. At most `max` of them.
   */
  externalDataProblems(max = Infinity): OnnxError[] {
    const problems: OnnxError[] = [];
    const seen = new Set<string>();
    for (const tensor of this.externalTensors) {
      try {
        const location = this.locate(tensor);
        if (location.kind === 'external')
          this.external.check(location.ref, tensor.name || '(unnamed)', undefined);
      } catch (error) {
        if (!(error instanceof OnnxError)) throw error;
        if (seen.has(error.message)) continue;
        seen.add(error.message);
        problems.push(error);
        if (problems.length >= max) break;
      }
    }
    return problems;
  }

  /** How many messages were decoded from the file (rows 0 … messageCount − 1). */
  get messageCount(): number {
    return this.messages.length;
  }

  /** Where the message of a row lies, and the row of the next message after it and all it holds. */
  rangeAt(row: number): MessageRange {
    const spans = this.spans;
    return {
      field: spans.field[row],
      tagStart: spans.tagStart[row],
      valueStart: spans.valueStart[row],
      end: spans.end[row],
      next: spans.after[row],
    };
  }

  /** The span of a message decoded from this file, if it is one (and so unchanged). */
  spanOf(message: object): MessageSpan | undefined {
    const row = this.rowOf(message);
    return row === undefined ? undefined : this.spans.span(row);
  }

  /**
   * The row of a message decoded from this file, or undefined for any other object (an edit's copy).
   * `hint` is the row the caller expects it at: the writer walks a model in file order, so the message it
   * meets next is nearly always the one after the last it met (`MessageRange.next`, or the row after a
   * message it went into). A hint is checked by identity, so a wrong one costs only the index lookup.
   */
  rowOf(message: object, hint = -1): number | undefined {
    return this.index.rowOf(message, hint);
  }

  /**
   * Gives a tensor built by an edit its data, as chunks (copied by range when the model is written). The
   * chunks are kept on the tensor itself, in a property no copy carries over (not enumerable): a prune
   * gives tens of thousands of tensors new data, and as many WeakMap entries slowed every garbage collection.
   */
  setTensorData(tensor: onnx.TensorProto.$Properties, chunks: readonly DataChunk[]): void {
    if (Object.isFrozen(tensor)) throw new Error(`internal: new data for decoded tensor '${tensor.name}'`);
    Object.defineProperty(tensor, NEW_DATA, { value: chunks, writable: true, configurable: true });
  }

  locate(tensor: onnx.TensorProto.$Properties): TensorLocation {
    const chunks = (tensor as { [NEW_DATA]?: readonly DataChunk[] })[NEW_DATA];
    if (chunks) return { kind: 'chunks', chunks };
    const row = this.index.tensorRowOf(tensor);
    const spans = this.spans;
    // A tensor read from the file is external as the structure walk decoded its data_location (the one
    // decoding); a tensor an edit built says so itself.
    const external = row === undefined ? tensor.data_location === 1 : spans.external[row] === 1;
    if (external) return { kind: 'external', ref: parseExternalData(tensor, this.name) };
    if (row !== undefined && spans.payloadTo[row] > spans.payloadFrom[row]) {
      // protobuf semantics: the last raw_data wins; repeated fields concatenate.
      const raw = spans.lastRawData(row);
      if (raw >= 0) return { kind: 'raw', start: spans.payloadValueStart[raw], end: spans.payloadEnd[raw] };
      const field = spans.payloadField[spans.payloadFrom[row]];
      const segments: PayloadSegment[] = [];
      for (let p = spans.payloadFrom[row]; p < spans.payloadTo[row]; p++)
        if (spans.payloadField[p] === field) segments.push(spans.segment(p));
      return { kind: 'typed', field, segments };
    }
    if (row === undefined && hasInlineData(tensor)) return { kind: 'inline' };
    return { kind: 'empty' };
  }

  /** Element count from dims (1 for a scalar); a negative dimension is refused (IntegerRangeError). */
  static elementCount(tensor: onnx.TensorProto.$Properties): number {
    const dims = tensor.dims ?? [];
    let n = 1;
    for (let i = 0; i < dims.length; i++) n *= toDimension(dims[i], tensor.name);
    return n;
  }

  /** Size of the tensor's data as stored, in bytes (encoded size for typed fields). */
  storedBytes(tensor: onnx.TensorProto.$Properties): number {
    const location = this.locate(tensor);
    switch (location.kind) {
      case 'raw':
        return location.end - location.start;
      case 'typed':
        return location.segments.reduce((n, s) => n + s.end - s.valueStart, 0);
      case 'external':
        return (
          location.ref.length ?? rawByteLength(tensor.data_type ?? 0, ModelFile.elementCount(tensor)) ?? 0
        );
      case 'chunks':
        return chunksLength(location.chunks);
      case 'inline':
        return tensor.raw_data?.length ?? 0;
      case 'empty':
        return 0;
    }
  }

  close(): void {
    this.external.close();
    this.source.close();
  }
}

const NEW_DATA = Symbol('new tensor data');

/** Where a decoded message lies in the file; `next` is the row after it and everything inside it. */
export interface MessageRange {
  field: number;
  tagStart: number;
  valueStart: number;
  end: number;
  next: number;
}

/**
 * The rows of a file's decoded messages by identity, for a file and the files `withProto` makes from it.
 * Every decoded message is frozen (structure.ts) and an edit's copy is not (edit.ts), so an object that is
 * not frozen is answered without looking. A decoded tensor carries its row (structure.ts); the index of every
 * message is built on first use, only when a frozen object other than a tensor is not where the caller
 * expected it (an edit that reordered messages): opening and analysing never ask, and on a large model its
 * hundreds of thousands of entries cost more than the rest of a save, to build and to collect. A Map, not a
 * WeakMap: the rows live exactly as long as the messages, and tens of thousands of WeakMap entries make every
 * garbage collection slower (ephemeron tables).
 */
class RowIndex {
  private rows: Map<object, number> | undefined;

  constructor(private readonly messages: readonly object[]) {}

  rowOf(message: object, hint: number): number | undefined {
    if (hint >= 0 && hint < this.messages.length && this.messages[hint] === message) return hint;
    if (!Object.isFrozen(message)) return undefined;
    const tensorRow = this.tensorRowOf(message);
    if (tensorRow !== undefined) return tensorRow;
    if (isRowlessAttribute(message)) return undefined;
    if (!this.rows) {
      this.rows = new Map();
      for (let row = 0; row < this.messages.length; row++) this.rows.set(this.messages[row], row);
    }
    return this.rows.get(message);
  }

  /** The row of a tensor this file decoded (undefined for an edit's copy, or another file's tensor). */
  tensorRowOf(tensor: object): number | undefined {
    const row = decodedRow(tensor);
    return row !== undefined && this.messages[row] === tensor ? row : undefined;
  }
}

function hasInlineData(tensor: onnx.TensorProto.$Properties): boolean {
  return Boolean(
    tensor.raw_data?.length ||
    tensor.float_data?.length ||
    tensor.int32_data?.length ||
    tensor.int64_data?.length ||
    tensor.double_data?.length ||
    tensor.uint64_data?.length ||
    tensor.string_data?.length,
  );
}
