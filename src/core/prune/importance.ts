import type { Analysis } from '../analyze/analyze';
import type { ChannelGroup } from '../analyze/types';
import { mappedIndices } from '../deps/channelSpace';
import type { SpaceMember } from '../deps/state';
import { toSafeNumber } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorAsFloat32 } from '../onnx/tensorData';

export type Criterion = 'l1' | 'l2' | 'bn' | 'random';
export const CRITERIA: readonly Criterion[] = ['l1', 'l2', 'bn', 'random'];

/**
 * Importance of each prunable unit (a class of coupled channels: one channel, or a whole pixel-shuffle block)
 * of a group. l1/l2: the norm of every slice the unit owns, in every member of the group (producer output
 * slices, consumer input slices, normalisation parameters), averaged over the members (Torch-Pruning's
 * group importance with mean reduction). bn: |scale| of the BatchNormalization members. random: seeded.
 */
export function unitScores(
  analysis: Analysis,
  file: ModelFile,
  group: ChannelGroup,
  units: number[],
  criterion: Criterion,
  seed: number,
): Map<number, number> {
  const scores = new Map<number, number>(units.map((u) => [u, 0]));
  if (criterion === 'random') {
    units.forEach((u, i) => scores.set(u, hash(seed, group.id, i)));
    return scores;
  }
  const wanted = new Set(units);
  let members = analysis.state.members.filter(
    (m) => m.axis >= 0 && isData(m) && analysis.index.groupsOf(m.space).includes(group),
  );
  if (criterion === 'bn') {
    const bn = members.filter((m) => m.role === 'scale');
    if (bn.length > 0) members = bn;
  }
  const counts = new Map<number, number>();
  const tensors = new Map<string, Float32Array>();
  for (const member of members) {
    const tensor = findTensor(analysis, member);
    if (!tensor) continue;
    const key = `${member.source ?? 'initializer'}:${member.tensor}`;
    let values = tensors.get(key);
    if (!values) {
      values = readTensorAsFloat32(file, tensor);
      tensors.set(key, values);
    }
    const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
    const perIndex = axisNorms(values, dims, member.axis, criterion === 'l2' ? 2 : 1);
    const classes = analysis.index.classesOf(member.space);
    const seen = new Set<number>();
    for (let c = 0; c < classes.length; c++) {
      const cls = classes[c];
      if (!wanted.has(cls)) continue;
      let sum = 0;
      for (const i of mappedIndices(member.map, c)) sum += perIndex[i];
      scores.set(cls, scores.get(cls)! + sum);
      if (!seen.has(cls)) counts.set(cls, (counts.get(cls) ?? 0) + 1);
      seen.add(cls);
    }
  }
  for (const [cls, n] of counts) scores.set(cls, scores.get(cls)! / n);
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

/** Sum of |x|^p over all elements, for each index along `axis`. */
function axisNorms(values: Float32Array, dims: number[], axis: number, p: 1 | 2): Float64Array {
  const size = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  for (let i = 0; i < values.length; i++) {
    const index = Math.floor(i / inner) % size;
    const v = values[i];
    out[index] += p === 1 ? Math.abs(v) : v * v;
  }
  return out;
}

function hash(seed: number, group: string, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${group}:${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) / 2 ** 32;
}
