// How much of a layer a setting removes: the one home for the arithmetic the plan checker (which says what is
// wrong with an amount and proposes one that is right) and the selection (which prunes it) must agree on. Counts
// go in whole units (a pixel shuffle's r², a grouped conv's g) and multiples of roundTo, and never take every
// channel. Alignment to the runtime's channel block builds on these (align.ts).

/** One entry of a plan's `layers`, and what the pruner is given per root layer: exactly one of these. */
export type LayerSetting = { ratio: number } | { prune: number } | { indices: number[] } | { exclude: true };

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The step removed counts go in: whole units of the layer and multiples of roundTo (their least common multiple). */
export function removalStep(unit: number, roundTo: number): number {
  return (unit / gcd(unit, roundTo)) * roundTo;
}

/** `count` rounded down to a multiple of `step`. */
export function roundDown(count: number, step: number): number {
  return Math.floor(count / step) * step;
}

/** The most channels of `channels` removable in steps of `step` that still keep one. */
export function mostRemovable(channels: number, step: number): number {
  return roundDown(channels - 1, step);
}

/** The channels a ratio or count setting asks to remove (before rounding): `prune` as given, else ratio × channels. */
export function requestedCount(setting: LayerSetting | undefined, ratio: number, channels: number): number {
  if (setting && 'prune' in setting) return setting.prune;
  return (setting && 'ratio' in setting ? setting.ratio : ratio) * channels;
}

/**
 * How many of `units` to remove for `removed` of `channels` channels: whole units, never all of them. The small
 * epsilon keeps a product like 0.3 × 10 that lands just under an integer from losing a unit.
 */
export function unitsToRemove(removed: number, channels: number, units: number): number {
  return Math.min(units - 1, Math.floor((removed / channels) * units + 1e-9));
}

/** What the plan checker knows of a layer: its output channels and how many go together. */
export interface LayerSize {
  channels: number;
  unit: number;
}

/**
 * The largest count of channels to remove that keeps at least one unit: in multiples of `step` when one fits,
 * else in whole units; undefined when the layer is a single unit.
 */
export function largestCount(layer: LayerSize, step: number): number | undefined {
  const room = layer.channels - layer.unit;
  const stepped = roundDown(room, step);
  if (stepped >= step) return stepped;
  const units = roundDown(room, layer.unit);
  return units > 0 ? units : undefined;
}

/** `count` rounded down to a multiple of `step`, at least one step, at most the largest count that keeps a unit. */
export function roundCount(count: number, layer: LayerSize, step: number): number | undefined {
  const rounded = Math.max(step, roundDown(count, step));
  const largest = largestCount(layer, step);
  if (largest === undefined) return undefined;
  return Math.min(rounded, largest);
}

/** The largest ratio below 1 that keeps at least one unit of a layer (two decimals when that is enough). */
export function largestRatio(layer: LayerSize): number | undefined {
  if (layer.channels <= layer.unit) return undefined;
  const exact = (layer.channels - layer.unit) / layer.channels;
  const rounded = Math.floor(exact * 100) / 100;
  return rounded > 0 ? rounded : exact;
}
