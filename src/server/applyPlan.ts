import { fileURLToPath, pathToFileURL } from 'node:url';
import { OnnxError } from '../core/onnx/errors';
import type { ApplyPlanParams, ApplyPlanResult } from '../protocol/server';
import { pruneReportMarkdown } from '../runtime/pruneReport';
import { describeLatencySearch, pruneForLatency } from '../runtime/latencyTarget';
import { escapeMarkdown } from '../core/text';
import { verifyModels } from '../runtime/verify/verifyModels';
import { VerifyInputError, type VerifyResult } from '../runtime/verify/types';
import { unverifiedSentence } from '../runtime/verify/formatVerify';
import { TIMEOUT_SETTING, pairedTimingOf, verifyTimeoutMs } from './verify';
import { INPUT_DIMS_SETTING_MARKDOWN, inputSizesForModel } from './inputDimsSetting';
import { PlanRefused, checkedPlan } from './checkedPlan';
import { PruneCancelled, pruneInWorker } from './pruneInWorker';
import type { WorkDone } from './workDone';

/** The output-naming setting, kept to a plain file-name suffix (no folders, never empty). */
function prunedSuffix(suffix: string | undefined): string {
  return suffix && /^[\w.-]+$/.test(suffix) ? suffix : '.pruned';
}

/**
 * Answers onnxPruner/applyPlan: checks the plan against its model (errors refuse it, as `prune --plan` does),
 * prunes into `<model>.pruned.onnx` through the atomic writer (a cancel leaves no file), then verifies in ONNX
 * Runtime (a child process of this server).
 */
export async function applyPlan(
  params: ApplyPlanParams,
  signal: AbortSignal,
  progress?: WorkDone,
  latencyCacheDir?: string,
): Promise<ApplyPlanResult> {
  const planPath = fileURLToPath(params.planUri);
  try {
    // Refuses a bad plan before a worker starts.
    const { modelPath, settings, check } = checkedPlan(planPath, params.text);
    const prunedPath = `${modelPath.replace(/\.onnx$/i, '')}${prunedSuffix(params.outputSuffix)}.onnx`;
    const sizes = inputSizesForModel(params.inputDims, modelPath);
    const job = { input: modelPath, planPath, planText: params.text, inputShapes: sizes.inputShapes };
    let latencyNote: string | undefined;
    const outcome =
      settings.targetLatency === undefined
        ? await pruneInWorker({ ...job, output: prunedPath }, signal, progress?.prune)
        : await (async () => {
            // A latency target: the search (latencyTarget.ts) times prunes made on worker threads.
            const target = settings.targetLatency!;
            const found = await pruneForLatency(modelPath, prunedPath, settings, target, {
              check,
              signal,
              cacheDir: latencyCacheDir,
              timeoutMs: verifyTimeoutMs(params.timeoutSeconds),
              dims: sizes.dims,
              onTableGroup: (done, total) =>
                progress?.report(`latency lookup table: timing group ${done + 1} of ${total}…`, undefined),
              onStep: (step) =>
                progress?.report(
                  `latency target ${target}: ratio ${step.ratio} runs in ${step.share.toFixed(3)} of the original's time…`,
                  undefined,
                ),
              prune: (chosen, output, last) =>
                pruneInWorker(
                  { ...job, output, settings: chosen },
                  signal,
                  last ? progress?.prune : undefined,
                ),
            });
            latencyNote = describeLatencySearch(target, found);
            return found.outcome;
          })();
    if (params.verify) progress?.report('verifying in ONNX Runtime…', 100);
    let verified: VerifyResult | undefined;
    try {
      verified =
        params.verify && !signal.aborted
          ? await verifyModels(modelPath, prunedPath, {
              runs: 20,
              timeoutMs: verifyTimeoutMs(params.timeoutSeconds),
              dims: sizes.dims,
            })
          : undefined;
    } catch (error) {
      // The pruned model is written; only its check could not be made.
      if (!(error instanceof VerifyInputError)) throw error;
      return { ok: false, message: unverifiedSentence(error, TIMEOUT_SETTING, prunedPath) };
    }
    const maxAbs = verified?.exactness.outputs.reduce<number | null>(
      (m, o) => (o.maxAbsError === null ? m : Math.max(m ?? 0, o.maxAbsError)),
      null,
    );
    return {
      ok: true,
      prunedUri: pathToFileURL(prunedPath).href,
      files: outcome.files,
      report:
        pruneReportMarkdown(outcome, verified, INPUT_DIMS_SETTING_MARKDOWN) +
        (latencyNote ? `\n${escapeMarkdown(latencyNote)}\n` : ''),
      parameters: { before: outcome.metrics.before.parameters, after: outcome.metrics.after.parameters },
      macs: {
        before: outcome.metrics.before.macs,
        after: outcome.metrics.after.macs,
        ...(outcome.metrics.before.macsUncounted > 0
          ? { uncounted: outcome.metrics.before.macsUncounted }
          : {}),
      },
      ...(verified
        ? {
            verification: {
              passed: verified.passed,
              maxAbsError: maxAbs ?? null,
              latencyRatio: verified.ratios.latency,
              ...(verified.timing ? { latency: pairedTimingOf(verified)! } : {}),
            },
          }
        : {}),
    };
  } catch (error) {
    if (error instanceof PlanRefused || error instanceof OnnxError || error instanceof PruneCancelled)
      return { ok: false, message: error.message };
    if (signal.aborted) return { ok: false, message: 'Cancelled: nothing was written.' };
    return { ok: false, message: `${planPath}: cannot apply the plan: ${(error as Error).message}` };
  }
}
