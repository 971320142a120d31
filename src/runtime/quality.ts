import type { RemovedSlice } from '../core/prune/apply';
import { refuseRuntimeHazardAt } from './runtimeGuard';
import { pushAll } from '../core/lists';
import { escapeMarkdown, markdownCode } from '../core/text';
import {
  type CalibrationOptions,
  type CalibrationSample,
  calibrationSet,
  splitCalibration,
} from './calibration';
import { type FidelityMeasure, formatDb, formatFidelity, measureFidelity } from './fidelity';
import { describeNonFinite, measured } from '../shared/nonFinite';
import { type LoadedModel, OrtClient } from './ortClient';
import { type ReconstructOutcome, reconstructModel } from './reconstruct';

/** What `prune --verify` / `--reconstruct` say about quality: fidelity to the original, and the refit. */
export interface QualityReport {
  /** How the calibration inputs were made (pictures and their conversion, tensor files, or random). */
  inputs: string;
  source: 'files' | 'random';
  /** The splits the figures are measured on, with their inputs. */
  splits: { name: string; samples: string[] }[];
  fidelity: FidelityMeasure[];
  /** With --reconstruct: what was refitted, on the calibration split only. */
  reconstruction: (ReconstructOutcome & { note: string }) | null;
}

export interface QualityOptions extends CalibrationOptions {
  /** Inputs held out of the fit (the last ones by name); default a third of them (one of two, none of one). */
  holdout?: number;
  /** Refit the consumers of removed channels into `reconstructed` from the plain prune. */
  reconstruct?: { plain: string; slices: readonly RemovedSlice[]; positions?: number };
  /**
   * Both models already loaded in `client` by the caller, who keeps them (verifyModels' `whileLoaded`):
   * nothing is loaded or released here. Not with `reconstruct`, whose models are others.
   */
  loaded?: { original: LoadedModel; pruned: LoadedModel };
  onStep?: (text: string) => void;
}

/**
 * Measures how close `pruned` (the plain prune, or the reconstructed model written there from
 * `reconstruct.plain`) is to `original` on calibration inputs, split into the inputs a reconstruction is
 * fitted on and held-out ones (the last by name), so over-fitting shows.
 */
export async function assessQuality(
  original: string,
  pruned: string,
  options: QualityOptions,
): Promise<QualityReport> {
  if (options.loaded && (options.reconstruct || !options.client))
    throw new Error('internal: models given loaded need their client, and no reconstruction');
  refuseRuntimeHazardAt(original);
  const client = options.client ?? new OrtClient();
  // The original stays loaded for the fidelity runs: loading it again costs as much as the runs themselves
  // on a large model.
  let kept: LoadedModel | undefined;
  try {
    kept = options.loaded?.original ?? (await client.load(original));
    const set = calibrationSet(kept.inputs, options);
    if (options.reconstruct) {
      // A reconstruction loads models of its own: the original is not held through it.
      await client.release(kept);
      kept = undefined;
    }
    const { fit, held } = splitCalibration(set.samples, options.holdout);
    const splits: { name: string; samples: CalibrationSample[] }[] = [{ name: 'calibration', samples: fit }];
    if (held.length > 0) splits.push({ name: 'held-out', samples: held });
    let reconstruction: QualityReport['reconstruction'] = null;
    const candidates = [
      options.reconstruct
        ? { label: 'plain prune', path: options.reconstruct.plain }
        : { label: 'pruned', path: pruned, loaded: options.loaded?.pruned },
    ];
    if (options.reconstruct) {
      options.onStep?.('reconstruct');
      const outcome = await reconstructModel(
        client,
        original,
        options.reconstruct.plain,
        pruned,
        options.reconstruct.slices,
        fit,
        {
          positions: options.reconstruct.positions,
          seed: options.seed,
          onLayer: (i, n, node) => options.onStep?.(`reconstruct: layer ${i + 1} of ${n} (${node})`),
        },
      );
      reconstruction = {
        ...outcome,
        note:
          'The reconstructed model no longer equals the masked original (its weights are refitted): the ' +
          'verification of the surgery is done on the plain prune.',
      };
      candidates.push({ label: 'reconstructed', path: pruned });
    }
    options.onStep?.('fidelity');
    const fidelity = await measureFidelity(client, kept ?? original, candidates, splits);
    return {
      inputs: set.description,
      source: set.source,
      splits: splits.map((s) => ({ name: s.name, samples: s.samples.map((x) => x.name) })),
      fidelity,
      reconstruction,
    };
  } finally {
    // After a failure, releasing may fail too (the worker gone): the first error is the one to report.
    if (kept && kept !== options.loaded?.original) await client.release(kept).catch(() => undefined);
    if (!options.client) await client.close();
  }
}

/** The CLI's section. */
export function formatQuality(q: QualityReport): string {
  const lines = ['Fidelity to the original (ONNX Runtime):', `  inputs: ${q.inputs}`];
  for (const s of q.splits) lines.push(`  ${s.name} split: ${s.samples.join(', ')}`);
  if (q.reconstruction && q.splits.length === 1)
    lines.push('  no held-out split (one input): the figures are measured on the fitted data');
  lines.push(formatFidelity(q.fidelity));
  if (q.reconstruction) {
    const r = q.reconstruction;
    lines.push(
      `Reconstruction: ${r.layers.filter((l) => !l.keptPlain).length} of ${r.layers.length} layer${r.layers.length === 1 ? '' : 's'} refitted by ridge least squares on the calibration split (${r.positions} sampled positions per input).`,
    );
    for (const l of r.layers)
      lines.push(
        `  ${l.node} (${l.opType}): ${l.features} features → ${l.outputs} outputs, ${l.rows} rows, λ ${l.relativeLambda.toExponential(0)}×mean diag, residual ${percent(l.trainingError)} (cross-validated ${Number.isNaN(l.validationError) ? '—' : percent(l.validationError)}; plain prune ${percent(l.plainError)})${l.keptPlain ? ': kept as pruned, it fits better' : ''}`,
      );
    for (const s of r.skipped) lines.push(`  ${s.node}: not refitted: ${s.reason}`);
    lines.push(`  ${r.note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The Markdown report's section. */
export function qualityMarkdown(q: QualityReport): string {
  // Input descriptions, file and output names are the user's or the model's: text and code spans, never markup.
  const lines = ['', '## Fidelity to the original', '', `Inputs: ${escapeMarkdown(q.inputs)}.`, ''];
  for (const s of q.splits)
    lines.push(`- ${s.name} split: ${s.samples.map((n) => markdownCode(n)).join(', ')}`);
  lines.push(
    '',
    '| model | split | output | PSNR | SSIM | top-1 | top-5 | max rel. error | cosine |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  );
  const notes: string[] = [];
  for (const m of q.fidelity)
    for (const o of m.outputs) {
      const nonFinite = describeNonFinite(o);
      if (nonFinite) notes.push(`- ${m.label}, ${m.split}, ${markdownCode(o.name)}: ${nonFinite}.`);
      lines.push(
        measured(o)
          ? `| ${m.label} | ${m.split} | ${markdownCode(o.name, true)} | ${o.psnr === undefined ? '' : formatDb(o.psnr)} | ${o.ssim?.toFixed(4) ?? ''} | ${o.top1 === undefined ? '' : percent(o.top1)} | ${o.top5 === undefined ? '' : percent(o.top5)} | ${o.maxRelativeError.toExponential(2)} | ${o.cosine.toFixed(6)} |`
          : `| ${m.label} | ${m.split} | ${markdownCode(o.name, true)} | not measured | | | | | |`,
      );
    }
  if (notes.length > 0) {
    lines.push('', 'NaN or infinite elements, left out of the figures:', '');
    pushAll(lines, notes);
  }
  if (q.reconstruction) lines.push('', q.reconstruction.note);
  return `${lines.join('\n')}\n`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 4 : 1)} %`;
}
