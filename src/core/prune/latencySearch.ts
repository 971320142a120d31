// The search behind `--target-latency`: the smallest global ratio whose pruned model runs in at most the target
// share of the original's time. Latency is measured, not estimated (counts off the runtime's channel block, memory
// traffic and fused kernels make MACs a poor guide), so each step is a real prune timed against the original, and
// the search spends few of them: a bisection on the ratio, stopped after a fixed number of measurements.

/** One measured step: the global ratio tried and the pruned model's latency over the original's. */
export interface LatencyStep {
  ratio: number;
  share: number;
}

export interface LatencySearchResult {
  /** The ratio chosen: the smallest one measured whose share met the target, else the largest tried. */
  ratio: number;
  share: number;
  reached: boolean;
  steps: LatencyStep[];
}

export interface LatencySearchOptions {
  /** Ratios tried lie in [0, maxRatio]. Default 0.9. */
  maxRatio?: number;
  /** Measurements at most (each one a prune and a timing). Default 7. */
  maxSteps?: number;
  /** The bisection stops once the bracket is this narrow. Default 0.02. */
  resolution?: number;
  /** Stops the search between steps (a cancelled prune). */
  signal?: AbortSignal;
}

/**
 * Finds the smallest ratio in [0, maxRatio] with `measure(ratio) ≤ target`, assuming latency falls as the ratio
 * grows (measurements are noisy, so the answer is the best step actually measured, never an interpolation). The
 * largest ratio is measured first: if even it misses the target, that is the answer, with `reached` false.
 */
export async function searchLatency(
  target: number,
  measure: (ratio: number) => Promise<number>,
  options: LatencySearchOptions = {},
): Promise<LatencySearchResult> {
  const maxRatio = options.maxRatio ?? 0.9;
  const maxSteps = Math.max(1, options.maxSteps ?? 7);
  const resolution = options.resolution ?? 0.02;
  const steps: LatencyStep[] = [];
  const probe = async (ratio: number) => {
    options.signal?.throwIfAborted();
    const share = await measure(ratio);
    steps.push({ ratio, share });
    return share;
  };
  const top = await probe(maxRatio);
  if (top > target) return { ratio: maxRatio, share: top, reached: false, steps };
  let best: LatencyStep = { ratio: maxRatio, share: top };
  let lo = 0;
  let hi = maxRatio;
  while (steps.length < maxSteps && hi - lo > resolution) {
    const mid = Number(((lo + hi) / 2).toFixed(4));
    const share = await probe(mid);
    if (share <= target) {
      hi = mid;
      best = { ratio: mid, share };
    } else lo = mid;
  }
  return { ...best, reached: true, steps };
}

export interface GuidedSearchOptions extends LatencySearchOptions {
  /** A measured share this close below the target ends the search. Default 0.04. */
  tolerance?: number;
}

/**
 * The same search led by a prediction (the latency lookup table's: what the selection at a ratio saves in the
 * layers it shrinks): each step measures the smallest ratio whose predicted share, corrected by the last
 * measurement's error, meets the target; measurements only narrow the bracket [lo, hi] (lo missed, hi met).
 * A good prediction meets the target within a step or two instead of the bisection's six or seven. The answer
 * is still a measured ratio, never a predicted one.
 */
export async function searchLatencyGuided(
  target: number,
  predict: (ratio: number) => number,
  measure: (ratio: number) => Promise<number>,
  options: GuidedSearchOptions = {},
): Promise<LatencySearchResult> {
  const maxRatio = options.maxRatio ?? 0.9;
  const maxSteps = Math.max(1, options.maxSteps ?? 5);
  const resolution = options.resolution ?? 0.02;
  const tolerance = options.tolerance ?? 0.04;
  const steps: LatencyStep[] = [];
  let lo = 0;
  let best: LatencyStep | undefined;
  let offset = 0;
  /** The smallest ratio in (lo, hi] predicted (with the offset) to meet the target; undefined if none is. */
  const solve = (hi: number): number | undefined => {
    if (predict(hi) + offset > target) return undefined;
    let a = lo;
    let b = hi;
    for (let i = 0; i < 14 && b - a > 1e-4; i++) {
      const mid = (a + b) / 2;
      if (predict(mid) + offset <= target) b = mid;
      else a = mid;
    }
    return b;
  };
  while (steps.length < maxSteps) {
    options.signal?.throwIfAborted();
    const hi = best?.ratio ?? maxRatio;
    if (hi - lo <= resolution && best) break;
    let ratio = Number((solve(hi) ?? hi).toFixed(4));
    // A prediction that repeats a measured ratio (or lands outside the bracket) gives way to the midpoint.
    if (steps.some((s) => s.ratio === ratio) || ratio <= lo) ratio = Number(((lo + hi) / 2).toFixed(4));
    if (steps.some((s) => s.ratio === ratio)) break;
    const share = await measure(ratio);
    steps.push({ ratio, share });
    offset = share - predict(ratio);
    if (share <= target) {
      best = { ratio, share };
      if (target - share <= tolerance) break;
    } else {
      lo = ratio;
      if (ratio >= maxRatio) break;
    }
  }
  if (best) return { ...best, reached: true, steps };
  const top = steps.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  return { ratio: top.ratio, share: top.share, reached: false, steps };
}
