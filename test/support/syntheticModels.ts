import Long from 'long';
import { openModelBytes } from '../../src/core/onnx/reader';
import { writeModel } from '../../src/core/onnx/writer';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { SyntheticFloatSource } from './syntheticSource';

type Tensor = onnx.TensorProto.$Properties;
type Node = onnx.NodeProto.$Properties;

const FLOAT = 1;

/**
 * Large models for the benchmark and the >2 GiB test, written by streaming synthetic weights through our
 * own writer (protobufjs cannot encode a message over 2 GiB, and the benchmark must not need the RAM).
 */
export interface SyntheticModel {
  graph: { nodes: Node[]; initializers: Tensor[]; input: number[]; output: number[] };
}

function tensor(name: string, dims: number[]): Tensor {
  return { name, data_type: FLOAT, dims: dims.map((d) => Long.fromNumber(d)) };
}

function attr(name: string, value: number | number[]): onnx.AttributeProto.$Properties {
  return Array.isArray(value)
    ? { name, type: 7, ints: value.map((v) => Long.fromNumber(v)) }
    : { name, type: 2, i: Long.fromNumber(value) };
}

function valueInfo(name: string, dims: number[]): onnx.ValueInfoProto.$Properties {
  return {
    name,
    type: {
      tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => ({ dim_value: Long.fromNumber(d) })) } },
    },
  };
}

/** VGG-16 (ImageNet): 13 convs, 5 pools, 3 fully connected layers; 138 M parameters, about 553 MB. */
export function vgg16(): onnx.ModelProto.$Properties {
  const plan: (number | 'M')[] = [
    64,
    64,
    'M',
    128,
    128,
    'M',
    256,
    256,
    256,
    'M',
    512,
    512,
    512,
    'M',
    512,
    512,
    512,
    'M',
  ];
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  let x = 'input';
  let channels = 3;
  let i = 0;
  for (const step of plan) {
    i++;
    if (step === 'M') {
      nodes.push({
        op_type: 'MaxPool',
        name: `/features.${i}/MaxPool`,
        input: [x],
        output: [`pool${i}`],
        attribute: [attr('kernel_shape', [2, 2]), attr('strides', [2, 2])],
      });
      x = `pool${i}`;
      continue;
    }
    const w = tensor(`features.${i}.weight`, [step, channels, 3, 3]);
    const b = tensor(`features.${i}.bias`, [step]);
    initializers.push(w, b);
    nodes.push({
      op_type: 'Conv',
      name: `/features.${i}/Conv`,
      input: [x, w.name!, b.name!],
      output: [`conv${i}`],
      attribute: [attr('kernel_shape', [3, 3]), attr('pads', [1, 1, 1, 1])],
    });
    nodes.push({ op_type: 'Relu', name: `/features.${i}/Relu`, input: [`conv${i}`], output: [`relu${i}`] });
    x = `relu${i}`;
    channels = step;
  }
  nodes.push({
    op_type: 'Flatten',
    name: '/Flatten',
    input: [x],
    output: ['flat'],
    attribute: [attr('axis', 1)],
  });
  x = 'flat';
  const fcs: [number, number][] = [
    [25088, 4096],
    [4096, 4096],
    [4096, 1000],
  ];
  fcs.forEach(([inF, outF], k) => {
    const w = tensor(`classifier.${k}.weight`, [outF, inF]);
    const b = tensor(`classifier.${k}.bias`, [outF]);
    initializers.push(w, b);
    nodes.push({
      op_type: 'Gemm',
      name: `/classifier.${k}/Gemm`,
      input: [x, w.name!, b.name!],
      output: [`fc${k}`],
      attribute: [attr('transB', 1)],
    });
    x = `fc${k}`;
    if (k < 2) {
      nodes.push({ op_type: 'Relu', name: `/classifier.${k}/Relu`, input: [x], output: [`fcrelu${k}`] });
      x = `fcrelu${k}`;
    }
  });
  return model(nodes, initializers, valueInfo('input', [1, 3, 224, 224]), valueInfo(x, [1, 1000]));
}

/** A long chain of Conv → BatchNormalization → Relu blocks: `blocks` × 3 + 1 nodes. */
export function convChain(blocks: number, channels = 24): onnx.ModelProto.$Properties {
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  let x = 'input';
  for (let i = 0; i < blocks; i++) {
    const w = tensor(`block${i}.conv.weight`, [channels, channels, 3, 3]);
    const bn = ['scale', 'bias', 'mean', 'var'].map((p) => tensor(`block${i}.bn.${p}`, [channels]));
    initializers.push(w, ...bn);
    nodes.push({
      op_type: 'Conv',
      name: `/block${i}/Conv`,
      input: [x, w.name!],
      output: [`c${i}`],
      attribute: [attr('kernel_shape', [3, 3]), attr('pads', [1, 1, 1, 1])],
    });
    nodes.push({
      op_type: 'BatchNormalization',
      name: `/block${i}/BatchNormalization`,
      input: [`c${i}`, ...bn.map((t) => t.name!)],
      output: [`b${i}`],
    });
    nodes.push({ op_type: 'Relu', name: `/block${i}/Relu`, input: [`b${i}`], output: [`r${i}`] });
    x = `r${i}`;
  }
  nodes.push({
    op_type: 'GlobalAveragePool',
    name: '/pool/GlobalAveragePool',
    input: [x],
    output: ['output'],
  });
  return model(
    nodes,
    initializers,
    valueInfo('input', [1, channels, 16, 16]),
    valueInfo('output', [1, channels, 1, 1]),
  );
}

/** `tensors` float initializers of `bytesEach` bytes summed by a Sum node: a model of any size (>2 GiB tests). */
export function bigInitializers(tensors: number, bytesEach: number): onnx.ModelProto.$Properties {
  const count = bytesEach / 4;
  const weights = Array.from({ length: tensors }, (_, i) => tensor(`big${i}`, [count]));
  const nodes: Node[] = [
    { op_type: 'Sum', name: '/Sum', input: weights.map((w) => w.name!), output: ['output'] },
  ];
  return model(nodes, weights, undefined, valueInfo('output', [count]));
}

function model(
  nodes: Node[],
  initializers: Tensor[],
  input: onnx.ValueInfoProto.$Properties | undefined,
  output: onnx.ValueInfoProto.$Properties,
): onnx.ModelProto.$Properties {
  return {
    ir_version: Long.fromNumber(8),
    producer_name: 'onnx-pruner-bench',
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: {
      name: 'synthetic',
      node: nodes,
      initializer: initializers,
      input: input ? [input] : [],
      output: [output],
    },
  };
}

/**
 * Writes `proto` to `path` with every initializer's data streamed from a synthetic source: the structure
 * is encoded by protobufjs (it is small), the weights are attached as byte ranges and written by our writer.
 */
export function writeSynthetic(proto: onnx.ModelProto.$Properties, path: string, seed = 1): number {
  const structure = openModelBytes(onnx.ModelProto.encode(proto).finish(), 'synthetic');
  const graph = structure.proto.graph!;
  const initializers = graph.initializer!.map((t) => {
    const copy: Tensor = { ...t };
    const bytes = copy.dims!.reduce((n, d) => n * Number(d), 4);
    const source = new SyntheticFloatSource(bytes, seed++);
    structure.setTensorData(copy, [{ source, start: 0, end: bytes }]);
    return copy;
  });
  const full = { ...structure.proto, graph: { ...graph, initializer: initializers } };
  return writeModel(structure, full, path).bytes;
}
