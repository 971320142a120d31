import type { Analysis } from '../analyze/analyze';
import type { ChannelGroup } from '../analyze/types';
import type { ModelFile } from '../onnx/modelFile';
import { type ChannelAlignment, alignedAtMost, alignedRemoval, offBlockReason } from './align';
import { type LayerSetting, removalStep, requestedCount, unitsToRemove } from './amounts';
import { ownValue } from '../records';
import { GroupTable } from './groupTable';
import { UnitSet } from './unitSet';
import { type LatencyModel, fastWidths, savingPerChannel } from './latencyTable';
import {
  type ActivationStats,
  type Criterion,
  type Reduction,
  type UnitScoreTable,
  unitScores,
} from './importance';
import { NormCache } from './normCache';

/** The plan's per-layer setting (amounts.ts), under the name the pruner's callers know it by. */
export type LayerAmount = LayerSetting;

export interface PruneSettings {
  /** Default share of channels to remove from every prunable group. */
  ratio: number;
  criterion: Criterion;
  /** Removed channel counts are multiples of this. */
  roundTo: number;
  /**
   * Kept channel counts stay multiples of `alignment.block` where the original count is (the runtime's channel
   * block, see align.ts); counts a plan gives explicitly (`prune`, `indices`) are left as they are. Default: none.
   */
  alignment?: ChannelAlignment;
  seed: number;
  /** Per-layer settings, keyed by root node name (the plan's `layers`). */
  layers: Readonly<Record<string, LayerSetting>>;
  /** Rank the units of all groups together instead of each group on its own. */
  global?: boolean;
  /** How a unit's importance combines its members: mean (default), sum or max. */
  reduce?: Reduction;
  /** Prune (globally) until MACs are at most this share of the original's, instead of using `ratio`. */
  targetMacs?: number;
  /**
   * Prune (globally) until the measured latency is at most this share of the original's: the search runs the
   * models in ONNX Runtime (src/runtime/latencyTarget.ts), so the core's own selection ignores it.
   */
  targetLatency?: number;
  /**
   * The model's latency lookup table (latencyTable.ts, measured by src/runtime/latencyLookup.ts): kept counts
   * are then widths no larger width beats; with `weighted`, the global ranking is by importance per unit of
   * latency saved. Counts a plan gives explicitly (`prune`, `indices`) are left as they are.
   */
  latency?: LatencyModel;
  /** For the `activation` criterion: mean |activation| per channel of the root outputs. */
  activations?: ActivationStats;
  /** For the `greedy` criterion: scores measured on calibration inputs (src/runtime/greedyScores.ts). */
  measured?: UnitScoreTable;
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

/** What stays the same across selections of one model (a MACs target searches over many). */
export class SelectionContext {
  readonly table: GroupTable;
  readonly norms: NormCache;
  /** Scores by group and criterion, in the order of the group's units (GroupTable.unitsOf). */
  private readonly scores = new Map<string, Float64Array>();

  constructor(
    readonly analysis: Analysis,
    readonly file: ModelFile,
    /** Hears of the weight bytes read to score units, as they are read. */
    onRead?: (bytes: number) => void,
  ) {
    this.table = new GroupTable(analysis);
    this.norms = new NormCache(onRead);
  }

  scoresOf(group: ChannelGroup, units: readonly number[], settings: PruneSettings): Float64Array {
    const key = `${group.id}:${settings.criterion}:${settings.reduce ?? 'mean'}:${settings.seed}`;
    let scores = this.scores.get(key);
    if (!scores) {
      scores = unitScores(
        this.norms,
        this.table,
        this.file,
        group,
        units,
        settings.criterion,
        settings.seed,
        settings.reduce,
        settings.activations,
        settings.measured,
      );
      this.scores.set(key, scores);
    }
    return scores;
  }
}

/**
 * Chooses the units to remove in every prunable group: the amount from the group's layer setting (or the
 * default ratio), rounded to whole units and to `roundTo`, never every unit; the least important units go.
 * With `global`, the groups on the default ratio are ranked together instead (importance normalised by each
 * group's mean), and the least important units of the whole model go until the ratio of their channels is met.
 */
export function selectUnits(
  analysis: Analysis,
  file: ModelFile,
  settings: PruneSettings,
  context = new SelectionContext(analysis, file),
): { removed: UnitSet; groups: GroupSelection[] } {
  const { table } = context;
  const removed = new UnitSet(analysis.state.slots.length);
  const selections = new Map<ChannelGroup, GroupSelection>();
  const chosenOf = new Map<ChannelGroup, number[]>();
  const globalPool: ChannelGroup[] = [];
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
    selections.set(group, base);
    const setting = settingOf(settings, group);
    if (!group.prunable) {
      base.skipped = group.locked ?? 'locked';
      continue;
    }
    if (setting && 'exclude' in setting) {
      base.skipped = 'excluded';
      continue;
    }
    if (setting && 'indices' in setting) {
      chosenOf.set(group, unitsOfIndices(table, group, setting.indices));
      continue;
    }
    if (settings.global && !setting) {
      globalPool.push(group);
      continue;
    }
    const count = requestedCount(setting, settings.ratio, group.channels);
    const step = removalStep(primary.unit, settings.roundTo);
    const block = setting && 'prune' in setting ? 1 : (settings.alignment?.block ?? 1);
    const widths = setting && 'prune' in setting ? undefined : tableWidths(settings, group);
    const channels = alignedRemoval(group.channels, step, count, block, widths);
    const k = unitsToRemove(channels, group.channels, units.length);
    if (k <= 0) {
      base.skipped =
        widths && channels === 0
          ? `no kept count the latency table measured as fast as a larger one is nearer to the ${Number(count.toFixed(1))} channels asked for than removing none`
          : block > 1 && channels === 0
            ? (offBlockReason(group.channels, step, count, block) ?? 'nothing to remove at this ratio')
            : 'nothing to remove at this ratio';
      continue;
    }
    const scores = context.scoresOf(group, units, settings);
    chosenOf.set(group, table.pickKeepingEveryValue(byScore(units, scores), k));
  }
  if (globalPool.length > 0)
    for (const [group, chosen] of selectGlobally(context, globalPool, settings)) chosenOf.set(group, chosen);
  for (const [group, chosen] of chosenOf) {
    for (const unit of chosen) removed.add(unit);
    const selection = selections.get(group)!;
    selection.removedUnits = chosen.length;
    const classes = analysis.index.classesOf(table.rootSpace(group.roots[0]));
    selection.keptChannels = table.withPositions(chosen, (position) => {
      let kept = 0;
      for (let c = 0; c < classes.length; c++) if (position[classes[c]] === 0) kept++;
      return kept;
    });
    if (chosen.length === 0) selection.skipped = 'nothing to remove at this ratio';
  }
  return { removed, groups: [...selections.values()] };
}

/**
 * The first of the group's roots' own settings (a plan names layers by their root): own keys only, so a layer
 * named `constructor` or `toString` gets no setting from Object.prototype.
 */
function settingOf(settings: PruneSettings, group: ChannelGroup): LayerSetting | undefined {
  for (let r = 0; r < group.roots.length; r++) {
    const setting = ownValue(settings.layers, group.roots[r]);
    if (setting !== undefined) return setting;
  }
  return undefined;
}

/** The units, least important first (ties by unit number); `score` is in the order of `units`. */
function byScore(units: readonly number[], score: Float64Array): number[] {
  const order: number[] = [];
  for (let i = 0; i < units.length; i++) order.push(i);
  order.sort((a, b) => score[a] - score[b] || units[a] - units[b]);
  for (let i = 0; i < order.length; i++) order[i] = units[order[i]];
  return order;
}

/**
 * Global ranking (Torch-Pruning's global pruning): every unit of the pooled groups, scored relative to its
 * group's mean, least important first, until `ratio` of the pool's channels are removed; every group keeps at
 * least one unit and no value is emptied.
 */
function selectGlobally(
  context: SelectionContext,
  groups: ChannelGroup[],
  settings: PruneSettings,
): Map<ChannelGroup, number[]> {
  const { table } = context;
  const candidates: { group: ChannelGroup; unit: number; score: number; size: number }[] = [];
  let total = 0;
  const cost = latencyWeights(settings, groups);
  for (const group of groups) {
    const units = table.unitsOf(group);
    const scores = context.scoresOf(group, units, settings);
    const mean =
      (scores.reduce((n, score) => n + score, 0) / Math.max(units.length, 1) || 1) * (cost.get(group) ?? 1);
    const sizes = unitSizes(context, group);
    units.forEach((unit, i) =>
      candidates.push({ group, unit, score: scores[i] / mean, size: sizes.get(unit) ?? 0 }),
    );
    total += group.channels;
  }
  candidates.sort((a, b) => a.score - b.score || a.unit - b.unit);
  const target = Math.floor(settings.ratio * total);
  const chosen = new Map<ChannelGroup, number[]>(groups.map((g) => [g, []]));
  const unitCount = new Map(groups.map((g) => [g, table.unitsOf(g).length]));
  const picker = table.picker();
  let removedChannels = 0;
  for (const c of candidates) {
    if (removedChannels >= target) break;
    const list = chosen.get(c.group)!;
    if (list.length + 1 >= unitCount.get(c.group)!) continue; // keep one unit
    if (!picker.tryRemove(c.unit)) continue;
    list.push(c.unit);
    removedChannels += c.size;
  }
  if ((settings.alignment?.block ?? 1) > 1 || settings.latency)
    for (const [group, list] of chosen) alignChosen(context, group, list, settings);
  return chosen;
}

/**
 * Takes back the most important of a group's globally chosen units until its kept count is aligned (see
 * alignedRemoval); fewer removals never empty a value, so what stays chosen is still valid.
 */
function alignChosen(
  context: SelectionContext,
  group: ChannelGroup,
  list: number[],
  settings: PruneSettings,
): void {
  const { analysis } = context;
  const sizes = unitSizes(context, group);
  let removed = list.reduce((n, unit) => n + (sizes.get(unit) ?? 0), 0);
  const step = removalStep(analysis.roots.get(group.roots[0])!.unit, settings.roundTo);
  const block = settings.alignment?.block ?? 1;
  const target = alignedAtMost(group.channels, step, removed, block, tableWidths(settings, group));
  while (list.length > 0 && removed > target) removed -= sizes.get(list.pop()!) ?? 0;
}

/** The kept counts the latency table allows a group (undefined: no table, or the group is not in it). */
function tableWidths(settings: PruneSettings, group: ChannelGroup): number[] | undefined {
  const entry = settings.latency?.byRoot.get(group.roots[0]);
  return entry && entry.channels === group.channels ? fastWidths(entry) : undefined;
}

/**
 * With a weighted latency model, each group's importance is scaled by the time one of its channels saves
 * relative to the pool's mean (HALP: importance per unit of latency), so channels that buy much time go
 * first; groups the table lacks count as the mean. The scale is kept within [1/20, 20].
 */
function latencyWeights(settings: PruneSettings, groups: readonly ChannelGroup[]): Map<ChannelGroup, number> {
  const weights = new Map<ChannelGroup, number>();
  if (!settings.latency?.weighted) return weights;
  const savings = new Map<ChannelGroup, number>();
  for (const group of groups) {
    const entry = settings.latency.byRoot.get(group.roots[0]);
    if (entry && entry.channels === group.channels) savings.set(group, savingPerChannel(entry));
  }
  const mean = [...savings.values()].reduce((a, b) => a + b, 0) / Math.max(savings.size, 1);
  if (!(mean > 0)) return weights;
  for (const [group, saving] of savings) weights.set(group, Math.min(20, Math.max(1 / 20, saving / mean)));
  return weights;
}

/** How many of the group's first-root channels each unit holds. */
function unitSizes(context: SelectionContext, group: ChannelGroup): Map<number, number> {
  const classes = context.analysis.index.classesOf(context.table.rootSpace(group.roots[0]));
  const sizes = new Map<number, number>();
  for (const cls of classes) sizes.set(cls, (sizes.get(cls) ?? 0) + 1);
  return sizes;
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
