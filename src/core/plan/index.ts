/** The plan file (`*.prune.json`): parse, check against the model's root layers, fix. */
export { applyEdits } from './applyEdits';
export { type CheckPlanOptions, checkPlan, closestNames, editDistance, planDiagnostics } from './checkPlan';
export { LineIndex, type TextPosition } from './lineIndex';
export {
  type Criterion,
  type LayerPositions,
  type LayerSetting,
  type PartialPlan,
  type PlanDocument,
  type PlanLayerEntry,
  type PlanPositions,
  type PropertyPositions,
  type PrunePlan,
  parsePlan,
  sortDiagnostics,
} from './parsePlan';
export { type LayerCompletion, type LayerHover, completeLayers, hoverLayer } from './planAssist';
export { type MadePlan, makePlan, planText, settingsOfPlan } from './makePlan';
export { type PlanModel, resolvePlanModel } from './planModel';
