import { formatVerify, sentence } from '../../runtime/verify/formatVerify';
import { OriginalDoesNotRunError, VerifyInputError, type VerifyResult } from '../../runtime/verify/types';
import { verifyModels } from '../../runtime/verify/verifyModels';
import { CliError, EXIT } from '../exit';
import type { CliIO } from '../program';
import { ProgressLine } from '../progress';
import { writeText } from '../writeText';

export interface VerifyCommandOptions {
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
  const line = new ProgressLine(io.progress);
  try {
    result = await verifyModels(original, pruned, {
      onStep: (step) => line.update(step, `verify: ${step}…`),
      runs: integer(options.runs, '--runs', 0),
      warmup: integer(options.warmup, '--warmup', 0),
      atol: nonNegative(options.atol, '--atol'),
      rtol: nonNegative(options.rtol, '--rtol'),
      seed: integer(options.seed, '--seed', 0),
      timeoutMs: timeoutMs(options.timeout),
    });
  } catch (error) {
    if (error instanceof OriginalDoesNotRunError)
      throw new CliError(`${error.message}, so ${pruned} cannot be verified against it.`);
    if (error instanceof VerifyInputError) throw new CliError(sentence(error.message));
    throw error;
  } finally {
    line.clear();
  }
  if (options.report !== undefined) writeText(options.report, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json) io.json(result);
  else io.stdout(`${formatVerify(result)}\n`);
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
