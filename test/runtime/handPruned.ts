// Models "pruned" by hand, for testing verify without the pruner: zero or remove channels of float32
// initializers (raw_data, as the builder writes them), attach a mask spec, rename things. Each returns a
// new protobufjs object; the input is never changed.
import Long from 'long';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { MASK_METADATA_KEY, type MaskSlice, type MaskSpec } from '../../src/core/prune/maskSpec';
import type { Built } from '../builder';

export type Model = onnx.ModelProto.$Properties;

export function encode(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

function copy(model: Model): Model {
  return onnx.ModelProto.decode(encode(model)) as Model;
}

function floats(tensor: onnx.TensorProto.$Properties): { data: Float32Array; dims: number[] } {
  if (tensor.data_type !== 1 || !tensor.raw_data) throw new Error(`${tensor.name}: not a raw float32 tensor`);
  const raw = Uint8Array.from(tensor.raw_data);
  return { data: new Float32Array(raw.buffer), dims: (tensor.dims ?? []).map(Number) };
}

function initializer(model: Model, name: string): onnx.TensorProto.$Properties {
  const tensor = model.graph!.initializer!.find((t) => t.name === name);
  if (!tensor) throw new Error(`no initializer ${name}`);
  return tensor;
}

/** Visits the flat offsets of every element whose coordinate on `axis` is `index`. */
function forSlice(dims: number[], axis: number, index: number, visit: (offset: number) => void): void {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    const start = (o * dims[axis] + index) * inner;
    for (let i = 0; i < inner; i++) visit(start + i);
  }
}

/** The model with one initializer slice set to zero (what a mask spec's slice describes). */
export function zeroChannels(model: Model, slice: MaskSlice): Model {
  const out = copy(model);
  const tensor = initializer(out, slice.tensor);
  const { data, dims } = floats(tensor);
  for (const index of slice.indices) forSlice(dims, slice.axis, index, (at) => (data[at] = 0));
  tensor.raw_data = new Uint8Array(data.buffer);
  return out;
}

/** The model with the given indices of `axis` cut out of one initializer (true pruning of that tensor). */
export function removeChannels(model: Model, name: string, axis: number, remove: number[]): Model {
  const out = copy(model);
  const tensor = initializer(out, name);
  const { data, dims } = floats(tensor);
  const keep = Array.from({ length: dims[axis] }, (_, i) => i).filter((i) => !remove.includes(i));
  const kept: number[] = [];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++)
    for (const k of keep) {
      const start = (o * dims[axis] + k) * inner;
      kept.push(...data.subarray(start, start + inner));
    }
  tensor.raw_data = new Uint8Array(Float32Array.from(kept).buffer);
  tensor.dims = dims.map((d, i) => Long.fromNumber(i === axis ? keep.length : d));
  return out;
}

export function withMaskSpec(model: Model, spec: MaskSpec): Model {
  const out = copy(model);
  out.metadata_props = [
    ...(out.metadata_props ?? []),
    { key: MASK_METADATA_KEY, value: JSON.stringify(spec) },
  ];
  return out;
}

export function renameInput(model: Model, name: string): Model {
  const out = copy(model);
  const old = out.graph!.input![0].name!;
  out.graph!.input![0].name = name;
  for (const node of out.graph!.node!) node.input = node.input!.map((i) => (i === old ? name : i));
  return out;
}

export function withOpType(model: Model, nodeName: string, opType: string): Model {
  const out = copy(model);
  const node = out.graph!.node!.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node ${nodeName}`);
  node.op_type = opType;
  return out;
}

/** A built model whose external-data tensors hold their bytes in raw_data instead (one self-contained file). */
export function inlineExternalData(built: Built): Model {
  const out = copy(built.model);
  for (const tensor of out.graph!.initializer!) {
    if (tensor.data_location !== 1) continue;
    const entry = (key: string) => tensor.external_data!.find((e) => e.key === key)?.value;
    const offset = Number(entry('offset') ?? 0);
    const length = Number(entry('length'));
    tensor.raw_data = built.files[entry('location')!].slice(offset, offset + length);
    tensor.data_location = 0;
    tensor.external_data = [];
  }
  return out;
}
