// Latency as every surface states it (the CLI, the reports, the editor's compare view and notifications): the
// paired median ratio with its quartiles, the runs, warm-up and threads behind it, "SLOWER" said plainly when
// the pruned model is, and "inconclusive" or "no measurable difference" when the pairs show neither.

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

/**
 * What a paired timing shows: slower (isSlowerRatio), faster (even the slower quarter of the pairs took less
 * than 0.98× the original's time), or unclear: the middle half of the pairs reaches the 0.98–1.02 band (a
 * layer or two too small to pay, runs of a fraction of a millisecond, or a machine busy with other work).
 */
export type LatencyVerdict = 'faster' | 'slower' | 'unclear';

export function latencyVerdict(ratio: { median: number; p25: number; p75: number }): LatencyVerdict {
  if (isSlowerRatio(ratio)) return 'slower';
  return ratio.p75 < 0.98 ? 'faster' : 'unclear';
}

/**
 * An unclear timing in words: "no measurable difference" when the median pair is within 2 % too, else the way
 * the median pair went, called inconclusive (a median of 0.65 whose pairs reach 1.10 is not a speed-up shown,
 * nor is it no difference).
 */
function unclearWords(median: number): string {
  if (median >= 0.98 && median <= 1.02) return 'no measurable difference';
  const way = median < 1 ? `${(1 / median).toFixed(2)}× faster` : `${median.toFixed(2)}× slower`;
  return `inconclusive: ${way} in the median pair, but the middle half of the pairs reaches 0.98–1.02`;
}

/** The verdict in a few words, for a table cell: "1.46× faster", "1.30× slower", "no measurable difference"… */
export function verdictWords(ratio: { median: number; p25: number; p75: number }): string {
  switch (latencyVerdict(ratio)) {
    case 'faster':
      return `${(1 / ratio.median).toFixed(2)}× faster`;
    case 'slower':
      return `${ratio.median.toFixed(2)}× slower`;
    case 'unclear':
      return unclearWords(ratio.median);
  }
}

export function latencyText(t: PairedTiming): { text: string; slower: boolean } {
  const { median, p25, p75 } = t.ratio;
  const verdict = latencyVerdict(t.ratio);
  const ms =
    t.beforeMs !== undefined && t.afterMs !== undefined
      ? `${t.beforeMs.toFixed(2)} → ${t.afterMs.toFixed(2)} ms; `
      : '';
  const how = `${ms}paired median of ${t.runs} runs after ${t.warmup} warm-up, quartiles ${p25.toFixed(2)}–${p75.toFixed(2)}, ${t.threads} threads`;
  const text = {
    slower: `SLOWER: the pruned model takes ${median.toFixed(2)}× the original's time (${how})`,
    faster: `latency ${median.toFixed(2)}× the original's, ${(1 / median).toFixed(2)}× faster (${how})`,
    unclear: `latency ${median.toFixed(2)}× the original's: ${unclearWords(median)} (${how})`,
  }[verdict];
  return { text, slower: verdict === 'slower' };
}
