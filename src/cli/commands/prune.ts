import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Analysis, analyzeModel } from '../../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../../core/onnx/errors';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { describeFsError } from '../../core/onnx/fileSource';
import { CRITERIA, type Criterion } from '../../core/prune/importance';
import { measureActivations } from '../../runtime/calibration';
import { measureGreedyScores } from '../../runtime/greedyScores';
import { pruneFile, type PruneOutcome } from '../../core/prune/prune';
import type { LayerAmount, PruneSettings } from '../../core/prune/select';
import { makePlan, parsePlan, planDiagnostics, resolvePlanModel, settingsOfPlan } from '../../core/plan';
import { formatVerify } from '../../runtime/verify/formatVerify';
import { verifyModels } from '../../runtime/verify/verifyModels';
import { CliError, EXIT } from '../exit';
import type { CliIO } from '../program';
import { ProgressLine, pruneProgressText } from '../progress';
import { planModelNote } from './planNote';
import { pruneReportJson, pruneReportMarkdown } from '../../runtime/pruneReport';
import { type QualityReport, assessQuality, formatQuality, qualityMarkdown } from '../../runtime/quality';
import { type CalibCliOptions, imageFeedOptions } from './calibOptions';
import { settingsFromSensitivity } from './planFromSensitivity';

export interface PruneCliOptions extends CalibCliOptions {
  output: string;
  /** Refit the consumers of removed channels by least squares on the calibration inputs. */
  reconstruct?: boolean;
  /** Calibration inputs held out of the fit (the last by name). */
  holdout?: string;
  verify?: boolean;
  report?: string;
  reportMd?: string;
  ratio?: string;
  plan?: string;
  criterion?: string;
  roundTo?: string;
  seed?: string;
  exclude?: string;
  global?: boolean;
  targetMacs?: string;
  reduce?: string;
}

/** Settings from the command line, or from a plan file (its layers, with command-line flags on top). */
export function pruneSettings(options: Omit<PruneCliOptions, 'output'>): PruneSettings {
  const sources = [options.ratio, options.plan, options.targetMacs].filter((v) => v !== undefined).length;
  if (sources > 1) throw new CliError('give one of --ratio, --target-macs or --plan.');
  if (sources === 0) throw new CliError('give --ratio R, --target-macs F or --plan PLAN.');
  const settings: PruneSettings = { ratio: 0, criterion: 'l1', roundTo: 1, seed: 0, layers: {} };
  if (options.plan !== undefined) Object.assign(settings, settingsFromPlan(options.plan));
  if (options.ratio !== undefined) settings.ratio = number('--ratio', options.ratio, 0, 0.999999);
  if (options.criterion !== undefined) settings.criterion = criterion(options.criterion);
  if (options.roundTo !== undefined) settings.roundTo = integer('--round-to', options.roundTo, 1);
  if (options.seed !== undefined) settings.seed = integer('--seed', options.seed, 0);
  if (options.global) settings.global = true;
  if (options.targetMacs !== undefined)
    settings.targetMacs = number('--target-macs', options.targetMacs, 0.01, 1);
  if (options.reduce !== undefined) {
    if (!['mean', 'sum', 'max'].includes(options.reduce))
      throw new CliError(`unknown --reduce '${options.reduce}': use mean, sum or max.`);
    settings.reduce = options.reduce as PruneSettings['reduce'];
  }
  if (options.exclude) {
    const layers: Record<string, LayerAmount> = { ...settings.layers };
    for (const name of options.exclude
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      layers[name] = { exclude: true };
    settings.layers = layers;
  }
  return settings;
}

function settingsFromPlan(path: string): Partial<PruneSettings> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`${path}: ${describeFsError(error)}`);
  }
  const doc = parsePlan(text);
  const errors = doc.diagnostics.filter((d) => d.severity === 'error');
  if (!doc.plan || errors.length > 0) {
    const first = errors[0];
    const where = first?.range ? `:${first.range.start.line + 1}:${first.range.start.character + 1}` : '';
    throw new CliError(
      `${path}${where}: ${first?.message ?? 'the plan could not be read'} (run onnx-pruner analyze MODEL --plan ${path} for every finding).`,
    );
  }
  return settingsOfPlan(doc.plan);
}

function criterion(value: string): Criterion {
  if (!(CRITERIA as readonly string[]).includes(value))
    throw new CliError(`unknown criterion '${value}': use ${CRITERIA.join(', ')}.`);
  return value as Criterion;
}

/**
 * The `activation` criterion's statistics, or the `greedy` criterion's scores: the model run in ONNX Runtime
 * on calibration (or random) inputs; greedy leaves the held-out inputs out, as reconstruction does.
 */
async function calibrate(model: string, options: PruneCliOptions, settings: PruneSettings): Promise<void> {
  const file = withModelErrors(model, () => openModel(model));
  try {
    const analysis = withModelErrors(model, () => analyzeModel(new ModelView(file)));
    const calibration = { calibDir: options.calib, image: imageFeedOptions(options), seed: settings.seed };
    if (settings.criterion === 'activation')
      settings.activations = await measureActivations(file, analysis, calibration);
    else
      settings.measured = await measureGreedyScores(file, analysis, {
        ...calibration,
        holdout: holdout(options),
      });
  } finally {
    file.close();
  }
}

function holdout(options: PruneCliOptions): number | undefined {
  return options.holdout === undefined ? undefined : integer('--holdout', options.holdout, 0);
}

function number(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new CliError(
      `${flag} must be a number in [${min}, ${max === 0.999999 ? '1)' : `${max}]`}, not '${text}'.`,
    );
  return value;
}

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new CliError(`${flag} must be an integer ≥ ${min}, not '${text}'.`);
  return value;
}

/**
 * `onnx-pruner prune`: prune and save (atomically); prints what was removed. With --verify, the pruned model is
 * checked in ONNX Runtime against the masked original (exit 1 when it differs); --report writes both as JSON.
 */
export async function pruneCommand(model: string, options: PruneCliOptions, io: CliIO): Promise<number> {
  const settings = pruneSettings(options);
  if (resolve(options.output) === resolve(model))
    throw new CliError('-o must name a new file, not the model itself.');
  if (settings.criterion === 'activation' || settings.criterion === 'greedy')
    await calibrate(model, options, settings);
  const planDoc = options.plan === undefined ? undefined : parsePlan(readFileSync(options.plan, 'utf8'));
  const note = planDoc && planModelNote(options.plan!, planDoc.partial.model, model);
  if (note) io.stderr(`${note}\n`);
  // A plan is checked against the model (whole blocks, locked layers, names…) before anything is written.
  const check = (analysis: Analysis) => {
    if (!planDoc) return;
    const errors = planDiagnostics(planDoc, analysis.roots, { groups: analysis.report.groups }).filter(
      (d) => d.severity === 'error',
    );
    if (errors.length === 0) return;
    const first = errors[0];
    const where = first.range ? `:${first.range.start.line + 1}:${first.range.start.character + 1}` : '';
    throw new CliError(
      `${options.plan}${where}: ${first.code} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more: run onnx-pruner analyze MODEL --plan PLAN)` : ''}`,
    );
  };
  const line = new ProgressLine(io.progress);
  // With --reconstruct the plain prune goes to a temporary folder beside the output: it is what the
  // surgery's verification checks; the refitted model is written to the output.
  const scratch = options.reconstruct
    ? mkdtempSync(join(dirname(resolve(options.output)), '.onnx-pruner-'))
    : '';
  const plain = options.reconstruct ? join(scratch, basename(options.output)) : options.output;
  try {
    const outcome = withModelErrors(model, () => {
      try {
        return pruneFile(model, plain, settings, {
          check,
          hashOriginal: true,
          onProgress: (stage, done, total) => line.update(stage, pruneProgressText(stage, done, total)),
        });
      } catch (error) {
        if (error instanceof OnnxError || error instanceof CliError) throw error;
        throw new CliError(`${model}: cannot prune: ${(error as Error).message}.`);
      } finally {
        line.clear();
      }
    });
    const shown = { ...outcome, output: options.output };
    io.stdout(formatOutcome(shown));
    const verified = options.verify ? await verifyWithProgress(model, plain, line) : undefined;
    if (verified)
      io.stdout(
        `\n${options.reconstruct ? 'The plain prune, before reconstruction:\n' : ''}${formatVerify(verified)}`,
      );
    const quality =
      options.verify || options.reconstruct
        ? await qualityWithProgress(model, options, plain, outcome, settings.seed, line)
        : undefined;
    if (quality) io.stdout(`\n${formatQuality(quality)}`);
    if (options.report)
      writeFileAtomic(
        options.report,
        `${JSON.stringify({ ...pruneReportJson(shown, verified), quality: quality ?? null }, null, 2)}\n`,
      );
    if (options.reportMd)
      writeFileAtomic(
        options.reportMd,
        pruneReportMarkdown(shown, verified) + (quality ? qualityMarkdown(quality) : ''),
      );
    return verified && !verified.passed ? EXIT.findings : EXIT.ok;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

async function qualityWithProgress(
  model: string,
  options: PruneCliOptions,
  plain: string,
  outcome: PruneOutcome,
  seed: number,
  line: ProgressLine,
): Promise<QualityReport> {
  try {
    return await assessQuality(model, options.output, {
      calibDir: options.calib,
      image: imageFeedOptions(options),
      seed,
      holdout: holdout(options),
      reconstruct: options.reconstruct ? { plain, slices: outcome.slices } : undefined,
      onStep: (step) => line.update(step, `${step}…`),
    });
  } finally {
    line.clear();
  }
}

async function verifyWithProgress(model: string, pruned: string, line: ProgressLine) {
  try {
    return await verifyModels(model, pruned, {
      runs: 10,
      onStep: (step) => line.update(step, `verify: ${step}…`),
    });
  } finally {
    line.clear();
  }
}

export function formatOutcome(outcome: PruneOutcome): string {
  const lines = [`${outcome.input} → ${outcome.output}`, ''];
  const rows = outcome.groups.map((g) => [
    g.group,
    g.roots.length > 1 ? `${g.roots[0]} (+${g.roots.length - 1})` : g.roots[0],
    `${g.channels} → ${g.keptChannels}`,
    g.skipped ? `kept: ${g.skipped}` : `${g.removedUnits} of ${g.units} units removed`,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 5));
  for (const r of rows)
    lines.push(
      `  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}`,
    );
  lines.push(
    '',
    outcome.removedChannels === 0
      ? `Nothing removed: ${outcome.groups.length === 0 ? 'the model has no Conv, ConvTranspose, Gemm or MatMul with a weight' : 'every group is locked, excluded or too small at this ratio'} (onnx-pruner analyze says why); the model was re-saved unchanged.`
      : `${outcome.removedChannels} channels removed; ${outcome.tensorsSliced} tensors and ${outcome.nodesChanged} nodes changed; ${outcome.bytesWritten.toLocaleString('en-US')} bytes written.`,
  );
  return `${lines.join('\n')}\n`;
}

/** The plan a `plan` command writes: the settings, and per prunable group its first root's count. */
/** `onnx-pruner plan`: the selection a prune would make, as an editable plan file. */
export function planCommand(
  model: string,
  options: Omit<PruneCliOptions, 'output' | 'plan'> & { output?: string; fromSensitivity?: string },
  io: { stdout(text: string): void; stderr(text: string): void },
): void {
  let allocated: ReturnType<typeof settingsFromSensitivity> | undefined;
  if (options.fromSensitivity !== undefined) {
    if (options.targetMacs === undefined || options.ratio !== undefined)
      throw new CliError('--from-sensitivity takes --target-macs F (and no --ratio).');
    allocated = settingsFromSensitivity(
      options.fromSensitivity,
      number('--target-macs', options.targetMacs, 0.01, 1),
    );
  }
  const settings =
    allocated?.settings ??
    pruneSettings({
      ...options,
      ratio: options.targetMacs === undefined ? (options.ratio ?? '0.5') : options.ratio,
    });
  const output = options.output ?? `${model.replace(/\.onnx$/i, '')}.prune.json`;
  const { text } = makePlan(model, output, settings);
  writeFileAtomic(output, text);
  io.stdout(
    allocated
      ? `${output}: plan for ${model} from ${options.fromSensitivity}: ${Object.keys(allocated.allocation.ratios).length} layers cut, predicted MACs ${(allocated.allocation.predictedMacs * 100).toFixed(1)} % of the original${allocated.allocation.reached ? '' : ' (the target is beyond the ratios measured)'}.\n`
      : `${output}: plan for ${model} (ratio ${settings.ratio}, criterion ${settings.criterion}).\n`,
  );
  // A plan written away from its model works here (the model is given again) but not in the editor.
  const where = resolvePlanModel(output, JSON.parse(text).model);
  if (!where.ok)
    io.stderr(
      `note: ${where.message}, so the editor will refuse ${output}; write the plan in the model's folder or above it to use it there.\n`,
    );
}

function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliError(`${path}: ${describeFsError(error)}`);
  }
}
