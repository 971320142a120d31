import type { PixelShuffleInfo } from '../analyze/types';
import type { ChannelSpace } from '../deps/channelSpace';
import { KNOWN_MAPS } from '../deps/rearrange';
import type { ChannelState } from '../deps/state';
import { SHAPES } from '../graph/shapeRules';
import type { NodeView } from '../onnx/modelView';
import type { OpFamily } from './spec';
import { type ChannelRule, describe, lockInputs } from './types';

/** Couples input and output channels pair by pair and records the pixel shuffle. */
export function applyPairs(
  state: ChannelState,
  x: ChannelSpace,
  outValue: string,
  channels: number,
  pairs: readonly (readonly [number, number])[],
  info: PixelShuffleInfo | undefined,
  node: NodeView,
): ChannelSpace {
  const y = state.define(outValue, 1, channels, node);
  for (const [c, d] of pairs) state.couple(x, c, y, d);
  if (info) state.shuffles.push({ info, input: x, output: y });
  return y;
}

function needs4d(state: ChannelState, node: NodeView, x: ChannelSpace): boolean {
  const rank = state.fact(x.value)?.shape?.length;
  if (x.axis === 1 && rank === 4) return true;
  const reason = `${describe(node)} works on a layout this tool does not follow (channel axis ${x.axis}, rank ${rank ?? '?'})`;
  state.finding({
    code: 'PR001',
    message: `${reason}: the group is locked.`,
    node: node.name,
    space: x,
  });
  lockInputs(state, node, reason);
  return false;
}

/** DepthToSpace: CRD out c ← in c·r²+k; DCR (the default, and the only form before opset 11) out c ← in k·C'+c. */
const depthToSpace: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x || !needs4d(state, node, x)) return;
  const r = node.attributes.int('blocksize', 0);
  const out = x.size / (r * r);
  if (!(r >= 1) || !Number.isInteger(out)) {
    lockInputs(
      state,
      node,
      `${describe(node)}: ${x.size} channels are not a multiple of blocksize² (${r * r})`,
    );
    return;
  }
  const explicit = node.attributes.has('mode');
  const mode = explicit ? (node.attributes.string('mode', 'DCR').toUpperCase() as 'CRD' | 'DCR') : 'DCR';
  const pairs = mode === 'CRD' ? KNOWN_MAPS.crd(out, r) : KNOWN_MAPS.dcr(out, r);
  applyPairs(
    state,
    x,
    node.outputs[0],
    out,
    pairs,
    { node: node.name, form: 'DepthToSpace', mode, blocksize: r },
    node,
  );
  if (!explicit) {
    state.finding({
      code: 'PS003',
      message: `${describe(node)} has no mode, so it is DCR (the default${(node.opset ?? 11) < 11 ? ', and the only mode before opset 11' : ''}); PyTorch's PixelShuffle is CRD. Its channels prune in strided blocks c, c+${out}, c+${2 * out}, …`,
      node: node.name,
      space: x,
      fixes:
        (node.opset ?? 11) >= 11
          ? [{ id: 'PS003.explicit-mode', title: 'Make mode="DCR" explicit', kind: 'model' }]
          : [],
    });
  }
};

/** SpaceToDepth: out k·C + c ← in c (the block offset is the outer index, unlike torch's pixel_unshuffle). */
const spaceToDepth: ChannelRule = (state, node) => {
  const x = state.space(node.inputs[0]);
  if (!x || !needs4d(state, node, x)) return;
  const r = node.attributes.int('blocksize', 0);
  if (!(r >= 1)) return lockInputs(state, node, `${describe(node)} has no valid blocksize`);
  // The map below has one entry per output channel: an absurd blocksize must not size it.
  state.checkChannels(node.outputs[0], x.size * r * r);
  applyPairs(
    state,
    x,
    node.outputs[0],
    x.size * r * r,
    KNOWN_MAPS.spaceToDepth(x.size, r),
    { node: node.name, form: 'SpaceToDepth', blocksize: r },
    node,
  );
  if (/pytorch/i.test(state.file.proto.producer_name ?? '')) {
    state.finding({
      code: 'PS005',
      message: `${describe(node)} comes from a PyTorch export: torch's dynamo exporter (Aug 2024 – May 2026) wrote pixel_unshuffle as SpaceToDepth, whose channel order differs (out k·C+c instead of c·r²+k). If the source model used pixel_unshuffle, this model does not compute it; re-export with a current PyTorch.`,
      node: node.name,
      space: x,
    });
  }
};

export const SHUFFLE_OPS: OpFamily = {
  domain: '',
  ops: [
    ['DepthToSpace', { shape: SHAPES.depthToSpace, channels: depthToSpace }],
    ['SpaceToDepth', { shape: SHAPES.spaceToDepth, channels: spaceToDepth }],
  ],
};
