import { fileURLToPath, pathToFileURL } from 'node:url';
import { OnnxError } from '../core/onnx/errors';
import type { ApplyPlanParams, ApplyPlanResult } from '../protocol/server';
import { pruneReportMarkdown } from '../runtime/pruneReport';
import { verifyModels } from '../runtime/verify/verifyModels';
import { VerifyInputError, type VerifyResult } from '../runtime/verify/types';
import { pairedTimingOf, verifyTimeoutMs } from './verify';
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
): Promise<ApplyPlanResult> {
  const planPath = fileURLToPath(params.planUri);
  try {
    const { modelPath } = checkedPlan(planPath, params.text); // refuses a bad plan before a worker starts
    const prunedPath = `${modelPath.replace(/\.onnx$/i, '')}${prunedSuffix(params.outputSuffix)}.onnx`;
    const outcome = await pruneInWorker(
      { input: modelPath, output: prunedPath, planPath, planText: params.text },
      signal,
      progress?.prune,
    );
    if (params.verify) progress?.report('verifying in ONNX Runtime…', 100);
    let verified: VerifyResult | undefined;
    try {
      verified =
        params.verify && !signal.aborted
          ? await verifyModels(modelPath, prunedPath, {
              runs: 20,
              timeoutMs: verifyTimeoutMs(params.timeoutSeconds),
            })
          : undefined;
    } catch (error) {
      // The pruned model is written; only its check could not be made.
      if (!(error instanceof VerifyInputError)) throw error;
      const reason = error.message.replace(/\.$/, '');
      return {
        ok: false,
        message: `${reason}; the pruned model was written to ${prunedPath}, but it is not verified.`,
      };
    }
    const maxAbs = verified?.exactness.outputs.reduce<number | null>(
      (m, o) => (o.maxAbsError === null ? m : Math.max(m ?? 0, o.maxAbsError)),
      null,
    );
    return {
      ok: true,
      prunedUri: pathToFileURL(prunedPath).href,
      files: outcome.files,
      report: pruneReportMarkdown(outcome, verified),
      parameters: { before: outcome.metrics.before.parameters, after: outcome.metrics.after.parameters },
      macs: { before: outcome.metrics.before.macs, after: outcome.metrics.after.macs },
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
