import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../support/cli';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');

describe('onnx-pruner inspect', () => {
  test('--json gives the contract fields for the sample model', async () => {
    const run = await cli('inspect', SAMPLE, '--json');
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout);
    assert.equal(s.irVersion, 8);
    assert.deepEqual(s.opsets, { '': 17 });
    assert.equal(s.producer.name, 'onnx-pruner-sample');
    assert.equal(s.nodes, 24);
    assert.equal(s.ops.DepthToSpace, 2);
    assert.equal(s.ops.Conv, 13);
    assert.deepEqual(s.inputs, [{ name: 'input', dtype: 'float', shape: ['N', 3, 32, 32] }]);
    assert.deepEqual(s.outputs, [{ name: 'output', dtype: 'float', shape: ['N', 3, 128, 128] }]);
    assert.equal(s.parameters * 4, s.initializerBytes, 'all weights are float32 initializers');
    // 3×3 convs with bias at batch 1: output elements × (Cin × 9 + 1). Head 3→32 and nine 32→32 body convs at
    // 32×32, 32→128 at 32×32 and 32→128 at 64×64 before each pixel shuffle, tail 32→3 at 128×128.
    const conv = (pixels: number, cin: number, cout: number) => pixels * cout * (cin * 9 + 1);
    const macs =
      conv(32 * 32, 3, 32) +
      9 * conv(32 * 32, 32, 32) +
      conv(32 * 32, 32, 128) +
      conv(64 * 64, 32, 128) +
      conv(128 * 128, 32, 3);
    assert.equal(s.macs, macs);
    assert.deepEqual(s.macsUncounted, []);
    assert.deepEqual(s.externalData, []);
    assert.deepEqual(s.weightOrigins, { initializer: 26 }, '13 convs: weight and bias each');
  });

  test('the text form lists the summary and the operator histogram', async () => {
    const run = await cli('inspect', SAMPLE);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /IR version\s+8/);
    assert.match(run.stdout, /Opsets\s+ai\.onnx 17/);
    assert.match(run.stdout, /input {2}float \[N, 3, 32, 32\]/);
    assert.match(run.stdout, /DepthToSpace\s+2/);
    assert.match(run.stdout, /MACs\s+289,751,040 \(batch 1\)/);
  });

  test('usage errors exit with 2', async () => {
    assert.equal((await cli('inspect')).code, 2);
    assert.equal((await cli('frobnicate', SAMPLE)).code, 2);
    assert.equal((await cli('inspect', SAMPLE, '--no-such-flag')).code, 2);
  });

  test('the installed binary answers --help and --version', () => {
    const help = spawnSync(process.execPath, [resolve('bin/onnx-pruner.js'), '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: onnx-pruner/);
    assert.match(help.stdout, /inspect/);
    const version = spawnSync(process.execPath, [resolve('bin/onnx-pruner.js'), '--version'], {
      encoding: 'utf8',
    });
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });
});
