import type { CliIO, CliOutput } from './io';
import { OrtRuntimeError } from '../runtime/ortErrors';
import { Command, CommanderError, Option } from 'commander';
import { OnnxError } from '../core/onnx/errors';
import { MASK_METADATA_KEY } from '../core/prune/maskSpec';
import { type AnalyzeOptions, analyzeCommand } from './commands/analyze';
import { FINDINGS_PER_CODE, GROUP_ROWS } from '../core/analyze/formatText';
import { inspectCommand } from './commands/inspect';
import { type VerifyCommandOptions, verifyCommand } from './commands/verify';
import { ORT_TIMEOUT_SECONDS } from '../protocol/runtime';
import { NOISE_FLOOR_FACTOR } from '../runtime/compareOutputs';
import { demoCommand } from './commands/demo';
import { fixCommand } from './commands/fix';
import { planCommand } from './commands/plan';
import { pruneCommand } from './commands/prune';
import { sensitivityCommand } from './commands/sensitivity';
import { DEFAULT_MAX_GROUPS } from '../core/quality/sensitivityGroups';
import { CliError, EXIT } from './exit';
import { collectDims } from './commands/dimOptions';
import { jsonText, visible } from './visible';
import { oneLine } from '../core/text';
import { version } from '../../package.json';

/**
 * The onnx-pruner command line. Exit codes (design contract): 0 success, 1 findings of severity error or a
 * failed verification, 2 bad usage or unreadable input. Errors are one sentence on stderr naming the file;
 * a stack trace only with --debug.
 */
/** How calibration pictures become inputs: the same four options on prune, verify and sensitivity. */
const CALIB_PICTURE_OPTIONS = [
  new Option(
    '--calib-size <HxW>',
    'pictures: height and width for inputs whose size is not fixed (default 128x128)',
  ),
  new Option('--calib-layout <layout>', 'pictures: nchw (default) or nhwc'),
  new Option(
    '--calib-channels <channels>',
    'pictures: rgb, bgr, grey or rgba (default: from the input, 1 → grey, 3 → rgb)',
  ),
  new Option('--calib-range <low,high>', 'pictures: pixel values 0…255 map to this range (default 0,1)'),
] as const;

/** Sizes for symbolic input dims, on every command that runs a model on random inputs. */
const DIM_OPTION = new Option(
  '--dim <name=size>',
  "size of a symbolic input dim for random inputs and timing, e.g. height=480 (repeatable; default: 1 for the batch, else the other model's size or 16)",
).argParser(collectDims);

export async function runCli(argv: string[], output: CliOutput = processIO): Promise<number> {
  // Text passes through visible(): names from an untrusted model cannot drive the terminal. JSON does not
  // (visible() would make it invalid): jsonText escapes the same characters the JSON way, exactly.
  const io: CliIO = {
    stdout: (text) => output.stdout(visible(text)),
    stderr: (text) => output.stderr(visible(text)),
    json: (value) => output.stdout(`${jsonText(value)}\n`),
    progress: output.progress, // raw: ProgressLine makes its text visible() and adds only its own codes
  };
  const debug = argv.includes('--debug');
  const program = new Command('onnx-pruner')
    .description(
      'Inspect, analyse and prune ONNX models: conv channels in dependency-correct groups, PixelShuffle included.',
    )
    .version(version, '-V, --version')
    .addOption(new Option('--debug', 'print stack traces for errors'))
    .showHelpAfterError('(run onnx-pruner --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  program
    .command('inspect')
    .description(
      'summary of a model: IR, opsets, producer, inputs/outputs, operators, parameters, where weights live',
    )
    .argument('<model>', 'the .onnx file')
    .option('--json', 'print one JSON object')
    .addOption(
      new Option(
        '--dim <name=size>',
        'size of a symbolic input dim, to count the MACs on, e.g. height=480 (repeatable)',
      ).argParser(collectDims),
    )
    .action((model: string, options: { json?: boolean; dim?: string[] }) =>
      inspectCommand(model, options, io),
    );

  let exitCode: number = EXIT.ok;
  program
    .command('analyze')
    .description('channel groups (what prunes together, PixelShuffle blocks included) and findings')
    .argument('<model>', 'the .onnx file')
    .option('--plan <plan>', 'also check a pruning plan (*.prune.json)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'),
    )
    .option(
      '--all',
      `text: list every group and finding (otherwise the first ${GROUP_ROWS} groups and ${FINDINGS_PER_CODE} findings of each code)`,
    )
    .action((model: string, options: AnalyzeOptions) => {
      exitCode = analyzeCommand(model, options, io);
    });

  program
    .command('verify')
    .description(
      'run both models in ONNX Runtime: same inputs/outputs, pruned = masked original (exactness), latency, MACs',
    )
    .argument('<original>', 'the model before pruning')
    .argument('<pruned>', 'the pruned model')
    .option('--report <file>', 'also write the result as JSON to this file')
    .option('--json', 'print the result as one JSON object')
    .option('--runs <n>', 'timed runs of each model, paired (0: no timing)', '20')
    .option('--warmup <n>', 'untimed runs of each model before timing', '2')
    .option('--atol <x>', 'absolute tolerance', '1e-4')
    .option('--rtol <x>', "tolerance relative to each output's largest magnitude", '1e-4')
    .option('--seed <n>', 'seed of the random inputs', '1')
    .addOption(DIM_OPTION)
    .option(
      '--timeout <seconds>',
      'give up on an ONNX Runtime step after this long (loading a graph of more than 10,000 nodes: this long per 10,000)',
      String(ORT_TIMEOUT_SECONDS),
    )
    .option('--fidelity', 'also measure fidelity to the original (PSNR/SSIM, top-1/top-5, errors, cosine)')
    .option('--calib <dir>', 'fidelity on these PNG/JPEG pictures or .pb/.npy tensors (implies --fidelity)')
    .addOption(CALIB_PICTURE_OPTIONS[0])
    .addOption(CALIB_PICTURE_OPTIONS[1])
    .addOption(CALIB_PICTURE_OPTIONS[2])
    .addOption(CALIB_PICTURE_OPTIONS[3])
    .addHelpText(
      'after',
      `
Inputs are seeded random: 4-D float inputs (images) in [0, 1), other floats in [-1, 1) (symbolic dims: the
--dim size, else 1 for the first, else the other model's size or 16, said under the inputs). Each output's
tolerance is the larger of atol + rtol × max|output| and ${NOISE_FLOOR_FACTOR} × its noise floor (the masked original
with ONNX Runtime's optimisations on vs off).
Exit 0: same inputs and outputs, and every output within tolerance of the masked original.
Exit 1: it is not, or ONNX Runtime cannot run the pruned model. Exit 2: bad usage or input, or the original
does not run in ONNX Runtime.
A pruned model without a mask spec (metadata '${MASK_METADATA_KEY}', written by prune) gets the shape
checks and timing only, and exits 0 when the shapes match.`,
    )
    .action(async (original: string, pruned: string, options: VerifyCommandOptions) => {
      exitCode = await verifyCommand(original, pruned, options, io);
    });

  program
    .command('plan')
    .description(
      'write a pruning plan (*.prune.json) with the amounts a prune would remove, to edit and reuse',
    )
    .argument('<model>', 'the .onnx file')
    .option('--ratio <ratio>', 'share of channels to remove from every prunable group (default 0.5)')
    .option('--target-macs <f>', 'instead of --ratio: prune until MACs are at most f × the original')
    .option('--global', 'rank the units of all groups together')
    .option('--criterion <criterion>', 'importance: l1, l2, bn, random', 'l1')
    .option('--round-to <n>', 'removed counts are multiples of n')
    .option(
      '--align <n>',
      "kept channel counts are multiples of n where the original is (default: the channel block of ONNX Runtime's CPU convolutions on this machine, unless --round-to is given; 1 = off)",
    )
    .option('--seed <n>', 'seed for the random criterion', '0')
    .option('-o, --output <plan>', 'the plan file (default: MODEL.prune.json)')
    .option(
      '--from-sensitivity <json>',
      'per-layer amounts from `sensitivity --json`: more from the layers that hurt least, to --target-macs',
    )
    .action((model: string, options: Parameters<typeof planCommand>[1]) => planCommand(model, options, io));

  program
    .command('prune')
    .description('prune conv channels in dependency-correct groups and save the smaller model')
    .argument('<model>', 'the .onnx file')
    .requiredOption('-o, --output <file>', 'the pruned model to write')
    .option('--ratio <ratio>', 'share of channels to remove from every prunable group (0 re-saves unchanged)')
    .option('--plan <plan>', 'a pruning plan (*.prune.json)')
    .option(
      '--target-macs <share>',
      'prune (globally) until MACs are at most this share of the original (0.01–1)',
    )
    .option(
      '--target-latency <share>',
      'prune (globally) until the pruned model, timed against the original in ONNX Runtime, takes at most this share of its time (0.05–1)',
    )
    .option('--global', 'rank the units of all groups together (importance normalised per group)')
    .option(
      '--criterion <criterion>',
      'importance: l1 (default), l2, bn, random, activation, greedy (data-aware: what the next layer absorbs best on --calib inputs)',
    )
    .option(
      '--calib <dir>',
      'calibration inputs (activation criterion, --reconstruct, fidelity): PNG/JPEG pictures or .pb/.npy tensors (default: random inputs, a weak estimate)',
    )
    .addOption(CALIB_PICTURE_OPTIONS[0])
    .addOption(CALIB_PICTURE_OPTIONS[1])
    .addOption(CALIB_PICTURE_OPTIONS[2])
    .addOption(CALIB_PICTURE_OPTIONS[3])
    .option(
      '--reconstruct',
      'refit the layers that read removed channels by least squares on the calibration inputs (no training); the plain prune is what --verify checks',
    )
    .option(
      '--holdout <n>',
      'calibration inputs (the last by name) kept out of the fit to measure fidelity on (default a third)',
    )
    .option('--reduce <how>', "combine a unit's members by mean (default), sum or max")
    .option('--round-to <n>', 'removed counts are multiples of n')
    .option(
      '--align <n>',
      "kept channel counts are multiples of n where the original is (default: the channel block of ONNX Runtime's CPU convolutions on this machine, unless --round-to is given; 1 = off)",
    )
    .option('--seed <n>', 'seed for the random criterion')
    .option('--exclude <nodes>', 'comma-separated layers to leave alone')
    .option(
      '--latency-table',
      "time each group's layers in ONNX Runtime at candidate kept widths (cached) and never keep a count slower than a larger one (always on with --target-latency)",
    )
    .option('--no-latency-table', 'with --target-latency: search by whole-model timings alone')
    .option(
      '--cache-dir <dir>',
      'where latency lookup tables are cached (default $XDG_CACHE_HOME/onnx-pruner, else ~/.cache/onnx-pruner)',
    )
    .option('--verify', 'check the pruned model in ONNX Runtime against the masked original')
    .addOption(DIM_OPTION)
    .option(
      '--timeout <seconds>',
      'give up on an ONNX Runtime step (--verify, --calib) after this long (loading a graph of more than 10,000 nodes: this long per 10,000)',
      String(ORT_TIMEOUT_SECONDS),
    )
    .option(
      '--report <file>',
      'write what was removed (indices per member tensor), the metrics and the verification as JSON',
    )
    .option('--report-md <file>', 'the same as a Markdown page')
    .option('--json', 'print what --report writes, as one JSON object, instead of the text')
    .action(async (model: string, options: Parameters<typeof pruneCommand>[1]) => {
      exitCode = await pruneCommand(model, options, io);
    });

  program
    .command('sensitivity')
    .description('prune each group alone at several ratios and measure its fidelity to the original')
    .argument('<model>', 'the .onnx file')
    .option('--ratios <list>', 'comma-separated ratios', '0.1,0.3,0.5,0.7')
    .option(
      '--calib <dir>',
      'PNG/JPEG pictures or .pb/.npy tensors (default: seeded random inputs, a weak estimate)',
    )
    .addOption(CALIB_PICTURE_OPTIONS[0])
    .addOption(CALIB_PICTURE_OPTIONS[1])
    .addOption(CALIB_PICTURE_OPTIONS[2])
    .addOption(CALIB_PICTURE_OPTIONS[3])
    .option('--samples <n>', 'random inputs when there is no --calib (default 4)')
    .option('--criterion <criterion>', 'which channels go: l1 (default), l2, bn, random')
    .option('--seed <n>', 'seed of the random inputs and the random criterion', '0')
    .addOption(DIM_OPTION)
    .option(
      '--groups <n>',
      `measure at most n groups, those whose layers hold the most MACs, or 'all' (default ${DEFAULT_MAX_GROUPS})`,
    )
    .option('--json', 'print the figures as one JSON object')
    .option('-o, --output <file>', 'also write the JSON to this file')
    .action(async (model: string, options: Parameters<typeof sensitivityCommand>[1]) => {
      exitCode = await sensitivityCommand(model, options, io);
    });

  program
    .command('demo')
    .description(
      'prune the bundled sample (an EDSR-like ×4 super-resolution net) and verify it in ONNX Runtime',
    )
    .option('--ratio <ratio>', 'share of channels to remove', '0.5')
    .option('--out <dir>', 'where to write the pruned sample', 'out/demo')
    .action(async (options: { ratio: string; out: string }) => {
      exitCode = await demoCommand(options, io);
    });

  program
    .command('fix')
    .description(
      'apply a model-level fix: PS002 (Reshape→Transpose→Reshape → DepthToSpace), PS003 (explicit mode), PR001 and PR003 (fold a weight rearranged at run time)',
    )
    .argument('<model>', 'the .onnx file')
    .requiredOption('--code <code>', 'the finding to fix (PS002, PS003, PR001 or PR003)')
    .option('--node <node>', 'only the finding at this node')
    .requiredOption('-o, --output <file>', 'the fixed model to write')
    .action((model: string, options: { code: string; node?: string; output: string }) =>
      fixCommand(model, options, io),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, debug, io);
  }
}

const processIO: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined,
};

function reportError(error: unknown, debug: boolean, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Help and version exit through here too, with code 0; commander already printed its message.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  // One line each: a name with a line break in it (quoted by the message) cannot add lines.
  if (error instanceof CliError) {
    io.stderr(`onnx-pruner: ${oneLine(error.message)}\n`);
    return error.exitCode;
  }
  if (error instanceof OnnxError) {
    io.stderr(`onnx-pruner: ${oneLine(error.message)}\n`);
    if (debug) io.stderr(`${error.stack}\n`);
    return EXIT.usage;
  }
  // ONNX Runtime refused the model, ran out of time or memory: the model's story, not a fault of the tool.
  if (error instanceof OrtRuntimeError) {
    io.stderr(`onnx-pruner: ${oneLine(error.message)}\n`);
    if (debug) io.stderr(`${error.stack}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(
    `onnx-pruner: internal error: ${oneLine(message)}${debug ? '' : ' (run with --debug for details)'}\n`,
  );
  if (debug && error instanceof Error) io.stderr(`${error.stack}\n`);
  return EXIT.usage;
}
