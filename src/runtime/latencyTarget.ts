// `prune --target-latency SHARE`: a global prune whose pruned model, timed against the original in ONNX Runtime,
// takes at most SHARE of its time. Each step of the search (core/prune/latencySearch.ts) is a real prune into a
// temporary folder and a paired timing (the two models alternate on the same inputs, made in the worker); the
// ratio found is then pruned into the output. With the latency lookup table (latencyLookup.ts) the search ranks
// channels by importance per unit of latency saved and is led by the table's prediction of each ratio's share
// (searchLatencyGuided), so it needs fewer of those whole-model measurements; the answer is still measured.
import { refuseRuntimeHazard } from './runtimeGuard';
import { startSha256 } from './backgroundHash';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Analysis, analyzeModel } from '../core/analyze/analyze';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import {
  type LatencySearchResult,
  type LatencyStep,
  searchLatency,
  searchLatencyGuided,
} from '../core/prune/latencySearch';
import { latencyModel, predictedSaving, timeAt } from '../core/prune/latencyTable';
import { type PruneOutcome, type PruneProgress, pruneFile } from '../core/prune/prune';
import { type PruneSettings, SelectionContext, selectUnits } from '../core/prune/select';
import { OrtClient } from './ortClient';
import { median, pairedRatios } from './pairedTiming';
import { feedSpecs } from './randomFeeds';
import { type InputDims, inputShapesWith, unknownDims } from './inputDims';
import { valueType } from '../core/onnx/valueType';
import { type LatencyTableStats, latencyTableFor } from './latencyLookup';

export interface LatencyTargetOptions {
  /** Paired timed runs per step (after 3 untimed ones). Default 20. */
  runs?: number;
  /** Measurements the search may make. Default 7. */
  maxSteps?: number;
  /** ONNX Runtime's time limit per request. */
  timeoutMs?: number;
  /** Sizes of symbolic input dims for the whole-model timings and the lookup table (see inputDims.ts). */
  dims?: InputDims;
  signal?: AbortSignal;
  /** Hears of each measured step. */
  onStep?: (step: LatencyStep) => void;
  onProgress?: PruneProgress;
  /** Checks the analysis before the output is written (a plan's errors refuse the prune). */
  check?: (analysis: Analysis) => void;
  /** Where latency lookup tables are cached (none: measured afresh, not kept). */
  cacheDir?: string;
  /** Use no lookup table: the plain bisection over measured ratios. */
  noTable?: boolean;
  /** Hears of the lookup table's measurement, group by group. */
  onTableGroup?: (done: number, total: number) => void;
  /**
   * Prunes with given settings into a file (`last`: the output itself, after the search). Default: pruneFile
   * here; the language server prunes on its worker threads instead.
   */
  prune?: (settings: PruneSettings, output: string, last: boolean) => Promise<PruneOutcome>;
}

export interface LatencyTargetOutcome {
  outcome: PruneOutcome;
  /** With a lookup table, `predicted` holds the share it predicted for each measured step. */
  search: LatencySearchResult & { predicted?: number[] };
  /** Paired timed runs per step. */
  runs: number;
  /** The lookup table's account (measured or cached), when one was used. */
  table?: LatencyTableStats;
  /**
   * The settings the chosen prune was made with (the found ratio, the table's latency model and alignment): a
   * plan written from them selects the same channels.
   */
  settings: PruneSettings;
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
  const prune =
    options.prune ??
    (async (chosen: PruneSettings, path: string, last: boolean) =>
      pruneFile(model, path, chosen, {
        signal: options.signal,
        check: options.check,
        ...(last ? { hashOriginal: true, startHash: startSha256, onProgress: options.onProgress } : {}),
      }));
  const global: PruneSettings = {
    ...settings,
    global: true,
    targetMacs: undefined,
    targetLatency: undefined,
  };
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-latency-'));
  const client = new OrtClient();
  const file = openModel(model);
  try {
    refuseRuntimeHazard(file, model);
    const original = await client.load(model, call);
    const unknown = options.dims && unknownDims(original.inputs, options.dims);
    if (unknown) throw new Error(unknown);
    const feeds = await client.makeFeeds(feedSpecs(original.inputs, [], options.dims), 1, call);
    let tableStats: LatencyTableStats | undefined;
    let saving: ((ratio: number) => number) | undefined;
    if (!options.noTable) {
      const analysis = analyzeModel(new ModelView(file));
      options.check?.(analysis);
      const { table, stats, alignment } = await latencyTableFor(client, file, analysis, global, {
        cacheDir: options.cacheDir,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onGroup: options.onTableGroup,
        inputShapes:
          options.dims && options.dims.size > 0
            ? inputShapesWith((file.proto.graph?.input ?? []).map(valueType), options.dims)
            : undefined,
      });
      tableStats = stats;
      if (alignment) global.alignment = alignment;
      if (table.entries.length > 0) {
        global.latency = latencyModel(table, true);
        const model = global.latency;
        const full = table.entries.reduce((n, e) => n + timeAt(e, e.channels), 0);
        file.preload(128 << 20);
        // One context for every prediction: the units' importance is computed once.
        const context = new SelectionContext(analysis, file);
        saving = (ratio: number) =>
          predictedSaving(model, selectUnits(analysis, file, { ...global, ratio }, context).groups) / full;
      }
    }
    let step = 0;
    const measure = async (ratio: number): Promise<number> => {
      const path = join(dir, `step-${++step}.onnx`);
      const pruned = await prune({ ...global, ratio }, path, false);
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
    const measured = async (ratio: number) => {
      const share = await measure(ratio);
      options.onStep?.({ ratio, share });
      return share;
    };
    const search = saving
      ? await searchLatencyGuided(share, saving, measured, { signal: options.signal })
      : await searchLatency(share, measured, { maxSteps: options.maxSteps, signal: options.signal });
    const chosen = { ...global, ratio: search.ratio };
    const outcome = await prune(chosen, output, true);
    return { outcome, search, runs, table: tableStats, settings: chosen };
  } finally {
    file.close();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report's lines on the search: the target, the ratio it came to, and every measured step. */
export function describeLatencySearch(target: number, result: LatencyTargetOutcome): string {
  const { search, runs, table } = result;
  const predicted = search.predicted;
  const steps = search.steps
    .map(
      (s, i) =>
        `ratio ${s.ratio} → ${s.share.toFixed(3)}${predicted?.[i] !== undefined ? ` (table predicted ${predicted[i].toFixed(3)})` : ''}`,
    )
    .join(', ');
  const lookup = !table
    ? ''
    : table.cached
      ? ' Chosen by importance per unit of latency saved, from the latency lookup table (cached).'
      : ` Chosen by importance per unit of latency saved, from the latency lookup table (${table.groupsMeasured} groups timed at their candidate widths, ${table.probesMeasured} probes; cached for next time).`;
  const head = search.reached
    ? `Latency target ${target}: global ratio ${search.ratio} runs in ${search.share.toFixed(3)} of the original's time`
    : `Latency target ${target} is out of reach: even ratio ${search.ratio} runs in ${search.share.toFixed(3)} of the original's time; pruned at that ratio`;
  return `${head} (ONNX Runtime CPU, median of ${runs} paired runs per step; measured: ${steps}).${lookup}`;
}
