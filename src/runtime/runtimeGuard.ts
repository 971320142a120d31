// Every way a user's model reaches ONNX Runtime (verify, sensitivity, fidelity, calibration, greedy scores, a
// latency target, reconstruction) first asks whether it should: ONNX Runtime folds constants and keeps shapes
// with no limits of its own, so a 4 kB file that doubles a constant 26 times would hold its process for a
// minute and 8 GiB until the memory limit stopped it, reported as a failure of the tool.
import type { Facts } from '../core/graph/facts';
import { runtimeHazard } from '../core/graph/runtimeHazards';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import type { ModelFile } from '../core/onnx/modelFile';
import { type GraphView, ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';

/** What an analysis of the model already holds: its main graph's view and inferred facts. */
export interface Analysed {
  graph: GraphView;
  facts: Facts;
}

/**
 * The sentence that keeps the model at PATH from ONNX Runtime, or undefined when it may run there.
 * `analysed`: the analysis' view and facts, when there is one (nothing is built or inferred again).
 */
export function runtimeRefusal(file: ModelFile, path: string, analysed?: Analysed): string | undefined {
  const hazard = withModelErrors(path, () =>
    analysed
      ? runtimeHazard(analysed.graph, file, analysed.facts)
      : runtimeHazard(new ModelView(file).graph, file),
  );
  return hazard === undefined ? undefined : `${path} is not run in ONNX Runtime: ${hazard}`;
}

/** Throws that sentence (an OnnxError: the input is the problem) when the model must not be run. */
export function refuseRuntimeHazard(file: ModelFile, path: string, analysed?: Analysed): void {
  const refusal = runtimeRefusal(file, path, analysed);
  if (refusal !== undefined) throw new OnnxError('too-large', `${refusal}.`, path);
}

/** The same for a model not open yet: opens it (structure only) to look. */
export function refuseRuntimeHazardAt(path: string): void {
  const file = withModelErrors(path, () => openModel(path, { checkExternalData: false }));
  try {
    refuseRuntimeHazard(file, path);
  } finally {
    file.close();
  }
}
