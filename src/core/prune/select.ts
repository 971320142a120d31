import type { Analysis } from '../analyze/analyze';
import type { ChannelGroup } from '../analyze/types';
import type { ModelFile } from '../onnx/modelFile';
import { GroupTable } from './groupTable';
import { type Criterion, NormCache, unitScores } from './importance';

export type LayerAmount = { ratio: number } | { prune: number } | { indices: number[] } | { exclude: true };

export interface PruneSettings {
  /** Default share of channels to remove from every prunable group. */
  ratio: number;
  criterion: Criterion;
  /** Removed channel counts are multiples of this. */
  roundTo: number;
  seed: number;
  /** Per-layer settings, keyed by root node name (the plan's `layers`). */
  layers: Readonly<Record<string, LayerAmount>>;
}

export interface GroupSelection {
  group: string;
  roots: string[];
  /** Units (classes of coupled channels) and how many are removed. */
  units: number;
  removedUnits: number;
  /** Channels of the first root before and after. */
  channels: number;
  keptChannels: number;
  /** Why the group was left alone, when it was. */
  skipped?: string;
}

/**
 * Chooses the units to remove in every prunable group: the amount from the group's layer setting (or the
 * default ratio), rounded to whole units and to `roundTo`, never every unit; the least important units go.
 */
export function selectUnits(
  analysis: Analysis,
  file: ModelFile,
  settings: PruneSettings,
): { removed: Set<number>; groups: GroupSelection[] } {
  const removed = new Set<number>();
  const groups: GroupSelection[] = [];
  const norms = new NormCache();
  const table = new GroupTable(analysis);
  for (const group of analysis.report.groups) {
    const units = table.unitsOf(group);
    const primary = analysis.roots.get(group.roots[0])!;
    const base: GroupSelection = {
      group: group.id,
      roots: group.roots,
      units: units.length,
      removedUnits: 0,
      channels: group.channels,
      keptChannels: group.channels,
    };
    const setting = group.roots.map((r) => settings.layers[r]).find((s) => s !== undefined);
    if (!group.prunable) {
      groups.push({ ...base, skipped: group.locked ?? 'locked' });
      continue;
    }
    if (setting && 'exclude' in setting) {
      groups.push({ ...base, skipped: 'excluded' });
      continue;
    }
    let chosen: number[];
    if (setting && 'indices' in setting) {
      chosen = unitsOfIndices(table, group, setting.indices);
    } else {
      const ratio = setting && 'ratio' in setting ? setting.ratio : settings.ratio;
      const count = setting && 'prune' in setting ? setting.prune : ratio * group.channels;
      const step = lcm(primary.unit, settings.roundTo);
      const channels = Math.floor(count / step) * step;
      const k = Math.min(units.length - 1, Math.floor((channels / group.channels) * units.length + 1e-9));
      if (k <= 0) {
        groups.push({ ...base, skipped: 'nothing to remove at this ratio' });
        continue;
      }
      const scores = unitScores(norms, table, file, group, units, settings.criterion, settings.seed);
      chosen = table.pickKeepingEveryValue(
        [...units].sort((a, b) => scores.get(a)! - scores.get(b)! || a - b),
        k,
      );
    }
    for (const unit of chosen) removed.add(unit);
    const gone = new Set(chosen);
    const keptChannels = analysis.index
      .classesOf(table.rootSpace(group.roots[0]))
      .filter((cls) => !gone.has(cls)).length;
    groups.push({ ...base, removedUnits: chosen.length, keptChannels });
  }
  return { removed, groups };
}

/** The units holding the given channels of the group's first root (whole blocks only). */
function unitsOfIndices(table: GroupTable, group: ChannelGroup, indices: number[]): number[] {
  const analysis = table.analysis;
  const classes = analysis.index.classesOf(table.rootSpace(group.roots[0]));
  const units = new Set(indices.map((i) => classes[i]));
  const covered = [...classes].filter((cls) => units.has(cls)).length;
  if (covered !== new Set(indices).size) {
    throw new Error(
      `indices on '${group.roots[0]}' are not whole blocks of ${analysis.roots.get(group.roots[0])!.unit}`,
    );
  }
  if (units.size >= table.unitsOf(group).length)
    throw new Error(`indices on '${group.roots[0]}' remove every channel`);
  return [...units];
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a * b) / gcd(a, b);
}
