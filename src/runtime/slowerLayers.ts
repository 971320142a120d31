// The warning when a pruned model runs slower than its original (issue 15 §4), and the layers it is blamed on:
// from the latency lookup table, the pruned groups whose convolutions saved least. One definition of "slower"
// for the CLI's text, the Markdown report and the JSON report.
import type { LayerTiming } from '../core/prune/latencyTable';
import type { PruneOutcome } from '../core/prune/prune';
import { isSlowerRatio } from '../shared/latency';
import type { VerifyResult } from './verify/types';

/** Slower by the one rule (shared/latency.ts); not measured is not slower. */
export function isSlower(verify: VerifyResult | undefined): boolean {
  const ratio = verify?.timing?.ratio;
  return ratio !== undefined && isSlowerRatio(ratio);
}

/** The layers a slower pruned model is blamed on (empty: not slower, or no lookup table was used). */
export function slowerLayers(outcome: PruneOutcome, verify: VerifyResult | undefined): LayerTiming[] {
  return isSlower(verify) ? (outcome.latencyTable?.leastSaving ?? []) : [];
}

/** One sentence naming them, for the text and Markdown reports; undefined when the model is not slower. */
export function describeSlowerLayers(
  outcome: PruneOutcome,
  verify: VerifyResult | undefined,
): string | undefined {
  if (!isSlower(verify)) return undefined;
  if (!outcome.latencyTable)
    return 'Prune with --latency-table to have the layers responsible named (each layer is timed at its candidate widths).';
  const layers = outcome.latencyTable.leastSaving;
  if (layers.length === 0) return 'The latency lookup table has none of the pruned layers.';
  const list = layers
    .map(
      (l) =>
        `${l.group} '${l.root}' (${l.channels} → ${l.keptChannels} channels: ${l.beforeMs.toFixed(3)} → ${l.afterMs.toFixed(3)} ms)`,
    )
    .join(', ');
  const worse = layers.some((l) => l.afterMs > l.beforeMs);
  return worse
    ? `Layers responsible, by the latency lookup table (the pruned layers that saved least, slower first): ${list}.`
    : `By the latency lookup table no pruned layer got slower (those that saved least: ${list}); the time went outside the convolutions it times (layout changes between layers, memory).`;
}
