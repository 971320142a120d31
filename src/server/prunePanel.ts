// The model editor's pruning panel and compare view, server side: a plan's selection previewed on the
// document's current state, and the current state compared with the model as opened.
import { fileURLToPath } from 'node:url';
import { computeMetrics } from '../core/metrics/metrics';
import { OnnxError } from '../core/onnx/errors';
import type {
  CompareModelsParams,
  CompareResult,
  ModelStateParams,
  PreviewParams,
  PreviewResult,
} from '../protocol/server';
import { PlanRefused, checkedPlan } from './checkedPlan';
import { PruneCancelled, previewInWorker } from './pruneInWorker';
import type { ModelCache } from './modelCache';
import type { ModelStates } from './modelStates';

function messageOf(error: unknown, path: string): string {
  if (error instanceof OnnxError || error instanceof PlanRefused) return error.message;
  return `${path}: ${(error as Error).message}`;
}

/**
 * Answers onnxPruner/preview: what the plan would remove from the document's current state. Importance reads
 * every weight, so it is worked out on the prune worker (the server keeps answering; a newer preview cancels
 * this one).
 */
export async function previewFor(
  params: PreviewParams,
  states: ModelStates,
  signal?: AbortSignal,
): Promise<PreviewResult> {
  const modelPath = fileURLToPath(params.uri);
  try {
    const planPath = fileURLToPath(params.planUri);
    checkedPlan(planPath, params.planText); // a plan that cannot be read is refused before anything runs
    const path = await states.materialise(params.uri, params.edits);
    const preview = await previewInWorker({ input: path, planPath, planText: params.planText }, signal);
    return { ok: true, preview };
  } catch (error) {
    if (error instanceof PruneCancelled) return { ok: false, message: 'Cancelled.' };
    return { ok: false, message: states.shown(messageOf(error, modelPath), modelPath) };
  }
}

export async function compareFor(
  params: ModelStateParams,
  states: ModelStates,
  models: ModelCache,
): Promise<CompareResult> {
  const modelPath = fileURLToPath(params.uri);
  try {
    const before = await states.materialise(params.uri, []);
    const after = await states.materialise(params.uri, params.edits);
    const result = comparePaths(before, after, models);
    return result.ok ? result : { ok: false, message: states.shown(result.message, modelPath) };
  } catch (error) {
    return { ok: false, message: states.shown(messageOf(error, modelPath), modelPath) };
  }
}

/** Answers onnxPruner/compareModels: any two model files, layer by layer (matched by name). */
export function compareModelsFor(params: CompareModelsParams, models: ModelCache): CompareResult {
  try {
    return comparePaths(fileURLToPath(params.originalUri), fileURLToPath(params.otherUri), models);
  } catch (error) {
    return { ok: false, message: messageOf(error, fileURLToPath(params.otherUri)) };
  }
}

/** Output channels of every root layer of `before`, as in `after`; parameters and MACs of both. */
function comparePaths(before: string, after: string, models: ModelCache): CompareResult {
  const [a, b] = [models.get(before), models.get(after)];
  if (!a.ok) return { ok: false, message: a.message };
  if (!b.ok) return { ok: false, message: b.message };
  const now = b.analysis.roots;
  const rows = [...a.analysis.roots.values()].map((root) => ({
    root: root.node,
    op: root.op,
    before: root.channels,
    after: now.get(root.node)?.channels ?? 0,
  }));
  const [ma, mb] = [
    computeMetrics(a.analysis.state.graph.model, { facts: a.analysis.state.facts }),
    computeMetrics(b.analysis.state.graph.model, { facts: b.analysis.state.facts }),
  ];
  return {
    ok: true,
    rows,
    parameters: { before: ma.parameters, after: mb.parameters },
    macs: { before: ma.macs, after: mb.macs },
  };
}
