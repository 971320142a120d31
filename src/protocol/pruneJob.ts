import type { OnnxErrorKind } from '../core/onnx/errors';
import type { PrunePreview } from '../core/prune/preview';
import type { PruneOutcome } from '../core/prune/prune';
import type { PruneStage } from '../core/prune/progressText';
import type { PruneSettings } from '../core/prune/select';

/**
 * What the server asks of a prune worker (a message to its thread, one job at a time): prune a model by a plan
 * into a file, or preview what the plan would remove. Both read every weight, so both run off the server's
 * thread.
 */
export type PruneJobRequest = {
  /** The model (a prune writes `output`, atomically). */
  input: string;
  /** The plan, checked against the model in the worker (errors refuse it, as `prune --plan` does). */
  planPath: string;
  planText: string;
  /**
   * Settings to prune with instead of the plan's (the plan is still checked against the model): a
   * `--target-latency` search's steps, each a global ratio with the latency lookup table.
   */
  settings?: PruneSettings;
  /** Calibration inputs of a plan whose criterion is `greedy` (none: seeded random inputs). */
  calibDir?: string;
  /** Input shapes a prune's MACs are counted on (symbolic dims sized by the user; see PruneOptions). */
  inputShapes?: Record<string, number[]>;
  /** One Int32: set to 1 to cancel. A worker busy in synchronous work cannot read messages, so it polls this. */
  cancel: SharedArrayBuffer;
} & ({ kind: 'prune'; output: string } | { kind: 'preview' });

/** What a prune worker posts back: progress while it runs, then exactly one result or `failed`. */
export type PruneJobMessage =
  | { kind: 'progress'; stage: PruneStage; done: number; total: number }
  | { kind: 'pruned'; outcome: PruneOutcome }
  | { kind: 'previewed'; preview: PrunePreview }
  | { kind: 'failed'; error: PruneJobError };

/** An error crossing the thread boundary, typed so the server can rebuild what the user should read. */
export type PruneJobError =
  | { type: 'plan'; message: string }
  | { type: 'onnx'; message: string; kind: OnnxErrorKind; file?: string; code?: string }
  | { type: 'cancelled' }
  | { type: 'internal'; message: string };
