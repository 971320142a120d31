// The prune worker: one prune (or preview) of one plan, on a thread of the language server. Both read every
// weight of a model (seconds for large ones); on their own thread the server keeps answering, Cancel stops them
// between two pieces of work (a shared flag, polled), and running out of memory ends the worker, not the server.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeModel } from '../core/analyze/analyze';
import { startSha256 } from '../runtime/backgroundHash';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { previewPrune } from '../core/prune/preview';
import { chooseUnits, pruneFile } from '../core/prune/prune';
import type { PruneSettings } from '../core/prune/select';
import { measureGreedyScores } from '../runtime/greedyScores';
import { OrtClient } from '../runtime/ortClient';
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

/**
 * A plan whose criterion is `greedy` ranks channels by what their consumers absorb on calibration inputs: the
 * model runs in ONNX Runtime (a child process of this worker) first, as `prune --plan --calib` does. Without
 * the scores the selection would silently be l1's.
 */
async function measured(path: string, settings: PruneSettings): Promise<PruneSettings> {
  if (settings.criterion !== 'greedy') return settings;
  const file = withModelErrors(path, () => openModel(path));
  try {
    const analysis = withModelErrors(path, () => analyzeModel(new ModelView(file)));
    const client = new OrtClient();
    const stop = setInterval(() => signal.aborted && void client.close(), 50);
    try {
      const scores = await measureGreedyScores(file, analysis, {
        calibDir: request.calibDir,
        seed: settings.seed,
        client,
      });
      signal.throwIfAborted();
      return { ...settings, measured: scores };
    } finally {
      clearInterval(stop);
      await client.close();
    }
  } finally {
    file.close();
  }
}

async function main(): Promise<void> {
  const checked = checkedPlan(request.planPath, request.planText);
  const { check } = checked;
  // A preview skips the greedy scores' ONNX Runtime runs (seconds on every plan edit) and ranks by l1, as
  // importance.ts does without scores: exact for per-layer counts (every plan the panel writes), an estimate
  // for a hand-written global greedy plan.
  const chosen = request.settings ?? checked.settings;
  const settings = request.kind === 'prune' ? await measured(request.input, chosen) : chosen;
  if (request.kind === 'prune') {
    const outcome = pruneFile(request.input, request.output, settings, {
      check,
      signal,
      hashOriginal: true,
      startHash: startSha256,
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
}

main().catch((error: unknown) => post({ kind: 'failed', error: jobError(error) }));

function jobError(error: unknown): PruneJobError {
  if (error instanceof Cancelled || Atomics.load(flag, 0) === 1) return { type: 'cancelled' };
  if (error instanceof PlanRefused) return { type: 'plan', message: error.message };
  if (error instanceof OnnxError)
    return { type: 'onnx', message: error.message, kind: error.kind, file: error.file, code: error.code };
  return { type: 'internal', message: error instanceof Error ? error.message : String(error) };
}
