import type { ChannelSpace } from '../deps/channelSpace';
import { type SplitShuffle, splitShuffle } from '../deps/splitShuffle';
import type { ChannelState } from '../deps/state';
import type { Dim, NodeView } from '../onnx/modelView';
import type { PatternMatch } from './pattern';
import { bakedReshapeTarget, targetFollows } from './reshapeTarget';
import { applyPairs } from './shuffle';
import { describe } from './types';

/**
 * ShuffleNetV2's shuffle-and-split (see deps/splitShuffle.ts): a Reshape→Transpose→Reshape whose output is
 * read only by Gathers of one constant index each on the axis that holds the halves. The match takes the
 * Gathers too; each Gather's output is a channel space of its own.
 */
export function matchSplitShuffle(
  state: ChannelState,
  x: ChannelSpace,
  chain: readonly [NodeView, NodeView, NodeView],
  shapes: { input?: Dim[]; mid?: Dim[]; output?: Dim[]; perm?: number[] },
): PatternMatch | undefined {
  const { input, mid, output, perm } = shapes;
  const last = chain[2];
  if (x.axis !== 1 || !input || !mid || !output || !perm || !numbers(input) || !numbers(mid))
    return undefined;
  if (!numbers(output) || state.graph.isGraphOutput(last.outputs[0])) return undefined;
  if (input[1] !== x.size) return undefined; // a shape that contradicts the channels: a broken file
  const gathers: Pick[] = [];
  for (const reader of state.graph.consumers(last.outputs[0])) {
    const picked = pick(state, reader, last.outputs[0], output);
    if (!picked || picked.axis !== (gathers[0]?.axis ?? picked.axis)) return undefined;
    gathers.push(picked);
  }
  if (gathers.length === 0) return undefined;
  const select = gathers[0].axis;
  const map = splitShuffle(input, mid, perm, output, select);
  // Each Gather drops the selected axis: the channels must then be the result's axis 1.
  if (!map || map.axis - (select < map.axis ? 1 : 0) !== 1) return undefined;
  return {
    nodes: [...chain, ...gathers.map((g) => g.node)],
    apply: (state) => applySplit(state, x, chain, gathers, map),
  };
}

interface Pick {
  readonly node: NodeView;
  readonly axis: number;
  readonly index: number;
}

/** A Gather from `data` (of `shape`) of one constant index (a scalar, so the axis goes) on a known axis. */
function pick(state: ChannelState, node: NodeView, data: string, shape: readonly number[]): Pick | undefined {
  if (node.opType !== 'Gather' || node.domain !== '' || node.inputs.length !== 2) return undefined;
  if (node.inputs[0] !== data || node.inputs[1] === data) return undefined;
  const rank = shape.length;
  const raw = node.attributes.int('axis', 0);
  const axis = raw < 0 ? raw + rank : raw;
  if (!(axis >= 0 && axis < rank)) return undefined;
  const facts = state.fact(node.inputs[1]);
  const value = facts?.value?.[0];
  if (facts?.shape?.length !== 0 || typeof value !== 'number' || !Number.isInteger(value)) return undefined;
  const index = value < 0 ? value + shape[axis] : value;
  return index >= 0 && index < shape[axis] ? { node, axis, index } : undefined;
}

function applySplit(
  state: ChannelState,
  x: ChannelSpace,
  chain: readonly [NodeView, NodeView, NodeView],
  gathers: readonly Pick[],
  map: SplitShuffle,
): void {
  const [first, trans, last] = chain;
  for (let c = 0; c < x.size; c++) if (map.anchor[c] !== c) state.couple(x, c, x, map.anchor[c]);
  // The pairs of each selection, made in one pass: a file may hold many Gathers of the same index.
  const bySelection = new Map<number, [number, number][]>();
  for (const { index } of gathers) bySelection.set(index, []);
  for (let c = 0; c < x.size; c++) bySelection.get(map.selectionOf[c])?.push([c, map.channelOf[c]]);
  for (const { node, index } of gathers)
    applyPairs(state, x, node.outputs[0], map.channels, bySelection.get(index)!, undefined, node);
  // Baked targets hold the channel digit (the input's channels over perChannel); computed ones follow.
  const targets: [NodeView, number][] = [
    [first, map.firstIndex],
    [last, map.axis],
  ];
  for (const [n, index] of targets) {
    const target = bakedReshapeTarget(state, n);
    if (target)
      targetFollows(state, x, n, target, { input: 1, index, numerator: 1, denominator: map.perChannel });
  }
  state.finding({
    code: 'PR002',
    message: `${describe(trans)} is a channel shuffle that splits ${x.size} channels into ${gathers.length === 1 ? 'a part' : `${gathers.length} parts`} of ${map.channels} (ShuffleNetV2); its groups follow the exact map, and channels that land in the same place of every part prune together (units of ${map.perChannel}).`,
    node: trans.name,
    space: x,
  });
}

function numbers(dims: readonly Dim[]): dims is number[] {
  return dims.every((d) => typeof d === 'number');
}
