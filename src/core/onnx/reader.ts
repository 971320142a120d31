import protobuf from 'protobufjs/minimal.js';
import type { ByteSource } from './byteSource';
import { MemorySource } from './byteSource';
import { OnnxError, WireError } from './errors';
import { FileSource } from './fileSource';
import { ModelFile } from './modelFile';
import { onnx } from './proto/onnx.js';
import { CONTAINER_FIELDS, type ContainerType } from './schema';
import { buildSkeleton } from './skeleton';
import { type MessageSpan, walkStructure } from './structure';
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
  let root: MessageSpan;
  let skeleton: Uint8Array;
  const cursor = new WireCursor(source);
  try {
    root = walkStructure(cursor);
    skeleton = buildSkeleton(cursor, root);
  } catch (error) {
    if (error instanceof WireError)
      throw new OnnxError(error.kind, describe(source, error.kind, error.message), name);
    throw error;
  }
  const proto = decodeSkeleton(skeleton, source);
  checkLooksLikeModel(proto, root, source);
  const spans = new WeakMap<object, MessageSpan>();
  attach('Model', proto as unknown as Record<string, unknown>, root, spans, indexSpans(root));
  const model = new ModelFile(proto, source, spans, path);
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
  const reader = protobuf.Reader.create(skeleton);
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
function checkLooksLikeModel(proto: onnx.ModelProto, root: MessageSpan, source: ByteSource): void {
  const hasGraph = root.children.some((c) => c.type === 'Graph');
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

function indexSpans(root: MessageSpan): Map<string, MessageSpan> {
  const index = new Map<string, MessageSpan>();
  const visit = (span: MessageSpan) => {
    index.set(span.key, span);
    span.children.forEach(visit);
  };
  visit(root);
  return index;
}

/** Pairs every decoded container message with its span (by path) and freezes it. */
function attach(
  type: ContainerType,
  message: Record<string, unknown>,
  span: MessageSpan,
  spans: WeakMap<object, MessageSpan>,
  index: Map<string, MessageSpan>,
): void {
  spans.set(message, span);
  for (const field of CONTAINER_FIELDS[type]) {
    if (!field.container) continue;
    const value = message[field.name];
    if (field.repeated) {
      (value as Record<string, unknown>[]).forEach((child, i) =>
        attachChild(field.container!, field.no, i, child),
      );
    } else if (value != null && Object.hasOwn(message, field.name)) {
      attachChild(field.container, field.no, 0, value as Record<string, unknown>);
    }
  }
  deepFreeze(message);

  function attachChild(childType: ContainerType, no: number, i: number, child: Record<string, unknown>) {
    const childSpan = index.get(`${span.key}/${no}:${i}`);
    if (!childSpan) throw new Error(`internal: no span for ${span.key}/${no}:${i}`);
    attach(childType, child, childSpan, spans, index);
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value))
    return;
  for (const key of Object.getOwnPropertyNames(value)) deepFreeze((value as Record<string, unknown>)[key]);
  Object.freeze(value);
}

/** Opening fails early, with IO001, when any external-data reference is missing, escaping or short. */
function checkExternalData(model: ModelFile): void {
  const visitGraph = (graph: onnx.GraphProto.$Properties | null | undefined) => {
    if (!graph) return;
    for (const tensor of graph.initializer ?? []) checkTensor(tensor);
    for (const sparse of graph.sparse_initializer ?? []) {
      if (sparse.values) checkTensor(sparse.values);
      if (sparse.indices) checkTensor(sparse.indices);
    }
    for (const node of graph.node ?? []) {
      for (const attribute of node.attribute ?? []) {
        if (attribute.t) checkTensor(attribute.t);
        for (const t of attribute.tensors ?? []) checkTensor(t);
        visitGraph(attribute.g);
        for (const g of attribute.graphs ?? []) visitGraph(g);
      }
    }
  };
  const checkTensor = (tensor: onnx.TensorProto.$Properties) => {
    const location = model.locate(tensor);
    if (location.kind === 'external')
      model.external.check(location.ref, tensor.name || '(unnamed)', undefined);
  };
  visitGraph(model.proto.graph);
}
