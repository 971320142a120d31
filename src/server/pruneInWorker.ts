import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OnnxError } from '../core/onnx/errors';
import type { PruneOutcome, PruneProgress } from '../core/prune/prune';
import { PlanRefused } from './checkedPlan';
import type { PrunePreview } from '../core/prune/preview';
import type { PruneJobError, PruneJobMessage, PruneJobRequest } from './pruneJobProtocol';

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
export async function pruneInWorker(
  job: { input: string; output: string; planPath: string; planText: string },
  signal?: AbortSignal,
  onProgress?: PruneProgress,
): Promise<PruneOutcome> {
  const message = await runJob({ kind: 'prune', ...job }, signal, onProgress);
  if (message.kind !== 'pruned') throw new Error(`internal: the prune worker answered ${message.kind}`);
  return message.outcome;
}

/** What a plan would remove from `input` (PrunePreview), worked out on a worker thread; rejects as pruneInWorker. */
export async function previewInWorker(
  job: { input: string; planPath: string; planText: string },
  signal?: AbortSignal,
): Promise<PrunePreview> {
  const message = await runJob({ kind: 'preview', ...job }, signal);
  if (message.kind !== 'previewed') throw new Error(`internal: the prune worker answered ${message.kind}`);
  return message.preview;
}

type JobResult = Extract<PruneJobMessage, { kind: 'pruned' | 'previewed' }>;

function runJob(
  job: DistributiveOmit<PruneJobRequest, 'cancel'>,
  signal?: AbortSignal,
  onProgress?: PruneProgress,
): Promise<JobResult> {
  if (signal?.aborted) return Promise.reject(new PruneCancelled());
  const cancel = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancel);
  const request = { ...job, cancel } as PruneJobRequest;
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
      else if (message.kind === 'failed') settle(() => reject(errorOf(message.error)));
      else settle(() => resolve(message));
    });
    worker.on('error', (error) =>
      settle(() => reject(new Error(`the prune stopped: ${error.message} (${job.input})`))),
    );
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the prune worker exited (code ${code}) before it finished`))),
    );
  });
}

/** The error the server reports, rebuilt from what crossed the thread boundary. */
function errorOf(e: PruneJobError): Error {
  switch (e.type) {
    case 'cancelled':
      return new PruneCancelled();
    case 'plan':
      return new PlanRefused(e.message);
    case 'onnx':
      return new OnnxError(e.kind, e.message, e.file, e.code);
    case 'internal':
      return new Error(e.message);
  }
}

/** Omit over each member of a union (TypeScript's Omit would merge them). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
