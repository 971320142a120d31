import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeMetrics } from '../../core/metrics/metrics';
import { withModelErrors } from '../../core/onnx/errors';
import type { PendingHash } from '../../core/onnx/hash';
import { startSha256 } from '../backgroundHash';
import { runtimeRefusal } from '../runtimeGuard';
import type { ModelFile } from '../../core/onnx/modelFile';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { writeModel } from '../../core/onnx/writer';
import { maskModel } from '../../core/prune/mask';
import { MASK_METADATA_KEY, type MaskSpec } from '../../core/prune/maskSpec';
import { type FeedSpec, ORT_TIMEOUT_SECONDS } from '../../protocol/runtime';
import { NOISE_FLOOR_FACTOR } from '../compareOutputs';
import { type LoadedModel, OrtClient } from '../ortClient';
import { feedSpecs, guessedDims, rangeText } from '../randomFeeds';
import { type InputDims, NO_INPUT_DIMS, unknownDims } from '../inputDims';
import { declaredDifferences, producedDifferences } from './compareIo';
import { maskSpecProblems, readMaskSpec, unmaskedPrune } from './maskSpecCheck';
import { type ModelFigures, type VerifyResult, VerifyInputError } from './types';
import { VerifySession } from './verifySession';
import { pushAll } from '../../core/lists';

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
  /** Sizes of symbolic input dims, by name (see inputDims.ts); each must be a dim of the original's inputs. */
  dims?: InputDims;
  /** Timeout of each ONNX Runtime request, in ms. Default ORT_TIMEOUT_SECONDS. */
  timeoutMs?: number;
  /** A running client to use (the language server's); otherwise one is started and closed here. */
  client?: OrtClient;
  /** Worker bundle for a client started here (see OrtClient). */
  workerPath?: string;
  /** Hears what it is doing now, for a progress line ("loading both models in ONNX Runtime"…). */
  onStep?: (step: string) => void;
  /**
   * Work of the caller's on both models while they are loaded in `client` (after their timed runs, before
   * they are released), such as the fidelity runs: a large original is then loaded once, not once more for
   * it. Not called when the pruned model does not load, cannot take the original's inputs or fails to run.
   */
  whileLoaded?: (original: LoadedModel, pruned: LoadedModel) => Promise<void>;
}

export const VERIFY_DEFAULTS = {
  runs: 20,
  warmup: 2,
  atol: 1e-4,
  rtol: 1e-4,
  seed: 1,
  timeoutMs: ORT_TIMEOUT_SECONDS * 1000,
};

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
  let session: VerifySession | undefined;
  let originalHash: PendingHash | undefined;
  try {
    prunedFile = withModelErrors(prunedPath, () => openModel(prunedPath));
    // The spec names its original by SHA-256: a large original is hashed on another thread while ONNX
    // Runtime loads both models, and checked before anything runs.
    const spec = checkedMaskSpec(
      originalFile,
      prunedFile,
      originalPath,
      prunedPath,
      () => (originalHash ??= startSha256(originalFile.source)),
    );
    // What the analysis refused to build (huge folded constants, absurd ranks) ONNX Runtime would try to.
    for (const [file, path] of [
      [originalFile, originalPath],
      [prunedFile, prunedPath],
    ] as const) {
      const refusal = runtimeRefusal(file, path);
      if (refusal) throw new VerifyInputError(refusal);
    }
    client =
      options.client ?? new OrtClient({ workerPath: options.workerPath, timeoutMs: settings.timeoutMs });
    session = new VerifySession(client, settings);
    options.onStep?.('loading both models in ONNX Runtime');
    const checkHash = () => {
      if (spec && originalHash) checkOriginal(spec, originalHash.value(), originalPath, prunedPath);
    };
    let original: LoadedModel;
    let pruned: LoadedModel | undefined;
    try {
      original = await session.loadOriginal(originalPath);
      pruned = await session.tryLoadPruned(prunedPath);
    } catch (error) {
      checkHash(); // another original is the error to report, not what ONNX Runtime made of it
      throw error;
    }
    checkHash();
    const dims = options.dims ?? NO_INPUT_DIMS;
    const specs = feedSpecsFor(original, pruned, originalPath, dims);
    const inputShapes = Object.fromEntries(specs.map((s) => [s.name, s.dims]));
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
      inputs: specs.map((s) => ({ name: s.name, type: s.type, dims: s.dims, range: rangeText(s) })),
      guessedDims: guessedDims(original.inputs, pruned?.inputs, dims),
      seed: settings.seed,
      io: { equal: false, differences: [] },
      exactness: {
        status: 'skipped',
        reason: null,
        atol: settings.atol,
        rtol: settings.rtol,
        noiseFloorFactor: NOISE_FLOOR_FACTOR,
        maskedSlices: spec?.zero.length ?? 0,
        outputs: [],
      },
      timing: null,
      ortVersion: client.ortVersion ?? null,
      runtimeError: session.prunedError,
      passed: false,
    };
    const gap =
      spec && unmaskedPrune(spec, { original: result.original.parameters, pruned: result.pruned.parameters });
    if (gap) throw new VerifyInputError(`cannot verify ${prunedPath}: ${gap}`);
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
        const feeds = await session.feeds(specs, settings.seed);
        const shapes = await session.runBoth(original, pruned, feeds, result, options.whileLoaded);
        if (shapes.pruned) {
          pushAll(result.io.differences, producedDifferences(shapes.original, shapes.pruned));
          if (spec) {
            options.onStep?.('comparing with the masked original');
            temp = mkdtempSync(join(tmpdir(), 'onnx-pruner-verify-'));
            const maskedPath = join(temp, 'masked.onnx');
            writeMasked(originalFile, spec, maskedPath);
            const outputs = await session.exactness(maskedPath, feeds);
            result.exactness.outputs = outputs;
            result.exactness.status = outputs.every((o) => o.passed) ? 'passed' : 'failed';
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
      // Paired: the median of per-pair ratios, which a machine slowed by other work affects less.
      latency:
        result.timing?.ratio.median ??
        ratio(result.pruned.latencyMs?.median, result.original.latencyMs?.median),
    };
    result.passed =
      result.io.equal &&
      result.runtimeError === null &&
      result.exactness.status !== 'failed' &&
      !!session.prunedOutputs;
    return result;
  } finally {
    originalHash?.stop();
    originalFile.close();
    prunedFile?.close();
    await session?.close();
    if (client && !options.client) await client.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * The pruned model's mask spec, checked against ORIGINAL's graph; undefined when it has none. Whether the spec
 * names ORIGINAL's very bytes is checked here only when the spec does not fit (that error is the better
 * one); otherwise by `checkOriginal` once the hash is done.
 */
function checkedMaskSpec(
  originalFile: ModelFile,
  prunedFile: ModelFile,
  originalPath: string,
  prunedPath: string,
  /** Starts hashing ORIGINAL (once). */
  originalHash: () => PendingHash,
): MaskSpec | undefined {
  const spec = readMaskSpec(prunedFile.proto);
  if (typeof spec === 'string') throw new VerifyInputError(`${prunedPath}: ${spec}.`);
  if (!spec) return undefined;
  if (spec.original) originalHash();
  const problems = withModelErrors(originalPath, () =>
    maskSpecProblems(new ModelView(originalFile).graph, spec),
  );

  if (problems.length > 0) {
    checkOriginal(spec, originalHash().value(), originalPath, prunedPath);
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new VerifyInputError(
      `the mask spec in ${prunedPath} does not fit ${originalPath}: ${problems.slice(0, 3).join('; ')}${more}.`,
    );
  }
  return spec;
}

/** Refuses a spec that names another original than ORIGINAL (by the SHA-256 of its bytes). */
function checkOriginal(spec: MaskSpec, sha256: string, originalPath: string, prunedPath: string): void {
  if (spec.original && spec.original !== sha256) {
    throw new VerifyInputError(
      `${prunedPath} was pruned from another model than ${originalPath} (its mask spec names the original by ` +
        `SHA-256 ${spec.original.slice(0, 12)}…).`,
    );
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : a / b;
}

/** The masked original (design §6) written for ONNX Runtime. */
function writeMasked(originalFile: ModelFile, spec: MaskSpec, path: string): void {
  try {
    // Its weights in a data file beside it: ONNX Runtime maps that file rather than copying every weight out
    // of the model (VGG-16's masked original loads in ~1.5 s instead of ~7.5 s, and it is loaded twice).
    writeModel(originalFile, maskModel(originalFile, spec), path, { externalData: true });
  } catch (error) {
    if (!(error instanceof Error) || error.name === 'OnnxError') throw error;
    throw new VerifyInputError(`cannot build the masked original: ${error.message}.`);
  }
}

function feedSpecsFor(
  original: LoadedModel,
  pruned: LoadedModel | undefined,
  path: string,
  dims: InputDims,
): FeedSpec[] {
  const unknown = unknownDims(original.inputs, dims);
  if (unknown) throw new VerifyInputError(`cannot verify ${path}: ${unknown}`);
  try {
    return feedSpecs(original.inputs, pruned?.inputs, dims);
  } catch (error) {
    throw new VerifyInputError(`cannot verify ${path}: ${(error as Error).message}`);
  }
}
