import { mkdtempSync, rmSync } from 'node:fs';
import { refuseRuntimeHazard } from './runtimeGuard';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeModel } from '../core/analyze/analyze';
import type { OutputFidelity } from '../core/metrics/fidelity';
import { computeMetrics } from '../core/metrics/metrics';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import type { Criterion } from '../core/prune/importance';
import { pruneFile } from '../core/prune/prune';
import { type CalibrationOptions, calibrationSet } from './calibration';
import { compareWithReference, referenceOutputs } from './fidelity';
import { OrtClient } from './ortClient';

export const DEFAULT_RATIOS = [0.1, 0.3, 0.5, 0.7];

/** One group pruned alone at one ratio. */
export interface SensitivityRow {
  group: string;
  roots: string[];
  channels: number;
  ratio: number;
  removedChannels: number;
  /** Share of the original's MACs and parameters that remain. */
  macs: number;
  parameters: number;
  outputs: OutputFidelity[];
}

export interface SensitivityReport {
  model: string;
  inputs: string;
  source: 'files' | 'random';
  criterion: Criterion;
  seed: number;
  ratios: number[];
  rows: SensitivityRow[];
}

export interface SensitivityOptions extends CalibrationOptions {
  ratios?: number[];
  criterion?: Criterion;
  onProgress?: (done: number, total: number, what: string) => void;
  signal?: AbortSignal;
}

/**
 * Per-layer sensitivity: every prunable group pruned alone at each ratio (the others untouched), each variant
 * compared with the original on the calibration inputs (the original runs once; each variant is one ONNX
 * Runtime session), with the MACs and parameters that remain. Deterministic for a fixed seed: seeded random
 * inputs (or the folder's files in name order), seeded selection.
 */
export async function measureSensitivity(
  model: string,
  options: SensitivityOptions = {},
): Promise<SensitivityReport> {
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  const criterion = options.criterion ?? 'l1';
  const seed = options.seed ?? 0;
  const file = openModel(model);
  let groups;
  let before;
  try {
    const analysis = analyzeModel(new ModelView(file));
    refuseRuntimeHazard(file, model, analysis.state);
    groups = analysis.report.groups.filter((g) => g.prunable);
    before = computeMetrics(analysis.state.graph.model, { facts: analysis.state.facts });
  } finally {
    file.close();
  }
  options.signal?.throwIfAborted();
  const client = options.client ?? new OrtClient({ timeoutMs: options.timeoutMs });
  // A cancel stops the ONNX Runtime child at once (a run of a large variant can take seconds): closing our own
  // client kills it, and the request in flight fails. A client we were given is the caller's to stop.
  const stop = () => void client.close();
  if (!options.client) options.signal?.addEventListener('abort', stop, { once: true });
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-sensitivity-'));
  try {
    const loaded = await client.load(model);
    const set = calibrationSet(loaded.inputs, { ...options, seed });
    await client.release(loaded);
    const reference = await referenceOutputs(client, model, set.samples);
    const rows: SensitivityRow[] = [];
    const total = groups.length * ratios.length;
    for (const group of groups) {
      for (const ratio of ratios) {
        options.signal?.throwIfAborted();
        options.onProgress?.(rows.length, total, `${group.roots[0]} at ${ratio}`);
        const path = join(dir, `${rows.length}.onnx`);
        const outcome = pruneFile(
          model,
          path,
          {
            ratio: 0,
            criterion,
            roundTo: 1,
            seed,
            layers: { [group.roots[0]]: { ratio } },
          },
          { signal: options.signal },
        );
        const removed = outcome.removedChannels;
        rows.push({
          group: group.id,
          roots: group.roots,
          channels: group.channels,
          ratio,
          removedChannels: removed,
          macs: before.macs > 0 ? outcome.metrics.after.macs / before.macs : 1,
          parameters: before.parameters > 0 ? outcome.metrics.after.parameters / before.parameters : 1,
          outputs: await compareWithReference(client, path, set.samples, reference),
        });
        rmSync(path, { force: true });
      }
    }
    options.onProgress?.(total, total, 'done');
    return { model, inputs: set.description, source: set.source, criterion, seed, ratios, rows };
  } catch (error) {
    // What a cancel interrupted (a closed client, a half-written variant) is the cancel, not a failure.
    options.signal?.throwIfAborted();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    if (!options.client) await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text table: one line per group and ratio, with the fidelity figure the output's kind has. */
export function formatSensitivity(report: SensitivityReport): string {
  const lines = [
    `Sensitivity of ${report.model} (criterion ${report.criterion}, seed ${report.seed})`,
    `  inputs: ${report.inputs}`,
    '',
  ];
  const header = ['group', 'root', 'ratio', 'removed', 'MACs left', 'fidelity'];
  const rows = report.rows.map((r) => [
    r.group,
    r.roots.length > 1 ? `${r.roots[0]} (+${r.roots.length - 1})` : r.roots[0],
    r.ratio.toFixed(2),
    `${r.removedChannels} of ${r.channels}`,
    `${(r.macs * 100).toFixed(1)} %`,
    r.outputs.map(figure).join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows])
    lines.push(`  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}`);
  return `${lines.join('\n')}\n`;
}

function figure(o: OutputFidelity): string {
  if (o.psnr !== undefined)
    return `${o.name}: PSNR ${Number.isFinite(o.psnr) ? `${o.psnr.toFixed(2)} dB` : '∞'}`;
  if (o.top1 !== undefined)
    return `${o.name}: top-1 ${(o.top1 * 100).toFixed(1)} %, cosine ${o.cosine.toFixed(4)}`;
  return `${o.name}: cosine ${o.cosine.toFixed(6)}`;
}
