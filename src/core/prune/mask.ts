import { withChanges } from '../onnx/edit';
import { DataType, dataTypeBits } from '../onnx/dataTypes';
import { toSafeNumber } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorBytes } from '../onnx/tensorData';
import type { MaskSpec } from './maskSpec';

/**
 * The masked original M_masked of design §6: a copy of the model in which the slices consumers read from
 * removed channels are zero. The tensors are rewritten in memory (verification runs on models that fit an
 * ONNX Runtime session anyway); everything else is copied from the source by the writer.
 */
export function maskModel(file: ModelFile, spec: MaskSpec): onnx.ModelProto.$Properties {
  const byTensor = new Map<string, MaskSpec['zero']>();
  for (const slice of spec.zero) byTensor.set(slice.tensor, [...(byTensor.get(slice.tensor) ?? []), slice]);
  const proto = file.proto;
  const graph = proto.graph!;
  const zeroed = (tensor: onnx.TensorProto.$Properties, slices: MaskSpec['zero']) => {
    const bits = dataTypeBits(tensor.data_type ?? 0);
    if (bits === undefined || bits < 8 || tensor.data_type === DataType.STRING) {
      throw new Error(`cannot mask tensor '${tensor.name}' of data type ${tensor.data_type}`);
    }
    const bytes = Uint8Array.from(readTensorBytes(file, tensor));
    const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
    const element = bits / 8;
    for (const slice of slices) zeroAlong(bytes, dims, element, slice.axis, slice.indices);
    const copy = withChanges(tensor, {});
    file.setTensorData(copy, [bytes]);
    return copy;
  };
  const initializer = (graph.initializer ?? []).map((t) => {
    const slices = byTensor.get(t.name ?? '');
    return slices
      ? zeroed(
          t,
          slices.filter((s) => s.source === 'initializer'),
        )
      : t;
  });
  const node = (graph.node ?? []).map((n) => {
    if (n.op_type !== 'Constant' || !n.output?.[0]) return n;
    const slices = byTensor.get(n.output[0])?.filter((s) => s.source === 'constant-node');
    if (!slices?.length) return n;
    const attribute = (n.attribute ?? []).map((a) =>
      a.name === 'value' && a.t ? withChanges(a, { t: zeroed(a.t, slices) }) : a,
    );
    return withChanges(n, { attribute });
  });
  return withChanges(proto as onnx.ModelProto.$Properties, {
    graph: withChanges(graph, { initializer, node }),
  });
}

/** Sets to zero the given indices along one axis of a dense row-major tensor. */
export function zeroAlong(
  bytes: Uint8Array,
  dims: number[],
  element: number,
  axis: number,
  indices: number[],
): void {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const size = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1) * element;
  for (let o = 0; o < outer; o++) {
    for (const i of indices) {
      const start = (o * size + i) * inner;
      bytes.fill(0, start, start + inner);
    }
  }
}
