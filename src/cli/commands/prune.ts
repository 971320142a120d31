import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Analysis, analyzeModel } from '../../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../../core/onnx/errors';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { describeFsError } from '../../core/onnx/fileSource';
import { CRITERIA, type Criterion } from '../../core/prune/importance';
import { startSha256 } from '../../runtime/backgroundHash';
import { measureActivations } from '../../runtime/calibration';
import { measureGreedyScores } from '../../runtime/greedyScores';
import { type QualityReport, assessQuality, formatQuality, qualityMarkdown } from '../../runtime/quality';
import { type CalibCliOptions, imageFeedOptions } from './calibOptions';
import { settingsFromSensitivity } from './planFromSensitivity';
import { describeLatencySearch, pruneForLatency } from '../../runtime/latencyTarget';
import { OrtRuntimeError } from '../../runtime/ortClient';
import { defaultCacheDir } from '../../runtime/latencyCache';
import { describeLatencyTable, withLatencyTable } from '../../runtime/latencyLookup';
import { describeSlowerLayers } from '../../runtime/slowerLayers';
import { withMachineAlignment } from '../../runtime/channelBlock';
import { pruneFile, type PruneOutcome, type PruneProgress } from '../../core/prune/prune';
import { describeAlignment } from '../../core/prune/align';
import type { LayerSetting } from '../../core/prune/amounts';
import type { PruneSettings } from '../../core/prune/select';
import { makePlan, parsePlan, planDiagnostics, resolvePlanModel, settingsOfPlan } from '../../core/plan';
import { formatVerify, sentence } from '../../runtime/verify/formatVerify';
import { verifyModels } from '../../runtime/verify/verifyModels';
import { VerifyInputError, type VerifyResult } from '../../runtime/verify/types';
import { timeoutMs } from './verify';
import { CliError, EXIT } from '../exit';
import { oneLine } from '../../core/text';
import type { CliIO } from '../io';
import { ProgressLine, pruneProgressText } from '../progress';
import { writeText } from '../writeText';
import { planModelNote } from './planNote';
import { pruneReportJson, pruneReportMarkdown } from '../../runtime/pruneReport';

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
  align?: string;
  seed?: string;
  exclude?: string;
  global?: boolean;
  targetMacs?: string;
  targetLatency?: string;
  reduce?: string;
  timeout?: string;
  /** Time each group's layers at candidate widths and keep only counts no larger count beats (false: never). */
  latencyTable?: boolean;
  /** Where latency lookup tables are cached (default: $XDG_CACHE_HOME/onnx-pruner or ~/.cache/onnx-pruner). */
  cacheDir?: string;
}

/** Settings from the command line, or from a plan file (its layers, with command-line flags on top). */
function pruneSettings(options: Omit<PruneCliOptions, 'output'>): PruneSettings {
  const sources = [options.ratio, options.plan, options.targetMacs, options.targetLatency].filter(
    (v) => v !== undefined,
  ).length;
  if (sources > 1) throw new CliError('give one of --ratio, --target-macs, --target-latency or --plan.');
  if (sources === 0)
    throw new CliError('give --ratio R, --target-macs F, --target-latency F or --plan PLAN.');
  const settings: PruneSettings = { ratio: 0, criterion: 'l1', roundTo: 1, seed: 0, layers: {} };
  if (options.plan !== undefined) Object.assign(settings, settingsFromPlan(options.plan));
  if (options.ratio !== undefined) settings.ratio = number('--ratio', options.ratio, 0, 0.999999);
  if (options.criterion !== undefined) settings.criterion = criterion(options.criterion);
  if (options.roundTo !== undefined) settings.roundTo = integer('--round-to', options.roundTo, 1);
  if (options.seed !== undefined) settings.seed = integer('--seed', options.seed, 0);
  if (options.global) settings.global = true;
  if (options.targetMacs !== undefined)
    settings.targetMacs = number('--target-macs', options.targetMacs, 0.01, 1);
  if (options.targetLatency !== undefined)
    settings.targetLatency = number('--target-latency', options.targetLatency, 0.05, 1);
  if (options.reduce !== undefined) {
    if (!['mean', 'sum', 'max'].includes(options.reduce))
      throw new CliError(`unknown --reduce '${options.reduce}': use mean, sum or max.`);
    settings.reduce = options.reduce as PruneSettings['reduce'];
  }
  if (options.align !== undefined) {
    const block = integer('--align', options.align, 1);
    settings.alignment = {
      block,
      reason: block > 1 ? `--align ${block} was given` : 'kept channel counts are not aligned (--align 1)',
    };
  }
  if (options.exclude) {
    const layers: Record<string, LayerSetting> = { ...settings.layers };
    for (const name of options.exclude
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      layers[name] = { exclude: true };
    settings.layers = layers;
  }
  // A --round-to of one's own means counts chosen by hand: no alignment is added to them.
  return options.roundTo === undefined ? withMachineAlignment(settings) : settings;
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
async function calibrate(
  model: string,
  options: PruneCliOptions,
  settings: PruneSettings,
  timeout: number | undefined,
): Promise<void> {
  const file = withModelErrors(model, () => openModel(model));
  try {
    const analysis = withModelErrors(model, () => analyzeModel(new ModelView(file)));
    const calibration = {
      calibDir: options.calib,
      image: imageFeedOptions(options),
      seed: settings.seed,
      timeoutMs: timeout,
    };
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
  let settings = pruneSettings(options);
  const timeout = timeoutMs(options.timeout);
  if (resolve(options.output) === resolve(model))
    throw new CliError('-o must name a new file, not the model itself.');
  if (settings.criterion === 'activation' || settings.criterion === 'greedy')
    await calibrate(model, options, settings, timeout);
  const planDoc = options.plan === undefined ? undefined : parsePlan(readFileSync(options.plan, 'utf8'));
  const note = planDoc && planModelNote(options.plan!, planDoc.partial.model, model);
  if (note) io.stderr(`${oneLine(note)}\n`);
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
  const onProgress: PruneProgress = (stage, done, total) =>
    line.update(stage, pruneProgressText(stage, done, total));
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const onTableGroup = (done: number, total: number) =>
    line.update('latency', `latency lookup table: timing group ${done + 1} of ${total}…`);
  let tableNote: string | undefined;
  if (options.latencyTable === true && settings.targetLatency === undefined) {
    try {
      const withTable = await withLatencyTable(model, settings, {
        cacheDir,
        timeoutMs: timeout,
        onGroup: onTableGroup,
      });
      settings = withTable.settings;
      tableNote = describeLatencyTable(withTable.stats);
    } catch (error) {
      if (error instanceof OnnxError || error instanceof CliError) throw error;
      throw new CliError(
        `${model}: cannot measure the latency lookup table: ${sentence((error as Error).message)}`,
      );
    } finally {
      line.clear();
    }
  }
  // With --reconstruct the plain prune goes to a temporary folder beside the output: it is what the
  // surgery's verification checks; the refitted model is written to the output.
  const scratch = options.reconstruct
    ? mkdtempSync(join(dirname(resolve(options.output)), '.onnx-pruner-'))
    : '';
  const plain = options.reconstruct ? join(scratch, basename(options.output)) : options.output;
  try {
    let latency: string | undefined;
    const outcome =
      settings.targetLatency === undefined
        ? withModelErrors(model, () => {
            try {
              return pruneFile(model, plain, settings, {
                check,
                hashOriginal: true,
                startHash: startSha256,
                onProgress,
              });
            } catch (error) {
              if (error instanceof OnnxError || error instanceof CliError) throw error;
              throw new CliError(`${model}: cannot prune: ${(error as Error).message}.`);
            } finally {
              line.clear();
            }
          })
        : await (async () => {
            const target = settings.targetLatency!;
            try {
              const result = await pruneForLatency(model, plain, settings, target, {
                timeoutMs: timeout,
                check,
                onProgress,
                cacheDir,
                noTable: options.latencyTable === false,
                onTableGroup,
                onStep: (step) =>
                  line.update(
                    'latency',
                    `latency target ${target}: ratio ${step.ratio} runs in ${step.share.toFixed(3)} of the original's time…`,
                  ),
              });
              latency = describeLatencySearch(target, result);
              return result.outcome;
            } catch (error) {
              if (error instanceof OnnxError || error instanceof CliError) throw error;
              if (error instanceof OrtRuntimeError)
                throw new CliError(
                  `${model}: cannot find the prune for --target-latency: ${sentence(error.message)}`,
                );
              throw new CliError(`${model}: cannot prune: ${(error as Error).message}.`);
            } finally {
              line.clear();
            }
          })();
    // The reports list every file the command writes, themselves included; a reconstructed model replaces
    // the plain prune's files (which stay in the scratch folder) with the output.
    const reports = [options.report, options.reportMd].filter((path) => path !== undefined);
    const shown = {
      ...outcome,
      output: options.output,
      files: options.reconstruct ? [options.output] : outcome.files,
    };
    io.stdout(formatOutcome(shown));
    if (tableNote) io.stdout(`${oneLine(tableNote)}\n`);
    if (latency) io.stdout(`${oneLine(latency)}\n`);
    let verified: VerifyResult | undefined;
    let refusal: string | undefined;
    if (options.verify) {
      try {
        verified = await verifyWithProgress(model, plain, line, timeout);
      } catch (error) {
        // The pruned model is written and stays; only its check could not be made: say so, exit 1.
        if (!(error instanceof VerifyInputError)) throw error;
        refusal = `${error.message.replace(/\.$/, '')}; the pruned model was written to ${options.output}, but it is not verified.`;
      }
    }
    if (verified)
      io.stdout(
        `\n${options.reconstruct ? 'The plain prune, before reconstruction:\n' : ''}${formatVerify(verified)}`,
      );
    const blamed = describeSlowerLayers(outcome, verified);
    if (blamed) io.stdout(`${oneLine(blamed)}\n`);
    const quality =
      (options.verify && !refusal) || options.reconstruct
        ? await qualityWithProgress(model, options, plain, outcome, settings.seed, line, timeout)
        : undefined;
    if (quality) io.stdout(`\n${formatQuality(quality)}`);
    const listed = { ...shown, files: [...shown.files, ...reports] };
    if (options.report)
      writeText(
        options.report,
        `${JSON.stringify({ ...pruneReportJson(listed, verified), quality: quality ?? null }, null, 2)}\n`,
      );
    if (options.reportMd)
      writeText(
        options.reportMd,
        pruneReportMarkdown(listed, verified) + (quality ? qualityMarkdown(quality) : ''),
      );
    for (const report of reports) io.stdout(`Wrote ${report}.\n`);
    if (refusal) {
      io.stderr(`onnx-pruner: ${refusal}\n`);
      return EXIT.findings;
    }
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
  timeout: number | undefined,
): Promise<QualityReport> {
  try {
    return await assessQuality(model, options.output, {
      calibDir: options.calib,
      image: imageFeedOptions(options),
      seed,
      holdout: holdout(options),
      reconstruct: options.reconstruct ? { plain, slices: outcome.slices } : undefined,
      timeoutMs: timeout,
      onStep: (step) => line.update(step, `${step}…`),
    });
  } finally {
    line.clear();
  }
}

async function verifyWithProgress(
  model: string,
  pruned: string,
  line: ProgressLine,
  timeout: number | undefined,
) {
  try {
    return await verifyModels(model, pruned, {
      runs: 20,
      timeoutMs: timeout,
      onStep: (step) => line.update(step, `verify: ${step}…`),
    });
  } finally {
    line.clear();
  }
}

function formatOutcome(outcome: PruneOutcome): string {
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
    `Wrote ${outcome.files.join(', ')}.`,
  );
  if (outcome.alignment) lines.push(describeAlignment(outcome.alignment));
  return `${lines.map(oneLine).join('\n')}\n`;
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
  const { text } = makePlan(model, output, settings, startSha256);
  writeText(output, text);
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
