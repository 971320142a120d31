import type { Analysis } from '../analyze/analyze';
import type { GroupTable } from './groupTable';
import type { ChannelGroup } from '../analyze/types';
import { firstMappedIndex } from '../deps/channelSpace';
import type { SpaceMember } from '../deps/state';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import type { NormCache } from './normCache';

export type Criterion = 'l1' | 'l2' | 'bn' | 'random' | 'activation' | 'greedy';

/** Mean |activation| per channel of root outputs, by value name (from calibration runs). */
export type ActivationStats = ReadonlyMap<string, Float64Array>;
export type Reduction = 'mean' | 'sum' | 'max';
export const CRITERIA: readonly Criterion[] = ['l1', 'l2', 'bn', 'random', 'activation', 'greedy'];

/**
 * Scores measured on calibration inputs, per group id and unit (the `greedy` criterion: the consumers'
 * residual after removing the unit and the ones before it; src/core/reconstruct/greedy.ts).
 */
export type UnitScoreTable = ReadonlyMap<string, ReadonlyMap<number, number>>;

/**
 * Importance of each prunable unit (a class of coupled channels: one channel, or a whole pixel-shuffle block)
 * of a group, in the order of `units`. l1/l2: the norm of every slice the unit owns, in every member of the
 * group (producer output slices, consumer input slices, normalisation parameters), averaged over the members
 * (Torch-Pruning's group importance with mean reduction). bn: |scale| of the BatchNormalization members.
 * random: seeded.
 */
export function unitScores(
  norms: NormCache,
  table: GroupTable,
  file: ModelFile,
  group: ChannelGroup,
  units: readonly number[],
  criterion: Criterion,
  seed: number,
  reduce: Reduction = 'mean',
  activations?: ActivationStats,
  measured?: UnitScoreTable,
): Float64Array {
  const scores = norms.scores(units.length);
  // Greedy scores exist for groups with refittable consumers; the others are ranked by l1.
  const greedy = criterion === 'greedy' ? measured?.get(group.id) : undefined;
  if (greedy) {
    for (let i = 0; i < units.length; i++) scores[i] = greedy.get(units[i]) ?? Infinity;
    return scores;
  }
  if (criterion === 'greedy') criterion = 'l1';
  if (criterion === 'random') {
    for (let i = 0; i < units.length; i++) scores[i] = hash(seed, group.id, i);
    return scores;
  }
  if (criterion === 'activation') return activationScores(table, group, units, scores, activations);
  const analysis = table.analysis;
  let members = table.membersOf(group).filter(isData);
  if (criterion === 'bn') {
    const bn = members.filter((m) => m.kind === 'norm-scale');
    if (bn.length > 0) members = bn;
  }
  // Sums by the unit's index (in `scores`): a group's members add to each unit in turn.
  const { counts, lastMember } = norms.tallies(units.length);
  const classOfSlot = analysis.index.classOfSlot;
  try {
    table.withPositions(units, (position) => {
      for (let m = 0; m < members.length; m++) {
        const member = members[m];
        const tensor = findTensor(analysis, member);
        if (!tensor) continue;
        const at = norms.at(file, tensor, criterion === 'l2' ? 2 : 1, member.axis);
        const perIndex = norms.values; // read after `at`, which picks the tensor's block
        // The space's classes read in place (a view per member was most of what scoring allocated).
        const { base, size } = member.space;
        const { map } = member;
        for (let c = 0; c < size; c++) {
          const s = position[classOfSlot[base + c]] - 1;
          if (s < 0) continue; // a class of another group (a Concat output serves several)
          let sum = 0;
          const from = firstMappedIndex(map, c);
          for (let j = 0; j < map.width; j++) sum += perIndex[at + from + j];
          scores[s] = reduce === 'max' ? Math.max(scores[s], sum) : scores[s] + sum;
          if (lastMember[s] !== m) {
            lastMember[s] = m;
            counts[s]++;
          }
        }
      }
    });
    if (reduce === 'mean') for (let s = 0; s < units.length; s++) if (counts[s] > 0) scores[s] /= counts[s];
  } finally {
    counts.fill(0, 0, units.length);
    lastMember.fill(-1, 0, units.length);
  }
  return scores;
}

/** Mean |activation| of the unit's channels in every root output, averaged over the roots. */
function activationScores(
  table: GroupTable,
  group: ChannelGroup,
  units: readonly number[],
  scores: Float64Array,
  stats: ActivationStats | undefined,
): Float64Array {
  if (!stats) throw new Error('the activation criterion needs calibration runs (ActivationStats)');
  const counts = new Int32Array(units.length);
  table.withPositions(units, (position) => {
    for (const root of group.roots) {
      const space = table.rootSpace(root);
      const values = stats.get(
        table.analysis.state.roots.find((r) => r.space === space)?.node.outputs[0] ?? '',
      );
      if (!values) continue;
      const classes = table.analysis.index.classesOf(space);
      for (let c = 0; c < classes.length; c++) {
        const s = position[classes[c]] - 1;
        if (s < 0) continue;
        scores[s] += values[c];
        counts[s]++;
      }
    }
  });
  for (let s = 0; s < units.length; s++) if (counts[s] > 0) scores[s] /= counts[s];
  return scores;
}

function isData(member: SpaceMember): boolean {
  return member.source === undefined || member.source === 'initializer' || member.source === 'constant-node';
}

function findTensor(analysis: Analysis, member: SpaceMember): onnx.TensorProto.$Properties | undefined {
  const graph = analysis.state.graph;
  if (member.source === 'constant-node') return graph.producer(member.tensor)?.attributes.tensor('value');
  return graph.initializer(member.tensor);
}

function hash(seed: number, group: string, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${group}:${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) / 2 ** 32;
}
