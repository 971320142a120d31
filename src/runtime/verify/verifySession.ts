import { availableParallelism } from 'node:os';
import type { KeptOutputs, LoadedModel, OrtClient, Stash } from '../ortClient';
import { OrtRuntimeError } from '../ortErrors';
import { judgeOutputs } from '../compareOutputs';
import { median, pairedRatio } from '../pairedTiming';
import type { TensorMeta } from '../../protocol/runtime';
import { OriginalDoesNotRunError, VerifyInputError, type VerifyResult } from './types';
import { largest, smallest } from '../../core/lists';

export interface SessionSettings {
  runs: number;
  warmup: number;
  atol: number;
  rtol: number;
}

/**
 * The ONNX Runtime steps of a verification. Inputs, outputs and their comparison stay in the worker (only
 * shapes and error figures come back), so a model's declared shapes never size this process's memory.
 * Failures of the pruned model are kept as findings; failures of the original (or of the masked original,
 * which is the original with some weights zeroed) mean the verification cannot be done.
 */
export class VerifySession {
  prunedError: string | null = null;
  prunedOutputs: KeptOutputs | undefined;
  private readonly stashes: Stash[] = [];
  private originalPath = '';

  constructor(
    private readonly client: OrtClient,
    private readonly settings: SessionSettings,
  ) {}

  async loadOriginal(path: string): Promise<LoadedModel> {
    this.originalPath = path;
    return this.client.load(path).catch((error) => this.originalFailed(error));
  }

  async tryLoadPruned(path: string): Promise<LoadedModel | undefined> {
    try {
      return await this.client.load(path);
    } catch (error) {
      this.prunedError = runtimeMessage(error);
      return undefined;
    }
  }

  async feeds(...args: Parameters<OrtClient['makeFeeds']>): Promise<Stash> {
    const feeds = await this.client.makeFeeds(...args).catch(cannotVerify);
    this.stashes.push(feeds);
    return feeds;
  }

  /**
   * One run of each (outputs kept in the worker), then the paired timing and the caller's `whileLoaded`;
   * releases both.
   */
  async runBoth(
    original: LoadedModel,
    pruned: LoadedModel,
    feeds: Stash,
    result: VerifyResult,
    whileLoaded?: (original: LoadedModel, pruned: LoadedModel) => Promise<void>,
  ) {
    const reference = await this.client.runKept(original, feeds).catch((error) => this.originalFailed(error));
    this.stashes.push(reference);
    try {
      this.prunedOutputs = await this.client.runKept(pruned, feeds);
      this.stashes.push(this.prunedOutputs);
    } catch (error) {
      this.prunedError = runtimeMessage(error);
      return { original: reference.outputs, pruned: undefined };
    }
    const { runs, warmup } = this.settings;
    if (runs > 0) {
      const jobs = [
        { model: original, feeds },
        { model: pruned, feeds },
      ];
      const [a, b] = await this.client.time(jobs, { runs, warmup }).catch(cannotVerify);
      result.original.latencyMs = summary(a);
      result.pruned.latencyMs = summary(b);
      result.timing = {
        runs,
        warmup,
        paired: true,
        ratio: pairedRatio(a, b),
        threads: availableParallelism(),
      };
    }
    await whileLoaded?.(original, pruned);
    // Free both before the masked original loads: three sessions of a large model need not coexist.
    await this.client.release(original).catch(cannotVerify);
    await this.client.release(pruned).catch(cannotVerify);
    await this.client.drop([reference]).catch(cannotVerify);
    return { original: reference.outputs, pruned: this.prunedOutputs.outputs };
  }

  /**
   * The pruned model's outputs against the masked original's, on the same inputs, with the tolerance
   * derived from the masked original's own noise floor: the masked original run again with ONNX Runtime's
   * graph optimisations off (fusions and constant folding change the order of float32 operations, as
   * pruning does), see judgeOutputs.
   */
  async exactness(maskedPath: string, feeds: Stash) {
    const { atol, rtol } = this.settings;
    const optimised = await this.runMasked(maskedPath, feeds, 'all');
    const errors = await this.client.compare(optimised, this.prunedOutputs!).catch(cannotVerify);
    const plain = await this.runMasked(maskedPath, feeds, 'disabled');
    const floors = await this.client.compare(optimised, plain).catch(cannotVerify);
    return judgeOutputs(errors, floors, atol, rtol);
  }

  /** Frees every stash this session made. */
  async close(): Promise<void> {
    await this.client.drop(this.stashes).catch(() => undefined);
  }

  private async runMasked(path: string, feeds: Stash, level: 'all' | 'disabled'): Promise<KeptOutputs> {
    const failed = (error: unknown) => this.originalFailed(error, true);
    const masked = await this.client
      .load(path, { settings: { graphOptimizationLevel: level } })
      .catch(failed);
    const outputs = await this.client.runKept(masked, feeds).catch(failed);
    this.stashes.push(outputs);
    await this.client.release(masked).catch(cannotVerify);
    return outputs;
  }

  /** ONNX Runtime refused the original (or its masked copy): nothing can be verified against it. */
  private originalFailed(error: unknown, masked = false): never {
    if (!(error instanceof OrtRuntimeError)) throw error;
    if (error.reason !== 'failed') cannotVerify(error);
    const version = this.client.ortVersion ?? 'unknown';
    throw new OriginalDoesNotRunError(this.originalPath, version, reasonOf(error.message), masked);
  }
}

export type RunShapes = Readonly<Record<string, TensorMeta>>;

/**
 * ONNX Runtime's reason, readable in one sentence: without our "ONNX Runtime failed while loading X: "
 * prefix, ORT's "Load model from X failed:", and the C++ source location and signature it prepends.
 */
function reasonOf(message: string): string {
  const text = message
    .replace(/^ONNX Runtime failed while [^:]*: /, '')
    .replace(/^Load model from .*? failed:\s*/, '')
    .replace(/\[ONNXRuntimeError\] : \d+ : \w+ : /g, '')
    .replace(/\S+\.(?:cc|cpp|h):\d+ \S+\([^)]*\)\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function cannotVerify(error: unknown): never {
  if (error instanceof OrtRuntimeError)
    throw new VerifyInputError(`cannot verify: ${error.message}`, { cause: error });
  throw error;
}

function runtimeMessage(error: unknown): string {
  if (error instanceof OrtRuntimeError) return error.message;
  throw error;
}

function summary(times: number[]): { median: number; min: number; max: number } {
  return { median: median(times), min: smallest(times), max: largest(times) };
}
