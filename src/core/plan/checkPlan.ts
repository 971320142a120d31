/**
 * Checks a parsed plan against the model's root layers: the plan-level findings PL001–PL008 of the design's
 * diagnostics catalogue (§8), each with the exact range of the offending key or value, a message naming the
 * layer and what to do, and quick fixes whose text edits keep the plan valid JSON. One function per code
 * (checkLayers.ts, checkIndices.ts, checkGroups.ts) over a shared context (planContext.ts).
 */
import type { Diagnostic, RootLayer } from '../analyze/types';
import { checkGroupMismatch } from './checkGroups';
import {
  nameSuggester,
  checkAmount,
  checkLockedLayer,
  checkModelHash,
  checkTopRatio,
  checkUnknownLayer,
} from './checkLayers';
import { type PlanDocument, sortDiagnostics } from './parsePlan';
import { type CheckPlanOptions, type CheckedLayer, planContext } from './planContext';

export type { CheckPlanOptions } from './planContext';
export { closestNames, editDistance } from './closestNames';

export function checkPlan(
  doc: PlanDocument,
  roots: ReadonlyMap<string, RootLayer>,
  options: CheckPlanOptions = {},
): Diagnostic[] {
  const context = planContext(doc, roots, options);
  checkTopRatio(context);
  checkModelHash(context);

  const checked: CheckedLayer[] = [];
  const names = nameSuggester();
  for (const entry of doc.layers) {
    const setting = entry.setting;
    if (entry.shadowed || !setting) continue;
    const root = roots.get(entry.name);
    if (!root) checkUnknownLayer(context, entry, names);
    else if (root.locked) checkLockedLayer(context, entry, root);
    else {
      const layer = { entry, root, setting };
      checked.push(layer);
      checkAmount(context, layer);
    }
  }
  checkGroupMismatch(context, checked);

  return sortDiagnostics(context.diagnostics);
}

/** Parse problems (PL000, PL009) and the checks (PL001–PL008) of a plan, in document order. */
export function planDiagnostics(
  doc: PlanDocument,
  roots: ReadonlyMap<string, RootLayer>,
  options: CheckPlanOptions = {},
): Diagnostic[] {
  return sortDiagnostics([...doc.diagnostics, ...checkPlan(doc, roots, options)]);
}
