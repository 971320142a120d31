// The files a command writes are the files it lists, named by us, never by the model (issue 12): a model
// whose external data `location` is `.git/config` pruned into another folder must not write `.git/config`
// there; reports and plans replace a link planted at their name instead of writing through it; a FIFO named
// as a model or its data is refused at once instead of blocking.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ModelBuilder, writeBuilt } from '../builder';
import type { Built } from '../builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

useFreshWorker();
const root = tempDir();
let folders = 0;
const folder = (): string => {
  const dir = join(root, `f${folders++}`);
  mkdirSync(dir);
  return dir;
};

/** Two convs whose weights live in the external file `location` (any name the model likes). */
function externalChain(location: string): Built {
  const b = new ModelBuilder({ opset: 17, seed: 9 });
  const x = b.input('x', [1, 3, 8, 8]);
  const y = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/c1/Conv' }));
  b.output(b.conv(y, 4, { kernel: 3, pads: 1, name: '/c2/Conv' }));
  return b.build({ externalData: { location, threshold: 0 } });
}

/** Every file under `dir`, relative, links and hidden files included. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tree(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** The files a run's text output lists on its `Wrote …` lines. */
function listed(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('Wrote '))
    .flatMap((line) => line.slice('Wrote '.length).replace(/\.$/, '').split(', '));
}

describe('files a command writes', () => {
  const model = writeBuilt(folder(), 'model.onnx', externalChain('.git/config'));

  for (const ratio of ['0', '0.5']) {
    test(`prune --ratio ${ratio} into an empty folder writes exactly the files it lists, named after -o`, async () => {
      const out = folder();
      const report = join(out, 'report.json');
      const run = await cli(
        'prune',
        model,
        '-o',
        join(out, 'small.onnx'),
        '--ratio',
        ratio,
        '--report',
        report,
      );
      assert.equal(run.code, 0, run.stderr);
      const files = listed(run.stdout);
      assert.deepEqual(tree(out).sort(), ['report.json', 'small.onnx', 'small.onnx.data']);
      assert.deepEqual(files.map((f) => f.slice(out.length + 1)).sort(), tree(out).sort());
      assert.deepEqual(JSON.parse(readFileSync(report, 'utf8')).files.sort(), files.sort());
      const pruned = await cli('inspect', join(out, 'small.onnx'), '--json');
      assert.deepEqual(JSON.parse(pruned.stdout).externalData, ['small.onnx.data']);
    });
  }

  test('a file the model names in the output folder is left alone', async () => {
    const out = folder();
    mkdirSync(join(out, '.git'));
    writeFileSync(join(out, '.git', 'config'), '[core]\n');
    const run = await cli('prune', model, '-o', join(out, 'small.onnx'), '--ratio', '0');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(join(out, '.git', 'config'), 'utf8'), '[core]\n');
    assert.deepEqual(listed(run.stdout).sort(), [join(out, 'small.onnx'), join(out, 'small.onnx.data')]);
  });

  test('fix into an empty folder writes exactly the files it lists, named after -o', async () => {
    const b = new ModelBuilder({ opset: 13, seed: 4 });
    const x = b.input('x', [1, 3, 8, 8]);
    b.output(b.depthToSpace(b.conv(x, 8, { kernel: 3, pads: 1 }), 2)); // DepthToSpace without a mode: PS003
    const path = writeBuilt(
      folder(),
      'model.onnx',
      b.build({ externalData: { location: '.git/config', threshold: 0 } }),
    );
    const out = folder();
    const run = await cli('fix', path, '--code', 'PS003', '-o', join(out, 'fixed.onnx'));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(tree(out).sort(), ['fixed.onnx', 'fixed.onnx.data']);
    assert.deepEqual(listed(run.stdout).sort(), [join(out, 'fixed.onnx'), join(out, 'fixed.onnx.data')]);
  });

  test('prune --report and verify --report replace a link planted at their name', async () => {
    const model = writeBuilt(folder(), 'model.onnx', externalChain('weights.bin'));
    const out = folder();
    const victim = join(folder(), 'victim.txt');
    writeFileSync(victim, 'keep me');
    for (const name of ['prune.json', 'prune.md', 'verify.json']) symlinkSync(victim, join(out, name));
    const pruned = join(out, 'small.onnx');
    const prune = await cli(
      'prune',
      model,
      '-o',
      pruned,
      '--ratio',
      '0.5',
      '--report',
      join(out, 'prune.json'),
      '--report-md',
      join(out, 'prune.md'),
    );
    assert.equal(prune.code, 0, prune.stderr);
    const verify = await cli(
      'verify',
      model,
      pruned,
      '--runs',
      '1',
      '--warmup',
      '0',
      '--report',
      join(out, 'verify.json'),
    );
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    for (const name of ['prune.json', 'prune.md', 'verify.json'])
      assert.ok(lstatSync(join(out, name)).isFile(), name);
    assert.equal(JSON.parse(readFileSync(join(out, 'verify.json'), 'utf8')).passed, true);
  });

  test('plan never writes through a link planted under a temporary name', async () => {
    const out = folder();
    const victim = join(folder(), 'victim.txt');
    writeFileSync(victim, 'keep me');
    const plan = join(out, 'model.prune.json');
    // The old writer's temporary name was predictable: `<plan>.<pid>.tmp`.
    symlinkSync(victim, `${plan}.${process.pid}.tmp`);
    const run = await cli('plan', model, '-o', plan);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(JSON.parse(readFileSync(plan, 'utf8')).layers);
  });
});

describe('a FIFO named as a model or as its data', { skip: process.platform === 'win32' }, () => {
  /** Runs the built CLI in a child: a blocking open would hang it, so a time limit far above a normal run. */
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [resolve('bin/onnx-pruner.js'), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  test('is refused at once with exit 2, not waited on', () => {
    const dir = folder();
    const path = writeBuilt(dir, 'model.onnx', externalChain('weights.bin'));
    spawnSync('rm', [join(dir, 'weights.bin')]);
    assert.equal(spawnSync('mkfifo', [join(dir, 'weights.bin'), join(dir, 'pipe.onnx')]).status, 0);
    const external = run('inspect', path);
    assert.equal(external.status, 2, external.stderr);
    assert.match(external.stderr, /weights\.bin.*named pipe/);
    const model = run('inspect', join(dir, 'pipe.onnx'));
    assert.equal(model.status, 2, model.stderr);
    assert.match(model.stderr, /pipe\.onnx is a named pipe \(FIFO\), not an ONNX model file/);
  });
});
