import type { ByteSource } from './byteSource';
import { MemorySource } from './byteSource';
import { OnnxError, WireError } from './errors';
import { FileSource } from './fileSource';
import { ModelFile } from './modelFile';
import { onnx } from './proto/onnx.js';
import { CONTAINER_FIELDS, type FieldInfo } from './schema';
import { SkeletonReader } from './skeletonReader';
import { CONTAINER_TYPES, type SpanTable } from './spanTable';
import { type Structure, readStructure } from './structure';
import { WireCursor } from './wireCursor';

export interface OpenOptions {
  /** Check every external-data reference (location, file, range) while opening. Default true. */
  checkExternalData?: boolean;
}

/** Opens an ONNX model file lazily: structure now, tensor data on demand. */
export function openModel(path: string, options: OpenOptions = {}): ModelFile {
  const source = FileSource.open(path);
  try {
    return openSource(source, path, options);
  } catch (error) {
    source.close();
    throw error;
  }
}

/** Opens a model held in memory (external data cannot be resolved without a folder). */
export function openModelBytes(bytes: Uint8Array, name = '<memory>'): ModelFile {
  return openSource(new MemorySource(bytes, name), undefined, { checkExternalData: false });
}

function openSource(source: ByteSource, path: string | undefined, options: OpenOptions): ModelFile {
  const name = source.name;
  if (source.size === 0) throw new OnnxError('empty', `${name} is empty (0 bytes), not an ONNX model.`, name);
  let structure: Structure;
  try {
    structure = readStructure(new WireCursor(source));
  } catch (error) {
    if (error instanceof WireError)
      throw new OnnxError(error.kind, describe(source, error.kind, error.message), name);
    throw error;
  }
  const { spans, skeleton } = structure;
  const proto = decodeSkeleton(skeleton, source);
  checkLooksLikeModel(proto, spans, source);
  // A Map, not a WeakMap: the rows live exactly as long as the messages, and tens of thousands of
  // WeakMap entries make every garbage collection slower (ephemeron tables).
  const rows = new Map<object, number>();
  const external: onnx.TensorProto.$Properties[] = [];
  new Attacher(spans, rows, external).attach(proto as unknown as Record<string, unknown>, 0, 0);
  const model = new ModelFile(proto, source, spans, rows, path, external);
  if (options.checkExternalData !== false) checkExternalData(model);
  return model;
}

function describe(source: ByteSource, kind: string, detail: string): string {
  const head = source.read(0, Math.min(64, source.size));
  if (looksLikeText(head)) {
    return `${source.name} is not an ONNX model: it looks like a text file${looksLikeHtml(head) ? ' (an HTML page)' : ''}, not a protobuf.`;
  }
  switch (kind) {
    case 'truncated':
      return `${source.name} is truncated or corrupt: ${detail}.`;
    case 'too-deep':
      return `${source.name} is not a model this tool can read: ${detail}.`;
    case 'unsupported':
      return `${source.name} cannot be read: ${detail}.`;
    default:
      return `${source.name} is not an ONNX model: ${detail}.`;
  }
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)) printable++;
  return printable / head.length > 0.95;
}

function looksLikeHtml(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head).trimStart().toLowerCase();
  return text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<');
}

function decodeSkeleton(skeleton: Uint8Array, source: ByteSource): onnx.ModelProto {
  const reader = new SkeletonReader(skeleton);
  reader.discardUnknown = false; // keep fields from newer IR versions so a re-save loses nothing
  try {
    return onnx.ModelProto.decode(reader);
  } catch (error) {
    const message = (error as Error).message;
    const kind = /depth/.test(message) ? 'too-deep' : 'not-onnx';
    throw new OnnxError(kind, describe(source, kind, `protobuf decoding failed (${message})`), source.name);
  }
}

/** A protobuf that decodes is not necessarily a model: insist on what every ONNX model has. */
function checkLooksLikeModel(proto: onnx.ModelProto, spans: SpanTable, source: ByteSource): void {
  let hasGraph = false;
  for (let row = 1; row < spans.count; row = spans.after[row]) hasGraph ||= spans.type[row] === GRAPH;
  if (!hasGraph && proto.opset_import.length === 0 && !Object.hasOwn(proto, 'ir_version')) {
    throw new OnnxError(
      'not-onnx',
      `${source.name} is not an ONNX model: it has no graph, IR version or opset.`,
      source.name,
    );
  }
  if (!hasGraph && proto.functions.length === 0) {
    throw new OnnxError('not-onnx', `${source.name} is not an ONNX model: it has no graph.`, source.name);
  }
}

/**
 * Pairs every decoded container message with its row of the span table and freezes it. protobufjs decodes
 * the elements of a repeated field in file order, so the i-th row of field f inside a message is element i
 * of that field.
 */
class Attacher {
  /** Per nesting depth, elements of each field number met so far (container field numbers are below 32). */
  private readonly counters: Int32Array[] = [];

  constructor(
    private readonly spans: SpanTable,
    private readonly rows: Map<object, number>,
    private readonly external: onnx.TensorProto.$Properties[],
  ) {}

  attach(message: Record<string, unknown>, row: number, depth: number): void {
    const spans = this.spans;
    this.rows.set(message, row);
    if (spans.external[row] === 1) this.external.push(message as onnx.TensorProto.$Properties);
    const after = spans.after[row];
    if (row + 1 < after) {
      const fields = CHILD_FIELDS[spans.type[row]];
      const seen = (this.counters[depth] ??= new Int32Array(32)).fill(0);
      for (let child = row + 1; child < after; child = spans.after[child]) {
        const info = fields[spans.field[child]]!;
        const value = message[info.name];
        const element = info.repeated ? (value as unknown[] | undefined)?.[seen[info.no]++] : value;
        if (!element) throw new Error(`internal: no message for field ${info.no} of row ${row}`);
        this.attach(element as Record<string, unknown>, child, depth + 1);
      }
      for (const info of fields) if (info?.repeated && seen[info.no] > 0) Object.freeze(message[info.name]);
    }
    // Frozen: an edit cannot change a decoded message in place (the writer would copy its old bytes); edits
    // build new objects (see edit.ts). Lists of leaf values (a node's inputs) are left alone, for speed.
    Object.freeze(message);
  }
}

/** The container fields of each container type, by field number. */
const CHILD_FIELDS: (FieldInfo | undefined)[][] = CONTAINER_TYPES.map((type) => {
  const byNumber: (FieldInfo | undefined)[] = [];
  for (const f of CONTAINER_FIELDS[type]) if (f.container) byNumber[f.no] = f;
  return byNumber;
});
const GRAPH = CONTAINER_TYPES.indexOf('Graph');

/** Opening fails early, with IO001, when any external-data reference is missing, escaping or short. */
function checkExternalData(model: ModelFile): void {
  for (const tensor of model.externalTensors) {
    const location = model.locate(tensor);
    if (location.kind === 'external')
      model.external.check(location.ref, tensor.name || '(unnamed)', undefined);
  }
}
