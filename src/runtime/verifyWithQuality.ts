import { OrtClient } from './ortClient';
import { type QualityOptions, type QualityReport, assessQuality } from './quality';
import type { VerifyResult } from './verify/types';
import { type VerifyOptions, verifyModels } from './verify/verifyModels';

/**
 * Verification (`verifyModels`) and fidelity (`assessQuality`, without reconstruction) of one pruned model, in
 * one ONNX Runtime worker: the fidelity runs happen while the verification holds both models loaded, so the
 * original, often the largest file the user has, is loaded once rather than twice (on VGG-16 a load takes
 * seconds; its fidelity runs, a fraction of one). When the verification cannot run the pruned model,
 * fidelity loads the models itself, as it would alone.
 *
 * A verification that fails throws, as verifyModels does, unless fidelity failed first: then fidelity's error
 * is thrown (a worker it crashed is what the verification would report). Otherwise a fidelity failure is
 * returned beside the verification's result, which the user still wants to see.
 */
export async function verifyWithQuality(
  original: string,
  pruned: string,
  verify: Omit<VerifyOptions, 'client' | 'whileLoaded' | 'workerPath'>,
  quality: Omit<QualityOptions, 'client' | 'loaded' | 'reconstruct'>,
): Promise<{ verified: VerifyResult; quality: { report: QualityReport } | { error: unknown } }> {
  const client = new OrtClient({ timeoutMs: verify.timeoutMs ?? quality.timeoutMs });
  let report: QualityReport | undefined;
  let failure: { error: unknown } | undefined;
  try {
    let verified: VerifyResult;
    try {
      verified = await verifyModels(original, pruned, {
        ...verify,
        client,
        whileLoaded: async (loadedOriginal, loadedPruned) => {
          try {
            report = await assessQuality(original, pruned, {
              ...quality,
              client,
              loaded: { original: loadedOriginal, pruned: loadedPruned },
            });
          } catch (error) {
            failure = { error };
          }
        },
      });
    } catch (error) {
      throw failure ? failure.error : error;
    }
    if (failure) return { verified, quality: failure };
    if (report) return { verified, quality: { report } };
    try {
      return { verified, quality: { report: await assessQuality(original, pruned, { ...quality, client }) } };
    } catch (error) {
      return { verified, quality: { error } };
    }
  } finally {
    await client.close();
  }
}
