import Long from 'long';
import { onnx } from '../../src/core/onnx/proto/onnx.js';

/**
 * Hand-made models for the reader's edge cases (hostile lengths, nesting, unknown fields), written with
 * the generated protobufjs code directly so they do not depend on our writer.
 */
export function floatTensor(name: string, dims: number[], values?: number[]): onnx.TensorProto.$Properties {
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(values ?? Array.from({ length: count }, (_, i) => i / 10));
  return {
    name,
    data_type: 1,
    dims: dims.map((d) => Long.fromNumber(d)),
    raw_data: new Uint8Array(data.buffer),
  };
}

export function tensorInfo(name: string, dims: (number | string)[]): onnx.ValueInfoProto.$Properties {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: 1,
        shape: {
          dim: dims.map((d) =>
            typeof d === 'number' ? { dim_value: Long.fromNumber(d) } : { dim_param: d },
          ),
        },
      },
    },
  };
}

/** y = x + bias, with a [4] bias initializer: the smallest model that runs and has a weight. */
export function addBiasModel(extra: Partial<onnx.TensorProto.$Properties> = {}): onnx.ModelProto.$Properties {
  return {
    ir_version: Long.fromNumber(8),
    producer_name: 'test',
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: {
      name: 'g',
      node: [{ op_type: 'Add', name: '/Add', input: ['x', 'bias'], output: ['y'] }],
      initializer: [{ ...floatTensor('bias', [4], [1, 2, 3, 4]), ...extra }],
      input: [tensorInfo('x', [1, 4])],
      output: [tensorInfo('y', [1, 4])],
    },
  };
}

export function encodeModel(model: onnx.ModelProto.$Properties): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** A model whose graph nests `depth` If-subgraphs inside each other (hostile nesting). */
export function nestedGraphs(depth: number): onnx.ModelProto.$Properties {
  let graph: onnx.GraphProto.$Properties = { name: 'leaf' };
  for (let i = 0; i < depth; i++) {
    graph = {
      name: `g${i}`,
      node: [
        {
          op_type: 'If',
          input: ['c'],
          output: ['o'],
          attribute: [{ name: 'then_branch', type: 5, g: graph }],
        },
      ],
    };
  }
  return {
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph,
  };
}
