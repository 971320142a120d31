import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState, ShapeDim } from '../deps/state';
import type { NodeView } from '../onnx/modelView';
import type { Weight } from './weights';
import { resolveWeight } from './weights';

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
