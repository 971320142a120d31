/**
 * The part of the ONNX schema the lazy reader and the streaming writer walk by hand: the messages on the
 * way from ModelProto to every TensorProto ("containers"), and the TensorProto fields that hold element
 * data ("payload"). Everything else is decoded and encoded by the generated protobufjs code.
 */
import type protobuf from 'protobufjs/minimal.js';
import { onnx } from './proto/onnx.js';

export type ContainerType =
  'Model' | 'Graph' | 'Node' | 'Attribute' | 'Function' | 'TrainingInfo' | 'SparseTensor' | 'Tensor';

export interface FieldInfo {
  readonly no: number;
  readonly name: string;
  readonly repeated: boolean;
  /** Set for fields whose value is another container message. */
  readonly container?: ContainerType;
  /** Set for TensorProto element-data fields, which the reader leaves on disk. */
  readonly payload?: boolean;
  /**
   * Set for the leaf fields the structure walk decodes itself as it meets them (read once, not once to walk
   * and again by the generated decoder): strings, a tensor's data type, a tensor's packed dims. The common
   * fields of nodes and tensors, which a large graph has tens of thousands of.
   */
  readonly walked?: WalkedField;
}

export type WalkedField = 'string' | 'int32' | 'int64s';

function field(no: number, name: string, repeated: boolean, container?: ContainerType): FieldInfo {
  return container ? { no, name, repeated, container } : { no, name, repeated };
}

const leaf = (no: number, name: string, repeated = false) => field(no, name, repeated);
const walked = (no: number, name: string, kind: WalkedField, repeated = false): FieldInfo => ({
  no,
  name,
  repeated,
  walked: kind,
});
const text = (no: number, name: string, repeated = false) => walked(no, name, 'string', repeated);
const payload = (no: number, name: string, repeated: boolean): FieldInfo => ({
  no,
  name,
  repeated,
  payload: true,
});

/** Every field of each container message, in field-number order (the order the writer emits them in). */
export const CONTAINER_FIELDS: Record<ContainerType, readonly FieldInfo[]> = {
  Model: [
    leaf(1, 'ir_version'),
    leaf(2, 'producer_name'),
    leaf(3, 'producer_version'),
    leaf(4, 'domain'),
    leaf(5, 'model_version'),
    leaf(6, 'doc_string'),
    field(7, 'graph', false, 'Graph'),
    leaf(8, 'opset_import', true),
    leaf(14, 'metadata_props', true),
    field(20, 'training_info', true, 'TrainingInfo'),
    field(25, 'functions', true, 'Function'),
    leaf(26, 'configuration', true),
  ],
  Graph: [
    field(1, 'node', true, 'Node'),
    leaf(2, 'name'),
    field(5, 'initializer', true, 'Tensor'),
    leaf(10, 'doc_string'),
    leaf(11, 'input', true),
    leaf(12, 'output', true),
    leaf(13, 'value_info', true),
    leaf(14, 'quantization_annotation', true),
    field(15, 'sparse_initializer', true, 'SparseTensor'),
    leaf(16, 'metadata_props', true),
  ],
  Node: [
    text(1, 'input', true),
    text(2, 'output', true),
    text(3, 'name'),
    text(4, 'op_type'),
    field(5, 'attribute', true, 'Attribute'),
    text(6, 'doc_string'),
    text(7, 'domain'),
    text(8, 'overload'),
    leaf(9, 'metadata_props', true),
    leaf(10, 'device_configurations', true),
  ],
  Attribute: [
    leaf(1, 'name'),
    leaf(2, 'f'),
    leaf(3, 'i'),
    leaf(4, 's'),
    field(5, 't', false, 'Tensor'),
    field(6, 'g', false, 'Graph'),
    leaf(7, 'floats', true),
    leaf(8, 'ints', true),
    leaf(9, 'strings', true),
    field(10, 'tensors', true, 'Tensor'),
    field(11, 'graphs', true, 'Graph'),
    leaf(13, 'doc_string'),
    leaf(14, 'tp'),
    leaf(15, 'type_protos', true),
    leaf(20, 'type'),
    leaf(21, 'ref_attr_name'),
    field(22, 'sparse_tensor', false, 'SparseTensor'),
    field(23, 'sparse_tensors', true, 'SparseTensor'),
  ],
  Function: [
    leaf(1, 'name'),
    leaf(4, 'input', true),
    leaf(5, 'output', true),
    leaf(6, 'attribute', true),
    field(7, 'node', true, 'Node'),
    leaf(8, 'doc_string'),
    leaf(9, 'opset_import', true),
    leaf(10, 'domain'),
    field(11, 'attribute_proto', true, 'Attribute'),
    leaf(12, 'value_info', true),
    leaf(13, 'overload'),
    leaf(14, 'metadata_props', true),
  ],
  TrainingInfo: [
    field(1, 'initialization', false, 'Graph'),
    field(2, 'algorithm', false, 'Graph'),
    leaf(3, 'initialization_binding', true),
    leaf(4, 'update_binding', true),
  ],
  SparseTensor: [
    field(1, 'values', false, 'Tensor'),
    field(2, 'indices', false, 'Tensor'),
    leaf(3, 'dims', true),
  ],
  Tensor: [
    walked(1, 'dims', 'int64s', true),
    walked(2, 'data_type', 'int32'),
    leaf(3, 'segment'),
    payload(4, 'float_data', true),
    payload(5, 'int32_data', true),
    payload(6, 'string_data', true),
    payload(7, 'int64_data', true),
    text(8, 'name'),
    payload(9, 'raw_data', false),
    payload(10, 'double_data', true),
    payload(11, 'uint64_data', true),
    text(12, 'doc_string'),
    leaf(13, 'external_data', true),
    leaf(14, 'data_location'),
    leaf(16, 'metadata_props', true),
  ],
};

/** The generated encoder of each container type, used to encode its leaf fields. */
export const ENCODERS: Record<ContainerType, { encode(message: object): { finish(): Uint8Array } }> = {
  Model: onnx.ModelProto,
  Graph: onnx.GraphProto,
  Node: onnx.NodeProto,
  Attribute: onnx.AttributeProto,
  Function: onnx.FunctionProto,
  TrainingInfo: onnx.TrainingInfoProto,
  SparseTensor: onnx.SparseTensorProto,
  Tensor: onnx.TensorProto,
};

/**
 * The generated class of each container type, as the reader uses it: a new message, and the generated
 * decoder run over some of the message's fields into an existing message. `decode`'s last three parameters
 * are the generated code's own (the end-group tag, the nesting depth that protobufjs limits, and the message
 * to decode into, which is how it merges a singular message field met twice), left out of its typings.
 */
export interface MessageClass {
  new (): object;
  decode(reader: protobuf.Reader, length: number, endGroup: undefined, depth: number, into: object): object;
}

export const MESSAGE_CLASSES: Record<ContainerType, MessageClass> = {
  Model: onnx.ModelProto as unknown as MessageClass,
  Graph: onnx.GraphProto as unknown as MessageClass,
  Node: onnx.NodeProto as unknown as MessageClass,
  Attribute: onnx.AttributeProto as unknown as MessageClass,
  Function: onnx.FunctionProto as unknown as MessageClass,
  TrainingInfo: onnx.TrainingInfoProto as unknown as MessageClass,
  SparseTensor: onnx.SparseTensorProto as unknown as MessageClass,
  Tensor: onnx.TensorProto as unknown as MessageClass,
};

/** The TensorProto fields that hold element data, in field-number order. */
export const PAYLOAD_FIELDS = CONTAINER_FIELDS.Tensor.filter((f) => f.payload).map(
  (f) => f.name,
) as readonly (
  'float_data' | 'int32_data' | 'string_data' | 'int64_data' | 'raw_data' | 'double_data' | 'uint64_data'
)[];
