import { fileURLToPath } from 'node:url';
import { OnnxError } from '../core/onnx/errors';
import type { VerifyParams, VerifyPlanResult } from '../protocol/server';
import { formatVerify } from '../runtime/verify/formatVerify';
import { VerifyInputError } from '../runtime/verify/types';
import { verifyModels } from '../runtime/verify/verifyModels';

/** Answers onnxPruner/verify with the same check and text as `onnx-pruner verify`. */
export async function verifyFor(params: VerifyParams): Promise<VerifyPlanResult> {
  const original = fileURLToPath(params.originalUri);
  const pruned = fileURLToPath(params.prunedUri);
  try {
    const result = await verifyModels(original, pruned, { runs: 10 });
    return { ok: true, passed: result.passed, text: formatVerify(result) };
  } catch (error) {
    if (error instanceof OnnxError || error instanceof VerifyInputError)
      return { ok: false, message: error.message };
    return { ok: false, message: `cannot verify ${pruned} against ${original}: ${(error as Error).message}` };
  }
}
