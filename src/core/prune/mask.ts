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
  const zeroPoints = zeroPointsOf(file, graph);
  const zeroed = (tensor: onnx.TensorProto.$Properties, slices: MaskSpec['zero']) => {
    const bits = dataTypeBits(tensor.data_type ?? 0);
    if (bits === undefined || bits < 8 || tensor.data_type === DataType.STRING) {
      throw new Error(`cannot mask tensor '${tensor.name}' of data type ${tensor.data_type}`);
    }
    const bytes = Uint8Array.from(readTensorBytes(file, tensor));
    const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
    const element = bits / 8;
    const zeroPoint = zeroPoints.get(tensor.name ?? '');
    for (const slice of slices) {
      if (zeroPoint) fillAlong(bytes, dims, element, slice.axis, slice.indices, zeroPoint);
      else zeroAlong(bytes, dims, element, slice.axis, slice.indices);
    }
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

/** A quantised weight's zero point: the stored value that dequantises to 0, per element along `axis`. */
interface ZeroPoint {
  bytes: Uint8Array;
  /** −1 for a per-tensor zero point. */
  axis: number;
}

/**
 * The zero points of weights read through DequantizeLinear: masking a quantised weight must store its zero
 * point (which dequantises to 0), not the byte 0, or an asymmetric (uint8, zero point 128) weight would be
 * masked to −128 × scale.
 */
function zeroPointsOf(file: ModelFile, graph: onnx.GraphProto.$Properties): Map<string, ZeroPoint> {
  const result = new Map<string, ZeroPoint>();
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const node of graph.node ?? []) {
    if (node.op_type !== 'DequantizeLinear' || (node.domain ?? '') !== '') continue;
    const [weight, , zeroPointName] = node.input ?? [];
    const zeroPoint = zeroPointName ? initializers.get(zeroPointName) : undefined;
    const target = weight ? initializers.get(weight) : undefined;
    if (!zeroPoint || !target) continue;
    const count = (zeroPoint.dims ?? []).reduce<number>((n, d) => n * toSafeNumber(d), 1);
    const rank = target.dims?.length ?? 0;
    let axis = toSafeNumber(node.attribute?.find((a) => a.name === 'axis')?.i ?? 1);
    if (axis < 0) axis += rank;
    const perAxis = count > 1;
    if (perAxis && (node.attribute ?? []).some((a) => a.name === 'block_size' && toSafeNumber(a.i ?? 0) > 0))
      throw new Error(`cannot mask '${weight}': blocked quantisation is not supported`);
    result.set(weight!, { bytes: readTensorBytes(file, zeroPoint), axis: perAxis ? axis : -1 });
  }
  return result;
}

/** Like zeroAlong, but stores each element's zero point. */
function fillAlong(
  bytes: Uint8Array,
  dims: number[],
  element: number,
  axis: number,
  indices: number[],
  zeroPoint: ZeroPoint,
): void {
  const strides = dims.map((_, d) => dims.slice(d + 1).reduce((a, b) => a * b, 1));
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const size = dims[axis];
  const inner = strides[axis];
  for (let o = 0; o < outer; o++) {
    for (const i of indices) {
      const first = (o * size + i) * inner;
      for (let e = first; e < first + inner; e++) {
        const q = zeroPoint.axis < 0 ? 0 : Math.floor(e / strides[zeroPoint.axis]) % dims[zeroPoint.axis];
        bytes.set(zeroPoint.bytes.subarray(q * element, (q + 1) * element), e * element);
      }
    }
  }
}
