import { FidelityAccumulator, type OutputFidelity } from '../core/metrics/fidelity';
import { refuseRuntimeHazardAt } from './runtimeGuard';
import type { TensorPayload } from '../protocol/runtime';
import type { CalibrationSample } from './calibration';
import { numbers } from './compareOutputs';
import type { OrtClient } from './ortClient';

/** A model compared with the original: what the report calls it, and its file. */
export interface FidelityCandidate {
  label: string;
  path: string;
}

/** One candidate's fidelity to the original on one split of the calibration inputs. */
export interface FidelityMeasure {
  label: string;
  /** The split's name ('calibration', 'held-out'…). */
  split: string;
  /** The inputs (file names) of the split. */
  samples: string[];
  outputs: OutputFidelity[];
}

/**
 * Runs the original and every candidate on each split's inputs in ONNX Runtime (the client's child process)
 * and compares every output of each candidate with the original's (src/core/metrics/fidelity.ts).
 */
export async function measureFidelity(
  client: OrtClient,
  original: string,
  candidates: readonly FidelityCandidate[],
  splits: readonly { name: string; samples: readonly CalibrationSample[] }[],
): Promise<FidelityMeasure[]> {
  const measures: FidelityMeasure[] = [];
  for (const split of splits) {
    const reference = await referenceOutputs(client, original, split.samples);
    for (const c of candidates) {
      measures.push({
        label: c.label,
        split: split.name,
        samples: split.samples.map((s) => s.name),
        outputs: await compareWithReference(client, c.path, split.samples, reference),
      });
    }
  }
  return measures;
}

/** The original's float outputs on each input (kept to compare several models with one original run). */
export async function referenceOutputs(
  client: OrtClient,
  original: string,
  samples: readonly CalibrationSample[],
): Promise<Record<string, TensorPayload>[]> {
  refuseRuntimeHazardAt(original);
  const model = await client.load(original);
  try {
    const outputs: Record<string, TensorPayload>[] = [];
    for (const sample of samples) outputs.push(await client.run(model, sample.feeds));
    return outputs;
  } finally {
    await client.release(model);
  }
}

/** One model's fidelity to the reference outputs, on the same inputs. */
export async function compareWithReference(
  client: OrtClient,
  path: string,
  samples: readonly CalibrationSample[],
  reference: readonly Record<string, TensorPayload>[],
): Promise<OutputFidelity[]> {
  const model = await client.load(path);
  const accumulators = new Map<string, FidelityAccumulator>();
  // The next input is sent before this one's outputs are compared, so ONNX Runtime's child computes while
  // this process works out the metrics (SSIM is the slow part of a small model's fidelity).
  let next: Promise<Record<string, TensorPayload>> | undefined;
  try {
    next = samples.length > 0 ? client.run(model, samples[0].feeds) : undefined;
    for (let s = 0; s < samples.length; s++) {
      const actual = await next!;
      next = s + 1 < samples.length ? client.run(model, samples[s + 1].feeds) : undefined;
      for (const [name, tensor] of Object.entries(reference[s])) {
        const got = actual[name];
        if (!got || !isFloat(tensor) || !isFloat(got)) continue;
        let acc = accumulators.get(name);
        if (!acc) accumulators.set(name, (acc = new FidelityAccumulator(name)));
        acc.add({ dims: tensor.dims, data: numbers(tensor) }, { dims: got.dims, data: numbers(got) });
      }
    }
  } finally {
    // A run sent ahead of a failure is not waited for; its error is the one already thrown.
    next?.catch(() => undefined);
    await client.release(model);
  }
  return [...accumulators.values()].map((a) => a.result());
}

function isFloat(t: TensorPayload): boolean {
  return t.type === 'float32' || t.type === 'float64' || t.type === 'float16';
}

/** The report's lines: one per candidate, split and output, with the metrics its kind has. */
export function formatFidelity(measures: readonly FidelityMeasure[]): string {
  const lines: string[] = [];
  for (const m of measures) {
    for (const o of m.outputs) {
      const parts: string[] = [];
      if (o.psnr !== undefined) parts.push(`PSNR ${formatDb(o.psnr)}`, `SSIM ${o.ssim!.toFixed(4)}`);
      if (o.top1 !== undefined)
        parts.push(`top-1 ${percent(o.top1)}`, `top-5 ${percent(o.top5!)}`, `KL ${o.kl!.toExponential(2)}`);
      parts.push(
        `max rel. error ${o.maxRelativeError.toExponential(2)}`,
        `mean rel. error ${o.meanRelativeError.toExponential(2)}`,
        `cosine ${o.cosine.toFixed(6)}`,
      );
      lines.push(`  ${m.label}, ${m.split} (${m.samples.length}): ${o.name}: ${parts.join(', ')}`);
    }
  }
  return lines.join('\n');
}

export function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(2)} dB` : '∞ dB (identical)';
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
