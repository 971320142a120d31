// The per-group latency lookup table (issue 15 §2): for each prunable group, how long its convolutions take in
// ONNX Runtime at a few candidate kept widths, measured on the model's real shapes (src/runtime/latencyLookup.ts
// times them; latencyProbe.ts builds what is timed). This file only reads the table: which kept counts are worth
// choosing (never one slower than a larger one), what a selection is predicted to save, and which groups a
// slower prune is to blame on. Pure: no runtime, no clock.

/** One group's measurements: `ms[i]` is the time of its convolutions with `widths[i]` channels kept. */
export interface LatencyEntry {
  /** The group's first root (stable across analyses of the same model, unlike nothing else we could key by). */
  root: string;
  /** The group's channels (the first root's output channels); `widths` includes it. */
  channels: number;
  /** Kept widths measured, ascending. */
  widths: number[];
  /** Median milliseconds at each width. */
  ms: number[];
}

/** The table of one model on one machine (see latencyCache.ts for what it is keyed by). */
export interface LatencyTable {
  entries: LatencyEntry[];
}

/** A latency table as the selection uses it. */
export interface LatencyModel {
  /** Entries by first root. */
  readonly byRoot: ReadonlyMap<string, LatencyEntry>;
  /**
   * Rank globally by importance per unit of latency saved (NetAdapt / HALP) instead of importance alone: the
   * `--target-latency` search sets it.
   */
  readonly weighted?: boolean;
}

export function latencyModel(table: LatencyTable, weighted = false): LatencyModel {
  return { byRoot: new Map(table.entries.map((e) => [e.root, e])), weighted };
}

/**
 * The kept widths worth choosing: those no larger width beats (a width measured slower than a larger one would
 * cost accuracy and time), the full width always. Ascending.
 */
export function fastWidths(entry: LatencyEntry): number[] {
  const kept: number[] = [];
  let best = Infinity;
  for (let i = entry.widths.length - 1; i >= 0; i--) {
    const full = entry.widths[i] === entry.channels;
    if (full || entry.ms[i] <= best) kept.push(entry.widths[i]);
    best = Math.min(best, entry.ms[i]);
  }
  return kept.reverse();
}

/** The entry's time at `kept` channels: measured, or linear between the nearest measured widths. */
export function timeAt(entry: LatencyEntry, kept: number): number {
  const { widths, ms } = entry;
  if (kept <= widths[0]) return ms[0];
  for (let i = 1; i < widths.length; i++) {
    if (kept <= widths[i]) {
      const t = (kept - widths[i - 1]) / (widths[i] - widths[i - 1]);
      return ms[i - 1] + t * (ms[i] - ms[i - 1]);
    }
  }
  return ms[ms.length - 1];
}

/**
 * Milliseconds saved per channel removed from the group, over the widths the table measured (the full width's
 * time less the fastest narrower one's, over the channels between): what one channel of this group is worth
 * in time.
 */
export function savingPerChannel(entry: LatencyEntry): number {
  const full = timeAt(entry, entry.channels);
  let best = 0;
  for (let i = 0; i < entry.widths.length; i++) {
    const channels = entry.channels - entry.widths[i];
    if (channels > 0) best = Math.max(best, (full - entry.ms[i]) / channels);
  }
  return best;
}

/** A group's kept count after a prune, for the predictions below. */
export interface KeptCount {
  roots: readonly string[];
  channels: number;
  keptChannels: number;
}

/** Milliseconds the table says the groups' convolutions save (negative: they got slower). */
export function predictedSaving(model: LatencyModel, groups: readonly KeptCount[]): number {
  let saved = 0;
  for (const g of groups) {
    const entry = model.byRoot.get(g.roots[0]);
    if (entry && g.keptChannels < g.channels)
      saved += timeAt(entry, g.channels) - timeAt(entry, g.keptChannels);
  }
  return saved;
}

/** One pruned group's times before and after by the table (the layers a slower model is blamed on). */
export interface LayerTiming {
  group: string;
  root: string;
  channels: number;
  keptChannels: number;
  /** Milliseconds of the group's convolutions at the full and at the kept width. */
  beforeMs: number;
  afterMs: number;
}

/**
 * The pruned groups whose convolutions saved least (got slower first), at most `limit`: where the table says
 * the time went when a pruned model is slower than its original.
 */
export function leastSaving(
  model: LatencyModel,
  groups: readonly (KeptCount & { group: string })[],
  limit = 5,
): LayerTiming[] {
  const rows: LayerTiming[] = [];
  for (const g of groups) {
    const entry = model.byRoot.get(g.roots[0]);
    if (!entry || g.keptChannels >= g.channels) continue;
    rows.push({
      group: g.group,
      root: g.roots[0],
      channels: g.channels,
      keptChannels: g.keptChannels,
      beforeMs: timeAt(entry, g.channels),
      afterMs: timeAt(entry, g.keptChannels),
    });
  }
  return rows.sort((a, b) => b.afterMs - b.beforeMs - (a.afterMs - a.beforeMs)).slice(0, limit);
}

/**
 * The kept widths a table measures for a group of `channels`: every count the prune could choose (multiples of
 * `step`, of `block` too where the count is one), coarsened by doubling until there are at most `most`, and the
 * full width. Ascending. Eight by default: each width is a model loaded and timed, and a VGG-sized model has
 * sixteen groups whose layers take tens of milliseconds.
 */
export function candidateWidths(channels: number, step: number, block: number, most = 8): number[] {
  let grain = channels % block === 0 ? lcm(step, block) : step;
  while (Math.floor((channels - 1) / grain) > most) grain *= 2;
  const widths: number[] = [];
  for (let kept = channels - grain; kept > 0; kept -= grain) widths.push(kept);
  return [...widths.reverse(), channels];
}

export function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a * b) / gcd(a, b);
}
