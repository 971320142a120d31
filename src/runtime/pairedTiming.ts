// Figures of paired timings (the two models alternate run by run, see OrtClient.time): a machine slowed by other
// work slows both runs of a pair, so ratios taken per pair say more than a ratio of two medians.

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Run i of `b` over run i of `a`, for every pair. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((t, i) => b[i] / t);
}

/** Per pair of runs, b over a: the median and the quartiles (each the pair at that rank). */
export function pairedRatio(
  a: readonly number[],
  b: readonly number[],
): { median: number; p25: number; p75: number } {
  const ratios = pairedRatios(a, b).sort((x, y) => x - y);
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))];
  return { median: at(0.5), p25: at(0.25), p75: at(0.75) };
}
