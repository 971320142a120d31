// Turns the builder's state into an onnx.ModelProto and its bytes. This is where storage choices are made:
// raw_data by default, float_data/int64_data for the tensors asked for, and external data for initializers
// above a size threshold (written to a side file whose bytes are returned alongside the model).
import Long from 'long';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import type { GraphState } from './core';
import type { TensorStorage } from './tensors';
import { ONNX_ELEM_TYPE, byteLength, tensorBytes, tensorToProto } from './tensors';
import type { AttributeValue, NodeSpec, SubgraphSpec, TensorData, Value, ValueDescription } from './types';

export interface ExternalDataOptions {
  /** File name relative to the model, e.g. 'model.onnx.data'. */
  readonly location: string;
  /** Initializers of at least this many bytes go to the external file; default 1024 (onnx's default). */
  readonly threshold?: number;
  /** Offset alignment in bytes; default 1 (tightly packed). */
  readonly align?: number;
}

export interface BuildOptions {
  readonly externalData?: ExternalDataOptions;
  /** Tensors (initializers or Constant values, by name) written with float_data / int64_data instead of raw_data. */
  readonly typedFields?: 'all' | readonly string[];
  /** Write value_info with the static shape of every intermediate value. */
  readonly valueInfo?: boolean;
  /** List initializers as graph inputs too, as IR < 4 required and old exporters still do. */
  readonly initializersAsInputs?: boolean;
}

export interface Built {
  /** The model as a plain protobufjs object (the same content as `bytes`). */
  readonly model: onnx.ModelProto.$Properties;
  /** onnx.ModelProto.encode(model).finish(). */
  readonly bytes: Uint8Array;
  /** External data files by location, relative to the model file. */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** Runtime inputs (initializers listed as inputs are not included). */
  readonly inputs: readonly ValueDescription[];
  readonly outputs: readonly ValueDescription[];
  /** Every non-initializer value with the static shape the builder tracked for it. */
  readonly values: readonly ValueDescription[];
}

const ATTRIBUTE_TYPE = onnx.AttributeProto.AttributeType;
const textEncoder = new TextEncoder();

export function serialize(state: GraphState, options: BuildOptions = {}): Built {
  if (Array.isArray(options.typedFields)) {
    const known = new Set([...state.initializers, ...constantTensors(state.nodes)].map((t) => t.name));
    const unknown = options.typedFields.filter((name) => !known.has(name));
    if (unknown.length > 0) throw new Error(`typedFields: no tensor named ${unknown.join(', ')}`);
  }
  const typed = (tensor: TensorData) =>
    options.typedFields === 'all' || (options.typedFields?.includes(tensor.name) ?? false);
  const inlineStorage = (tensor: TensorData): TensorStorage => ({ kind: typed(tensor) ? 'typed' : 'raw' });
  const external = packExternal(state.initializers, options.externalData, typed);
  const initializer = state.initializers.map((t) =>
    tensorToProto(t, external.storage.get(t.name) ?? inlineStorage(t)),
  );

  const { options: model } = state;
  const graph: onnx.GraphProto.$Properties = {
    node: state.nodes.map((n) => nodeToProto(n, inlineStorage)),
    name: model.graphName,
    initializer,
    input: [
      ...state.inputs.map(valueInfo),
      ...(options.initializersAsInputs
        ? state.initializers.map((t) => valueInfo({ ...t, shape: t.dims }))
        : []),
    ],
    output: state.outputs.map(valueInfo),
  };
  if (model.graphDocString) graph.doc_string = model.graphDocString;
  if (options.valueInfo) graph.value_info = state.intermediates.map(valueInfo);

  const proto: onnx.ModelProto.$Properties = {
    ir_version: Long.fromNumber(model.irVersion),
    opset_import: [
      { domain: '', version: Long.fromNumber(model.opset) },
      ...[...new Set(state.functions.map((f) => f.domain))].map((domain) => ({
        domain,
        version: Long.fromNumber(1),
      })),
    ],
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    graph,
  };
  if (state.functions.length > 0)
    proto.functions = state.functions.map((f) => ({
      name: f.name,
      domain: f.domain,
      input: f.body.inputs.map((v) => v.name),
      output: f.body.outputs.map((v) => v.name),
      node: f.body.nodes.map((n) => nodeToProto(n, inlineStorage)),
      opset_import: [{ domain: '', version: Long.fromNumber(model.opset) }],
    }));
  if (model.docString) proto.doc_string = model.docString;
  if (model.metadata)
    proto.metadata_props = Object.entries(model.metadata).map(([key, value]) => ({ key, value }));

  const describe = (v: Value): ValueDescription => ({ name: v.name, shape: v.shape, dtype: v.dtype });
  return {
    model: proto,
    bytes: onnx.ModelProto.encode(proto).finish(),
    files: external.files,
    inputs: state.inputs.map(describe),
    outputs: state.outputs.map(describe),
    values: [...state.inputs, ...state.intermediates, ...state.outputs].map(describe),
  };
}

function constantTensors(nodes: readonly NodeSpec[]): TensorData[] {
  return nodes.flatMap((n) =>
    Object.values(n.attributes).flatMap((a) => (a.type === 'tensor' ? [a.value] : [])),
  );
}

/** Lays the large initializers out in one external file, in initializer order. */
function packExternal(
  initializers: readonly TensorData[],
  options: ExternalDataOptions | undefined,
  typed: (tensor: TensorData) => boolean,
): { storage: Map<string, TensorStorage>; files: Record<string, Uint8Array> } {
  const storage = new Map<string, TensorStorage>();
  if (!options) return { storage, files: {} };
  const threshold = options.threshold ?? 1024;
  const align = options.align ?? 1;
  const chunks: { offset: number; bytes: Uint8Array }[] = [];
  let end = 0;
  for (const tensor of initializers) {
    if (typed(tensor) || byteLength(tensor) < threshold) continue;
    const offset = Math.ceil(end / align) * align;
    const bytes = tensorBytes(tensor);
    chunks.push({ offset, bytes });
    storage.set(tensor.name, { kind: 'external', location: options.location, offset, length: bytes.length });
    end = offset + bytes.length;
  }
  const file = new Uint8Array(end);
  for (const chunk of chunks) file.set(chunk.bytes, chunk.offset);
  return { storage, files: chunks.length > 0 ? { [options.location]: file } : {} };
}

function nodeToProto(node: NodeSpec, storage: (t: TensorData) => TensorStorage): onnx.NodeProto.$Properties {
  const proto: onnx.NodeProto.$Properties = {
    input: [...node.inputs],
    output: [...node.outputs],
    name: node.name,
    op_type: node.opType,
    attribute: Object.entries(node.attributes).map(([name, value]) => attributeToProto(name, value, storage)),
  };
  if (node.domain) proto.domain = node.domain;
  if (node.docString) proto.doc_string = node.docString;
  return proto;
}

function attributeToProto(
  name: string,
  value: AttributeValue,
  storage: (t: TensorData) => TensorStorage,
): onnx.AttributeProto.$Properties {
  switch (value.type) {
    case 'int':
      return { name, type: ATTRIBUTE_TYPE.INT, i: Long.fromNumber(value.value) };
    case 'ints':
      return { name, type: ATTRIBUTE_TYPE.INTS, ints: value.value.map((v) => Long.fromNumber(v)) };
    case 'float':
      return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value.value };
    case 'floats':
      return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: [...value.value] };
    case 'string':
      return { name, type: ATTRIBUTE_TYPE.STRING, s: textEncoder.encode(value.value) };
    case 'tensor':
      return { name, type: ATTRIBUTE_TYPE.TENSOR, t: tensorToProto(value.value, storage(value.value)) };
    case 'graph':
      return { name, type: ATTRIBUTE_TYPE.GRAPH, g: subgraphToProto(value.value, storage) };
  }
}

/** A subgraph (its weights stored inline, as exporters write them). */
function subgraphToProto(
  spec: SubgraphSpec,
  storage: (t: TensorData) => TensorStorage,
): onnx.GraphProto.$Properties {
  return {
    name: spec.name,
    node: spec.nodes.map((n) => nodeToProto(n, storage)),
    initializer: spec.initializers.map((t) => tensorToProto(t, storage(t))),
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
  };
}

function valueInfo(value: { name: string; shape: readonly (number | string)[]; dtype: Value['dtype'] }) {
  const dim = value.shape.map((d) =>
    typeof d === 'number' ? { dim_value: Long.fromNumber(d) } : { dim_param: d },
  );
  const info: onnx.ValueInfoProto.$Properties = {
    name: value.name,
    type: { tensor_type: { elem_type: ONNX_ELEM_TYPE[value.dtype], shape: { dim } } },
  };
  return info;
}
