import type { OnnxErrorKind } from '../core/onnx/errors';
import type { PruneOutcome } from '../core/prune/prune';
import type { PruneStage } from '../core/prune/progressText';

/** What the server asks of a prune worker (worker_threads `workerData`). */
export interface PruneJobRequest {
  /** The model to prune and the file to write (atomically). */
  input: string;
  output: string;
  /** The plan, checked against the model in the worker (errors refuse it, as `prune --plan` does). */
  planPath: string;
  planText: string;
  /** One Int32: set to 1 to cancel. A worker busy in synchronous work cannot read messages, so it polls this. */
  cancel: SharedArrayBuffer;
}

/** What a prune worker posts back: progress while it runs, then exactly one `done` or `failed`. */
export type PruneJobMessage =
  | { kind: 'progress'; stage: PruneStage; done: number; total: number }
  | { kind: 'done'; outcome: PruneOutcome }
  | { kind: 'failed'; error: PruneJobError };

/** An error crossing the thread boundary, typed so the server can rebuild what the user should read. */
export type PruneJobError =
  | { type: 'plan'; message: string }
  | { type: 'onnx'; message: string; kind: OnnxErrorKind; file?: string; code?: string }
  | { type: 'cancelled' }
  | { type: 'internal'; message: string };
