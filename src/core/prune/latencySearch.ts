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
  /** The first guess of how much of the predicted saving the whole model sees (see below). Default 1.5. */
  scale?: number;
}

/**
 * The same search led by a prediction: `saving(ratio)` is the share of the table's time that the selection at
 * that ratio saves (the lookup table's groups at their kept widths over the groups at full width). The whole
 * model's share is modelled as 1 − scale × saving: the table times each conv once per group it belongs to (its
 * input's and its output's), and a conv shrinking on both sides saves more than either alone, so the scale is
 * fitted to each measurement (the one nearest the target wins). Each step measures the smallest ratio so
 * predicted to meet the target, inside the bracket measurements have left (lo missed, hi met); a good
 * prediction meets the target within two or three steps instead of the bisection's six or seven. The answer is
 * still a measured ratio, never a predicted one.
 */
export async function searchLatencyGuided(
  target: number,
  saving: (ratio: number) => number,
  measure: (ratio: number) => Promise<number>,
  options: GuidedSearchOptions = {},
): Promise<LatencySearchResult & { predicted: number[] }> {
  const maxRatio = options.maxRatio ?? 0.9;
  const maxSteps = Math.max(1, options.maxSteps ?? 5);
  const resolution = options.resolution ?? 0.02;
  const tolerance = options.tolerance ?? 0.04;
  const steps: LatencyStep[] = [];
  const predicted: number[] = [];
  let scale = options.scale ?? 1.5;
  let nearest = Infinity;
  let lo = 0;
  let best: LatencyStep | undefined;
  const share = (ratio: number) => 1 - scale * saving(ratio);
  /** The smallest ratio in (lo, hi] predicted to meet the target; undefined if not even hi is. */
  const solve = (hi: number): number | undefined => {
    if (share(hi) > target) return undefined;
    let a = lo;
    let b = hi;
    for (let i = 0; i < 16 && b - a > 1e-4; i++) {
      const mid = (a + b) / 2;
      if (share(mid) <= target) b = mid;
      else a = mid;
    }
    return b;
  };
  while (steps.length < maxSteps) {
    options.signal?.throwIfAborted();
    const hi = best?.ratio ?? maxRatio;
    if (best && hi - lo <= resolution) break;
    let ratio = Number((solve(hi) ?? hi).toFixed(4));
    // A prediction at the bracket's edge or next to a measured ratio gives way to the midpoint.
    const near = (r: number) => steps.some((s) => Math.abs(s.ratio - r) < resolution / 2);
    if (near(ratio) || ratio - lo < resolution / 2) ratio = Number(((lo + hi) / 2).toFixed(4));
    if (near(ratio)) break;
    predicted.push(share(ratio));
    const measured = await measure(ratio);
    steps.push({ ratio, share: measured });
    const saved = saving(ratio);
    if (saved > 0 && Math.abs(measured - target) < nearest) {
      nearest = Math.abs(measured - target);
      scale = Math.min(5, Math.max(0.2, (1 - measured) / saved));
    }
    if (measured <= target) {
      best = { ratio, share: measured };
      if (target - measured <= tolerance) break;
    } else {
      lo = ratio;
      if (ratio >= maxRatio) break;
    }
  }
  if (best) return { ...best, reached: true, steps, predicted };
  const top = steps.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  return { ratio: top.ratio, share: top.share, reached: false, steps, predicted };
}
