import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState } from '../deps/state';
import { normAxis, product } from '../graph/facts';
import { sliceIndices } from '../graph/facts';
import { sliceParams, splitSizes } from '../graph/axisShapes';
import { SHAPES } from '../graph/shapeRules';
import type { Dim, NodeView } from '../onnx/modelView';
import { passThrough } from './elementwise';
import { type ChannelRule, describe, lockInputs } from './types';
import { resolveConstant } from './weights';
import type { OpFamily } from './spec';
import { countFollows } from './reshapeTarget';

function fail(state: ChannelState, node: NodeView, why: string, code: 'PR001' | 'PS007' = 'PR001'): void {
  const reason = `${describe(node)} ${why}`;
  state.finding({
    code,
    message: `${reason}: the group is locked.`,
    node: node.name,
    space: state.space(node.inputs[0]),
  });
  lockInputs(state, node, reason);
}

function rankOf(state: ChannelState, value: string): number | undefined {
  return state.fact(value)?.shape?.length;
}

/** Concat along the channel axis stacks the inputs' channels at offsets; along another axis it couples them. */
const concat: ChannelRule = (state, node) => {
  const inputs = node.inputs.map((v) => state.space(v));
  const carrier = inputs.find((s): s is ChannelSpace => s !== undefined);
  if (!carrier) return;
  const rank = rankOf(state, carrier.value);
  if (rank === undefined) return fail(state, node, 'has inputs of unknown rank');
  const axis = normAxis(node.attributes.int('axis', 0), rank);
  if (axis !== carrier.axis) {
    const y = state.define(node.outputs[0], carrier.axis, carrier.size, node);
    inputs.forEach((s) => (s ? state.identity(s, y) : undefined));
    return;
  }
  const sizes = node.inputs.map(
    (v, i) => inputs[i]?.size ?? (state.fact(v)?.shape?.[axis] as number | undefined),
  );
  if (sizes.some((s) => typeof s !== 'number'))
    return fail(state, node, 'concatenates inputs whose channel counts are not known');
  const y = state.define(
    node.outputs[0],
    axis,
    (sizes as number[]).reduce((a, b) => a + b, 0),
    node,
  );
  let offset = 0;
  node.inputs.forEach((v, i) => {
    const s = inputs[i];
    const size = sizes[i] as number;
    if (s) for (let c = 0; c < size; c++) state.couple(s, c, y, offset + c);
    else {
      // Channels from a constant or an untracked value: those output channels cannot be removed.
      const segment = state.define(`${node.outputs[0]}#${i}`, axis, size, node);
      for (let c = 0; c < size; c++) state.couple(segment, c, y, offset + c);
      state.lock(
        segment,
        `${describe(node)} takes channels ${offset}…${offset + size - 1} from '${v}', which is not tracked`,
      );
    }
    offset += size;
  });
};

/** Split along the channel axis hands each output a range of channels (its sizes change with pruning). */
const split: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const rank = rankOf(state, x.value);
  if (rank === undefined) return fail(state, node, 'splits a value of unknown rank');
  const axis = normAxis(node.attributes.int('axis', 0), rank);
  if (axis !== x.axis) {
    for (const out of node.outputs) if (out) state.identity(x, state.define(out, x.axis, x.size, node));
    return;
  }
  const sizes = splitSizes(node, (i) => state.fact(node.inputs[i]), x.size);
  if (!sizes) return fail(state, node, 'has split sizes that are not constant');
  const sizesTensor = node.inputs[1];
  if (sizesTensor && !resolveConstant(state, sizesTensor))
    return fail(state, node, 'has split sizes computed at run time, which pruning cannot update');
  const explicit = Boolean(sizesTensor) || node.attributes.has('split');
  if (!explicit && sizes.some((s) => s !== sizes[0]))
    return fail(state, node, 'splits into unequal parts without sizes');
  let offset = 0;
  node.outputs.forEach((out, i) => {
    const y = state.define(out, axis, sizes[i], node);
    for (let c = 0; c < sizes[i]; c++) state.couple(x, offset + c, y, c);
    offset += sizes[i];
  });
  // Equal parts without sizes stay equal only if every part loses the same channels: channel j of each goes
  // together (as in a grouped conv).
  if (!explicit) {
    for (let k = 1; k < sizes.length; k++)
      for (let j = 0; j < sizes[0]; j++) state.couple(x, j, x, j + k * sizes[0]);
    return;
  }
  state.member(x, {
    node: node.name,
    tensor: sizesTensor || 'split',
    axis: -1,
    source: sizesTensor ? 'initializer' : 'attribute',
    kind: 'split-sizes',
    label: 'split sizes',
  });
};

/** Slice along the channel axis keeps some channels (its bounds change with pruning); elsewhere it passes through. */
const slice: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const rank = rankOf(state, x.value);
  if (rank === undefined) return fail(state, node, 'slices a value of unknown rank');
  const params = sliceParams(node, (i) => state.fact(node.inputs[i]), rank);
  if (!params) return fail(state, node, 'has slice bounds that are not constant');
  const onChannels = params.find((p) => p.axis === x.axis);
  if (!onChannels) return passThrough(state, node);
  if (onChannels.step !== 1) return fail(state, node, 'slices the channel axis with a step other than 1');
  // Bounds that move with the pruned channels must be constants the prune can rewrite; 0 and "to the end"
  // never move, so they may be computed.
  if (node.inputs[1]) {
    const fixed = (bound: number) => bound === 0 || bound >= x.size;
    const at = [onChannels.start, onChannels.end];
    for (let i = 0; i < 2; i++) {
      if (!fixed(at[i]) && !resolveConstant(state, node.inputs[i + 1]))
        return fail(state, node, 'has slice bounds on the channel axis computed at run time');
    }
  }
  const kept = sliceIndices(x.size, onChannels.start, onChannels.end, 1) ?? [];
  const y = state.define(node.outputs[0], x.axis, kept.length, node);
  kept.forEach((c, j) => state.couple(x, c, y, j));
  state.member(x, {
    node: node.name,
    tensor: 'starts/ends',
    axis: -1,
    // Opset 1–9 Slice holds its bounds in attributes, later ones in inputs: apply edits whichever it has.
    source: node.inputs[1] ? 'initializer' : 'attribute',
    kind: 'slice-bounds',
    label: 'slice bounds',
  });
};

/** Pad passes channels through when it leaves the channel axis alone. */
function spatialOnly(
  what: string,
  channelUntouched: (state: ChannelState, node: NodeView, x: ChannelSpace) => boolean | undefined,
): ChannelRule {
  return (state, node) => {
    const x = state.space(node.inputs[0]);
    if (!x) return;
    const untouched = channelUntouched(state, node, x);
    if (untouched === undefined) return fail(state, node, `has ${what} that are not constant`);
    if (!untouched) return fail(state, node, `changes the channel axis (${what})`);
    passThrough(state, node);
  };
}

const pad = spatialOnly('pads', (state, node, x) => {
  const pads = node.inputs[1] ? state.fact(node.inputs[1])?.value : node.attributes.ints('pads');
  if (!pads || pads.some((p) => p === undefined)) return undefined;
  const rank = pads.length / 2;
  const axes =
    (node.inputs[3] ? state.fact(node.inputs[3])?.value : undefined) ??
    Array.from({ length: rank }, (_, i) => i);
  const at = axes.findIndex((a) => a !== undefined && normAxis(a, rankOf(state, x.value) ?? rank) === x.axis);
  return at < 0 || (pads[at] === 0 && pads[at + rank] === 0);
});

/** Transpose moves the channel axis (NCHW ↔ NHWC around tf2onnx ops); the channels themselves stay. */
const transpose: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const rank = rankOf(state, x.value);
  const perm =
    node.attributes.ints('perm') ??
    (rank === undefined ? undefined : Array.from({ length: rank }, (_, i) => rank - 1 - i));
  if (!perm) return fail(state, node, 'transposes a value of unknown rank');
  state.identity(x, state.define(node.outputs[0], perm.indexOf(x.axis), x.size, node));
};

/** Unsqueeze / Squeeze shift the channel axis; squeezing the channel axis itself (size 1) ends the path. */
const squeezeLike: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const inRank = rankOf(state, x.value);
  const outShape = state.fact(node.outputs[0])?.shape;
  const axesValue = node.inputs[1] ? state.fact(node.inputs[1])?.value : node.attributes.ints('axes');
  if (inRank === undefined || !outShape || !axesValue || axesValue.some((a) => a === undefined)) {
    return fail(state, node, 'reshapes a value of unknown shape');
  }
  const axes = (axesValue as number[]).map((a) =>
    normAxis(a, node.opType === 'Unsqueeze' ? outShape.length : inRank),
  );
  let axis = x.axis;
  if (node.opType === 'Unsqueeze') {
    for (const a of [...axes].sort((p, q) => p - q)) if (a <= axis) axis++;
  } else {
    if (axes.includes(x.axis)) return fail(state, node, 'removes the channel axis');
    axis -= axes.filter((a) => a < x.axis).length;
  }
  state.identity(x, state.define(node.outputs[0], axis, x.size, node));
};

/**
 * Flatten, and a Reshape that merges the channel axis with the axes after it ([N, C, H, W] → [N, C·H·W]):
 * channel c becomes the features c·H·W … c·H·W + H·W − 1, which a following Gemm or MatMul slices.
 * A Reshape that keeps the channels as they are passes them through; one that splits the channel axis in
 * two makes the blocks the channels (splitIntoBlocks). Whatever the target holds for the channels follows
 * the prune, or the group locks.
 */
const flattenLike: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const inShape = state.fact(node.inputs[0])?.shape;
  const outShape = state.fact(node.outputs[0])?.shape;
  if (!inShape || !outShape)
    return fail(
      state,
      node,
      'reshapes a value whose shape is not known',
      node.opType === 'Reshape' ? 'PS007' : 'PR001',
    );
  // The channels kept as they are: every axis up to them kept ([N, C, H, W] → [N, C, H·W]), or they and every
  // axis after them kept while the axes before merge or split ([N, S, C] → [N·S, C] for a Linear exported as
  // Gemm, and back): they move to the same place from the end. The target holds C where they land.
  const leadingKept =
    outShape.length > x.axis && inShape.slice(0, x.axis + 1).every((d, i) => d === outShape[i]);
  const tail = inShape.slice(x.axis);
  const fromEnd = outShape.length - tail.length;
  const tailKept = fromEnd >= 0 && tail.every((d, i) => typeof d === 'number' && d === outShape[fromEnd + i]);
  if (leadingKept || tailKept) {
    const at = leadingKept ? x.axis : fromEnd;
    const dim = { input: 1, index: at, numerator: 1, denominator: 1 };
    if (node.opType === 'Reshape' && !countFollows(state, node, x, dim))
      return fail(state, node, staleTarget(`keeps the ${x.size} channels`), 'PS007');
    if (leadingKept) passThrough(state, node);
    else state.identity(x, state.define(node.outputs[0], at, x.size, node));
    return;
  }
  // The axes before the channels need not match: a Reshape keeps the element count, so with the merged axis
  // the same size their product is the same, and channel c is still features c·H·W … (as a flat index).
  const inner = product(inShape.slice(x.axis + 1));
  if (inner !== undefined && outShape.length === x.axis + 1 && outShape[x.axis] === x.size * inner) {
    // The target holds C·H·W (or -1, which follows by itself).
    const dim = { input: 1, index: x.axis, numerator: inner, denominator: 1 };
    if (node.opType === 'Reshape' && !countFollows(state, node, x, dim))
      return fail(
        state,
        node,
        staleTarget(`merges ${x.size} channels into ${x.size * inner} features`),
        'PS007',
      );
    const y = state.define(node.outputs[0], x.axis, x.size * inner, node);
    for (let c = 0; c < x.size; c++) for (let s = 0; s < inner; s++) state.couple(x, c, y, c * inner + s);
    return;
  }
  const width = node.opType === 'Reshape' ? blockWidth(inShape, outShape, x) : undefined;
  if (width !== undefined) return splitIntoBlocks(state, node, x, width);
  fail(
    state,
    node,
    `reshapes [${inShape.join(', ')}] to [${outShape.join(', ')}], which mixes the channel axis with others`,
    node.opType === 'Reshape' ? 'PS007' : 'PR001',
  );
};

/**
 * [.., C, ..] → [.., C/D, D, ..]: the channel axis split in two, the axes after it kept (a multi-head
 * attention's [N, S, H·D] → [N, S, H, D]). The width D of the inner part, or undefined for any other reshape.
 * The axes before need not be known (a dynamic export's batch and sequence): the element count is kept, so
 * their product is, and channel h·D + d lands at block h, offset d (as a flat index).
 */
function blockWidth(inShape: readonly Dim[], outShape: readonly Dim[], x: ChannelSpace): number | undefined {
  if (outShape.length !== inShape.length + 1) return undefined;
  const [outer, inner] = [outShape[x.axis], outShape[x.axis + 1]];
  if (typeof outer !== 'number' || typeof inner !== 'number' || outer < 1 || inner < 1) return undefined;
  if (outer * inner !== x.size || inShape[x.axis] !== x.size) return undefined;
  const tail = inShape.slice(x.axis + 1);
  const kept = tail.every((d, i) => typeof d === 'number' && d === outShape[x.axis + 2 + i]);
  return kept ? inner : undefined;
}

/**
 * The channel axis split into blocks of `width` (attention heads): block h of the output's channel axis is
 * input channels h·width … h·width + width − 1, so channels go by whole blocks, and the block count in the
 * target follows. A target computed at run time holding the count would not: the group is locked then.
 */
function splitIntoBlocks(state: ChannelState, node: NodeView, x: ChannelSpace, width: number): void {
  if (!countFollows(state, node, x, { input: 1, index: x.axis, numerator: 1, denominator: width }))
    return fail(
      state,
      node,
      staleTarget(`splits ${x.size} channels into ${x.size / width} blocks of ${width}`),
      'PS007',
    );
  const y = state.define(node.outputs[0], x.axis, x.size / width, node);
  for (let c = 0; c < x.size; c++) state.couple(x, c, y, Math.floor(c / width));
}

/** Why a Reshape locks when its target's element for the channels cannot follow the prune. */
function staleTarget(what: string): string {
  return `${what}, a count its target computes in a way this tool cannot rewrite (only a constant, a -1 or the channels' own shape follows a prune)`;
}

/** Ops that read only the shape (or nothing) of a value carrying channels: no channels flow through them. */
const shapeOnly: ChannelRule = () => {};

export const STRUCTURAL_OPS: OpFamily = {
  domain: '',
  ops: [
    // Its rewrite: a constant it takes into a Reshape target (TorchScript's `x.view(n, s, 12, 64)`).
    ['Concat', { shape: SHAPES.concat, channels: concat, rewrite: ['shape-constant'] }],
    ['Split', { shape: SHAPES.split, channels: split, rewrite: ['split-sizes'] }],
    ['Slice', { shape: SHAPES.slice, channels: slice, rewrite: ['slice-bounds'] }],
    ['Pad', { shape: SHAPES.pad, channels: pad }],
    ['Transpose', { shape: SHAPES.transpose, channels: transpose }],
    ['Unsqueeze', { shape: SHAPES.unsqueeze, channels: squeezeLike }],
    ['Squeeze', { shape: SHAPES.squeeze, channels: squeezeLike }],
    ['Flatten', { shape: SHAPES.flatten, channels: flattenLike }],
    // A Reshape→Transpose→Reshape is a pattern first (rearrangePattern.ts); a Reshape alone is a flatten.
    ['Reshape', { shape: SHAPES.reshape, channels: flattenLike, rewrite: ['shape-constant'] }],
    ['Shape', { shape: SHAPES.shapeOf, channels: shapeOnly }],
    ['Size', { shape: SHAPES.declaredOnly, channels: shapeOnly }],
    ['Constant', { shape: SHAPES.declaredOnly, channels: shapeOnly }],
    ['ConstantOfShape', { shape: SHAPES.constantOfShape, channels: shapeOnly }],
  ],
};
