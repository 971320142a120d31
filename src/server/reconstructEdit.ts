// A prune edit of the model editor with "Reconstruct" ticked: the plain prune (on the prune worker) goes to a
// file beside the state, then the layers that read removed channels are refitted by least squares on the
// calibration inputs (ONNX Runtime in a child of the server), as `prune --reconstruct` does, into the state.
import { rmSync } from 'node:fs';
import type { PruneProgress } from '../core/prune/prune';
import { calibrationSet, splitCalibration } from '../runtime/calibration';
import { OrtClient } from '../runtime/ortClient';
import { reconstructModel } from '../runtime/reconstruct';
import { pruneInWorker } from './pruneInWorker';

export async function pruneAndReconstruct(
  job: { input: string; output: string; planPath: string; planText: string; calibDir?: string },
  signal?: AbortSignal,
  onProgress?: PruneProgress,
): Promise<void> {
  const plain = `${job.output}.plain.onnx`;
  const client = new OrtClient();
  const stop = () => void client.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const outcome = await pruneInWorker({ ...job, output: plain }, signal, onProgress);
    const loaded = await client.load(job.input);
    const set = calibrationSet(loaded.inputs, { calibDir: job.calibDir, seed: 0 });
    await client.release(loaded);
    // Fitted on the calibration split only, as the CLI does: the held-out inputs show over-fitting.
    const { fit } = splitCalibration(set.samples);
    await reconstructModel(client, job.input, plain, job.output, outcome.slices, fit, { seed: 0 });
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
    await client.close();
    rmSync(plain, { force: true });
  }
}
