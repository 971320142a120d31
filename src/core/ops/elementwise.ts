import type { ChannelSpace } from '../deps/channelSpace';
import type { SliceKind } from '../deps/memberKinds';
import type { ChannelState } from '../deps/state';
import { SHAPES } from '../graph/shapeRules';
import type { NodeView } from '../onnx/modelView';
import { each, type OpFamily, type OpSpec } from './spec';
import { ACTIVATIONS, BROADCAST_ARITHMETIC } from '../graph/opKinds';
import { type ChannelRule, describe, lockInputs } from './types';
import { resolveInputSource, resolveInputWeight, resolveReshapedWeight, resolveWeight } from './weights';

/** The output keeps the input's channels one to one (activations, Identity, Cast, Dropout, pools…). */
export const passThrough: ChannelRule = (state, node) => {
  const x = state.inputSpace(node, 0);
  // The output's channels are the input's, on the same axis of a value of the same rank: share the space.
  if (x && node.outputs[0]) state.alias(node.outputs[0], x, node);
};

/** Per-channel parameters (inputs 1…, in order) sliced along axis 0 with the channels (BatchNormalization, InstanceNorm…). */
function perChannel(params: readonly { kind: SliceKind; label: string }[]): ChannelRule {
  return (state, node) => {
    passThrough(state, node);
    const y = state.outputSpace(node, 0);
    if (!y) return;
    for (let i = 0; i < params.length; i++) {
      const { kind, label } = params[i];
      const value = node.inputs[i + 1];
      const weight = resolveInputSource(state, node, i + 1);
      if (weight)
        state.member(y, {
          node: node.name,
          tensor: weight.tensor,
          axis: 0,
          source: weight.source,
          kind,
          label,
          dims: weight.dims,
        });
      else if (value) state.lock(y, `${describe(node)} takes its ${label} from a computed value`);
    }
  };
}

/** An op whose result depends on all channels together (statistics over channels): pruning would change it. */
function couplesAllChannels(why: string): ChannelRule {
  return (state, node) => {
    const x = state.space(node.inputs[0]);
    if (!x) return;
    const reason = `${describe(node)} ${why}, so removing channels would change the others`;
    state.finding({
      code: 'PR004',
      message: `${reason}: the group is locked.`,
      node: node.name,
      space: x,
    });
    state.lock(x, reason);
    passThrough(state, node);
  };
}

/** Softmax / LogSoftmax: fine along another axis; over the channel axis it mixes all channels. */
const softmax: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const rank = state.fact(node.inputs[0])?.shape?.length;
  const opset = node.opset ?? 13;
  let axis = node.attributes.int('axis', opset >= 13 ? -1 : 1);
  if (rank !== undefined && axis < 0) axis += rank;
  // Before opset 13 Softmax flattens from `axis` on: it covers the channel axis when axis ≤ channel axis.
  const covers = opset >= 13 ? axis === x.axis : axis <= x.axis;
  if (covers || rank === undefined) couplesAllChannels('normalises over the channel axis')(state, node);
  else passThrough(state, node);
};

/** LayerNormalization normalises axes ≥ axis: over the channels unless the channel axis comes before. */
const layerNorm: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const rank = state.fact(node.inputs[0])?.shape?.length;
  let axis = node.attributes.int('axis', -1);
  if (rank !== undefined && axis < 0) axis += rank;
  if (rank === undefined || axis <= x.axis)
    couplesAllChannels('normalises over the channel axis')(state, node);
  else passThrough(state, node);
};

/** GroupNormalization: each group of C/G channels shares statistics, so a whole group goes or stays. */
const groupNorm: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x) return;
  const groups = node.attributes.int('num_groups', 1);
  const per = x.size / groups;
  const y = state.define(node.outputs[0], x.axis, x.size, node);
  state.identity(x, y);
  if (!Number.isInteger(per)) {
    state.lock(x, `${describe(node)}: ${x.size} channels do not form ${groups} groups`);
    return;
  }
  for (let g = 0; g < groups; g++) for (let j = 1; j < per; j++) state.couple(y, g * per, y, g * per + j);
  state.member(y, {
    node: node.name,
    tensor: 'num_groups',
    axis: -1,
    source: 'attribute',
    kind: 'num-groups-attribute',
    label: 'num_groups attribute',
  });
  // Opset 21 has per-channel scale and bias; opset 18 has them per group.
  const perGroup = (node.opset ?? 21) < 21;
  [1, 2].forEach((index, i) => {
    const weight = resolveWeight(state, node.inputs[index]);
    if (!weight) return;
    if (perGroup)
      state.lock(
        y,
        `${describe(node)} (opset ${node.opset}) has per-group ${i ? 'bias' : 'scale'}, which is not sliced yet`,
      );
    else
      state.member(y, {
        node: node.name,
        tensor: weight.tensor,
        axis: 0,
        source: weight.source,
        kind: i ? 'bias' : 'norm-scale',
        label: i ? 'bias' : 'scale',
      });
  });
};

/**
 * Element-wise ops with broadcasting (Add, Mul, Sum, PRelu…). Inputs that carry channels along the output's
 * channel axis are coupled one to one; constants shaped per channel ([1,C,1,1], [C,1,1]) are sliced with them;
 * constants of size 1 on that axis are left alone. Anything else of unknown origin locks the group.
 */
const broadcastElementwise: ChannelRule = (state, node) => {
  const inputs = node.inputs.map((_, i) => state.inputSpace(node, i));
  const carrier = inputs.find((s): s is ChannelSpace => s !== undefined);
  if (!carrier || !node.outputs[0]) return;
  const outRank = state.outputFact(node, 0)?.shape?.length;
  const carrierRank = state.fact(carrier.value)?.shape?.length;
  if (outRank === undefined || carrierRank === undefined) {
    lockInputs(state, node, `the shapes around ${describe(node)} are not known`);
    return;
  }
  const axis = carrier.axis + outRank - carrierRank;
  const y = state.define(node.outputs[0], axis, carrier.size, node);
  node.inputs.forEach((value, i) => {
    if (!value) return;
    const space = inputs[i];
    const shape = state.inputFact(node, i)?.shape;
    // Legacy broadcasting (opset < 7, broadcast=1) aligns the second input at `axis`, not at the end.
    const legacyAxis =
      i > 0 && node.attributes.int('broadcast', 0) === 1 ? node.attributes.int('axis', -1) : -1;
    const start = legacyAxis >= 0 ? legacyAxis : outRank - (shape?.length ?? 0);
    const at = shape ? axis - start : -1;
    const size = shape && at >= 0 ? shape[at] : at < 0 && shape ? 1 : undefined;
    if (space) {
      if (space.size === y.size) state.identity(space, y);
      else lockBoth(state, node, y, space, `${describe(node)} combines ${space.size} and ${y.size} channels`);
      return;
    }
    if (size === 1) return; // broadcast along the channels: nothing to slice
    const weight = resolveInputWeight(state, node, i);
    if (weight && size === y.size && at >= 0) {
      state.member(y, {
        node: node.name,
        tensor: weight.tensor,
        axis: at,
        source: weight.source,
        kind: 'per-channel-constant',
        label: 'per-channel constant',
      });
      return;
    }
    const reshaped = size === y.size ? resolveReshapedWeight(state, value, y.size) : undefined;
    if (reshaped) {
      const { weight: source, axis: sourceAxis, reshapes } = reshaped;
      state.member(y, {
        node: node.name,
        tensor: source.tensor,
        axis: sourceAxis,
        source: source.source,
        kind: 'per-channel-constant',
        label: 'per-channel constant',
      });
      for (const r of reshapes) {
        const member = {
          node: r.node,
          tensor: r.tensor,
          axis: -1,
          source: r.source,
          kind: 'shape-constant' as const,
          label: 'reshape shape',
        };
        state.member(y, member, undefined, { input: 1, index: r.index, numerator: 1, denominator: 1 });
      }
      return;
    }
    lockBoth(
      state,
      node,
      y,
      undefined,
      `${describe(node)} takes input '${value}' whose channels are not tracked`,
    );
  });
};

function lockBoth(
  state: ChannelState,
  node: NodeView,
  y: ChannelSpace,
  other: ChannelSpace | undefined,
  reason: string,
): void {
  state.lock(y, reason);
  state.lock(other, reason);
  state.finding({
    code: 'PR001',
    message: `${reason}: the group is locked.`,
    node: node.name,
    space: y,
  });
}

/** Quantize/DequantizeLinear on activations: per-tensor parameters pass through; per-channel ones are sliced. */
const quantizeActivation: ChannelRule = (state, node) => {
  passThrough(state, node);
  const y = state.space(node.outputs[0]);
  if (!y) return;
  // Per-axis parameters follow the channels only along the channel axis; along another axis (a scale per
  // row) they stay as they are, whatever their length. An axis that cannot be placed locks the channels.
  const rank = state.fact(node.inputs[0])?.shape?.length;
  let axis = node.attributes.int('axis', 1);
  if (axis < 0 && rank !== undefined) axis += rank;
  const perAxis = [1, 2].some((i) => (state.fact(node.inputs[i])?.shape ?? []).some((d) => d !== 1));
  if (axis < 0 && perAxis) {
    state.lock(y, `${describe(node)} has per-axis parameters along an axis of unknown place`);
    return;
  }
  if (axis !== y.axis) return;
  for (const [index, label] of [
    [1, 'quantisation scale'],
    [2, 'zero point'],
  ] as const) {
    const shape = state.fact(node.inputs[index])?.shape;
    const weight = resolveWeight(state, node.inputs[index]);
    if (weight && shape?.length === 1 && shape[0] === y.size && y.size > 1) {
      state.member(y, {
        node: node.name,
        tensor: weight.tensor,
        axis: 0,
        source: weight.source,
        kind: 'quantisation-parameter',
        label,
      });
    }
  }
};

/** Activations keep no folded value, but for rounding, which shape arithmetic uses (Floor, Ceil). */
const ROUNDING = new Set(['Floor', 'Ceil']);

/** Same shape, no folded value: normalisations, softmax, quantisation of activations. */
function sameShape(channels: ChannelRule, rewrite?: OpSpec['rewrite']): OpSpec {
  return { shape: SHAPES.sameNoValue, channels, ...(rewrite ? { rewrite } : {}) };
}

export const ELEMENTWISE_OPS: OpFamily = {
  domain: '',
  ops: [
    ...ACTIVATIONS.map(
      (op) =>
        [op, { shape: ROUNDING.has(op) ? SHAPES.same : SHAPES.sameNoValue, channels: passThrough }] as const,
    ),
    ['Identity', { shape: SHAPES.same, channels: passThrough }],
    ['Dropout', sameShape(passThrough)],
    ['Cast', { shape: SHAPES.cast, channels: passThrough }],
    ['Clip', sameShape(passThrough)],
    ...each(['MaxPool', 'AveragePool', 'LpPool'], { shape: SHAPES.pool, channels: passThrough }),
    ...each(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], {
      shape: SHAPES.globalPool,
      channels: passThrough,
    }),
    ...each(['QuantizeLinear', 'DequantizeLinear'], sameShape(quantizeActivation)),
    // A per-channel constant may reach them through Reshape/Expand nodes whose targets the prune rewrites;
    // those members name the Reshape or Expand, whose specs list the rewrite.
    ...each(BROADCAST_ARITHMETIC, { shape: SHAPES.elementwise, channels: broadcastElementwise }),
    [
      'BatchNormalization',
      sameShape(
        perChannel([
          { kind: 'norm-scale', label: 'scale' },
          { kind: 'bias', label: 'bias' },
          { kind: 'norm-statistic', label: 'running mean' },
          { kind: 'norm-statistic', label: 'running variance' },
        ]),
      ),
    ],
    [
      'InstanceNormalization',
      sameShape(
        perChannel([
          { kind: 'norm-scale', label: 'scale' },
          { kind: 'bias', label: 'bias' },
        ]),
      ),
    ],
    ['GroupNormalization', sameShape(groupNorm, ['num-groups-attribute'])],
    ['LayerNormalization', sameShape(layerNorm)],
    ...each(['Softmax', 'LogSoftmax'], sameShape(softmax)),
    ['LRN', sameShape(couplesAllChannels('normalises across neighbouring channels'))],
  ],
};
