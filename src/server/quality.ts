// The model editor's questions about quality, server side: the sensitivity of the document's current state
// (every group pruned alone at several ratios) and the current state against the model as opened (fidelity on
// calibration inputs, one input's output pictures, paired latency). ONNX Runtime runs in a child of this
// server; a cancel stops that child at once.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { OnnxError } from '../core/onnx/errors';
import { valueRange } from '../core/metrics/fidelity';
import { outputPicture } from '../core/quality/outputPicture';
import type {
  FidelityParams,
  FidelityResult,
  OutputPicture,
  SensitivityParams,
  SensitivityResult,
} from '../protocol/server';
import type { TensorPayload } from '../protocol/runtime';
import { calibrationSet } from '../runtime/calibration';
import { numbers } from '../runtime/compareOutputs';
import { measureFidelity } from '../runtime/fidelity';
import { OrtClient } from '../runtime/ortClient';
import { OrtRuntimeError } from '../runtime/ortErrors';
import { refuseRuntimeHazardAt } from '../runtime/runtimeGuard';
import { median, pairedRatio } from '../runtime/pairedTiming';
import { measureSensitivity } from '../runtime/sensitivity';
import { PlanRefused } from './checkedPlan';
import type { ModelStates } from './modelStates';
import { PruneCancelled } from './pruneInWorker';
import type { WorkDone } from './workDone';
import { inputDimsForModel } from './inputDimsSetting';
import type { InputDims } from '../runtime/inputDims';
import { ownValue } from '../core/records';

/** Paired timed runs of the compare view (after the warm-up ones). */
const TIMED_RUNS = 20;
const WARMUP_RUNS = 3;

function failure(error: unknown, modelPath: string, states: ModelStates, signal?: AbortSignal) {
  if (signal?.aborted || error instanceof PruneCancelled)
    return { ok: false as const, cancelled: true, message: 'Cancelled.' };
  const message =
    error instanceof OnnxError || error instanceof PlanRefused || error instanceof OrtRuntimeError
      ? error.message
      : `${modelPath}: ${(error as Error).message}`;
  return { ok: false as const, message: states.shown(message, modelPath) };
}

/** Answers onnxPruner/sensitivity. */
export async function sensitivityFor(
  params: SensitivityParams,
  states: ModelStates,
  signal: AbortSignal,
  progress: WorkDone,
): Promise<SensitivityResult> {
  const modelPath = fileURLToPath(params.uri);
  try {
    const path = await states.materialise(params.uri, params.edits, signal);
    const report = await measureSensitivity(path, {
      calibDir: params.calibDir,
      dims: inputDimsForModel(params.inputDims, path),
      ratios: params.ratios,
      ...(Number.isInteger(params.maxGroups) && params.maxGroups! >= 1
        ? { maxGroups: params.maxGroups }
        : {}),
      timeoutMs: params.timeoutSeconds === undefined ? undefined : params.timeoutSeconds * 1000,
      signal,
      onProgress: (done, total, what, left) =>
        progress.report(
          done < total
            ? `Sensitivity: ${what} (${done + 1} of ${total})${left ? `, ${left}` : ''}`
            : 'Sensitivity: done',
          Math.round((100 * done) / Math.max(1, total)),
        ),
    });
    return { ok: true, report: { ...report, model: modelPath } };
  } catch (error) {
    return failure(error, modelPath, states, signal);
  }
}

/** Answers onnxPruner/fidelity: the document now against the model as opened, in ONNX Runtime. */
export async function fidelityFor(
  params: FidelityParams,
  states: ModelStates,
  signal: AbortSignal,
  progress: WorkDone,
): Promise<FidelityResult> {
  const modelPath = fileURLToPath(params.uri);
  const timeoutMs = params.timeoutSeconds === undefined ? undefined : params.timeoutSeconds * 1000;
  const client = new OrtClient({ timeoutMs });
  const stop = () => void client.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const before = await states.materialise(params.uri, [], signal);
    const after = await states.materialise(params.uri, params.edits, signal);
    return await compareInRuntime(
      client,
      before,
      after,
      { calibDir: params.calibDir, dims: inputDimsForModel(params.inputDims, before) },
      (text) => progress.report(text),
    );
  } catch (error) {
    return failure(error, modelPath, states, signal);
  } finally {
    signal.removeEventListener('abort', stop);
    await client.close();
  }
}

/**
 * Two models in ONNX Runtime on the same calibration inputs: the fidelity of `after` to `before`, the first
 * input's image-like outputs of both as pictures, and paired latency on that input.
 */
export async function compareInRuntime(
  client: OrtClient,
  before: string,
  after: string,
  inputs: { calibDir: string | undefined; dims?: InputDims },
  onStep?: (text: string) => void,
): Promise<Extract<FidelityResult, { ok: true }>> {
  onStep?.('Fidelity: running both models on the calibration inputs');
  refuseRuntimeHazardAt(before);
  // Each model is loaded once, for the fidelity runs, the pictures and the timing alike: a large model's load
  // costs more than all of its runs here.
  const original = await client.load(before);
  const set = calibrationSet(original.inputs, { ...inputs, seed: 0 });
  const pruned = await client.load(after);
  const [measure] = await measureFidelity(
    client,
    original,
    [{ label: 'pruned', path: after, loaded: pruned }],
    [{ name: 'calibration', samples: set.samples }],
  );
  const first = set.samples[0].feeds;
  const pictures = picturesOf(await client.run(original, first), await client.run(pruned, first));
  onStep?.(`Latency: ${TIMED_RUNS} paired runs`);
  const [a, b] = await client.time(
    [
      { model: original, feeds: first },
      { model: pruned, feeds: first },
    ],
    { runs: TIMED_RUNS, warmup: WARMUP_RUNS },
  );
  await client.release(original);
  await client.release(pruned);
  return {
    ok: true,
    inputs: set.description,
    source: set.source,
    samples: measure.samples,
    outputs: measure.outputs,
    pictures,
    latency: {
      runs: TIMED_RUNS,
      warmup: WARMUP_RUNS,
      threads: availableParallelism(),
      beforeMs: median(a),
      afterMs: median(b),
      ratio: pairedRatio(a, b),
    },
  };
}

/** Every image-like float output of both runs, downsampled alike, with the original's value range. */
function picturesOf(
  original: Record<string, TensorPayload>,
  pruned: Record<string, TensorPayload>,
): OutputPicture[] {
  const pictures: OutputPicture[] = [];
  for (const [name, tensor] of Object.entries(original)) {
    const other = ownValue(pruned, name);
    if (!other || !tensor.type.startsWith('float') || other.type !== tensor.type) continue;
    const a = outputPicture({ dims: tensor.dims, data: numbers(tensor) });
    const b = outputPicture({ dims: other.dims, data: numbers(other) });
    if (!a || !b || a.data.length !== b.data.length) continue;
    pictures.push({
      name,
      height: a.height,
      width: a.width,
      channels: a.channels,
      original: a.data,
      pruned: b.data,
      ...valueRange(a.data),
    });
  }
  return pictures;
}
