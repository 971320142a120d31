import { mkdtempSync, rmSync } from 'node:fs';
import { refuseRuntimeHazard } from './runtimeGuard';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputFidelity } from '../core/metrics/fidelity';
import { describeNonFinite, diverges, measured } from '../shared/nonFinite';
import { computeMetrics } from '../core/metrics/metrics';
import type { Criterion } from '../core/prune/importance';
import { PrunableModel, removedChannels } from '../core/prune/prune';
import { timeLeftText } from '../core/quality/timeLeft';
import {
  DEFAULT_MAX_GROUPS,
  type SensitivityCoverage,
  groupsToMeasure,
  maskedWeights,
} from '../core/quality/sensitivityGroups';
import { type CalibrationOptions, type CalibrationSet, calibrationSet } from './calibration';
import { setOwn } from '../core/records';
import type { SessionSettings } from '../protocol/runtime';
import { compareRuns, compareWithReference, runAll } from './fidelity';
import { MaskedVariants } from './maskedVariants';
import { largest } from '../core/lists';
import { writeModel } from '../core/onnx/writer';
import { OrtClient } from './ortClient';
import { OrtRuntimeError } from './ortErrors';

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

/**
 * Graphs of more nodes than this are measured with ONNX Runtime's graph optimisations off: on a 50,001-node
 * graph they make a load take 55 s instead of 13 s and save nothing on the runs (8 variants × 4 samples: 80–122 s
 * optimised, 28–36 s not, the same figures), while a model of a few thousand nodes loads in a fraction of a
 * second either way and runs faster optimised.
 */
const OPTIMISE_UP_TO_NODES = 5000;

export interface SensitivityReport {
  model: string;
  inputs: string;
  source: 'files' | 'random';
  criterion: Criterion;
  seed: number;
  ratios: number[];
  /** ONNX Runtime's graph optimisations, the same for the original and every variant (OPTIMISE_UP_TO_NODES). */
  graphOptimization: 'all' | 'disabled';
  /**
   * How the variants were measured: as masks on one session (the original with the slices that read removed
   * channels zeroed, which the pruned model equals to rounding), or as pruned models written and loaded.
   */
  variants: { masked: number; pruned: number };
  /** The groups measured, of the prunable ones (see groupsToMeasure). */
  coverage: SensitivityCoverage;
  rows: SensitivityRow[];
}

export interface SensitivityOptions extends CalibrationOptions {
  ratios?: number[];
  criterion?: Criterion;
  /** Graphs of more nodes are measured with ONNX Runtime's graph optimisations off (default OPTIMISE_UP_TO_NODES). */
  optimiseUpToNodes?: number;
  /**
   * 'files': measure every variant as a pruned model written and loaded (one ONNX Runtime load each), not as
   * a mask on one session. Slower; for checking the masks, whose figures agree to rounding.
   */
  variants?: 'masks' | 'files';
  /** Measure at most this many groups, those whose layers hold the most MACs (default DEFAULT_MAX_GROUPS). */
  maxGroups?: number;
  /** `left`: how long the rest may take ("about 12 min left"), once a few variants are measured; else ''. */
  onProgress?: (done: number, total: number, what: string, left: string) => void;
  signal?: AbortSignal;
}

/**
 * Per-layer sensitivity: each measured group (every prunable one, up to `maxGroups`) pruned alone at each
 * ratio (the others untouched), each variant compared with the original on the calibration inputs (the
 * original runs once; variants run as masks on one probe session, see maskedVariants.ts, or as pruned models
 * written and loaded), with the MACs and parameters that remain. The model is opened and analysed once for all
 * variants. Deterministic for a fixed seed: seeded random inputs (or
 * the folder's files in name order), seeded selection.
 */
export async function measureSensitivity(
  model: string,
  options: SensitivityOptions = {},
): Promise<SensitivityReport> {
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  const criterion = options.criterion ?? 'l1';
  const seed = options.seed ?? 0;
  const prunable = PrunableModel.open(model);
  try {
    const { analysis, file } = prunable;
    refuseRuntimeHazard(file, model, analysis.state);
    const declared = computeMetrics(analysis.state.graph.model, { facts: analysis.state.facts });
    options.signal?.throwIfAborted();
    const client = options.client ?? new OrtClient({ timeoutMs: options.timeoutMs });
    // A cancel stops the ONNX Runtime child at once (a run of a large variant can take seconds): closing our
    // own client kills it, and the request in flight fails. A client we were given is the caller's to stop.
    const stop = () => void client.close();
    if (!options.client) options.signal?.addEventListener('abort', stop, { once: true });
    const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-sensitivity-'));
    try {
      const limit = options.optimiseUpToNodes ?? OPTIMISE_UP_TO_NODES;
      const graphOptimization = analysis.state.graph.nodes.length > limit ? 'disabled' : 'all';
      const settings: SessionSettings | undefined =
        graphOptimization === 'all' ? undefined : { graphOptimizationLevel: graphOptimization };
      // Variants run as masks on one probe session where their masks allow (all of them, as a rule); the
      // others, and every one with `variants: 'files'`, are written and loaded as pruned models. The probe
      // makes inputs of the weights every prunable group masks, not only the measured ones': a run's figures
      // do not depend on how many groups it measures.
      const everyGroup = analysis.report.groups.filter((g) => g.prunable);
      const masks =
        options.variants === 'files'
          ? undefined
          : await MaskedVariants.open(
              client,
              prunable,
              maskedWeights(analysis, everyGroup),
              dir,
              settings,
            ).catch((error: unknown) => {
              // A probe ONNX Runtime cannot load or run is measured as files instead: the original is then
              // loaded itself, and any error it has names the user's file, not a temporary one.
              if (error instanceof OrtRuntimeError && !options.signal?.aborted) return undefined;
              throw error;
            });
      let set: ReturnType<typeof calibrationSet>;
      let reference: Awaited<ReturnType<typeof runAll>>;
      if (masks) {
        set = calibrationSet(masks.inputs, { ...options, seed });
        reference = [];
        for (const sample of set.samples) reference.push(await masks.run(sample, {}));
      } else {
        // The original is loaded once: for its inputs' shapes, then the reference outputs.
        const loaded = await client.load(model, settings ? { settings } : {});
        try {
          set = calibrationSet(loaded.inputs, { ...options, seed });
          reference = await runAll(client, loaded, set.samples);
        } finally {
          await client.release(loaded);
        }
      }
      // A model whose MACs the declared shapes leave uncounted (symbolic spatial dims) is counted on the shapes
      // the calibration inputs have: the groups with the most MACs, and the MACs left, are those of the runs
      // measured, not shares of nothing.
      const fed = declared.uncounted.length > 0 ? inputShapesOf(set) : undefined;
      const base = fed ? computeMetrics(analysis.state.graph.model, { inputShapes: fed }) : declared;
      const { groups, coverage } = groupsToMeasure(analysis, base, options.maxGroups ?? DEFAULT_MAX_GROUPS);
      const rows: SensitivityRow[] = [];
      const total = groups.length * ratios.length;
      const started = performance.now(); // after the original's runs: the variants alone are alike
      let asFiles = 0;
      try {
        for (const group of groups) {
          for (const ratio of ratios) {
            options.signal?.throwIfAborted();
            const left = timeLeftText(performance.now() - started, rows.length, total);
            options.onProgress?.(rows.length, total, `${group.roots[0]} at ${ratio}`, left);
            const layers = { [group.roots[0]]: { ratio } };
            const { chosen, applied } = prunable.remove({ ratio: 0, criterion, roundTo: 1, seed, layers });
            const after = prunable.totals(applied, fed);
            let outputs: OutputFidelity[];
            if (masks?.covers(applied.mask)) {
              const masked = masks.masked(applied.mask);
              outputs = await compareRuns(set.samples, reference, (sample) => masks.run(sample, masked));
            } else {
              asFiles++;
              const path = join(dir, `${rows.length}.onnx`);
              writeModel(prunable.file, applied.proto, path, { signal: options.signal });
              outputs = await compareWithReference(client, path, set.samples, reference, settings);
              rmSync(path, { force: true });
            }
            rows.push({
              group: group.id,
              roots: group.roots,
              channels: group.channels,
              ratio,
              removedChannels: removedChannels(chosen.groups),
              macs: base.macs > 0 ? after.macs / base.macs : 1,
              parameters: base.parameters > 0 ? after.parameters / base.parameters : 1,
              outputs,
            });
          }
        }
      } finally {
        await masks?.close();
      }
      options.onProgress?.(total, total, 'done', '');
      return {
        model,
        inputs: set.description,
        source: set.source,
        criterion,
        seed,
        ratios,
        graphOptimization,
        variants: { masked: rows.length - asFiles, pruned: asFiles },
        coverage,
        rows,
      };
    } catch (error) {
      // What a cancel interrupted (a closed client, a half-written variant) is the cancel, not a failure.
      options.signal?.throwIfAborted();
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      if (!options.client) await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    prunable.close();
  }
}

/** The text table: one line per group and ratio, with the fidelity figure the output's kind has. */
export function formatSensitivity(report: SensitivityReport): string {
  const lines = [
    `Sensitivity of ${report.model} (criterion ${report.criterion}, seed ${report.seed})`,
    `  inputs: ${report.inputs}`,
    `  groups: ${describeCoverage(report.coverage)}`,
    ...(report.graphOptimization === 'disabled'
      ? [
          `  ONNX Runtime graph optimisations off, for the original and every variant (a graph this large loads far faster without them)`,
        ]
      : []),
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
  const widths = header.map((h, i) =>
    largest(
      rows.map((r) => r[i].length),
      h.length,
    ),
  );
  for (const r of [header, ...rows])
    lines.push(`  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}`);
  return `${lines.join('\n')}\n`;
}

/** Which groups a run measured, in one line: "all 32 prunable" or "the 128 of 9,884 …". */
function describeCoverage(coverage: SensitivityCoverage): string {
  const { measured, prunable, macsShare } = coverage;
  if (measured === prunable) return `all ${prunable} prunable`;
  const share =
    macsShare === null
      ? ''
      : `, whose layers hold ${(macsShare * 100).toFixed(1)} % of the prunable layers' MACs`;
  return `the ${measured} of ${prunable} prunable with the most MACs${share}; the others are left alone`;
}

function figure(o: OutputFidelity): string {
  if (diverges(o)) return `${o.name}: ${describeNonFinite(o)}`;
  if (!measured(o)) return `${o.name}: not measured (${describeNonFinite(o)})`;
  if (o.psnr !== undefined)
    return `${o.name}: PSNR ${Number.isFinite(o.psnr) ? `${o.psnr.toFixed(2)} dB` : '∞'}`;
  if (o.top1 !== undefined)
    return `${o.name}: top-1 ${(o.top1 * 100).toFixed(1)} %, cosine ${o.cosine.toFixed(4)}`;
  return `${o.name}: cosine ${o.cosine.toFixed(6)}`;
}

/** The shapes of the first calibration input, by input name: what every sample of a set has. */
function inputShapesOf(set: CalibrationSet): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(set.samples[0]?.feeds ?? {})) setOwn(shapes, name, tensor.dims);
  return shapes;
}
