import { fileURLToPath } from 'node:url';
import { graphSkeleton } from '../core/inspect/graphSkeleton';
import { packSkeleton } from '../shared/packedSkeleton';
import { nodeDetails } from '../core/inspect/nodeDetails';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import type { GraphResult, ModelStateParams, NodeDetailsParams, NodeDetailsResult } from '../protocol/server';
import { type ModelCache, analysedFile } from './modelCache';
import type { ModelStates } from './modelStates';

/** Answers onnxPruner/graph: the skeleton of the document's current state. */
export async function graphFor(
  params: ModelStateParams,
  states: ModelStates,
  models: ModelCache,
): Promise<GraphResult> {
  const modelPath = fileURLToPath(params.uri);
  try {
    const path = await states.materialise(params.uri, params.edits);
    const result = models.get(path);
    if (!result.ok) return { ok: false, message: states.shown(result.message, modelPath) };
    return { ok: true, skeleton: packSkeleton(graphSkeleton(result.analysis)) };
  } catch (error) {
    return { ok: false, message: states.shown(messageOf(error, modelPath), modelPath) };
  }
}

/** Answers onnxPruner/nodeDetails: reads the node's weights (statistics) from the document's current state. */
export async function nodeDetailsFor(
  params: NodeDetailsParams,
  states: ModelStates,
  models: ModelCache,
): Promise<NodeDetailsResult> {
  const modelPath = fileURLToPath(params.uri);
  try {
    const path = await states.materialise(params.uri, params.edits);
    const result = models.get(path);
    if (!result.ok) return { ok: false, message: states.shown(result.message, modelPath) };
    const { file } = analysedFile(result.analysis, path);
    try {
      const details = withModelErrors(path, () =>
        nodeDetails(result.analysis, file, params.node, params.criterion),
      );
      return details
        ? { ok: true, details }
        : { ok: false, message: `${modelPath} has no node named ${JSON.stringify(params.node)}.` };
    } finally {
      file.close();
    }
  } catch (error) {
    return { ok: false, message: states.shown(messageOf(error, modelPath), modelPath) };
  }
}

function messageOf(error: unknown, path: string): string {
  return error instanceof OnnxError ? error.message : `${path}: ${(error as Error).message}`;
}
