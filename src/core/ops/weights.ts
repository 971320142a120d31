import type { GroupMember } from '../analyze/types';
import type { Dim, NodeView } from '../onnx/modelView';
import type { ChannelState } from '../deps/state';
import { isRewritableInteger } from '../onnx/dataTypes';
import { toSafeNumber } from '../onnx/int64';
import type { onnx } from '../onnx/proto/onnx.js';
import { tensorShape } from '../graph/tensorShape';

/** A weight as a rule sees it: where it is stored, its shape, and companions that slice with it. */
export interface Weight {
  /** The tensor to slice (initializer name, or the value a Constant / ConstantOfShape node makes). */
  tensor: string;
  source: NonNullable<GroupMember['source']>;
  shape: Dim[] | undefined;
  /** The dims of `tensor` when it is an initializer: a member made of this weight needn't look them up. */
  dims: Dim[] | undefined;
  /** Quantisation parameters that slice along with the weight (per-axis DequantizeLinear). */
  companions: readonly Companion[];
  /** Set when the weight is quantised per tensor or per axis along `axis`. */
  quantizedAxis?: number;
}

export interface Companion {
  tensor: string;
  axis: number;
  kind: 'quantisation-parameter';
  label: string;
}

/** Shared by every weight without companions (nearly all of them). */
const NO_COMPANIONS: readonly Companion[] = [];

/**
 * Finds where a node input's weight really lives: an initializer, a Constant or ConstantOfShape node, through
 * Identity aliases (some exporters write those) and DequantizeLinear of a quantised initializer. Undefined when
 * the input is computed at run time: a rule must then not slice it.
 */
export function resolveWeight(state: ChannelState, value: string | undefined, depth = 0): Weight | undefined {
  return resolve(state, value, depth, true);
}

/**
 * An integer constant the prune can rewrite (a shape target, sizes, bounds): an initializer or a Constant node,
 * through Identity. Undefined when the value is computed at run time.
 */
export function resolveConstant(state: ChannelState, value: string | undefined): Weight | undefined {
  const weight = resolve(state, value, 0, false);
  if (weight?.source !== 'initializer' && weight?.source !== 'constant-node') return undefined;
  // The prune rewrites int64 and int32 constants only (prune/constantEdits.ts): one of another type (a damaged
  // data type) is left alone, and whatever it shapes is locked as a computed shape is.
  return rewritableConstant(state, weight) ? weight : undefined;
}

/**
 * Whether the prune can rewrite this initializer or Constant node (int64 or int32: prune/constantEdits.ts).
 * Other sources are not constants it rewrites: true, left to their own checks.
 */
export function rewritableConstant(state: ChannelState, weight: Pick<Weight, 'tensor' | 'source'>): boolean {
  if (weight.source !== 'initializer' && weight.source !== 'constant-node') return true;
  if (weight.source === 'initializer')
    return isRewritableInteger(state.graph.initializer(weight.tensor)?.data_type);
  const producer = state.graph.producer(weight.tensor);
  const tensor = producer?.attributes.get('value')?.t;
  return tensor ? isRewritableInteger(tensor.data_type) : producer?.attributes.has('value_ints') === true;
}

/**
 * resolveWeight for rules that slice a weight along axis 0 whatever its shape (BatchNormalization's four
 * per-channel inputs): `shape` stays undefined, so a Constant's facts are not worked out; an initializer's
 * dims are checked before they are read.
 */
export function resolveWeightSource(state: ChannelState, value: string | undefined): Weight | undefined {
  return resolve(state, value, 0, false);
}

/**
 * resolveWeight of a node's input i: the same weight, found by the input's place in the graph rather than by
 * its name (the rules of the layers every model is made of ask for tens of thousands of them).
 */
export function resolveInputWeight(state: ChannelState, node: NodeView, i: number): Weight | undefined {
  return resolve(state, node.inputs[i], 0, true, node, i);
}

/** resolveWeightSource of a node's input i (see resolveInputWeight). */
export function resolveInputSource(state: ChannelState, node: NodeView, i: number): Weight | undefined {
  return resolve(state, node.inputs[i], 0, false, node, i);
}

/** `node` and `input`: where `value` is read, when it is a node's input (found by its place, see above). */
function resolve(
  state: ChannelState,
  value: string | undefined,
  depth: number,
  withShape: boolean,
  node?: NodeView,
  input = -1,
): Weight | undefined {
  if (!value || depth > 8) return undefined;
  const graph = state.graph;
  const initializer = node ? graph.inputInitializer(node, input) : graph.initializer(value);
  if (initializer) {
    // Without its shape, a weight's dims are still checked: a broken one fails here as it would there.
    if (!withShape) checkDims(initializer);
    const dims = tensorShape(initializer);
    return {
      tensor: value,
      source: 'initializer',
      shape: withShape ? dims : undefined,
      dims,
      companions: NO_COMPANIONS,
    };
  }
  const shape = withShape ? state.shape(value) : undefined;
  const producer = node ? graph.inputProducer(node, input) : graph.producer(value);
  if (!producer || producer.domain !== '') return undefined;
  switch (producer.opType) {
    case 'Constant':
      return { tensor: value, source: 'constant-node', shape, dims: undefined, companions: NO_COMPANIONS };
    case 'ConstantOfShape': {
      // Pruning rewrites its shape constant, so that must be known (a damaged one reads as unknown).
      const dims = state.fact(producer.inputs[0])?.value;
      if (!dims || dims.some((d) => d === undefined)) return undefined;
      // A shape computed at run time cannot be rewritten.
      if (!resolveConstant(state, producer.inputs[0])) return undefined;
      // A shape constant shared with other readers is copied for this one when pruned (copy on write).
      return {
        tensor: value,
        source: 'constant-of-shape',
        shape,
        dims: undefined,
        companions: NO_COMPANIONS,
      };
    }
    case 'Identity':
      return resolve(state, producer.inputs[0], depth + 1, withShape);
    case 'DequantizeLinear': {
      const base = resolve(state, producer.inputs[0], depth + 1, withShape);
      if (!base) return undefined;
      const scaleShape = state.fact(producer.inputs[1])?.shape ?? [];
      const perAxis = scaleShape.length === 1 && scaleShape[0] !== 1;
      const axis = producer.attributes.int('axis', 1);
      const companions = perAxis
        ? [producer.inputs[1], producer.inputs[2]]
            .filter((t): t is string => Boolean(t))
            .map((tensor, i): Companion => ({
              tensor,
              axis: 0,
              kind: 'quantisation-parameter',
              label: i === 0 ? 'quantisation scale' : 'zero point',
            }))
        : [];
      return { ...base, shape: shape ?? base.shape, companions, quantizedAxis: perAxis ? axis : -1 };
    }
    default:
      return undefined;
  }
}

function checkDims(tensor: onnx.TensorProto.$Properties): void {
  const dims = tensor.dims ?? [];
  for (let i = 0; i < dims.length; i++) toSafeNumber(dims[i], 'a tensor dimension');
}

/** A Reshape (or Expand) between a per-channel constant and its use: its target holds the channel count at `index`. */
export interface ReshapeOnTheWay {
  node: string;
  tensor: string;
  source: Weight['source'];
  index: number;
}

const SHAPE_ONLY = new Set(['Unsqueeze', 'Squeeze', 'Reshape', 'Identity', 'Flatten', 'Expand']);

/**
 * A per-channel constant that reaches an element-wise op through shape-only ops (caffe2 exports write
 * `Unsqueeze(scale)` before a Mul): the underlying weight, the axis of its one dim of `channels` elements,
 * and the Reshape targets on the way (they change with the channel count).
 */
export function resolveReshapedWeight(
  state: ChannelState,
  value: string,
  channels: number,
): { weight: Weight; axis: number; reshapes: ReshapeOnTheWay[] } | undefined {
  const reshapes: ReshapeOnTheWay[] = [];
  let current = value;
  for (let depth = 0; depth < 8; depth++) {
    const weight = resolveWeight(state, current);
    if (weight) {
      const dims = weight.shape;
      if (!dims) return undefined;
      const big = dims.flatMap((d, i) => (d === 1 ? [] : [i]));
      return big.length === 1 && dims[big[0]] === channels ? { weight, axis: big[0], reshapes } : undefined;
    }
    const producer = state.graph.producer(current);
    if (!producer || producer.domain !== '' || !SHAPE_ONLY.has(producer.opType)) return undefined;
    if (producer.opType === 'Reshape' || producer.opType === 'Expand') {
      // A Reshape target holds the channel count; an Expand shape holds it, or 1 where the constant has it.
      const values = state.fact(producer.inputs[1])?.value;
      const index = values?.indexOf(channels) ?? -1;
      const target = index >= 0 ? resolveConstant(state, producer.inputs[1]) : undefined;
      if (target) reshapes.push({ node: producer.name, tensor: target.tensor, source: target.source, index });
      else if (producer.opType === 'Reshape' || !values || index >= 0) return undefined;
    }
    current = producer.inputs[0];
  }
  return undefined;
}
