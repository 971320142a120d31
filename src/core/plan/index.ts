/** The plan file (`*.prune.json`): parse, check against the model's root layers, fix. */
export { applyEdits } from './applyEdits';
export { type CheckPlanOptions, planDiagnostics } from './checkPlan';
export { type TextPosition } from './lineIndex';
export {
  type LayerPositions,
  type PartialPlan,
  type PlanDocument,
  type PlanLayerEntry,
  type PlanPositions,
  type PropertyPositions,
  type PrunePlan,
  parsePlan,
} from './parsePlan';
export { type LayerCompletion, type LayerHover, completeLayers, hoverLayer } from './planAssist';
export { type MadePlan, makePlan, settingsOfPlan } from './makePlan';
export { type PlanModel, resolvePlanModel } from './planModel';
export type { LayerSetting } from '../prune/amounts';
export type { Criterion } from '../prune/importance';
