import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeMetrics } from '../../core/metrics/metrics';
import { withModelErrors } from '../../core/onnx/errors';
import { sha256Of } from '../../core/onnx/hash';
import type { ModelFile } from '../../core/onnx/modelFile';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { writeModel } from '../../core/onnx/writer';
import { maskModel } from '../../core/prune/mask';
import { MASK_METADATA_KEY, type MaskSpec } from '../../core/prune/maskSpec';
import type { Feeds, TensorPayload } from '../../protocol/runtime';
import { compareOutputs } from '../compareOutputs';
import { type LoadedModel, OrtClient, OrtRuntimeError } from '../ortClient';
import { randomFeeds } from '../randomFeeds';
import { declaredDifferences, producedDifferences } from './compareIo';
import { maskSpecProblems, readMaskSpec } from './maskSpecCheck';
import { type Exactness, type ModelFigures, type VerifyResult, VerifyInputError } from './types';

export interface VerifyOptions {
  /** Timed inferences per model (paired); 0 skips timing. Default 20. */
  runs?: number;
  /** Untimed inferences per model before timing. Default 2. */
  warmup?: number;
  /** Absolute tolerance. Default 1e-4. */
  atol?: number;
  /** Tolerance relative to each output's largest magnitude. Default 1e-4. */
  rtol?: number;
  /** Seed of the random inputs. Default 1. */
  seed?: number;
  /** Timeout of each ONNX Runtime request, in ms. Default 600 s. */
  timeoutMs?: number;
  /** A running client to use (the language server's); otherwise one is started and closed here. */
  client?: OrtClient;
  /** Worker bundle for a client started here (see OrtClient). */
  workerPath?: string;
  /** Hears what it is doing now, for a progress line ("loading both models in ONNX Runtime"…). */
  onStep?: (step: string) => void;
}

export const VERIFY_DEFAULTS = { runs: 20, warmup: 2, atol: 1e-4, rtol: 1e-4, seed: 1, timeoutMs: 600_000 };

/**
 * `verify ORIGINAL PRUNED` (design §3, §6): loads both in ONNX Runtime (in its child process), checks that
 * inputs and outputs keep their names, types and shapes, runs the pruned model against the masked original
 * rebuilt from the mask spec the pruned model carries, and times both (paired runs). Parameters and MACs come
 * from the static shapes, on the very input dims that were run.
 *
 * Throws OnnxError or VerifyInputError when the input cannot be verified (unreadable, a mask spec that does
 * not fit ORIGINAL, ORIGINAL refused by ONNX Runtime); returns a failed result when the pruned model is the
 * problem (other shapes, other outputs, refused by ONNX Runtime).
 */
export async function verifyModels(
  originalPath: string,
  prunedPath: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const settings = { ...VERIFY_DEFAULTS, ...definedOnly(options) };
  const originalFile = withModelErrors(originalPath, () => openModel(originalPath));
  let prunedFile: ModelFile | undefined;
  let client: OrtClient | undefined;
  let temp: string | undefined;
  try {
    prunedFile = withModelErrors(prunedPath, () => openModel(prunedPath));
    const spec = checkedMaskSpec(originalFile, prunedFile, originalPath, prunedPath);
    client =
      options.client ?? new OrtClient({ workerPath: options.workerPath, timeoutMs: settings.timeoutMs });
    const session = new VerifySession(client, settings);
    options.onStep?.('loading both models in ONNX Runtime');
    const original = await session.loadOriginal(originalPath);
    const pruned = await session.tryLoadPruned(prunedPath);
    const feeds = feedsFor(original, pruned, settings.seed, originalPath);
    const inputShapes = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, t.dims]));
    const figures = (file: ModelFile, path: string): ModelFigures => {
      const metrics = withModelErrors(path, () => computeMetrics(new ModelView(file), { inputShapes }));
      return {
        path,
        parameters: metrics.parameters,
        macs: metrics.macs,
        macsUncounted: metrics.uncounted.length,
        latencyMs: null,
      };
    };
    const result: VerifyResult = {
      original: figures(originalFile, originalPath),
      pruned: figures(prunedFile, prunedPath),
      ratios: { parameters: null, macs: null, latency: null },
      inputs: Object.entries(feeds).map(([name, t]) => ({ name, type: t.type, dims: t.dims })),
      seed: settings.seed,
      io: { equal: false, differences: [] },
      exactness: {
        status: 'skipped',
        reason: null,
        atol: settings.atol,
        rtol: settings.rtol,
        maskedSlices: spec?.zero.length ?? 0,
        outputs: [],
      },
      timing: null,
      ortVersion: client.ortVersion ?? null,
      runtimeError: session.prunedError,
      passed: false,
    };
    if (pruned) {
      const inputDifferences = declaredDifferences('input', original.inputs, pruned.inputs);
      result.io.differences = [
        ...inputDifferences,
        ...declaredDifferences('output', original.outputs, pruned.outputs),
      ];
      // Inputs that differ cannot take the same feeds: nothing more to run.
      if (inputDifferences.length === 0) {
        options.onStep?.(
          `running both models (${settings.warmup} warm-up, ${settings.runs} timed runs each)`,
        );
        await session.runBoth(original, pruned, feeds, result);
        if (session.prunedOutputs) {
          if (spec) {
            options.onStep?.('comparing with the masked original');
            temp = mkdtempSync(join(tmpdir(), 'onnx-pruner-verify-'));
            result.exactness = await session.exactness(originalFile, spec, join(temp, 'masked.onnx'), feeds);
          } else {
            result.exactness.reason =
              `${prunedPath} carries no mask spec ('${MASK_METADATA_KEY}' in its metadata, written by onnx-pruner ` +
              'prune), so the masked original cannot be built: only shapes and timing were checked.';
          }
        }
      }
      result.io.equal = result.io.differences.length === 0;
    }
    if (!result.exactness.reason && result.exactness.status === 'skipped') {
      result.exactness.reason = pruned
        ? 'the pruned model could not run on the same inputs as the original.'
        : 'the pruned model did not load in ONNX Runtime.';
    }
    result.runtimeError = session.prunedError;
    result.ortVersion = client.ortVersion ?? null;
    result.ratios = {
      parameters: ratio(result.pruned.parameters, result.original.parameters),
      // A MAC count that leaves nodes out is a lower bound: a ratio of two of them means nothing.
      macs:
        result.original.macsUncounted + result.pruned.macsUncounted > 0
          ? null
          : ratio(result.pruned.macs, result.original.macs),
      latency: ratio(result.pruned.latencyMs?.median, result.original.latencyMs?.median),
    };
    result.passed =
      result.io.equal &&
      result.runtimeError === null &&
      result.exactness.status !== 'failed' &&
      !!session.prunedOutputs;
    return result;
  } finally {
    originalFile.close();
    prunedFile?.close();
    if (client && !options.client) await client.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

/** The pruned model's mask spec, checked against ORIGINAL; undefined when it has none. */
function checkedMaskSpec(
  originalFile: ModelFile,
  prunedFile: ModelFile,
  originalPath: string,
  prunedPath: string,
): MaskSpec | undefined {
  const spec = readMaskSpec(prunedFile.proto);
  if (typeof spec === 'string') throw new VerifyInputError(`${prunedPath}: ${spec}.`);
  if (!spec) return undefined;
  if (spec.original && spec.original !== sha256Of(originalFile.source)) {
    throw new VerifyInputError(
      `${prunedPath} was pruned from another model than ${originalPath} (its mask spec names the original by ` +
        `SHA-256 ${spec.original.slice(0, 12)}…).`,
    );
  }
  const problems = withModelErrors(originalPath, () =>
    maskSpecProblems(new ModelView(originalFile).graph, spec),
  );
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new VerifyInputError(
      `the mask spec in ${prunedPath} does not fit ${originalPath}: ${problems.slice(0, 3).join('; ')}${more}.`,
    );
  }
  return spec;
}

/** The ONNX Runtime steps of a verification, with the failures of the pruned model kept as findings. */
class VerifySession {
  prunedError: string | null = null;
  prunedOutputs: Record<string, TensorPayload> | undefined;

  constructor(
    private readonly client: OrtClient,
    private readonly settings: typeof VERIFY_DEFAULTS,
  ) {}

  async loadOriginal(path: string): Promise<LoadedModel> {
    return this.client.load(path).catch(cannotVerify);
  }

  async tryLoadPruned(path: string): Promise<LoadedModel | undefined> {
    try {
      return await this.client.load(path);
    } catch (error) {
      this.prunedError = runtimeMessage(error);
      return undefined;
    }
  }

  /** One run of each (outputs and their shapes), then the paired timing; releases both. */
  async runBoth(
    original: LoadedModel,
    pruned: LoadedModel,
    feeds: Feeds,
    result: VerifyResult,
  ): Promise<void> {
    const originalOutputs = await this.client.run(original, feeds).catch(cannotVerify);
    try {
      this.prunedOutputs = await this.client.run(pruned, feeds);
    } catch (error) {
      this.prunedError = runtimeMessage(error);
      return;
    }
    result.io.differences.push(...producedDifferences(originalOutputs, this.prunedOutputs));
    const { runs, warmup } = this.settings;
    if (runs > 0) {
      const jobs = [
        { model: original, feeds },
        { model: pruned, feeds },
      ];
      const [a, b] = await this.client.time(jobs, { runs, warmup }).catch(cannotVerify);
      result.original.latencyMs = summary(a);
      result.pruned.latencyMs = summary(b);
      result.timing = { runs, warmup, paired: true };
    }
    // Free both before the masked original loads: three sessions of a large model need not coexist.
    await this.client.release(original).catch(cannotVerify);
    await this.client.release(pruned).catch(cannotVerify);
  }

  /** The pruned model's outputs against the masked original's on the same feeds. */
  async exactness(
    originalFile: ModelFile,
    spec: MaskSpec,
    maskedPath: string,
    feeds: Feeds,
  ): Promise<Exactness> {
    const { atol, rtol } = this.settings;
    try {
      writeModel(originalFile, maskModel(originalFile, spec), maskedPath);
    } catch (error) {
      if (!(error instanceof Error) || error.name === 'OnnxError') throw error;
      throw new VerifyInputError(`cannot build the masked original: ${error.message}.`);
    }
    const masked = await this.client.load(maskedPath).catch(cannotVerify);
    const reference = await this.client.run(masked, feeds).catch(cannotVerify);
    await this.client.release(masked).catch(cannotVerify);
    const outputs = compareOutputs(reference, this.prunedOutputs!, atol, rtol);
    const passed = outputs.every((o) => o.passed);
    return {
      status: passed ? 'passed' : 'failed',
      reason: null,
      atol,
      rtol,
      maskedSlices: spec.zero.length,
      outputs,
    };
  }
}

function feedsFor(original: LoadedModel, pruned: LoadedModel | undefined, seed: number, path: string): Feeds {
  try {
    return randomFeeds(original.inputs, seed, pruned?.inputs);
  } catch (error) {
    throw new VerifyInputError(`${path}: ${(error as Error).message}`);
  }
}

function cannotVerify(error: unknown): never {
  if (error instanceof OrtRuntimeError) throw new VerifyInputError(`cannot verify: ${error.message}`);
  throw error;
}

function runtimeMessage(error: unknown): string {
  if (error instanceof OrtRuntimeError) return error.message;
  throw error;
}

function summary(times: number[]): { median: number; min: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : a / b;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
