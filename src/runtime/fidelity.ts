import { FidelityAccumulator, type OutputFidelity } from '../core/metrics/fidelity';
import { describeNonFinite, measured } from '../shared/nonFinite';
import { refuseRuntimeHazardAt } from './runtimeGuard';
import type { SessionSettings, TensorPayload } from '../protocol/runtime';
import type { CalibrationSample } from './calibration';
import { numbers } from './compareOutputs';
import type { LoadedModel, OrtClient } from './ortClient';
import { ownValue } from '../core/records';

/** A model compared with the original: what the report calls it, and its file. */
export interface FidelityCandidate {
  label: string;
  path: string;
  /** The model already loaded by the caller, who keeps it (it is not released here). */
  loaded?: LoadedModel;
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
 * and compares every output of each candidate with the original's (src/core/metrics/fidelity.ts). The
 * original is loaded once (or given loaded) and stays loaded while each candidate, loaded once (or given
 * loaded), runs every split: loading a large model again for each split was most of a verified prune's
 * fidelity time. The original's outputs are worked out again for each candidate, one split at a time, rather
 * than kept for all of them (a run costs far less than a load, and outputs can be large images).
 */
export async function measureFidelity(
  client: OrtClient,
  original: string | LoadedModel,
  candidates: readonly FidelityCandidate[],
  splits: readonly { name: string; samples: readonly CalibrationSample[] }[],
): Promise<FidelityMeasure[]> {
  if (typeof original === 'string') refuseRuntimeHazardAt(original);
  const reference = typeof original === 'string' ? await client.load(original) : original;
  const bySplit = splits.map((): FidelityMeasure[] => []);
  try {
    for (const c of candidates) {
      const model = c.loaded ?? (await client.load(c.path));
      try {
        for (const [i, split] of splits.entries()) {
          bySplit[i].push({
            label: c.label,
            split: split.name,
            samples: split.samples.map((s) => s.name),
            outputs: await compareLoaded(
              client,
              model,
              split.samples,
              await runAll(client, reference, split.samples),
            ),
          });
        }
      } finally {
        if (model !== c.loaded) await client.release(model);
      }
    }
  } finally {
    if (reference !== original) await client.release(reference);
  }
  return bySplit.flat();
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
    return await runAll(client, model, samples);
  } finally {
    await client.release(model);
  }
}

/** A loaded model's outputs for every sample, in order. */
export async function runAll(
  client: OrtClient,
  model: LoadedModel,
  samples: readonly CalibrationSample[],
): Promise<Record<string, TensorPayload>[]> {
  const outputs: Record<string, TensorPayload>[] = [];
  for (const sample of samples) outputs.push(await client.run(model, sample.feeds));
  return outputs;
}

/** One model's fidelity to the reference outputs, on the same inputs. */
export async function compareWithReference(
  client: OrtClient,
  path: string,
  samples: readonly CalibrationSample[],
  reference: readonly Record<string, TensorPayload>[],
  settings?: SessionSettings,
): Promise<OutputFidelity[]> {
  const model = await client.load(path, settings ? { settings } : {});
  try {
    return await compareLoaded(client, model, samples, reference);
  } finally {
    await client.release(model);
  }
}

function compareLoaded(
  client: OrtClient,
  model: LoadedModel,
  samples: readonly CalibrationSample[],
  reference: readonly Record<string, TensorPayload>[],
): Promise<OutputFidelity[]> {
  return compareRuns(samples, reference, (sample) => client.run(model, sample.feeds));
}

/** The fidelity of the outputs `run` gives for each sample to the reference outputs of the same samples. */
export async function compareRuns(
  samples: readonly CalibrationSample[],
  reference: readonly Record<string, TensorPayload>[],
  run: (sample: CalibrationSample) => Promise<Record<string, TensorPayload>>,
): Promise<OutputFidelity[]> {
  const accumulators = new Map<string, FidelityAccumulator>();
  // The next input is sent before this one's outputs are compared, so ONNX Runtime's child computes while
  // this process works out the metrics (SSIM is the slow part of a small model's fidelity).
  let next: Promise<Record<string, TensorPayload>> | undefined;
  try {
    next = samples.length > 0 ? run(samples[0]) : undefined;
    for (let s = 0; s < samples.length; s++) {
      const actual = await next!;
      next = s + 1 < samples.length ? run(samples[s + 1]) : undefined;
      for (const [name, tensor] of Object.entries(reference[s])) {
        const got = ownValue(actual, name);
        if (!got || !isFloat(tensor) || !isFloat(got)) continue;
        let acc = accumulators.get(name);
        if (!acc) accumulators.set(name, (acc = new FidelityAccumulator(name)));
        acc.add({ dims: tensor.dims, data: numbers(tensor) }, { dims: got.dims, data: numbers(got) });
      }
    }
  } finally {
    // A run sent ahead of a failure is not waited for; its error is the one already thrown.
    next?.catch(() => undefined);
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
      if (!measured(o)) parts.push('not measured');
      else {
        if (o.psnr !== undefined) parts.push(`PSNR ${formatDb(o.psnr)}`);
        if (o.ssim !== undefined) parts.push(`SSIM ${o.ssim.toFixed(4)}`);
        if (o.top1 !== undefined)
          parts.push(`top-1 ${percent(o.top1)}`, `top-5 ${percent(o.top5!)}`, `KL ${o.kl!.toExponential(2)}`);
        parts.push(
          `max rel. error ${o.maxRelativeError.toExponential(2)}`,
          `mean rel. error ${o.meanRelativeError.toExponential(2)}`,
          `cosine ${o.cosine.toFixed(6)}`,
        );
      }
      const nonFinite = describeNonFinite(o);
      if (nonFinite) parts.push(`${nonFinite}${measured(o) ? ', left out of these figures' : ''}`);
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
