import type { PixelShuffleInfo } from '../analyze/types';
import type { ChannelSpace } from '../deps/channelSpace';
import { KNOWN_MAPS, rearrangeChannels, samePairs } from '../deps/rearrange';
import type { ChannelState, ShapeDim } from '../deps/state';
import type { Dim, NodeView } from '../onnx/modelView';
import type { ChannelPattern } from './pattern';
import { bakedReshapeTarget, targetFollows } from './reshapeTarget';
import { applyPairs } from './shuffle';
import { matchSplitShuffle } from './splitShufflePattern';
import { describe } from './types';

/**
 * A Reshape → Transpose → Reshape chain, each node feeding only the next, is analysed as a whole from its
 * shapes and permutation (pixel shuffle CRD/DCR, pixel unshuffle, space-to-depth, channel shuffle, or
 * unrecognised; ShuffleNetV2's shuffle-and-split takes the Gathers after it too). A Reshape that starts no
 * such chain is left to its own rule (a flatten).
 */
export const REARRANGE_PATTERN: ChannelPattern = {
  name: 'Reshape→Transpose→Reshape',
  domain: '',
  opType: 'Reshape',
  match(state, node) {
    const x = state.space(node.inputs[0]);
    if (!x) return undefined;
    const chain = rtrChain(state, node);
    if (!chain) return undefined;
    const [first, trans, last] = chain;
    const midShape = state.fact(first.outputs[0])?.shape;
    const inShape = withSpatialFromReshape(state.fact(node.inputs[0])?.shape, x.size, midShape);
    const outShape = state.fact(last.outputs[0])?.shape;
    const perm = trans.attributes.ints('perm');
    const legacy = isLegacyTorchShuffle(midShape, perm, outShape);
    const map =
      inShape && midShape && perm && outShape && x.axis === 1
        ? rearrangeChannels(inShape, midShape, perm, outShape)
        : undefined;
    if (!map && !legacy) {
      const split = matchSplitShuffle(state, x, chain, {
        input: inShape,
        mid: midShape,
        output: outShape,
        perm,
      });
      if (split) return split;
    }
    const found: Chain = { x, chain, inShape, midShape, outShape, perm, legacy, map };
    return { nodes: chain, apply: (state) => applyChain(state, found) };
  },
};

/** What the match read off a chain: its nodes, shapes, permutation and exact channel map. */
interface Chain {
  x: ChannelSpace;
  chain: [NodeView, NodeView, NodeView];
  inShape: Dim[] | undefined;
  midShape: Dim[] | undefined;
  outShape: Dim[] | undefined;
  perm: number[] | undefined;
  legacy: boolean;
  map: ReturnType<typeof rearrangeChannels>;
}

function applyChain(state: ChannelState, found: Chain): void {
  const { x, chain, inShape, midShape, outShape, perm, legacy, map } = found;
  const [first, trans, last] = chain;
  const nodes = [first.name, trans.name, last.name];
  if (legacy) {
    const reason = `the Reshape→Transpose→Reshape at ${describe(trans)} is the 2019 PyTorch export bug (view [N, r, r, C', H, W] with the CRD permutation): it does not compute a pixel shuffle`;
    state.finding({
      code: 'PS008',
      message: `${reason}. Re-export the model with PyTorch ≥ 1.2; its channels are locked.`,
      node: trans.name,
      space: x,
    });
    state.lock(x, reason);
    if (map) applyPairs(state, x, last.outputs[0], map.channels, map.pairs, undefined, last);
    return;
  }
  if (!map) {
    const reason = `the Reshape→Transpose→Reshape at ${describe(trans)} rearranges channels in a way this tool does not follow (shapes ${fmt(inShape)} → ${fmt(midShape)} → ${fmt(outShape)}, perm ${fmt(perm)})`;
    state.finding({
      code: 'PS007',
      message: `${reason}: the group is locked. Exclude the layers before it.`,
      node: trans.name,
      space: x,
      fixes: [{ id: 'PS007.exclude', title: 'Exclude the layer', kind: 'plan' }],
    });
    state.lock(x, reason);
    return;
  }
  const info = classify(x.size, map.channels, map.pairs, trans.name, nodes);
  const y = applyPairs(state, x, last.outputs[0], map.channels, map.pairs, info, last);
  const varying = channelFactor(midShape, x.size, info?.mode === 'CRD');
  if (varying && midShape) coupleAcrossFixedFactors(state, x, midShape, varying.index);
  // Baked target shapes change with the channel count; shapes computed from Shape nodes follow by themselves.
  const shapes = [first, last].map((n) => bakedReshapeTarget(state, n));
  if (shapes[0])
    targetFollows(state, x, first, shapes[0], channelFactor(midShape, x.size, info?.mode === 'CRD'));
  if (shapes[1])
    targetFollows(state, y, last, shapes[1], { input: 1, index: 1, numerator: 1, denominator: 1 });
  if (info?.form === 'ReshapeTransposeReshape') {
    const why = shapes.some((shape) => shape)
      ? 'shapes baked into it pin the channel count'
      : 'its shapes are computed by a chain of Shape/Gather/Concat nodes that one DepthToSpace replaces';
    state.finding({
      code: 'PS002',
      message: `${describe(trans)} is a pixel shuffle (${info.mode}, r=${info.blocksize}) written as Reshape→Transpose→Reshape; ${why}. Rewrite it as DepthToSpace(mode=${info.mode}).`,
      node: trans.name,
      space: x,
      // DepthToSpace has CRD only from opset 11: before it, only a DCR shuffle can be rewritten.
      fixes:
        info.mode === 'DCR' || (trans.opset ?? 11) >= 11
          ? [{ id: 'PS002.rewrite', title: `Rewrite as DepthToSpace (mode ${info.mode})`, kind: 'model' }]
          : [],
    });
  } else if (!info && map.channels === x.size) {
    state.finding({
      code: 'PR002',
      message: `${describe(trans)} is a channel shuffle (a permutation of ${x.size} channels); its groups follow the permutation.`,
      node: trans.name,
      space: x,
    });
  } else if (!info) {
    state.finding({
      code: 'PR005',
      message: `${describe(trans)} rearranges ${x.size} channels into ${map.channels}; the groups follow its exact channel map.`,
      node: trans.name,
      space: x,
    });
  }
}

/**
 * When the spatial dims before a Reshape are unknown (a model fed by custom pre-processing), they can be read
 * off the Reshape's own target if it splits only the channels: [N, C₁, C₂, …, H, W] with C₁·C₂·… = C. The
 * channel map of a depth-to-space does not depend on H and W; any form that splits H or W stays unresolved.
 */
function withSpatialFromReshape(
  inShape: Dim[] | undefined,
  channels: number,
  mid: Dim[] | undefined,
): Dim[] | undefined {
  if (inShape && inShape.length === 4 && inShape.slice(1).every((d) => typeof d === 'number')) return inShape;
  if (!mid) return inShape;
  let product = 1;
  let i = 1;
  while (i < mid.length && product < channels && typeof mid[i] === 'number') product *= mid[i++] as number;
  const rest = mid.slice(i);
  if (product !== channels || rest.length !== 2 || !rest.every((d) => typeof d === 'number')) return inShape;
  return [inShape?.[0] ?? mid[0], channels, ...rest];
}

/**
 * Which element of the first Reshape's target holds the channel count (the rest of the channel's factors are
 * block sizes or groups, which stay): the first factor for CRD ([N, C', r, r, …]), else the last
 * ([N, r, r, C', …] for DCR, [N, g, C/g, …] for a channel shuffle, the whole [N, C, …] for an unshuffle).
 */
function channelFactor(mid: Dim[] | undefined, channels: number, first: boolean): ShapeDim | undefined {
  if (!mid) return undefined;
  let product = 1;
  let i = 1;
  while (i < mid.length && product < channels && typeof mid[i] === 'number') product *= mid[i++] as number;
  if (product !== channels) return undefined;
  const index = first ? 1 : i - 1;
  return { input: 1, index, numerator: 1, denominator: channels / (mid[index] as number) };
}

/**
 * After pruning, the chain is the same chain with one smaller channel factor (the varying one): its map stays
 * the same map restricted to the kept channels only if every value of the other channel factors loses the
 * same channels. So input channels that differ only in those other factors go together: a channel shuffle
 * [g, C/g] must lose channel j of every one of its g groups (unit g); for pixel shuffles the map already
 * couples them.
 */
function coupleAcrossFixedFactors(state: ChannelState, x: ChannelSpace, mid: Dim[], varying: number): void {
  const factors: number[] = [];
  let product = 1;
  for (let i = 1; i < mid.length && product < x.size; i++) {
    factors.push(mid[i] as number);
    product *= mid[i] as number;
  }
  if (factors.length < 2) return;
  // Channel c's digit in the varying factor; its anchor is the channel with that digit and all others 0.
  const after = factors.slice(varying).reduce((a, b) => a * b, 1);
  const size = factors[varying - 1];
  for (let c = 0; c < x.size; c++) {
    const anchor = (Math.floor(c / after) % size) * after;
    if (anchor !== c) state.couple(x, c, x, anchor);
  }
}

/** Names a rearrangement by comparing its map with the known ones. */
function classify(
  inC: number,
  outC: number,
  pairs: readonly (readonly [number, number])[],
  node: string,
  nodes: string[],
): PixelShuffleInfo | undefined {
  const r = Math.round(Math.sqrt(inC / outC));
  if (outC < inC && r > 1 && r * r * outC === inC) {
    if (samePairs(pairs, KNOWN_MAPS.crd(outC, r)))
      return { node, form: 'ReshapeTransposeReshape', mode: 'CRD', blocksize: r, nodes };
    if (samePairs(pairs, KNOWN_MAPS.dcr(outC, r)))
      return { node, form: 'ReshapeTransposeReshape', mode: 'DCR', blocksize: r, nodes };
  }
  const u = Math.round(Math.sqrt(outC / inC));
  if (outC > inC && u > 1 && u * u * inC === outC) {
    if (samePairs(pairs, KNOWN_MAPS.unshuffle(inC, u)))
      return { node, form: 'PixelUnshuffle', blocksize: u, nodes };
    if (samePairs(pairs, KNOWN_MAPS.spaceToDepth(inC, u)))
      return { node, form: 'SpaceToDepth', blocksize: u, nodes };
  }
  return undefined;
}

/** The three nodes of a Reshape → Transpose → Reshape chain starting at `node`, each feeding only the next. */
function rtrChain(state: ChannelState, node: NodeView): [NodeView, NodeView, NodeView] | undefined {
  const next = (n: NodeView, op: string) => {
    const consumers = state.graph.consumers(n.outputs[0]);
    return consumers.length === 1 &&
      consumers[0].opType === op &&
      consumers[0].domain === '' &&
      !state.graph.isGraphOutput(n.outputs[0])
      ? consumers[0]
      : undefined;
  };
  const trans = next(node, 'Transpose');
  const last = trans && next(trans, 'Reshape');
  return trans && last ? [node, trans, last] : undefined;
}

/** PyTorch 1.0/1.1's wrong pixel_shuffle export: view [N, r, r, C', H, W] then the CRD permutation. */
function isLegacyTorchShuffle(
  mid: readonly unknown[] | undefined,
  perm: number[] | undefined,
  out: readonly unknown[] | undefined,
): boolean {
  if (!mid || !perm || !out || mid.length !== 6 || out.length !== 4) return false;
  const crdPerm = perm.join(',') === '0,1,4,2,5,3';
  return (
    crdPerm &&
    mid[1] === mid[2] &&
    typeof mid[1] === 'number' &&
    mid[1] > 1 &&
    out[1] === mid[3] &&
    mid[3] !== mid[1]
  );
}

function fmt(value: readonly unknown[] | undefined): string {
  return value ? `[${value.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]` : '?';
}
