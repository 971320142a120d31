// The prune worker: prunes (or previews) of plans, one job at a time, on a thread of the language server. Both
// read every weight of a model (seconds for large ones); on their own thread the server keeps answering, Cancel
// stops them between two pieces of work (a shared flag, polled), and running out of memory ends the worker, not
// the server. The worker stays for the next job (warmWorkers.ts), keeping only the model its last job read
// (previewModel.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { analyzeModel } from '../core/analyze/analyze';
import { startSha256 } from '../runtime/backgroundHash';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { previewPrune } from '../core/prune/preview';
import { chooseUnits, PrunableModel, type PruneOutcome } from '../core/prune/prune';
import { LastPreviewModel, type PreviewModel, fileStamp, previewModel, sharesScores } from './previewModel';
import { throttledProgress } from './throttledProgress';
import { type PruneSettings, SelectionContext } from '../core/prune/select';
import { measureGreedyScores } from '../runtime/greedyScores';
import { OrtClient } from '../runtime/ortClient';
import { PlanRefused, checkedPlan } from './checkedPlan';
import type { PruneJobError, PruneJobMessage, PruneJobRequest } from '../protocol/pruneJob';

class Cancelled extends Error {}

const post = (message: PruneJobMessage) => parentPort!.postMessage(message);

/** The writer's view of a job's flag: it asks between pieces of what it writes. */
function signalOf(flag: Int32Array): AbortSignal {
  return {
    get aborted() {
      return Atomics.load(flag, 0) === 1;
    },
    throwIfAborted() {
      if (Atomics.load(flag, 0) === 1) throw new Cancelled();
    },
  } as AbortSignal;
}

/**
 * A plan whose criterion is `greedy` ranks channels by what their consumers absorb on calibration inputs: the
 * model runs in ONNX Runtime (a child process of this worker) first, as `prune --plan --calib` does. Without
 * the scores the selection would silently be l1's.
 */
async function measured(
  request: PruneJobRequest,
  settings: PruneSettings,
  signal: AbortSignal,
): Promise<PruneSettings> {
  const path = request.input;
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

/** The model the last preview read, for the next preview (previewModel.ts). */
const lastModel = new LastPreviewModel();

async function run(request: PruneJobRequest, signal: AbortSignal): Promise<void> {
  const checked = checkedPlan(request.planPath, request.planText);
  const { check } = checked;
  // A preview skips the greedy scores' ONNX Runtime runs (seconds on every plan edit) and ranks by l1, as
  // importance.ts does without scores: exact for per-layer counts (every plan the panel writes), an estimate
  // for a hand-written global greedy plan.
  const chosen = request.settings ?? checked.settings;
  const settings = request.kind === 'prune' ? await measured(request, chosen, signal) : chosen;
  if (request.kind === 'prune') {
    const onProgress = throttledProgress(
      () => signal.throwIfAborted(), // scoring reads every weight: a cancel is heard there too
      (stage, done, total) => post({ kind: 'progress', stage, done, total }),
    );
    onProgress('analyse', 0, 1);
    // The model a preview of this file kept, unchanged, is pruned as it is: the analysis and the scores are
    // the ones a fresh open would work out (the output is the same, byte for byte).
    const opening = { check, hashOriginal: true, startHash: startSha256 };
    const stamp = fileStamp(request.input); // before the model is taken over or read
    const kept = lastModel.take(request.input);
    const model = kept
      ? PrunableModel.adopt(
          request.input,
          kept.file,
          kept.analysis,
          opening,
          sharesScores(settings) ? kept.context : undefined,
        )
      : PrunableModel.open(request.input, opening);
    let outcome: PruneOutcome;
    try {
      outcome = model.prune(request.output, settings, {
        signal,
        onProgress,
        inputShapes: request.inputShapes,
      });
    } catch (error) {
      model.close();
      throw error;
    }
    post({ kind: 'pruned', outcome });
    keepForNextJob(request.input, stamp, model, kept, sharesScores(settings));
  } else {
    const preview = lastModel.with(
      request.input,
      ({ file, analysis, context, metrics }) => {
        check(analysis);
        const scoring = sharesScores(settings) ? context : new SelectionContext(analysis, file);
        scoring.norms.onRead = () => signal.throwIfAborted();
        try {
          const chosen = chooseUnits(analysis, file, settings, scoring);
          return previewPrune(analysis, file, settings, chosen, metrics);
        } finally {
          scoring.norms.onRead = undefined;
        }
      },
      (error) => error instanceof Cancelled || error instanceof PlanRefused, // they say nothing of the model
    );
    post({ kind: 'previewed', preview });
  }
}

/**
 * Keeps the model a prune used for the next job (the previews of the next plan, or its prune), as a preview's
 * model is kept. The prune's answer is already sent: a model that cannot be kept is closed, and the next job
 * reads it afresh (and reports what is wrong with it). Scores another prune's settings brought are not shared.
 */
function keepForNextJob(
  path: string,
  stamp: string,
  model: PrunableModel,
  kept: PreviewModel | undefined,
  shared: boolean,
): void {
  model.release();
  try {
    const { file, analysis } = model;
    // A model taken over keeps its metrics; its scores only when this prune's settings shared them.
    const context = shared ? model.context : new SelectionContext(analysis, file);
    lastModel.keep(path, stamp, kept ? { ...kept, context } : previewModel(file, analysis, context));
  } catch {
    model.file.close();
  }
}

/** After this long without a job, the worker collects its garbage (see below). */
const IDLE_COLLECT_MS = 10_000;

/**
 * A full collection, for a worker left waiting. A job leaves its garbage (the decoded model, the analysis: ~150
 * MB for a 10,009-node model) to the next collection, which in a waiting thread does not come: the worker kept
 * it for the two minutes it waits. Collecting right after each job instead made the next job twice as slow (the
 * heap grows back during it), so a worker collects only once it has waited a while; a job soon after the last
 * still finds the heap as that job left it. Node offers no collection to call without this flag (Jest's leak
 * detector gets it the same way).
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
let idle: NodeJS.Timeout | undefined;

function whenIdle(): void {
  lastModel.drop();
  collect();
}

parentPort!.on('message', (request: PruneJobRequest) => {
  clearTimeout(idle);
  const flag = new Int32Array(request.cancel);
  void run(request, signalOf(flag))
    .catch((error: unknown) => post({ kind: 'failed', error: jobError(error, flag) }))
    .finally(() => (idle = setTimeout(whenIdle, IDLE_COLLECT_MS).unref()));
});

function jobError(error: unknown, flag: Int32Array): PruneJobError {
  if (error instanceof Cancelled || Atomics.load(flag, 0) === 1) return { type: 'cancelled' };
  if (error instanceof PlanRefused) return { type: 'plan', message: error.message };
  if (error instanceof OnnxError)
    return { type: 'onnx', message: error.message, kind: error.kind, file: error.file, code: error.code };
  return { type: 'internal', message: error instanceof Error ? error.message : String(error) };
}
