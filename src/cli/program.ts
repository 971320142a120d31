import { Command, CommanderError, Option } from 'commander';
import { OnnxError } from '../core/onnx/errors';
import { analyzeCommand } from './commands/analyze';
import { inspectCommand } from './commands/inspect';
import { CliError, EXIT } from './exit';
import { version } from '../../package.json';

/**
 * The onnx-pruner command line. Exit codes (design contract): 0 success, 1 findings of severity error or a
 * failed verification, 2 bad usage or unreadable input. Errors are one sentence on stderr naming the file;
 * a stack trace only with --debug.
 */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
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
    .action((model: string, options: { json?: boolean }) => inspectCommand(model, options, io));

  let exitCode: number = EXIT.ok;
  program
    .command('analyze')
    .description('channel groups (what prunes together, PixelShuffle blocks included) and findings')
    .argument('<model>', 'the .onnx file')
    .option('--plan <plan>', 'also check a pruning plan (*.prune.json)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'),
    )
    .action((model: string, options: { format?: string; plan?: string }) => {
      exitCode = analyzeCommand(model, options, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, debug, io);
  }
}

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function reportError(error: unknown, debug: boolean, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Help and version exit through here too, with code 0; commander already printed its message.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    io.stderr(`onnx-pruner: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof OnnxError) {
    io.stderr(`onnx-pruner: ${error.message}\n`);
    if (debug) io.stderr(`${error.stack}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`onnx-pruner: internal error: ${message}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && error instanceof Error) io.stderr(`${error.stack}\n`);
  return EXIT.usage;
}
