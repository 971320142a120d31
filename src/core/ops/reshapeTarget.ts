import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState, ShapeDim } from '../deps/state';
import type { NodeView } from '../onnx/modelView';
import type { Weight } from './weights';
import { resolveConstant, resolveWeight, rewritableConstant } from './weights';
import { describe } from './types';
import { concatPart, followsSpace } from './shapeFollows';

type Target = Pick<Weight, 'tensor' | 'source'>;

/**
 * Where a Reshape's target is baked: its shape input (an initializer, a Constant node) or, before opset 5, its
 * `shape` attribute. Undefined when it is computed (from Shape nodes, it follows the channels by itself).
 */
export function bakedReshapeTarget(state: ChannelState, node: NodeView): Target | undefined {
  if (node.inputs[1]) return resolveWeight(state, node.inputs[1]);
  return node.attributes.has('shape') ? { tensor: 'shape', source: 'attribute' } : undefined;
}

/**
 * The target's element at `dim.index` follows `space`'s channel count as `dim` says (a member without `dim`
 * makes the prune refuse, as an internal error, rather than write a stale target).
 */
export function targetFollows(
  state: ChannelState,
  space: ChannelSpace,
  node: NodeView,
  target: Target,
  dim: ShapeDim | undefined,
): void {
  // A target of another type than int64 (a damaged file) cannot be rewritten: the channels stay.
  if (!rewritableConstant(state, target)) {
    state.lock(
      space,
      `${describe(node)} has a target shape '${target.tensor}' that is not an int64 or int32 constant`,
    );
    return;
  }
  const member = {
    node: node.name,
    tensor: target.tensor,
    axis: -1,
    source: target.source,
    kind: 'shape-constant' as const,
    label: 'reshape shape',
  };
  state.member(space, member, undefined, dim);
}

/**
 * Element `dim.index` of a Reshape's target holds `space`'s channel count (× numerator / denominator), which
 * must follow the prune: a -1 there (a 0 only where it copies the channels), or a value read from the
 * channels' own shape, follows by itself; a constant (the target itself, or the constant a Concat takes that
 * element from, as TorchScript writes `x.view(x.size(0), x.size(1), 12, 64)`) becomes a member the prune
 * rewrites. False, adding nothing, when it is none of these: the caller locks the group rather than write a
 * stale target.
 */
export function countFollows(
  state: ChannelState,
  node: NodeView,
  space: ChannelSpace,
  dim: ShapeDim,
): boolean {
  const target = node.inputs[1];
  const values = target ? state.fact(target)?.value : node.attributes.ints('shape');
  const element = values?.[dim.index];
  // -1 is worked out by the Reshape; 0 copies the input's dim at the same index, which is the channel count
  // only where the channels stay on their axis, unscaled (a 0 elsewhere cannot be rewritten: constant edits
  // leave a Reshape's 0 as it is).
  if (element === -1) return true;
  if (element === 0) return dim.index === space.axis && dim.numerator === dim.denominator;
  const baked = bakedReshapeTarget(state, node);
  if (baked) {
    if (element === undefined) return false;
    targetFollows(state, space, node, baked, dim);
    return true;
  }
  if (!target) return false;
  const concat = state.graph.producer(target);
  if (concat?.opType === 'Concat' && concat.domain === '') {
    const part = concatPart(state, concat, dim.index);
    const constant = part && resolveConstant(state, concat.inputs[part.input]);
    if (part && constant) {
      targetFollows(state, space, concat, constant, { ...dim, input: part.input, index: part.position });
      return true;
    }
  }
  // Read from the shape, the element is the channel count itself: right only where it should be.
  return dim.numerator === dim.denominator && followsSpace(state, target, dim.index, space);
}
