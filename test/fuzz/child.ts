/**
 * The fuzz child: runs inspect, analyze and prune on each case it is sent, the way the CLI does, and
 * judges the outcome. A result is fine; so is an OnnxError whose message names the file and carries no
 * stack. Anything else (a TypeError, a stack overflow caught as a RangeError, an error that does not say
 * which file) is a failure.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { summarizeModel } from '../../src/core/inspect/summary';
import { OnnxError, withModelErrors } from '../../src/core/onnx/errors';
import { IntegerRangeError } from '../../src/core/onnx/int64';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { pruneFile } from '../../src/core/prune/prune';
import type { OpResult } from './harness';

/** Raised around a non-OnnxError so that withModelErrors does not turn it into a clear-looking error. */
class Unexpected extends Error {}

function judge(op: OpResult['op'], path: string, work: () => void): OpResult {
  try {
    withModelErrors(path, () => {
      try {
        work();
      } catch (error) {
        // withModelErrors turns RangeErrors into OnnxErrors for the user; only the int64 one is meant.
        if (error instanceof OnnxError || error instanceof IntegerRangeError) throw error;
        const e = error as Error;
        throw new Unexpected(
          `${e?.name}: ${e?.message} ${e?.stack?.split('\n').slice(1, 4).join(' ') ?? ''}`,
        );
      }
    });
    return { op, verdict: 'ok' };
  } catch (error) {
    if (error instanceof OnnxError) {
      if (!error.message.includes(path))
        return { op, verdict: 'failure', message: `message does not name the file: ${error.message}` };
      if (/\n\s+at /.test(error.message))
        return { op, verdict: 'failure', message: `message holds a stack: ${error.message}` };
      return { op, verdict: 'refused', message: error.message };
    }
    return { op, verdict: 'failure', message: (error as Error).message };
  }
}

function withModel(path: string, use: (view: ModelView) => void): void {
  const file = openModel(path);
  try {
    use(new ModelView(file));
  } finally {
    file.close();
  }
}

function runCase(path: string, output: string): OpResult[] {
  const results = [
    judge('inspect', path, () => withModel(path, (view) => void summarizeModel(view))),
    judge('analyze', path, () => withModel(path, (view) => void analyzeModel(view))),
    judge(
      'prune',
      path,
      () => void pruneFile(path, output, { ratio: 0.25, criterion: 'l1', roundTo: 1, seed: 0, layers: {} }),
    ),
  ];
  // What prune wrote must read back: a file the tool itself made is never refused.
  if (results[2].verdict === 'ok') {
    try {
      withModel(output, (view) => void summarizeModel(view));
    } catch (error) {
      results.push({
        op: 'prune',
        verdict: 'failure',
        message: `the pruned model does not read back: ${(error as Error).message}`,
      });
    }
  }
  rmSync(output, { force: true });
  rmSync(`${dirname(output)}/pruned.onnx.data`, { force: true });
  return results;
}

/** Serves cases sent by the parent until it disconnects. */
export function serveCases(): void {
  process.on('message', (message: { path: string; output: string }) => {
    process.send!(runCase(message.path, message.output));
  });
  process.on('disconnect', () => process.exit(0));
}
