import { fileURLToPath } from 'node:url';
import { OnnxError } from '../core/onnx/errors';
import type { VerifyParams, VerifyPlanResult } from '../protocol/server';
import { formatVerify, refusalSentence, sentence } from '../runtime/verify/formatVerify';
import { VerifyInputError, type VerifyResult } from '../runtime/verify/types';
import { verifyModels } from '../runtime/verify/verifyModels';
import { ORT_TIMEOUT_SECONDS } from '../protocol/runtime';
import type { PairedTiming } from '../shared/latency';
import { INPUT_DIMS_SETTING, inputDimsForModel } from './inputDimsSetting';

/** Answers onnxPruner/verify with the same check and text as `onnx-pruner verify`. */
export async function verifyFor(params: VerifyParams): Promise<VerifyPlanResult> {
  const original = fileURLToPath(params.originalUri);
  const pruned = fileURLToPath(params.prunedUri);
  try {
    const result = await verifyModels(original, pruned, {
      runs: 20,
      timeoutMs: verifyTimeoutMs(params.timeoutSeconds),
      dims: inputDimsForModel(params.inputDims, original),
    });
    return { ok: true, passed: result.passed, text: formatVerify(result, INPUT_DIMS_SETTING) };
  } catch (error) {
    if (error instanceof VerifyInputError)
      return { ok: false, message: refusalSentence(error, TIMEOUT_SETTING) };
    if (error instanceof OnnxError) return { ok: false, message: sentence(error.message) };
    return { ok: false, message: `cannot verify ${pruned} against ${original}: ${(error as Error).message}` };
  }
}

/** What gives ONNX Runtime's steps longer in the editor (said when one timed out). */
export const TIMEOUT_SETTING = 'the setting onnxPruner.verify.timeoutSeconds';

/**
 * The editor's time limit of an ONNX Runtime step, in ms: the setting onnxPruner.verify.timeoutSeconds as the
 * client sent it, ORT_TIMEOUT_SECONDS when absent or not a positive number, at most MAX_TIMEOUT_SECONDS.
 */
export function verifyTimeoutMs(seconds: number | undefined): number {
  const valid = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0;
  return Math.min(valid ? seconds : ORT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS) * 1000;
}

/** The largest time limit the setting may ask for (one hour, the setting's maximum). */
const MAX_TIMEOUT_SECONDS = 3600;

/** A verification's paired timing as the editor states it (compare view, notifications). */
export function pairedTimingOf(result: VerifyResult): PairedTiming | undefined {
  const t = result.timing;
  if (!t) return undefined;
  return {
    runs: t.runs,
    warmup: t.warmup,
    threads: t.threads,
    ratio: t.ratio,
    ...(result.original.latencyMs && result.pruned.latencyMs
      ? { beforeMs: result.original.latencyMs.median, afterMs: result.pruned.latencyMs.median }
      : {}),
  };
}
