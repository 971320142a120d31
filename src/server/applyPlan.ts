import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Analysis } from '../core/analyze/analyze';
import { OnnxError } from '../core/onnx/errors';
import { parsePlan, planDiagnostics, settingsOfPlan } from '../core/plan';
import { pruneFile } from '../core/prune/prune';
import type { ApplyPlanParams, ApplyPlanResult } from '../protocol/server';
import { pruneReportMarkdown } from '../runtime/pruneReport';
import { verifyModels } from '../runtime/verify/verifyModels';
import { planModelPath } from './findings';

/** A plan problem or a bad model: the one sentence the user sees. */
class PlanRefused extends Error {}

/**
 * Answers onnxPruner/applyPlan: checks the plan against its model (errors refuse it, as `prune --plan` does),
 * prunes into `<model>.pruned.onnx` through the atomic writer (a cancel leaves no file), then verifies in ONNX
 * Runtime (a child process of this server).
 */
export async function applyPlan(params: ApplyPlanParams, signal: AbortSignal): Promise<ApplyPlanResult> {
  const planPath = fileURLToPath(params.planUri);
  try {
    const doc = parsePlan(params.text);
    const parseError = doc.diagnostics.find((d) => d.severity === 'error');
    if (!doc.plan || parseError) throw new PlanRefused(`${planPath}: ${parseError?.message ?? 'not a plan'}`);
    if (doc.plan.criterion === 'activation')
      throw new PlanRefused(
        'The activation criterion needs calibration inputs: prune this plan with the CLI (--calib).',
      );
    const modelPath = planModelPath(planPath, doc.plan.model)!;
    const prunedPath = `${modelPath.replace(/\.onnx$/i, '')}.pruned.onnx`;
    const check = (analysis: Analysis) => {
      const errors = planDiagnostics(doc, analysis.roots, { groups: analysis.report.groups }).filter(
        (d) => d.severity === 'error',
      );
      if (errors.length > 0) {
        const first = errors[0];
        const line = first.range ? ` (line ${first.range.start.line + 1})` : '';
        throw new PlanRefused(
          `The plan has ${errors.length} error(s): ${first.code} ${first.message}${line}`,
        );
      }
    };
    const outcome = pruneFile(modelPath, prunedPath, settingsOfPlan(doc.plan), {
      check,
      signal,
      hashOriginal: true,
    });
    const verified =
      params.verify && !signal.aborted ? await verifyModels(modelPath, prunedPath, { runs: 10 }) : undefined;
    const maxAbs = verified?.exactness.outputs.reduce<number | null>(
      (m, o) => (o.maxAbsError === null ? m : Math.max(m ?? 0, o.maxAbsError)),
      null,
    );
    return {
      ok: true,
      prunedUri: pathToFileURL(prunedPath).href,
      report: pruneReportMarkdown(outcome, verified),
      parameters: { before: outcome.metrics.before.parameters, after: outcome.metrics.after.parameters },
      macs: { before: outcome.metrics.before.macs, after: outcome.metrics.after.macs },
      ...(verified
        ? {
            verification: {
              passed: verified.passed,
              maxAbsError: maxAbs ?? null,
              latencyRatio: verified.ratios.latency,
            },
          }
        : {}),
    };
  } catch (error) {
    if (error instanceof PlanRefused || error instanceof OnnxError)
      return { ok: false, message: error.message };
    if (signal.aborted) return { ok: false, message: 'Cancelled: nothing was written.' };
    return { ok: false, message: `${planPath}: cannot apply the plan: ${(error as Error).message}` };
  }
}
