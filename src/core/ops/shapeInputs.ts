import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState } from '../deps/state';
import { normAxis } from '../graph/facts';
import { SHAPES } from '../graph/shapeRules';
import type { NodeView } from '../onnx/modelView';
import { each, type OpFamily } from './spec';
import { passThrough } from './elementwise';
import { type ChannelRule, describe, lockInputs } from './types';
import { resolveConstant } from './weights';
import { followsSpace } from './shapeFollows';

/**
 * Inputs that carry a shape (Resize sizes, Expand's shape, Tile's repeats) on a channel path: each element that
 * holds the channel count either follows the pruning by itself (read from the tensor at run time), or is a
 * constant the prune rewrites (a member), or the group is locked with the reason. Never left as it was.
 */

function fail(state: ChannelState, node: NodeView, why: string): void {
  const reason = `${describe(node)} ${why}`;
  state.finding({
    code: 'PR001',
    message: `${reason}: the group is locked.`,
    node: node.name,
    space: state.space(node.inputs[0]),
  });
  lockInputs(state, node, reason);
}

/**
 * Element `position` of node input `input` holds the channel count of `space`: a constant there becomes a
 * member the prune rewrites, a value read from the channels' own shape follows; anything else locks.
 * Returns false when it locked.
 */
function channelCountInput(
  state: ChannelState,
  node: NodeView,
  input: number,
  position: number,
  space: ChannelSpace,
  what: string,
): boolean {
  const value = node.inputs[input];
  const constant = resolveConstant(state, value);
  if (constant) {
    state.member(
      space,
      {
        node: node.name,
        tensor: constant.tensor,
        axis: -1,
        source: constant.source,
        kind: 'shape-constant',
        label: what,
      },
      undefined,
      { input, index: position, numerator: 1, denominator: 1 },
    );
    return true;
  }
  if (followsSpace(state, value, position, space)) return true;
  fail(
    state,
    node,
    `has ${what} that hold the channel count but are computed in a way this tool does not follow`,
  );
  return false;
}

/** Resize / Upsample: spatial only. Constant `sizes` hold the channel count, so they follow the pruning. */
const resize: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  // Upsample and Resize-10 take (X, scales); Resize-11 and later (X, roi, scales, sizes).
  const legacy = node.opType === 'Upsample' || (node.opset ?? 11) < 11;
  const scales = legacy
    ? (node.attributes.floats('scales') ?? state.fact(node.inputs[1])?.value)
    : state.fact(node.inputs[2])?.value;
  const sizes = legacy ? undefined : state.fact(node.inputs[3])?.value;
  const hasSizes = !legacy && Boolean(node.inputs[3]);
  if (!hasSizes && scales && scales.length > x.axis) {
    if (scales[x.axis] !== 1) return fail(state, node, 'changes the channel axis (scales)');
    return passThrough(state, node);
  }
  if (hasSizes) {
    // Opset 18's `axes` lists the axes `sizes` covers; without it, every axis in order.
    const axes = node.attributes.ints('axes');
    const rank = state.fact(node.inputs[0])?.shape?.length;
    const position = axes
      ? axes.findIndex((a) => rank !== undefined && normAxis(a, rank) === x.axis)
      : x.axis;
    if (axes && position < 0) return passThrough(state, node);
    if (!sizes || sizes[position] === undefined) return fail(state, node, 'has sizes that are not known');
    if (sizes[position] !== x.size) return fail(state, node, 'changes the channel axis (sizes)');
    if (channelCountInput(state, node, 3, position, x, 'sizes')) passThrough(state, node);
    return;
  }
  const outShape = state.fact(node.outputs[0])?.shape;
  if (!outShape) return fail(state, node, 'has scales that are not constant');
  if (outShape[x.axis] !== x.size) return fail(state, node, 'changes the channel axis (scales)');
  passThrough(state, node);
};

/**
 * Expand broadcasts to a shape: where the channels are, that shape holds 1 (nothing to change) or the channel
 * count (a member, or read from the channels' own shape).
 */
const expand: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const inRank = state.fact(node.inputs[0])?.shape?.length;
  const shape = state.fact(node.inputs[1])?.value;
  if (inRank === undefined || !shape) return fail(state, node, 'expands to a shape that is not known');
  const outRank = Math.max(inRank, shape.length);
  const axis = x.axis + outRank - inRank;
  const position = axis - (outRank - shape.length);
  const entry = position >= 0 ? shape[position] : 1;
  if (entry !== 1 && entry !== x.size) return fail(state, node, 'expands to a shape that is not known');
  if (entry === x.size && x.size !== 1 && !channelCountInput(state, node, 1, position, x, 'shape')) return;
  state.identity(x, state.define(node.outputs[0], axis, x.size, node));
};

/** Tile repeats the channels unless its repeat count on the channel axis is 1. */
const tile: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const repeats = state.fact(node.inputs[1])?.value;
  if (!repeats || repeats[x.axis] === undefined) return fail(state, node, 'has repeats that are not known');
  if (repeats[x.axis] !== 1) return fail(state, node, 'repeats the channels');
  passThrough(state, node);
};

export const SHAPE_INPUT_OPS: OpFamily = {
  domain: '',
  ops: [
    ...each(['Resize', 'Upsample'], { shape: SHAPES.resize, channels: resize, rewrite: ['shape-constant'] }),
    ['Expand', { shape: SHAPES.expand, channels: expand, rewrite: ['shape-constant'] }],
    ['Tile', { shape: SHAPES.tile, channels: tile }],
  ],
};
