// The prune worker: one prune (or preview) of one plan, on a thread of the language server. Both read every
// weight of a model (seconds for large ones); on their own thread the server keeps answering, Cancel stops them
// between two pieces of work (a shared flag, polled), and running out of memory ends the worker, not the server.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeModel } from '../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { previewPrune } from '../core/prune/preview';
import { chooseUnits, pruneFile } from '../core/prune/prune';
import { PlanRefused, checkedPlan } from './checkedPlan';
import type { PruneJobError, PruneJobMessage, PruneJobRequest } from '../protocol/pruneJob';

class Cancelled extends Error {}

const request = workerData as PruneJobRequest;
const flag = new Int32Array(request.cancel);
const post = (message: PruneJobMessage) => parentPort!.postMessage(message);

/** The writer's view of the flag: it asks between pieces of what it writes. */
const signal = {
  get aborted() {
    return Atomics.load(flag, 0) === 1;
  },
  throwIfAborted() {
    if (Atomics.load(flag, 0) === 1) throw new Cancelled();
  },
} as AbortSignal;

try {
  const planned = checkedPlan(request.planPath, request.planText);
  const { check } = planned;
  const settings = request.settings ?? planned.settings;
  if (request.kind === 'prune') {
    const outcome = pruneFile(request.input, request.output, settings, {
      check,
      signal,
      hashOriginal: true,
      onProgress: (stage, done, total) => {
        signal.throwIfAborted(); // scoring reads every weight: a cancel is heard there too
        post({ kind: 'progress', stage, done, total });
      },
    });
    post({ kind: 'pruned', outcome });
  } else {
    const path = request.input;
    const file = withModelErrors(path, () => openModel(path));
    try {
      const analysis = withModelErrors(path, () => analyzeModel(new ModelView(file)));
      check(analysis);
      const chosen = chooseUnits(analysis, file, settings, () => signal.throwIfAborted());
      post({ kind: 'previewed', preview: previewPrune(analysis, file, settings, chosen) });
    } finally {
      file.close();
    }
  }
} catch (error) {
  post({ kind: 'failed', error: jobError(error) });
}

function jobError(error: unknown): PruneJobError {
  if (error instanceof Cancelled || Atomics.load(flag, 0) === 1) return { type: 'cancelled' };
  if (error instanceof PlanRefused) return { type: 'plan', message: error.message };
  if (error instanceof OnnxError)
    return { type: 'onnx', message: error.message, kind: error.kind, file: error.file, code: error.code };
  return { type: 'internal', message: error instanceof Error ? error.message : String(error) };
}
