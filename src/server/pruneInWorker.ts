import { join } from 'node:path';
import { OnnxError } from '../core/onnx/errors';
import type { PruneOutcome, PruneProgress } from '../core/prune/prune';
import type { PruneSettings } from '../core/prune/select';
import { PlanRefused } from './checkedPlan';
import type { PrunePreview } from '../core/prune/preview';
import type { PruneJobError, PruneJobMessage, PruneJobRequest } from '../protocol/pruneJob';
import { WarmWorkers } from './warmWorkers';

/** A prune the user cancelled: nothing was written. */
export class PruneCancelled extends Error {
  constructor() {
    super('Cancelled: nothing was written.');
  }
}

/** Overrides where the worker bundle is (tests build a fresh one). */
export const PRUNE_WORKER_PATH_ENV = 'ONNX_PRUNER_PRUNE_WORKER';

/**
 * The heap a prune may take, in MiB: a prune streams weights by range and keeps the model's structure (at most
 * 16 times the file's size, see structure.ts) and models up to 128 MiB in memory. A model that still blows up
 * ends its worker (ERR_WORKER_OUT_OF_MEMORY), not the language server. The environment variable overrides it
 * (tests).
 *
 * One MiB under 2 GiB on purpose: from a limit of 2 GiB up, V8 lets the heap grow to four times what survived
 * its last full collection before the next, and under it to at most twice. A worker pruning again and again
 * carried the garbage of earlier prunes up to that bound (the 10,009-node model: 294–310 MB peak RSS after ten
 * prunes at 2,048 MiB, 254–264 MB at 2,047; docs/performance.md).
 */
export const PRUNE_WORKER_HEAP_MB = 2047;
export const PRUNE_WORKER_HEAP_ENV = 'ONNX_PRUNER_PRUNE_WORKER_HEAP_MB';

/**
 * The prune worker's semi-spaces, in MiB (V8's default gives a thread two of 16). A prune keeps most of what it
 * allocates until it ends (the model's structure, its analysis), so larger semi-spaces hold more of it twice
 * over, not less garbage, and their pages count towards the worker's memory all the same (the 10,009-node
 * model: ten prunes in one process peak at 226–266 MB with V8's default, 213–221 MB with 8; docs/performance.md).
 * The bench runs its in-process prunes with the same (`--max-semi-space-size`).
 */
export const PRUNE_WORKER_SEMI_SPACE_MB = 8;
/** V8 makes a young generation three semi-spaces large: two semi-spaces and room for new large objects. */
export const PRUNE_WORKER_YOUNG_MB = 3 * PRUNE_WORKER_SEMI_SPACE_MB;

function workerHeapMb(): number {
  const value = Number(process.env[PRUNE_WORKER_HEAP_ENV]);
  return Number.isFinite(value) && value > 0 ? value : PRUNE_WORKER_HEAP_MB;
}

/** The server's prune workers: one is kept warm between jobs (warmWorkers.ts). */
const workers = new WarmWorkers(undefined, PRUNE_WORKER_YOUNG_MB);

/** The worker bundle, beside this server's own (dist/pruneJob.js). */
function pruneWorkerPath(): string {
  return process.env[PRUNE_WORKER_PATH_ENV] || join(__dirname, 'pruneJob.js');
}

/**
 * Has a prune worker start now and wait for the first job (see WarmWorkers.prewarm): the server calls it when
 * a model is opened for pruning, so the first preview or prune does not wait for the thread to start.
 */
export function prewarmPruneWorker(): void {
  void workers.prewarm(pruneWorkerPath(), workerHeapMb());
}

/**
 * Prunes `input` by a plan into `output` on a worker thread (see pruneJob.ts). Resolves with the outcome;
 * rejects with PlanRefused or OnnxError (sentences for the user), PruneCancelled after `signal` aborts, or an
 * Error when the worker dies (out of memory, a crash). The output is written atomically, so a cancel or a
 * failure leaves no file.
 */
export async function pruneInWorker(
  job: {
    input: string;
    output: string;
    planPath: string;
    planText: string;
    settings?: PruneSettings;
    calibDir?: string;
    inputShapes?: Record<string, number[]>;
  },
  signal?: AbortSignal,
  onProgress?: PruneProgress,
): Promise<PruneOutcome> {
  const message = await runJob({ kind: 'prune', ...job }, signal, onProgress);
  if (message.kind !== 'pruned') throw new Error(`internal: the prune worker answered ${message.kind}`);
  return message.outcome;
}

/** What a plan would remove from `input` (PrunePreview), worked out on a worker thread; rejects as pruneInWorker. */
export async function previewInWorker(
  job: { input: string; planPath: string; planText: string; calibDir?: string },
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
    const heapMb = workerHeapMb();
    const worker = workers.take(pruneWorkerPath(), heapMb);
    let settled = false;
    // `reuse`: the worker answered (it is ready for another job); else it died and is not handed out again.
    const settle = (reuse: boolean, action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (reuse) workers.giveBack(worker);
      action();
    };
    const onAbort = () => Atomics.store(flag, 0, 1);
    const onMessage = (message: PruneJobMessage) => {
      if (message.kind === 'progress') onProgress?.(message.stage, message.done, message.total);
      else if (message.kind === 'failed') settle(true, () => reject(errorOf(message.error)));
      else settle(true, () => resolve(message));
    };
    const onError = (error: Error & { code?: string }) =>
      settle(false, () =>
        reject(
          new Error(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `${job.input}: the prune needed more than ${heapMb} MiB of memory and was stopped; nothing was written.`
              : `the prune stopped: ${error.message} (${job.input})`,
          ),
        ),
      );
    const onExit = (code: number) =>
      settle(false, () => reject(new Error(`the prune worker exited (code ${code}) before it finished`)));
    signal?.addEventListener('abort', onAbort);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(request);
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
