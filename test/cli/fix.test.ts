import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { randomInputs, runModel } from '../builder/runtime';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const dir = tempDir();

describe('onnx-pruner fix', () => {
  for (const name of [
    'rtr-crd-static',
    'rtr-dcr-static',
    'rtr-crd-dynamic',
    'rtr-dcr-dynamic',
    'x4-two-stages',
  ] as const) {
    test(`PS002 rewrites the pixel shuffle of ${name} as DepthToSpace, computing the same outputs`, async () => {
      const built = buildFixture(name);
      const path = writeBuilt(join(dir, name), 'model.onnx', built);
      const out = join(dir, name, 'fixed.onnx');
      const run = await cli('fix', path, '--code', 'PS002', '-o', out);
      if (name === 'rtr-crd-static') {
        // opset 9 has no CRD DepthToSpace: refused with the reason.
        assert.equal(run.code, 2);
        assert.match(run.stderr, /only from opset 11/);
        return;
      }
      assert.equal(run.code, 0, run.stderr);
      const after = JSON.parse((await cli('inspect', out, '--json')).stdout);
      assert.equal(after.ops.Transpose, undefined, 'the Transpose is gone');
      assert.equal(after.ops.Reshape, undefined, 'the Reshapes are gone');
      assert.equal(after.ops.Shape, undefined, 'the shape computations are gone');
      assert.ok(after.ops.DepthToSpace >= 1);
      const analysis = JSON.parse((await cli('analyze', out, '--format', 'json')).stdout);
      assert.ok(!analysis.diagnostics.some((d: { code: string }) => d.code === 'PS002'));
      const feeds = randomInputs(built, 2);
      assert.deepEqual(await runModel(out, feeds), await runModel(path, feeds));
    });
  }

  test('PS003 makes mode="DCR" explicit and changes nothing else', async () => {
    const built = buildFixture('d2s-nomode');
    const path = writeBuilt(join(dir, 'nomode'), 'model.onnx', built);
    const out = join(dir, 'nomode', 'fixed.onnx');
    assert.equal((await cli('fix', path, '--code', 'ps003', '-o', out)).code, 0);
    const analysis = JSON.parse((await cli('analyze', out, '--format', 'json')).stdout);
    assert.ok(!analysis.diagnostics.some((d: { code: string }) => d.code === 'PS003'));
    const feeds = randomInputs(built, 2);
    assert.deepEqual(await runModel(out, feeds), await runModel(path, feeds));
  });

  test('codes without a model fix, and models without the finding, are refused', async () => {
    const sample = resolve('media/sample/edsr-x4.onnx');
    assert.equal((await cli('fix', sample, '--code', 'PL001', '-o', join(dir, 'x.onnx'))).code, 2);
    const none = await cli('fix', sample, '--code', 'PS002', '-o', join(dir, 'x.onnx'));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no PS002 finding/);
  });
});
