// The progress line of long commands: drawn in place on a terminal, throttled, erased before the result; never
// on a pipe (the binary's stderr here), so captured output stays what it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/program';
import { ProgressLine, elapsedText, pruneProgressText } from '../../src/cli/progress';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from '../runtime/workerBundle';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');
const ERASE = '\r\x1b[2K';
const dir = tempDir();
useFreshWorker();

/** Runs the CLI as if stderr were a terminal: what the progress line drew, and the rest. */
async function onTerminal(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  let progress = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    progress: (text) => (progress += text),
  });
  return { code, stdout, stderr, progress };
}

describe('progress line', () => {
  test('a stage shows at once, its updates at most every 100 ms, and clear erases it', () => {
    let now = 0;
    const drawn: string[] = [];
    const line = new ProgressLine(
      (text) => drawn.push(text),
      () => now,
    );
    line.update('write', 'writing 1');
    now = 50;
    line.update('write', 'writing 2'); // too soon: skipped
    line.update('score', 'scoring'); // a new stage: at once
    now = 200;
    line.update('score', 'scoring 2');
    line.clear();
    line.clear(); // nothing drawn since: nothing to erase
    assert.deepEqual(drawn, [`${ERASE}writing 1`, `${ERASE}scoring`, `${ERASE}scoring 2`, ERASE]);
  });

  test('a stage that lasts shows for how long, redrawn while nothing else is; a new stage starts again', () => {
    let now = 0;
    const drawn: string[] = [];
    const line = new ProgressLine(
      (text) => drawn.push(text),
      () => now,
    );
    line.update('load', 'loading…');
    now = 2500;
    line.refresh(); // the timer's redraw: not yet 3 s
    now = 3200;
    line.refresh();
    now = 125_000;
    line.refresh();
    line.update('run', 'running…');
    now = 126_000;
    line.refresh();
    line.clear();
    now = 200_000;
    line.refresh(); // erased: nothing to redraw
    assert.deepEqual(drawn, [
      `${ERASE}loading…`,
      `${ERASE}loading…`,
      `${ERASE}loading… (3 s)`,
      `${ERASE}loading… (2 min 05 s)`,
      `${ERASE}running…`,
      `${ERASE}running…`,
      ERASE,
    ]);
    assert.equal(elapsedText(59_999), '59 s');
    assert.equal(elapsedText(60_000), '1 min 00 s');
    assert.equal(elapsedText(3_725_000), '62 min 05 s');
  });

  test('without a terminal nothing is drawn; control characters in the text are shown as codes', () => {
    const silent = new ProgressLine(undefined);
    silent.update('a', 'x');
    silent.clear();
    const drawn: string[] = [];
    new ProgressLine((text) => drawn.push(text)).update('a', 'name \x1b]0;evil\x07');
    assert.deepEqual(drawn, [`${ERASE}name \\x1b]0;evil\\x07`]);
  });

  test('the stages of a prune read as sentences with amounts', () => {
    assert.equal(
      pruneProgressText('score', 150e6, 300e6),
      'prune: scoring channels, 150.0 MB of 300.0 MB (50 %) of weights read',
    );
    assert.equal(pruneProgressText('write', 3e6, 3e6), 'prune: writing, 3.0 MB of 3.0 MB (100 %)');
  });

  test('prune on a terminal draws every stage, then erases the line; its output is unchanged', async () => {
    const shown = await onTerminal('prune', SAMPLE, '-o', join(dir, 'a.onnx'), '--ratio', '0.5');
    const plain = await cli('prune', SAMPLE, '-o', join(dir, 'b.onnx'), '--ratio', '0.5');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.progress, /prune: opening and analysing the model/);
    assert.match(shown.progress, /prune: scoring channels, [\d.]+ MB of [\d.]+ MB \(\d+ %\) of weights read/);
    assert.match(shown.progress, /prune: writing, [\d.]+ MB of [\d.]+ MB \(\d+ %\)/);
    assert.ok(shown.progress.endsWith(ERASE), 'the line is erased before the result is printed');
    assert.equal(shown.stdout.replaceAll('a.onnx', 'b.onnx'), plain.stdout);
    assert.equal(shown.stderr, '');
  });

  test('verify on a terminal says what it runs', async () => {
    const pruned = join(dir, 'v.onnx');
    assert.equal((await cli('prune', SAMPLE, '-o', pruned, '--ratio', '0.5')).code, 0);
    const run = await onTerminal('verify', SAMPLE, pruned, '--runs', '2');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.progress, /verify: loading both models in ONNX Runtime…/);
    assert.match(run.progress, /verify: running both models \(2 warm-up, 2 timed runs each\)…/);
    assert.match(run.progress, /verify: comparing with the masked original…/);
    assert.ok(run.progress.endsWith(ERASE));
  });

  test('the binary with stderr on a pipe prints no progress line', () => {
    const run = spawnSync(
      process.execPath,
      ['dist/cli.js', 'prune', SAMPLE, '-o', join(dir, 'c.onnx'), '--ratio', '0.5'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(!run.stdout.includes('\x1b'));
  });
});
