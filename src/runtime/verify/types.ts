import type { OutputComparison } from '../compareOutputs';
import { OrtRuntimeError } from '../ortErrors';

/** What `verify` found: the JSON of `verify --json` and `--report` (and of `prune --verify`). */
export interface VerifyResult {
  original: ModelFigures;
  pruned: ModelFigures;
  /**
   * pruned ÷ original; null where a figure is missing: latency not measured, or MACs of a model with nodes
   * whose shapes are not static (a lower bound).
   */
  ratios: { parameters: number | null; macs: number | null; latency: number | null };
  /** The inputs both models ran on (seeded random; see randomFeeds.ts), with the range of their values. */
  inputs: { name: string; type: string; dims: number[]; range: string }[];
  /**
   * Symbolic dims nothing sized (not the caller's dims, not the other model, not the batch), which the inputs
   * gave DEFAULT_SYMBOLIC_DIM: the latency and MACs are for that size.
   */
  guessedDims: string[];
  seed: number;
  /** Inputs and outputs: same names, element types and shapes (declared, and as run). */
  io: { equal: boolean; differences: string[] };
  exactness: Exactness;
  timing: {
    runs: number;
    warmup: number;
    paired: boolean;
    /** The pruned model's time over the original's, per pair of runs: median and the middle half. */
    ratio: { median: number; p25: number; p75: number };
    /** The threads ONNX Runtime's CPU provider uses by default here (one per core the process may use). */
    threads: number;
  } | null;
  ortVersion: string | null;
  /** ONNX Runtime failed on the pruned model (load or run): the verification fails with this sentence. */
  runtimeError: string | null;
  /** io.equal, no runtime error, and the exactness check passed (or was skipped for want of a mask spec). */
  passed: boolean;
}

export interface ModelFigures {
  path: string;
  /** Elements of floating-point weights (as `inspect` counts them). */
  parameters: number;
  /** Multiply-accumulates per inference on the inputs verified (core/metrics/macs.ts). */
  macs: number;
  /** Nodes whose MACs could not be counted (shapes not static). */
  macsUncounted: number;
  /** ONNX Runtime CPU latency in ms over the timed runs; null when not measured. */
  latencyMs: { median: number; min: number; max: number } | null;
}

export interface Exactness {
  /**
   * Each output's tolerance is max(atol + rtol × max|output|, noiseFloorFactor × its noise floor), the
   * noise floor being the masked original with ONNX Runtime's graph optimisations on against off.
   */
  noiseFloorFactor: number;
  /**
   * passed / failed: the pruned model against the masked original (design §6).
   * skipped: the pruned model has no mask spec (pruned by another tool), or could not be run.
   */
  status: 'passed' | 'failed' | 'skipped';
  /** Why it was skipped, in one sentence. */
  reason: string | null;
  atol: number;
  rtol: number;
  /** Removed channels the mask spec names (slices zeroed in the masked original). */
  maskedSlices: number;
  outputs: OutputComparison[];
}

/**
 * Verification refused (a mask spec that does not fit ORIGINAL or cannot describe the prune, inputs too
 * large to generate, ONNX Runtime not working): `verify` exits with 2, `prune --verify` with 1 (the pruned
 * model was written but is not verified). The message is one sentence.
 */
export class VerifyInputError extends Error {
  override name = 'VerifyInputError';

  /** An ONNX Runtime step outlived its time limit (the caller may say how to give it longer). */
  get timedOut(): boolean {
    return this.cause instanceof OrtRuntimeError && this.cause.reason === 'timeout';
  }
}

/** ONNX Runtime refuses to load or run the original (or its masked copy): there is nothing to verify against. */
export class OriginalDoesNotRunError extends VerifyInputError {
  override name = 'OriginalDoesNotRunError';
  constructor(
    readonly original: string,
    readonly ortVersion: string,
    /** ONNX Runtime's reason, on one line. */
    readonly reason: string,
    /** The masked original failed, not the original itself. */
    readonly masked = false,
  ) {
    super(
      `${masked ? `the masked copy of the original ${original}` : `the original ${original}`} does not run in ` +
        `ONNX Runtime ${ortVersion} (${reason.replace(/\.$/, '')})`,
    );
  }
}
