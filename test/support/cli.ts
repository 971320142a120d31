import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program';
import { tempDir } from './tempDir';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with captured output (the same code path as the binary). */
export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

/**
 * Prunes the model `bytes` at 50 % with `prune --report-md` (and `extra` arguments) in a new folder; returns the
 * Markdown report it wrote.
 */
export async function pruneReportOf(bytes: Uint8Array, ...extra: string[]): Promise<string> {
  const dir = tempDir();
  const path = join(dir, 'model.onnx');
  writeFileSync(path, bytes);
  const report = join(dir, 'model.report.md');
  const run = await cli(
    'prune',
    path,
    '-o',
    join(dir, 'out.onnx'),
    '--ratio',
    '0.5',
    '--report-md',
    report,
    ...extra,
  );
  assert.equal(run.code, 0, run.stderr);
  return readFileSync(report, 'utf8');
}
