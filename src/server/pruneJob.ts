// The prune worker: one prune of one plan, on a thread of the language server. A prune reads and writes whole
// models (seconds for large ones); on its own thread the server keeps answering, Cancel stops it between two
// pieces of work (it polls a shared flag), and running out of memory ends the worker, not the server.
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxError } from '../core/onnx/errors';
import { pruneFile } from '../core/prune/prune';
import { PlanRefused, checkedPlan } from './checkedPlan';
import type { PruneJobError, PruneJobMessage, PruneJobRequest } from './pruneJobProtocol';

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
  const { settings, check } = checkedPlan(request.planPath, request.planText);
  const outcome = pruneFile(request.input, request.output, settings, {
    check,
    signal,
    hashOriginal: true,
    onProgress: (stage, done, total) => {
      signal.throwIfAborted(); // scoring reads every weight: a cancel is heard there too
      post({ kind: 'progress', stage, done, total });
    },
  });
  post({ kind: 'done', outcome });
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
