// A save that is interrupted never costs the user the file they had: the CLI's prune (the same atomic writer
// the editor's Save uses) is killed at random points while it writes over an existing model, and run with a
// file-size limit that makes its write fail as a full disk would. The target is always the old file or the
// whole new one, never a mix; a failed write says so and leaves no temporary file behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { mulberry32 } from '../../src/core/random';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';

const CLI = resolve('bin/onnx-pruner.js');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('an interrupted save leaves the previous model intact', () => {
  const dir = tempDir();
  const source = join(dir, 'chain.onnx');
  const target = join(dir, 'target.onnx');
  const old = join(dir, 'old.onnx');
  let oldSha = '';
  let newSha = '';
  /** How long a whole prune takes here: kills land across it, the write phase (its end) included. */
  let runMs = 0;

  before(() => {
    writeSynthetic(convChain(1200), source);
    writeSynthetic(convChain(40), old);
    oldSha = sha(old);
    const started = Date.now();
    const whole = spawnSync(process.execPath, [
      CLI,
      'prune',
      source,
      '-o',
      join(dir, 'whole.onnx'),
      '--ratio',
      '0.5',
    ]);
    runMs = Date.now() - started;
    assert.equal(whole.status, 0, whole.stderr.toString());
    newSha = sha(join(dir, 'whole.onnx'));
  });

  test('killed (SIGKILL) at random points during a prune over an existing file', async () => {
    const random = mulberry32(7);
    const outcomes = { old: 0, new: 0 };
    for (let round = 0; round < 8; round++) {
      copyFileSync(old, target);
      const child = spawn(process.execPath, [CLI, 'prune', source, '-o', target, '--ratio', '0.5'], {
        stdio: 'ignore',
      });
      // Listened for at once: a run quicker than the delay exits before the kill.
      const exited = new Promise((r) => child.once('exit', r));
      const delay = Math.floor(runMs * (0.5 + 0.5 * random()));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await exited;
      const now = sha(target);
      assert.ok(
        now === oldSha || now === newSha,
        `round ${round} (killed after ${delay} ms): the target is whole`,
      );
      outcomes[now === oldSha ? 'old' : 'new']++;
    }
    console.log(
      `8 kills: the target was the old file ${outcomes.old} times and the whole new one ${outcomes.new} times`,
    );
    // The killed writers' temporary files are removed by the next write that completes.
    const stale = readdirSync(dir).filter((f) => f.endsWith('.tmp')).length;
    console.log(`${stale} temporary files left by the killed writers`);
    const again = spawnSync(process.execPath, [CLI, 'prune', source, '-o', target, '--ratio', '0.5']);
    assert.equal(again.status, 0, again.stderr.toString());
    assert.equal(sha(target), newSha);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left',
    );
  });

  test('a write that fails (file-size limit, as a full disk) keeps the old file and leaves no temporary file', () => {
    copyFileSync(old, target);
    const limitBlocks = Math.ceil(statSync(old).size / 512) + 8; // room for the old size, not the new one
    const run = spawnSync(
      'bash',
      [
        '-c',
        `ulimit -f ${limitBlocks}; exec "$0" "$@"`,
        process.execPath,
        CLI,
        'prune',
        source,
        '-o',
        target,
        '--ratio',
        '0.5',
      ],
      {
        encoding: 'utf8',
      },
    );
    assert.notEqual(run.status, 0, 'the prune fails');
    assert.equal(sha(target), oldSha, 'the old file is intact');
    if (run.status === 2) {
      // Node reports the failed write (EFBIG) as an error: the writer removed its temporary file, and the
      // message names the file that could not be written (not the model being pruned, not the temp file).
      assert.match(
        run.stderr,
        /cannot write \S*target\.onnx: the file would be larger than this system allows/,
      );
      assert.match(run.stderr, /the file there is unchanged/);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
      );
    }
    console.log(
      `file-size limit: exit ${run.status ?? run.signal}, stderr: ${run.stderr.trim().split('\n')[0]}`,
    );
  });
});
