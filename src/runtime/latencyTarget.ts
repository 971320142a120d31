// `prune --target-latency SHARE`: a global prune whose pruned model, timed against the original in ONNX Runtime,
// takes at most SHARE of its time. Each step of the search (core/prune/latencySearch.ts) is a real prune into a
// temporary folder and a paired timing (the two models alternate on the same inputs, made in the worker); the
// ratio found is then pruned into the output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Analysis } from '../core/analyze/analyze';
import { type LatencySearchResult, type LatencyStep, searchLatency } from '../core/prune/latencySearch';
import { type PruneOutcome, type PruneProgress, pruneFile } from '../core/prune/prune';
import type { PruneSettings } from '../core/prune/select';
import { OrtClient } from './ortClient';
import { median, pairedRatios } from './pairedTiming';
import { feedSpecs } from './randomFeeds';

export interface LatencyTargetOptions {
  /** Paired timed runs per step (after 3 untimed ones). Default 20. */
  runs?: number;
  /** Measurements the search may make. Default 7. */
  maxSteps?: number;
  /** ONNX Runtime's time limit per request. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Hears of each measured step. */
  onStep?: (step: LatencyStep) => void;
  onProgress?: PruneProgress;
  /** Checks the analysis before the output is written (a plan's errors refuse the prune). */
  check?: (analysis: Analysis) => void;
}

export interface LatencyTargetOutcome {
  outcome: PruneOutcome;
  search: LatencySearchResult;
  /** Paired timed runs per step. */
  runs: number;
}

/** Prunes `model` into `output` globally, at the smallest ratio measured to meet `share` of its latency. */
export async function pruneForLatency(
  model: string,
  output: string,
  settings: PruneSettings,
  share: number,
  options: LatencyTargetOptions = {},
): Promise<LatencyTargetOutcome> {
  const runs = options.runs ?? 20;
  const call = { timeoutMs: options.timeoutMs };
  const global: PruneSettings = {
    ...settings,
    global: true,
    targetMacs: undefined,
    targetLatency: undefined,
  };
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-latency-'));
  const client = new OrtClient();
  try {
    const original = await client.load(model, call);
    const feeds = await client.makeFeeds(feedSpecs(original.inputs), 1, call);
    let step = 0;
    const measure = async (ratio: number): Promise<number> => {
      const path = join(dir, `step-${++step}.onnx`);
      const pruned = pruneFile(
        model,
        path,
        { ...global, ratio },
        { signal: options.signal, check: options.check },
      );
      if (pruned.removedChannels === 0) return 1;
      const candidate = await client.load(path, call);
      try {
        const [a, b] = await client.time(
          [
            { model: original, feeds },
            { model: candidate, feeds },
          ],
          { runs, warmup: 3, ...call },
        );
        return median(pairedRatios(a, b));
      } finally {
        await client.release(candidate);
        rmSync(path, { force: true });
      }
    };
    const search = await searchLatency(
      share,
      async (ratio) => {
        const measured = await measure(ratio);
        options.onStep?.({ ratio, share: measured });
        return measured;
      },
      { maxSteps: options.maxSteps, signal: options.signal },
    );
    const outcome = pruneFile(
      model,
      output,
      { ...global, ratio: search.ratio },
      { signal: options.signal, hashOriginal: true, onProgress: options.onProgress, check: options.check },
    );
    return { outcome, search, runs };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report's lines on the search: the target, the ratio it came to, and every measured step. */
export function describeLatencySearch(target: number, result: LatencyTargetOutcome): string {
  const { search, runs } = result;
  const steps = search.steps.map((s) => `ratio ${s.ratio} → ${s.share.toFixed(3)}`).join(', ');
  const head = search.reached
    ? `Latency target ${target}: global ratio ${search.ratio} runs in ${search.share.toFixed(3)} of the original's time`
    : `Latency target ${target} is out of reach: even ratio ${search.ratio} runs in ${search.share.toFixed(3)} of the original's time; pruned at that ratio`;
  return `${head} (ONNX Runtime CPU, median of ${runs} paired runs per step; measured: ${steps}).`;
}
