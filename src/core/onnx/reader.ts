import type { ByteSource } from './byteSource';
import { MemorySource } from './byteSource';
import { OnnxError, WireError } from './errors';
import { FileSource } from './fileSource';
import { ModelFile } from './modelFile';
import type { onnx } from './proto/onnx.js';
import { CONTAINER_TYPES, type SpanTable } from './spanTable';
import { type Structure, readStructure } from './structure';
import { WireCursor } from './wireCursor';

export interface OpenOptions {
  /** Check every external-data reference (location, file, range) while opening. Default true. */
  checkExternalData?: boolean;
  /**
   * Read the file whole and keep it in memory when it is at most this many bytes (as ModelFile.preload
   * does), for work that reads every weight: the structure walk then reads those bytes in place (one read,
   * not one per jump between headers: a model of many small tensors took thousands), and nothing is read
   * twice. Without it the walk reads through a window and only the structure is read.
   */
  preload?: number;
}

/** Opens an ONNX model file lazily: structure now, tensor data on demand. */
export function openModel(path: string, options: OpenOptions = {}): ModelFile {
  const source = FileSource.open(path);
  try {
    const preload = options.preload !== undefined && source.size <= options.preload;
    const whole = preload ? source.read(0, source.size) : undefined;
    const model = openSource(source, path, options, whole);
    if (whole) model.useBytes(whole);
    return model;
  } catch (error) {
    source.close();
    throw error;
  }
}

/** Opens a model held in memory (external data cannot be resolved without a folder). */
export function openModelBytes(bytes: Uint8Array, name = '<memory>'): ModelFile {
  return openSource(new MemorySource(bytes, name), undefined, { checkExternalData: false });
}

/** `whole`: the source's bytes, when they were read whole (the walk reads them, not the source). */
function openSource(
  source: ByteSource,
  path: string | undefined,
  options: OpenOptions,
  whole?: Uint8Array,
): ModelFile {
  const name = source.name;
  if (source.size === 0) throw new OnnxError('empty', `${name} is empty (0 bytes), not an ONNX model.`, name);
  let structure: Structure;
  try {
    structure = readStructure(new WireCursor(whole ? new MemorySource(whole, name) : source));
  } catch (error) {
    if (error instanceof WireError)
      throw new OnnxError(error.kind, describe(source, error.kind, error.message), name);
    throw error;
  }
  const { proto, spans, messages, external } = structure;
  checkLooksLikeModel(proto, spans, source);
  const model = new ModelFile(proto, source, spans, messages, path, external);
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
    case 'too-large':
      return `${source.name} is too large to read: ${detail}.`;
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

const GRAPH = CONTAINER_TYPES.indexOf('Graph');

/** Opening fails early, with IO001, when any external-data reference is missing, escaping or short. */
function checkExternalData(model: ModelFile): void {
  const [problem] = model.externalDataProblems(1);
  if (problem) throw problem;
}
