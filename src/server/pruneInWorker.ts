import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OnnxError } from '../core/onnx/errors';
import type { PruneOutcome, PruneProgress } from '../core/prune/prune';
import { PlanRefused } from './checkedPlan';
import type { PruneJobMessage, PruneJobRequest } from './pruneJobProtocol';

/** A prune the user cancelled: nothing was written. */
export class PruneCancelled extends Error {
  constructor() {
    super('Cancelled: nothing was written.');
  }
}

/** Overrides where the worker bundle is (tests build a fresh one). */
export const PRUNE_WORKER_PATH_ENV = 'ONNX_PRUNER_PRUNE_WORKER';

/** The worker bundle, beside this server's own (dist/pruneJob.js). */
export function pruneWorkerPath(): string {
  return process.env[PRUNE_WORKER_PATH_ENV] || join(__dirname, 'pruneJob.js');
}

/**
 * Prunes `input` by a plan into `output` on a worker thread (see pruneJob.ts). Resolves with the outcome;
 * rejects with PlanRefused or OnnxError (sentences for the user), PruneCancelled after `signal` aborts, or an
 * Error when the worker dies (out of memory, a crash). The output is written atomically, so a cancel or a
 * failure leaves no file.
 */
export function pruneInWorker(
  job: Omit<PruneJobRequest, 'cancel'>,
  signal?: AbortSignal,
  onProgress?: PruneProgress,
): Promise<PruneOutcome> {
  if (signal?.aborted) return Promise.reject(new PruneCancelled());
  const cancel = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancel);
  const request: PruneJobRequest = { ...job, cancel };
  return new Promise((resolve, reject) => {
    const worker = new Worker(pruneWorkerPath(), { workerData: request });
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = () => Atomics.store(flag, 0, 1);
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (message: PruneJobMessage) => {
      if (message.kind === 'progress') onProgress?.(message.stage, message.done, message.total);
      else if (message.kind === 'done') settle(() => resolve(message.outcome));
      else {
        const e = message.error;
        settle(() =>
          reject(
            e.type === 'cancelled'
              ? new PruneCancelled()
              : e.type === 'plan'
                ? new PlanRefused(e.message)
                : e.type === 'onnx'
                  ? new OnnxError(e.kind, e.message, e.file, e.code)
                  : new Error(e.message),
          ),
        );
      }
    });
    worker.on('error', (error) =>
      settle(() => reject(new Error(`the prune stopped: ${error.message} (${job.input})`))),
    );
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the prune worker exited (code ${code}) before it finished`))),
    );
  });
}
