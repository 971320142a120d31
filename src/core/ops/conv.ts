import type { ChannelSpace } from '../deps/channelSpace';
import type { SliceKind } from '../deps/memberKinds';
import type { ChannelState } from '../deps/state';
import { SHAPES } from '../graph/shapeRules';
import type { NodeView } from '../onnx/modelView';
import { convMacs, convTransposeMacs } from './macRules';
import type { OpFamily } from './spec';
import { type ChannelRule, describe, lockInputs } from './types';
import { foldFix, foldableWeight } from './foldableWeight';
import { resolveInputWeight, type Weight } from './weights';

/**
 * Conv and ConvTranspose. The output channels root a group (weight and bias sliced along the output axis).
 * Input channels: group = 1 slices the weight's input axis; depthwise convs couple input channel c with
 * output channels c·m … c·m+m−1; other groups must lose the same channels in every group (a stride of
 * C/g), which makes their unit g.
 */
export function convRule(transpose: boolean): ChannelRule {
  return (state, node) => {
    const x = state.inputSpace(node, 0);
    const weight = resolveInputWeight(state, node, 1);
    const w = weight?.shape;
    if (!weight || !w || typeof w[0] !== 'number' || typeof w[1] !== 'number') {
      // A weight rearranged from an initializer at run time (an export without constant folding) folds into one.
      const fold = weight ? undefined : foldableWeight(state, node.inputs[1]);
      const why = weight
        ? 'its weight shape is unknown'
        : fold
          ? `its weight is ${fold.node.opType} '${fold.node.name}' of the constant '${fold.constant.name}' at run time (fold it into an initializer to prune it)`
          : 'its weight is computed at run time';
      state.finding({
        code: 'PR003',
        message: `${describe(node)} cannot be pruned: ${why}. Its input channels are locked.`,
        node: node.name,
        space: x,
        ...(fold ? { fixes: [foldFix('PR003', fold)] } : {}),
      });
      lockInputs(state, node, `${describe(node)} has a weight this tool cannot slice (${why})`);
      return;
    }
    const group = node.attributes.int('group', 1);
    const outAxis = transpose ? 1 : 0;
    const inAxis = transpose ? 0 : 1;
    const inPerGroup = transpose ? w[0] / group : w[1];
    const cin = transpose ? w[0] : w[1] * group;
    const cout = transpose ? w[1] * group : w[0];
    const y = state.define(node.outputs[0], 1, cout, node);
    state.root(node, y);
    const depthwise = group > 1 && group === cin;
    // Output channels: a Conv weight is [Cout, Cin/g, …] (axis 0 holds every output channel); a ConvTranspose
    // weight is [Cin, Cout/g, …] (axis 1 holds an output channel's index within its group, and a depthwise
    // one has nothing to slice there: its rows go with the input channels).
    if (!transpose) addWeightMembers(state, node, weight, y, 0, 'weight-out', 'weight (out channels)');
    else if (group === 1) addWeightMembers(state, node, weight, y, 1, 'weight-out', 'weight (out channels)');
    else if (!depthwise)
      state.member(
        y,
        weightMember(node.name, weight, 1, 'weight-out', 'weight (out channels)'),
        perGroup(cout / group),
      );
    const bias = resolveInputWeight(state, node, 2);
    if (bias) state.member(y, weightMember(node.name, bias, 0, 'bias', 'bias'));
    // A bias made at run time cannot be sliced: pruning the channels would leave it too long.
    else if (node.inputs[2]) state.lock(y, `${describe(node)} has a bias computed at run time`);
    if (weight.quantizedAxis !== undefined && weight.quantizedAxis >= 0 && weight.quantizedAxis !== outAxis) {
      state.lock(
        y,
        `${describe(node)} is quantised per channel along axis ${weight.quantizedAxis}, not its output axis`,
      );
    }
    if (x && x.size !== cin) {
      state.lock(x, `${describe(node)} expects ${cin} input channels but its input has ${x.size}`);
      return;
    }
    // Input channels: a Conv weight's axis 1 is the index within a group; a ConvTranspose's axis 0 is the
    // input channel itself.
    if (x) {
      if (transpose) addWeightMembers(state, node, weight, x, 0, 'weight-in', 'weight (in channels)');
      else if (group === 1)
        addWeightMembers(state, node, weight, x, inAxis, 'weight-in', 'weight (in channels)');
      else if (!depthwise)
        state.member(
          x,
          weightMember(node.name, weight, 1, 'weight-in', 'weight (in channels)'),
          perGroup(inPerGroup),
        );
    }
    if (group === 1) return;
    if (depthwise) {
      // Depthwise (with channel multiplier m): input channel c feeds output channels c·m … c·m+m−1, and the
      // group attribute follows the channel count.
      const m = cout / cin;
      state.member(y, {
        node: node.name,
        tensor: 'group',
        axis: -1,
        source: 'attribute',
        kind: 'group-attribute',
        label: 'group attribute',
      });
      if (!x)
        state.lock(y, `${describe(node)} is depthwise but where its input channels come from is not known`);
      else for (let c = 0; c < cin; c++) for (let j = 0; j < m; j++) state.couple(x, c, y, c * m + j);
      return;
    }
    // General groups: every group must keep the same number of channels.
    strided(state, y, group);
    if (x) strided(state, x, group);
  };
}

function weightMember(node: string, weight: Weight, axis: number, kind: SliceKind, label: string) {
  return { node, tensor: weight.tensor, axis, source: weight.source, kind, label, dims: weight.dims };
}

/** Channel c of a grouped layer is index c mod (channels per group) of the weight axis. */
function perGroup(size: number) {
  return { scale: 1, offset: 0, width: 1, modulo: size };
}

function addWeightMembers(
  state: ChannelState,
  node: NodeView,
  weight: Weight,
  space: ChannelSpace,
  axis: number,
  kind: SliceKind,
  label: string,
): void {
  state.member(space, weightMember(node.name, weight, axis, kind, label));
  if (axis === 0) {
    const companions = weight.companions;
    for (let i = 0; i < companions.length; i++) {
      const { tensor, axis, kind, label } = companions[i];
      state.member(space, { node: node.name, tensor, axis, kind, label });
    }
  }
}

/** Couples channel j of every group with channel j of the others: j, j + C/g, j + 2C/g, … */
function strided(state: ChannelState, space: ChannelSpace, group: number): void {
  const per = space.size / group;
  if (!Number.isInteger(per)) {
    state.lock(space, `${space.size} channels do not split into ${group} groups`);
    return;
  }
  for (let k = 1; k < group; k++) for (let j = 0; j < per; j++) state.couple(space, j, space, j + k * per);
}

const quantizedConv: ChannelRule = (state, node) => {
  const reason = `${describe(node)} is a quantised convolution, which this tool does not prune yet`;
  state.finding({
    code: 'PR001',
    message: `${reason}: its groups are locked. Exclude it, or prune the float model before quantising.`,
    node: node.name,
    space: state.space(node.inputs[0]),
  });
  lockInputs(state, node, reason);
};

export const CONV_OPS: OpFamily = {
  domain: '',
  ops: [
    [
      'Conv',
      { shape: SHAPES.conv, channels: convRule(false), macs: convMacs(1, 2), rewrite: ['group-attribute'] },
    ],
    [
      'ConvTranspose',
      {
        shape: SHAPES.convTranspose,
        channels: convRule(true),
        macs: convTransposeMacs,
        rewrite: ['group-attribute'],
      },
    ],
    ['QLinearConv', { shape: SHAPES.declaredOnly, channels: quantizedConv, macs: convMacs(3, 8) }],
    ['ConvInteger', { shape: SHAPES.declaredOnly, channels: quantizedConv, macs: convMacs(1, undefined) }],
  ],
};
