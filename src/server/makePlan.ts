import { mkdtempSync, rmSync } from 'node:fs';
import { startSha256 } from '../runtime/backgroundHash';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analyzeModel } from '../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { makePlan } from '../core/plan';
import type { PruneSettings } from '../core/prune/select';
import type { MakePlanParams, MakePlanResult } from '../protocol/server';
import { withMachineAlignment } from '../runtime/channelBlock';
import { measureGreedyScores } from '../runtime/greedyScores';
import { describeLatencySearch, pruneForLatency } from '../runtime/latencyTarget';
import { OrtClient } from '../runtime/ortClient';
import { OrtRuntimeError } from '../runtime/ortErrors';

/**
 * Answers onnxPruner/makePlan: the plan a prune with these settings would follow, beside the model. The greedy
 * criterion and a latency target run the model in ONNX Runtime first (a child of the server; a cancel stops
 * it); their plan holds explicit counts, as every plan made here does.
 */
export async function makePlanFor(
  params: MakePlanParams,
  signal?: AbortSignal,
  latencyCacheDir?: string,
): Promise<MakePlanResult> {
  const modelPath = fileURLToPath(params.modelUri);
  const planPath = `${modelPath.replace(/\.onnx$/i, '')}.prune.json`;
  const timeoutMs = params.timeoutSeconds === undefined ? undefined : params.timeoutSeconds * 1000;
  try {
    let settings = aligned(params, {
      criterion: params.criterion,
      ratio: params.targetMacs === undefined ? (params.ratio ?? 0.5) : 0,
      targetMacs: params.targetMacs,
      global: params.global,
      roundTo: params.roundTo ?? 1,
      seed: 0,
      layers: {},
    });
    if (params.criterion === 'greedy') settings.measured = await greedyScores(modelPath, params, signal);
    let note: string | undefined;
    if (params.targetLatency !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-plan-'));
      try {
        const found = await pruneForLatency(
          modelPath,
          join(dir, 'latency.onnx'),
          settings,
          params.targetLatency,
          { signal, timeoutMs, cacheDir: latencyCacheDir },
        );
        note = describeLatencySearch(params.targetLatency, found);
        settings = found.settings;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const { text, groups, preview: estimate } = makePlan(modelPath, planPath, settings, startSha256);
    const preview = groups.map((g, i) => ({
      group: g.group,
      root: g.roots[0],
      channels: g.channels,
      kept: g.keptChannels,
      skipped: g.skipped,
      params: estimate.rows[i]?.params,
      macs: estimate.rows[i]?.macs,
    }));
    const totals = { parameters: estimate.parameters, macs: estimate.macs };
    return {
      ok: true,
      planUri: pathToFileURL(planPath).href,
      text,
      preview,
      totals,
      ...(note ? { note } : {}),
    };
  } catch (error) {
    if (signal?.aborted) return { ok: false, message: 'Cancelled.' };
    if (error instanceof OnnxError || error instanceof OrtRuntimeError)
      return { ok: false, message: error.message };
    return { ok: false, message: `${modelPath}: ${(error as Error).message}` };
  }
}

/** The greedy criterion's scores on the calibration inputs (ONNX Runtime; a cancel stops its child). */
async function greedyScores(
  modelPath: string,
  params: MakePlanParams,
  signal?: AbortSignal,
): Promise<NonNullable<PruneSettings['measured']>> {
  const file = withModelErrors(modelPath, () => openModel(modelPath));
  const client = new OrtClient({
    timeoutMs: params.timeoutSeconds === undefined ? undefined : params.timeoutSeconds * 1000,
  });
  const stop = () => void client.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const analysis = withModelErrors(modelPath, () => analyzeModel(new ModelView(file)));
    return await measureGreedyScores(file, analysis, { calibDir: params.calibDir, seed: 0, client });
  } finally {
    signal?.removeEventListener('abort', stop);
    await client.close();
    file.close();
  }
}

/** The settings with this machine's channel alignment, unless the request turns it off. */
function aligned(params: MakePlanParams, settings: PruneSettings): PruneSettings {
  return params.align === false ? settings : withMachineAlignment(settings);
}
