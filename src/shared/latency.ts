// Latency as every editor surface states it (compare view, notifications): the paired median ratio with its
// quartiles, the runs, warm-up and threads behind it, and "SLOWER" said plainly when the pruned model is.

/** A paired timing: the two models alternated run by run on the same inputs. */
export interface PairedTiming {
  runs: number;
  warmup: number;
  /** ONNX Runtime's intra-op threads. */
  threads: number;
  /** Per pair of runs, pruned over original: median and quartiles. */
  ratio: { median: number; p25: number; p75: number };
  /** Median milliseconds of each model, when measured. */
  beforeMs?: number;
  afterMs?: number;
}

/**
 * Slower: even the faster quarter of the paired runs took more than 1.02× the original's time (timing noise
 * stays below it on a quiet machine). The one definition for the CLI, the reports and the editor.
 */
export function isSlowerRatio(ratio: { p25: number }): boolean {
  return ratio.p25 > 1.02;
}

export function latencyText(t: PairedTiming): { text: string; slower: boolean } {
  const { median, p25, p75 } = t.ratio;
  const slower = isSlowerRatio(t.ratio);
  const ms =
    t.beforeMs !== undefined && t.afterMs !== undefined
      ? `${t.beforeMs.toFixed(2)} → ${t.afterMs.toFixed(2)} ms; `
      : '';
  const how = `${ms}paired median of ${t.runs} runs after ${t.warmup} warm-up, quartiles ${p25.toFixed(2)}–${p75.toFixed(2)}, ${t.threads} threads`;
  return {
    text: slower
      ? `SLOWER: the pruned model takes ${median.toFixed(2)}× the original's time (${how})`
      : `latency ${median.toFixed(2)}× the original's, ${(1 / median).toFixed(2)}× faster (${how})`,
    slower,
  };
}
