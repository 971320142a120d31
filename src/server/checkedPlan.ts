import type { Analysis } from '../core/analyze/analyze';
import { parsePlan, planDiagnostics, resolvePlanModel, settingsOfPlan } from '../core/plan';
import { withMachineAlignment } from '../runtime/channelBlock';
import type { PruneSettings } from '../core/prune/select';

/** A plan problem or a bad model: the one sentence the user sees. */
export class PlanRefused extends Error {}

/**
 * A plan's text made ready to prune with: its settings, its model's path, and the check that refuses it (as
 * `prune --plan` does) when it has errors against the model's analysis.
 */
export function checkedPlan(
  planPath: string,
  text: string,
): { modelPath: string; settings: PruneSettings; check: (analysis: Analysis) => void } {
  const doc = parsePlan(text);
  const parseError = doc.diagnostics.find((d) => d.severity === 'error');
  if (!doc.plan || parseError) throw new PlanRefused(`${planPath}: ${parseError?.message ?? 'not a plan'}`);
  // greedy's scores are measured in the prune worker (pruneJob.ts) on the edit's calibration folder.
  if (doc.plan.criterion === 'activation')
    throw new PlanRefused(
      `The ${doc.plan.criterion} criterion needs calibration inputs: prune this plan with the CLI (--calib).`,
    );
  const model = resolvePlanModel(planPath, doc.plan.model);
  if (!model.ok) throw new PlanRefused(`${planPath}: ${model.message}.`);
  const check = (analysis: Analysis) => {
    const errors = planDiagnostics(doc, analysis.roots, { groups: analysis.report.groups }).filter(
      (d) => d.severity === 'error',
    );
    if (errors.length > 0) {
      const first = errors[0];
      const line = first.range ? ` (line ${first.range.start.line + 1})` : '';
      throw new PlanRefused(`The plan has ${errors.length} error(s): ${first.code} ${first.message}${line}`);
    }
  };
  return { modelPath: model.path, settings: withMachineAlignment(settingsOfPlan(doc.plan)), check };
}
