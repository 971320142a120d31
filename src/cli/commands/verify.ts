import { formatVerify, refusalSentence } from '../../runtime/verify/formatVerify';
import { OriginalDoesNotRunError, VerifyInputError, type VerifyResult } from '../../runtime/verify/types';
import { verifyModels } from '../../runtime/verify/verifyModels';
import { CliError, EXIT } from '../exit';
import type { CliIO } from '../io';
import { ProgressLine } from '../progress';
import { writeText } from '../writeText';
import { oneLine } from '../../core/text';
import { openModel } from '../../core/onnx/reader';
import { RECONSTRUCTED_METADATA_KEY } from '../../runtime/reconstruct';
import { type CalibCliOptions, imageFeedOptions } from './calibOptions';
import { inputDimsFor } from './dimOptions';
import { type QualityReport, formatQuality } from '../../runtime/quality';
import { verifyWithQuality } from '../../runtime/verifyWithQuality';

export interface VerifyCommandOptions extends CalibCliOptions {
  /** Also measure fidelity to the original (on --calib inputs, or seeded random ones). */
  fidelity?: boolean;
  report?: string;
  json?: boolean;
  runs?: string;
  warmup?: string;
  atol?: string;
  rtol?: string;
  seed?: string;
  timeout?: string;
}

/**
 * `onnx-pruner verify ORIGINAL PRUNED`: exit 0 when the pruned model keeps the inputs and outputs and equals
 * the masked original within tolerance (or, without a mask spec, when the shapes match), 1 when it does not,
 * 2 when the input cannot be verified.
 */
export async function verifyCommand(
  original: string,
  pruned: string,
  options: VerifyCommandOptions,
  io: CliIO,
): Promise<number> {
  let result: VerifyResult;
  let quality: QualityReport | undefined;
  const line = new ProgressLine(io.progress);
  const verifyOptions = {
    onStep: (step: string) => line.update(step, `verify: ${step}…`),
    runs: integer(options.runs, '--runs', 0),
    warmup: integer(options.warmup, '--warmup', 0),
    atol: nonNegative(options.atol, '--atol'),
    rtol: nonNegative(options.rtol, '--rtol'),
    seed: integer(options.seed, '--seed', 0),
    dims: inputDimsFor(original, options.dim),
    timeoutMs: timeoutMs(options.timeout),
  };
  // Fidelity (a section of its own, src/runtime/quality.ts): how far the pruned model is from the original,
  // measured while the verification holds both models in ONNX Runtime.
  const fidelity =
    options.fidelity || options.calib !== undefined
      ? {
          calibDir: options.calib,
          image: imageFeedOptions(options),
          seed: integer(options.seed, '--seed', 0),
          dims: verifyOptions.dims,
          holdout: 0,
          timeoutMs: timeoutMs(options.timeout),
          onStep: (step: string) => line.update(step, `${step}…`),
        }
      : undefined;
  try {
    if (fidelity) {
      const both = await verifyWithQuality(original, pruned, verifyOptions, fidelity);
      result = both.verified;
      if (!('report' in both.quality)) throw both.quality.error;
      quality = both.quality.report;
    } else result = await verifyModels(original, pruned, verifyOptions);
  } catch (error) {
    if (error instanceof OriginalDoesNotRunError)
      throw new CliError(`${error.message}, so ${pruned} cannot be verified against it.`);
    if (error instanceof VerifyInputError) throw new CliError(refusalSentence(error, '--timeout'));
    throw error;
  } finally {
    line.clear();
  }
  const json = quality ? { ...result, quality } : result;
  if (wasReconstructed(pruned))
    io.stderr(
      `note: ${oneLine(pruned)} was reconstructed (its weights refitted by least squares), so it is not expected to equal the masked original; the surgery is verified on the plain prune.\n`,
    );
  if (options.report !== undefined) writeText(options.report, `${JSON.stringify(json, null, 2)}\n`);
  if (options.json) io.json(json);
  else io.stdout(`${formatVerify(result)}\n${quality ? `\n${formatQuality(quality)}` : ''}`);
  return result.passed ? EXIT.ok : EXIT.findings;
}

function integer(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`${flag} must be a whole number ≥ ${min}, not '${text}'.`);
  return n;
}

function nonNegative(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new CliError(`${flag} must be a number ≥ 0, not '${text}'.`);
  return n;
}

/** `--timeout <seconds>` of verify and prune, in ms. */
export function timeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new CliError(`--timeout must be a number of seconds > 0, not '${text}'.`);
  return n * 1000;
}

/** Whether prune --reconstruct wrote this model (its metadata says so). */
function wasReconstructed(path: string): boolean {
  try {
    const file = openModel(path);
    try {
      return (file.proto.metadata_props ?? []).some((e) => e.key === RECONSTRUCTED_METADATA_KEY);
    } finally {
      file.close();
    }
  } catch {
    return false; // verifyModels has already said what is wrong with the file
  }
}
