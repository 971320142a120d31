import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { runModel } from '../builder/runtime';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from '../runtime/workerBundle';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');
const dir = tempDir();

describe('onnx-pruner prune and plan', () => {
  test('prune --ratio 0.5 writes a smaller model that runs with the same input and output shapes', async () => {
    const out = join(dir, 'half.onnx');
    const run = await cli('prune', SAMPLE, '-o', out, '--ratio', '0.5');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /G6\s+\/tail\/tail\.0\/tail\.0\.0\/Conv\s+128 → 64\s+16 of 32 units removed/);
    assert.match(run.stdout, /G8 .* kept: it reaches the graph output 'output'/);
    const before = JSON.parse((await cli('inspect', SAMPLE, '--json')).stdout);
    const after = JSON.parse((await cli('inspect', out, '--json')).stdout);
    assert.ok(after.parameters < before.parameters / 3, `${after.parameters} < ${before.parameters} / 3`);
    assert.deepEqual(after.inputs, before.inputs);
    assert.deepEqual(after.outputs, before.outputs);
    const result = await runModel(out, {
      input: { dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).fill(0.5) },
    });
    assert.deepEqual(result.output.dims, [1, 3, 128, 128]);
  });

  test('--ratio 0 re-saves the model unchanged', async () => {
    const out = join(dir, 'same.onnx');
    assert.equal((await cli('prune', SAMPLE, '-o', out, '--ratio', '0')).code, 0);
    assert.ok(readFileSync(out).equals(readFileSync(SAMPLE)));
  });

  test('plan writes an editable plan; prune --plan gives the same model as --ratio', async () => {
    const plan = join(dir, 'sample.prune.json');
    const written = await cli('plan', SAMPLE, '--ratio', '0.25', '-o', plan);
    assert.equal(written.code, 0, written.stderr);
    const parsed = JSON.parse(readFileSync(plan, 'utf8'));
    assert.equal(parsed.ratio, 0.25);
    assert.match(parsed.modelSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(parsed.layers['/tail/tail.0/tail.0.0/Conv'], { prune: 32 });
    assert.equal((await cli('analyze', SAMPLE, '--plan', plan)).code, 0, 'the plan has no errors');
    const a = join(dir, 'by-plan.onnx');
    const b = join(dir, 'by-ratio.onnx');
    assert.equal((await cli('prune', SAMPLE, '-o', a, '--plan', plan)).code, 0);
    assert.equal((await cli('prune', SAMPLE, '-o', b, '--ratio', '0.25')).code, 0);
    assert.ok(readFileSync(a).equals(readFileSync(b)));
  });

  test('a plan with errors is refused with its first finding, line and column', async () => {
    const plan = join(dir, 'bad.prune.json');
    writeFileSync(
      plan,
      '{\n  "model": "edsr-x4.onnx",\n  "layers": { "/tail/tail.0/tail.0.0/Conv": { "prune": 6 } }\n}\n',
    );
    const run = await cli('prune', SAMPLE, '-o', join(dir, 'never.onnx'), '--plan', plan);
    assert.equal(run.code, 2);
    assert.equal(existsSync(join(dir, 'never.onnx')), false);
    // Whole-block checks need the model: the plan itself is valid JSON, so the prune reports the block error.
    assert.match(run.stderr, /bad\.prune\.json:3:56: PL001 .*whole blocks/);
  });

  test('usage errors: both or neither of --ratio and --plan, bad numbers, overwriting the input', async () => {
    assert.equal((await cli('prune', SAMPLE, '-o', join(dir, 'x.onnx'))).code, 2);
    assert.equal((await cli('prune', SAMPLE, '-o', join(dir, 'x.onnx'), '--ratio', '1.5')).code, 2);
    assert.equal(
      (await cli('prune', SAMPLE, '-o', join(dir, 'x.onnx'), '--ratio', '0.5', '--criterion', 'magic')).code,
      2,
    );
    const self = await cli('prune', SAMPLE, '-o', SAMPLE, '--ratio', '0.5');
    assert.equal(self.code, 2);
    assert.match(self.stderr, /new file/);
  });

  test('--exclude leaves a layer alone', async () => {
    const out = join(dir, 'excluded.onnx');
    const run = await cli(
      'prune',
      SAMPLE,
      '-o',
      out,
      '--ratio',
      '0.5',
      '--exclude',
      '/tail/tail.0/tail.0.0/Conv',
    );
    assert.match(run.stdout, /G6 .* kept: excluded/);
  });
});

describe('onnx-pruner demo and prune --verify', () => {
  useFreshWorker();
  test('demo analyses, prunes and verifies the sample', async () => {
    const out = join(dir, 'demo');
    const run = await cli('demo', '--out', out);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /PS001/);
    assert.match(run.stdout, /PASS: same inputs and outputs/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(report.verify.passed, true);
    assert.equal(report.prune.removedChannels, 208);
  });
});
