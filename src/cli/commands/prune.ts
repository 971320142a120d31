import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Analysis, analyzeModel } from '../../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../../core/onnx/errors';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { startSha256 } from '../../runtime/backgroundHash';
import { measureActivations } from '../../runtime/calibration';
import { measureGreedyScores } from '../../runtime/greedyScores';
import { type QualityReport, assessQuality, formatQuality, qualityMarkdown } from '../../runtime/quality';
import { imageFeedOptions } from './calibOptions';
import { type PruneCliOptions, holdout, pruneSettings } from './pruneOptions';
import { describeLatencySearch, pruneForLatency } from '../../runtime/latencyTarget';
import { OrtRuntimeError } from '../../runtime/ortErrors';
import { defaultCacheDir } from '../../runtime/latencyCache';
import { describeLatencyTable, withLatencyTable } from '../../runtime/latencyLookup';
import { describeSlowerLayers } from '../../runtime/slowerLayers';
import { pruneFile, type PruneOutcome, type PruneProgress } from '../../core/prune/prune';
import { describeAlignment } from '../../core/prune/align';
import { GROUP_ROWS } from '../../core/analyze/formatText';
import type { PruneSettings } from '../../core/prune/select';
import { parsePlan, planDiagnostics } from '../../core/plan';
import { formatVerify, sentence, unverifiedSentence } from '../../runtime/verify/formatVerify';
import { verifyModels } from '../../runtime/verify/verifyModels';
import { verifyWithQuality } from '../../runtime/verifyWithQuality';
import { VerifyInputError, type VerifyResult } from '../../runtime/verify/types';
import { timeoutMs } from './verify';
import { CliError, EXIT } from '../exit';
import { oneLine } from '../../core/text';
import type { CliIO } from '../io';
import { ProgressLine, pruneProgressText } from '../progress';
import { writeText } from '../writeText';
import { planModelNote } from './planNote';
import { inputSizesFor } from './dimOptions';
import type { InputDims } from '../../runtime/inputDims';
import { describeRest, pruneReportJson, pruneReportMarkdown } from '../../runtime/pruneReport';

/**
 * The command's options, its `--dim` sizes checked against the model, and the model's input shapes with them
 * (what the prune's MACs and the latency table are counted and timed on).
 */
type PruneRun = PruneCliOptions & {
  readonly dims: InputDims;
  readonly inputShapes: Record<string, number[]> | undefined;
};

/**
 * The `activation` criterion's statistics, or the `greedy` criterion's scores: the model run in ONNX Runtime
 * on calibration (or random) inputs; greedy leaves the held-out inputs out, as reconstruction does.
 */
async function calibrate(
  model: string,
  options: PruneRun,
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
      dims: options.dims,
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

/**
 * `onnx-pruner prune`: prune and save (atomically); prints what was removed. With --verify, the pruned model is
 * checked in ONNX Runtime against the masked original (exit 1 when it differs); --report writes both as JSON,
 * --json prints that JSON instead of the text.
 */
export async function pruneCommand(model: string, cliOptions: PruneCliOptions, io: CliIO): Promise<number> {
  let settings = pruneSettings(cliOptions);
  const options: PruneRun = { ...cliOptions, ...inputSizesFor(model, cliOptions.dim) };
  // With --json, stdout is the one JSON object: the report's text is left out, and the one-line notes the
  // JSON does not hold (the latency search, the lookup table, slower layers) go to stderr with the others.
  const say = (text: string) => {
    if (!options.json) io.stdout(text);
  };
  const tell = (text: string) => (options.json ? io.stderr(text) : io.stdout(text));
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
        inputShapes: options.inputShapes,
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
                inputShapes: options.inputShapes,
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
                dims: options.dims,
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
              throw new CliError(`${model}: cannot prune: ${sentence((error as Error).message)}`);
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
    say(formatOutcome(shown));
    if (tableNote) tell(`${oneLine(tableNote)}\n`);
    if (latency) tell(`${oneLine(latency)}\n`);
    let verified: VerifyResult | undefined;
    let refusal: string | undefined;
    let quality: QualityReport | undefined;
    let qualityFailure: { error: unknown } | undefined;
    if (options.verify) {
      try {
        if (options.reconstruct) verified = await verifyWithProgress(model, plain, options, line, timeout);
        else {
          // Fidelity is measured inside the verification, while ONNX Runtime holds both models.
          const both = await verifyWithQualityProgress(model, options, settings.seed, line, timeout);
          verified = both.verified;
          if ('report' in both.quality) quality = both.quality.report;
          else qualityFailure = both.quality;
        }
      } catch (error) {
        // The pruned model is written and stays; only its check could not be made: say so, exit 1.
        if (!(error instanceof VerifyInputError)) throw error;
        refusal = unverifiedSentence(error, '--timeout', options.output);
      }
    }
    if (verified)
      say(
        `\n${options.reconstruct ? 'The plain prune, before reconstruction:\n' : ''}${formatVerify(verified)}\n`,
      );
    const blamed = describeSlowerLayers(outcome, verified);
    if (blamed) tell(`${oneLine(blamed)}\n`);
    if (qualityFailure) throw qualityFailure.error;
    if (options.reconstruct)
      quality = await qualityWithProgress(model, options, plain, outcome, settings.seed, line, timeout);
    if (quality) say(`\n${formatQuality(quality)}`);
    const listed = { ...shown, files: [...shown.files, ...reports] };
    const json = { ...pruneReportJson(listed, verified), quality: quality ?? null };
    if (options.report) writeText(options.report, `${JSON.stringify(json, null, 2)}\n`);
    if (options.reportMd)
      writeText(
        options.reportMd,
        pruneReportMarkdown(listed, verified) + (quality ? qualityMarkdown(quality) : ''),
      );
    for (const report of reports) say(`Wrote ${report}.\n`);
    if (options.json) io.json(json);
    if (refusal) {
      io.stderr(`onnx-pruner: ${refusal}\n`);
      return EXIT.findings;
    }
    return verified && !verified.passed ? EXIT.findings : EXIT.ok;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Fidelity's settings in `prune`, its steps on the progress line. */
function qualitySettings(options: PruneRun, seed: number, line: ProgressLine, timeout: number | undefined) {
  return {
    calibDir: options.calib,
    image: imageFeedOptions(options),
    seed,
    dims: options.dims,
    holdout: holdout(options),
    timeoutMs: timeout,
    onStep: (step: string) => line.update(step, `${step}…`),
  };
}

/** The verification's settings in `prune --verify`, its steps on the progress line. */
function verifySettings(options: PruneRun, line: ProgressLine, timeout: number | undefined) {
  return {
    runs: 20,
    timeoutMs: timeout,
    dims: options.dims,
    onStep: (step: string) => line.update(step, `verify: ${step}…`),
  };
}

async function qualityWithProgress(
  model: string,
  options: PruneRun,
  plain: string,
  outcome: PruneOutcome,
  seed: number,
  line: ProgressLine,
  timeout: number | undefined,
): Promise<QualityReport> {
  try {
    return await assessQuality(model, options.output, {
      ...qualitySettings(options, seed, line, timeout),
      reconstruct: options.reconstruct ? { plain, slices: outcome.slices } : undefined,
    });
  } finally {
    line.clear();
  }
}

async function verifyWithQualityProgress(
  model: string,
  options: PruneRun,
  seed: number,
  line: ProgressLine,
  timeout: number | undefined,
) {
  try {
    return await verifyWithQuality(
      model,
      options.output,
      verifySettings(options, line, timeout),
      qualitySettings(options, seed, line, timeout),
    );
  } finally {
    line.clear();
  }
}

async function verifyWithProgress(
  model: string,
  pruned: string,
  options: PruneRun,
  line: ProgressLine,
  timeout: number | undefined,
) {
  try {
    return await verifyModels(model, pruned, verifySettings(options, line, timeout));
  } finally {
    line.clear();
  }
}

function formatOutcome(outcome: PruneOutcome): string {
  const lines = [`${outcome.input} → ${outcome.output}`, ''];
  // A large model's thousands of groups are summed up past the first ones, as analyze does (the report
  // has them all).
  const listed = outcome.groups.slice(0, GROUP_ROWS);
  const rows = listed.map((g) => [
    g.group,
    g.roots.length > 1 ? `${g.roots[0]} (+${g.roots.length - 1})` : g.roots[0],
    `${g.channels} → ${g.keptChannels}`,
    g.skipped ? `kept: ${g.skipped}` : `${g.removedUnits} of ${g.units} units removed`,
  ]);
  const widths = [0, 1, 2].map((i) => rows.reduce((w, r) => Math.max(w, r[i].length), 5));
  for (const r of rows)
    lines.push(
      `  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}`,
    );
  const rest = outcome.groups.slice(listed.length);
  if (rest.length > 0) lines.push(`  … and ${describeRest(rest)} (--report FILE lists every group)`);
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
