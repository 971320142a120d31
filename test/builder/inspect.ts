// Typed reading of encoded models for assertions. protobufjs's decode() returns class instances whose
// repeated and scalar fields always exist (defaults live on the prototypes), but the generated typings
// declare nested messages as the nullable $Properties shape; the casts here restore what decode() guarantees.
import { onnx } from '../../src/core/onnx/proto/onnx.js';

export interface DecodedGraph {
  readonly name: string;
  readonly doc_string: string;
  readonly node: onnx.NodeProto[];
  readonly initializer: onnx.TensorProto[];
  readonly input: onnx.ValueInfoProto[];
  readonly output: onnx.ValueInfoProto[];
  readonly value_info: onnx.ValueInfoProto[];
}

export interface DecodedModel {
  readonly model: onnx.ModelProto;
  readonly graph: DecodedGraph;
}

/** int64 fields decode to Long (or number when long.js is unavailable). */
export function toNumber(value: { toNumber(): number } | number | null | undefined): number {
  return typeof value === 'number' ? value : (value?.toNumber() ?? 0);
}

export function decodeModel(bytes: Uint8Array): DecodedModel {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new Error('model has no graph');
  return { model, graph: model.graph as unknown as DecodedGraph };
}

export function attributeOf(node: onnx.NodeProto, name: string): onnx.AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name) as onnx.AttributeProto | undefined;
}

export function stringAttribute(node: onnx.NodeProto, name: string): string | undefined {
  const found = attributeOf(node, name);
  return found ? new TextDecoder().decode(found.s) : undefined;
}

export function intAttribute(node: onnx.NodeProto, name: string): number | undefined {
  const found = attributeOf(node, name);
  return found ? toNumber(found.i) : undefined;
}

export function intsAttribute(node: onnx.NodeProto, name: string): number[] | undefined {
  return attributeOf(node, name)?.ints.map(toNumber);
}

/** Declared dims of a graph input/output/value_info: numbers, or dim_param names. */
export function declaredDims(info: onnx.ValueInfoProto): (number | string)[] {
  const dims = info.type?.tensor_type?.shape?.dim ?? [];
  return dims.map((d) => (d.dim_param ? d.dim_param : toNumber(d.dim_value)));
}

export function externalEntries(tensor: onnx.TensorProto): Record<string, string> {
  return Object.fromEntries(tensor.external_data.map((e) => [e.key ?? '', e.value ?? '']));
}
