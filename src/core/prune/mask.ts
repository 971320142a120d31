import { withChanges } from '../onnx/edit';
import { appendTo } from '../lists';
import { DataType, dataTypeBits } from '../onnx/dataTypes';
import { toLong, toSafeNumber } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import type { ByteSource } from '../onnx/byteSource';
import type { LazyChunk } from '../onnx/dataChunk';
import { readTensorAsNumbers, readTensorBytes, tensorBytesSource } from '../onnx/tensorData';
import type { MaskSpec } from './maskSpec';
import { toRuns } from './slice';

/**
 * The masked original M_masked of design §6: a copy of the model in which the slices consumers read from
 * removed channels are zero. A masked tensor's data is zeroed as the writer copies it from the source (a
 * quantised weight's, set to its zero point, in memory), so `file` must stay open until the model is written;
 * everything else is copied as it is.
 */
export function maskModel(file: ModelFile, spec: MaskSpec): onnx.ModelProto.$Properties {
  const byTensor = new Map<string, MaskSpec['zero']>();
  // In place: a pruned model's spec is as hostile as the model (40,000 slices of one tensor took 47 s copied).
  for (const slice of spec.zero) appendTo(byTensor, slice.tensor, slice);
  const proto = file.proto;
  const graph = proto.graph!;
  const zeroPoints = zeroPointsOf(file, graph);
  const zeroed = (tensor: onnx.TensorProto.$Properties, slices: MaskSpec['zero']) => {
    const bits = dataTypeBits(tensor.data_type ?? 0);
    if (bits === undefined || bits < 8 || tensor.data_type === DataType.STRING) {
      throw new Error(`cannot mask tensor '${tensor.name}' of data type ${tensor.data_type}`);
    }
    const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
    const element = bits / 8;
    const zeroPoint = zeroPoints.get(tensor.name ?? '');
    const copy = withChanges(tensor, {});
    if (!zeroPoint) {
      // Zeroed as it is written, a piece at a time: VGG-16's masked original is 553 MB, and a copy of every
      // weight in memory (fresh pages, filled and then written) took most of a verification's time.
      const { source, base } = tensorBytesSource(file, tensor);
      const length = dims.reduce((a, b) => a * b, 1) * element;
      const zeros = slices.map((slice) => new ZeroIntervals(dims, element, slice.axis, slice.indices));
      file.setTensorData(copy, [new MaskedData(source, base, length, zeros)]);
      return copy;
    }
    const bytes = readTensorBytes(file, tensor).slice(); // a copy: a source in memory hands out views
    for (const slice of slices) fillAlong(bytes, dims, element, slice.axis, slice.indices, zeroPoint);
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
    const output = n.output?.[0];
    if (!output || (n.domain ?? '') !== '') return n;
    if (n.op_type === 'ConstantOfShape') {
      const slices = byTensor.get(output)?.filter((s) => s.source === 'constant-of-shape');
      if (!slices?.length) return n;
      // The filled tensor, materialised so its slices can be zeroed, in a Constant node of the same output.
      const value = constantTensor(zeroed(filledTensor(file, graph, n), slices));
      return {
        name: n.name,
        op_type: 'Constant',
        domain: '',
        input: [],
        output: [output],
        attribute: [value],
      };
    }
    if (n.op_type !== 'Constant') return n;
    const slices = byTensor.get(output)?.filter((s) => s.source === 'constant-node');
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

const TENSOR_ATTRIBUTE = 4; // AttributeProto.AttributeType.TENSOR

function constantTensor(t: onnx.TensorProto.$Properties): onnx.AttributeProto.$Properties {
  return { name: 'value', type: TENSOR_ATTRIBUTE, t };
}

/**
 * What a ConstantOfShape node makes, as a dense tensor (its data attached to the file): its shape input (an
 * initializer or a Constant) read, its `value` (one element; float 0 without it) repeated. Used where a weight
 * made this way must be masked; throws when its shape is not a constant, or it is too large to build or of a
 * type that cannot be masked.
 */
export function filledTensor(
  file: ModelFile,
  graph: onnx.GraphProto.$Properties,
  node: onnx.NodeProto.$Properties,
): onnx.TensorProto.$Properties {
  const output = node.output?.[0] ?? '';
  const dims = constantOfShapeDims(file, graph, node);
  if (!dims) throw new Error(`cannot mask '${output}': the shape of its ConstantOfShape is not a constant`);
  const value = (node.attribute ?? []).find((a) => a.name === 'value')?.t;
  const dataType = value?.data_type ?? DataType.FLOAT;
  const bits = dataTypeBits(dataType);
  if (bits === undefined || bits < 8 || dataType === DataType.STRING)
    throw new Error(`cannot mask '${output}' of data type ${dataType}`);
  const size = bits / 8;
  const element = value ? readTensorBytes(file, value).subarray(0, size) : new Uint8Array(size);
  const count = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count < 0 || count * size > MAX_MATERIALISED_BYTES)
    throw new Error(
      `cannot mask '${output}': its ConstantOfShape of shape [${dims.join(', ')}] is too large to build`,
    );
  const bytes = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) bytes.set(element, i * size);
  const tensor: onnx.TensorProto.$Properties = {
    name: output,
    data_type: dataType,
    dims: dims.map((d) => toLong(d)),
  };
  file.setTensorData(tensor, [bytes]);
  return tensor;
}

/** The dims a ConstantOfShape makes, when its shape input is an initializer or a Constant node. */
export function constantOfShapeDims(
  file: ModelFile,
  graph: onnx.GraphProto.$Properties,
  node: onnx.NodeProto.$Properties,
): number[] | undefined {
  const shapeName = node.input?.[0] ?? '';
  const shapeTensor =
    (graph.initializer ?? []).find((t) => t.name === shapeName) ??
    (graph.node ?? [])
      .find((n) => n.op_type === 'Constant' && n.output?.[0] === shapeName)
      ?.attribute?.find((a) => a.name === 'value')?.t ??
    undefined;
  return shapeTensor ? readTensorAsNumbers(file, shapeTensor) : undefined;
}

/** The largest weight the masked original materialises from a ConstantOfShape (a tensor's own limit). */
const MAX_MATERIALISED_BYTES = 2 ** 31 - 1;

/** Bytes of a masked tensor produced at a time (a weight of hundreds of megabytes is never in memory whole). */
const PIECE = 1 << 20;

/**
 * A tensor's data with slices set to zero, produced piece by piece from its stored bytes when the model is
 * written. The source is only read: the pieces are this chunk's own buffer.
 */
class MaskedData implements LazyChunk {
  constructor(
    private readonly source: ByteSource,
    private readonly base: number,
    readonly length: number,
    private readonly zeros: readonly ZeroIntervals[],
  ) {}

  produce(use: (bytes: Uint8Array) => void): void {
    const piece = new Uint8Array(Math.min(PIECE, this.length));
    for (const zeros of this.zeros) zeros.rewind();
    for (let at = 0; at < this.length; at += piece.length) {
      const n = Math.min(piece.length, this.length - at);
      const view = n === piece.length ? piece : piece.subarray(0, n);
      this.source.readInto(this.base + at, piece, 0, n);
      for (const zeros of this.zeros) zeros.zero(view, at);
      use(view);
    }
  }
}

/**
 * The byte ranges of a dense row-major tensor that hold the given indices of one axis, in ascending order:
 * for each index of the axes before it, one range per run of consecutive indices (a flattened channel is tens
 * of consecutive features of a Gemm weight: one range, not one per feature). Walked once per write, in step
 * with the pieces.
 */
export class ZeroIntervals {
  private readonly outer: number;
  private readonly size: number;
  /** Bytes of one index of the axis. */
  private readonly inner: number;
  /** [first index, count] runs, ascending and distinct. */
  private readonly runs: [number, number][];
  private o = 0;
  private r = 0;

  constructor(dims: readonly number[], element: number, axis: number, indices: readonly number[]) {
    this.outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    this.size = dims[axis];
    this.inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1) * element;
    this.runs = toRuns([...new Set(indices)].sort((a, b) => a - b));
  }

  rewind(): void {
    this.o = 0;
    this.r = 0;
  }

  /** Zeroes what falls in `view`, which holds the tensor's bytes from `at`; pieces come in order. */
  zero(view: Uint8Array, at: number): void {
    const end = at + view.length;
    const { runs, size, inner, outer } = this;
    while (this.o < outer && runs.length > 0) {
      const [first, count] = runs[this.r];
      const from = (this.o * size + first) * inner;
      if (from >= end) return;
      const to = from + count * inner;
      view.fill(0, Math.max(from, at) - at, Math.min(to, end) - at);
      if (to > end) return; // it goes on in the next piece
      this.r++;
      if (this.r === runs.length) {
        this.r = 0;
        this.o++;
      }
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

/** Stores each element's zero point at the given indices along one axis of a dense row-major tensor. */
function fillAlong(
  bytes: Uint8Array,
  dims: number[],
  element: number,
  axis: number,
  indices: readonly number[],
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
