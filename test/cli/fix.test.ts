import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { buildFixture } from '../builder/fixtures';
import { computedClassifierWeight, transposedConvWeight } from '../builder/fixtures-shapes';
import { writeBuilt } from '../builder/model-builder';
import { randomInputs, runModel } from '../builder/runtime';
import { openModel } from '../../src/core/onnx/reader';
import { useFreshWorker } from '../runtime/workerBundle';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
useFreshWorker(); // the prune of a folded model is verified in ONNX Runtime

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

  const FOLDS = [
    { weight: 'reshaped', op: 'Reshape', node: '/classifier/w_reshape', legacy: false },
    { weight: 'reshaped', op: 'Reshape', node: '/classifier/w_reshape', legacy: true },
    { weight: 'transposed', op: 'Transpose', node: '/classifier/w_transpose', legacy: false },
  ] as const;
  for (const { weight, op, node, legacy } of FOLDS) {
    const name = `${weight}${legacy ? '-ir3' : ''}`;
    test(`PR001 folds a weight ${weight} at run time into an initializer${legacy ? ' (IR 3: declared as an input too)' : ''}, computing the same outputs`, async () => {
      const built = computedClassifierWeight(weight, legacy);
      const path = writeBuilt(join(dir, name), 'model.onnx', built);
      const before = JSON.parse((await cli('analyze', path, '--format', 'json')).stdout);
      const finding = before.diagnostics.find((d: { code: string }) => d.code === 'PR001');
      assert.deepEqual(finding.fixes, [
        { id: 'PR001.fold-weight', title: `Fold ${op} '${node}' into an initializer`, kind: 'model' },
      ]);
      const out = join(dir, name, 'fixed.onnx');
      const run = await cli('fix', path, '--code', 'PR001', '-o', out);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /PR001 fixed at '\/classifier\/MatMul'/);
      const after = JSON.parse((await cli('inspect', out, '--json')).stdout);
      assert.equal(after.ops[op], undefined, `the ${op} is gone`);
      const analysis = JSON.parse((await cli('analyze', out, '--format', 'json')).stdout);
      assert.ok(!analysis.diagnostics.some((d: { code: string }) => d.code === 'PR001'));
      const conv = analysis.groups.find((g: { roots: string[] }) => g.roots.includes('/features/Conv'));
      assert.equal(conv.prunable, true, 'the conv before the classifier prunes');
      if (legacy) {
        // IR 3 requires every initializer to be a graph input too: the folded one is declared like the others.
        const file = openModel(out);
        const graph = file.proto.graph!;
        assert.equal(file.proto.ir_version?.toString(), '3');
        const inputs = new Set(graph.input!.map((i) => i.name));
        assert.deepEqual(
          graph.initializer!.filter((t) => !inputs.has(t.name)).map((t) => t.name),
          [],
        );
        file.close();
      }
      const feeds = randomInputs(built, 2);
      assert.deepEqual(await runModel(out, feeds), await runModel(path, feeds));
      // And its prune verifies against the masked original in ONNX Runtime.
      const pruned = join(dir, name, 'pruned.onnx');
      const prune = await cli('prune', out, '--ratio', '0.5', '-o', pruned, '--verify');
      assert.equal(prune.code, 0, prune.stderr + prune.stdout);
    });
  }

  test('PR003 folds a conv kernel transposed at run time, and both groups around the conv then prune', async () => {
    const built = transposedConvWeight();
    const path = writeBuilt(join(dir, 'conv-kernel'), 'model.onnx', built);
    const before = JSON.parse((await cli('analyze', path, '--format', 'json')).stdout);
    const finding = before.diagnostics.find((d: { code: string }) => d.code === 'PR003');
    assert.match(finding.message, /its weight is Transpose '[^']+' of the constant '[^']+' at run time/);
    assert.equal(finding.fixes[0].id, 'PR003.fold-weight');
    const groupOf = (a: { groups: { roots: string[]; prunable: boolean }[] }, root: string) =>
      a.groups.find((g) => g.roots.includes(root));
    assert.equal(groupOf(before, '/conv1/Conv')?.prunable, false, "conv1's channels feed the locked conv");
    assert.equal(groupOf(before, '/conv2/Conv'), undefined, 'conv2 roots no group');
    const out = join(dir, 'conv-kernel', 'fixed.onnx');
    const run = await cli('fix', path, '--code', 'PR003', '-o', out);
    assert.equal(run.code, 0, run.stderr);
    const after = JSON.parse((await cli('analyze', out, '--format', 'json')).stdout);
    assert.ok(!after.diagnostics.some((d: { code: string }) => d.code === 'PR003'));
    assert.equal(groupOf(after, '/conv1/Conv')?.prunable, true);
    assert.equal(groupOf(after, '/conv2/Conv')?.prunable, true);
    const feeds = randomInputs(built, 2);
    assert.deepEqual(await runModel(out, feeds), await runModel(path, feeds));
    const prune = await cli(
      'prune',
      out,
      '--ratio',
      '0.5',
      '-o',
      join(dir, 'conv-kernel', 'pruned.onnx'),
      '--verify',
    );
    assert.equal(prune.code, 0, prune.stderr + prune.stdout);
  });

  test('PR001 offers no fold for a weight cast at run time, and fix refuses it', async () => {
    const path = writeBuilt(join(dir, 'cast'), 'model.onnx', computedClassifierWeight('cast'));
    const analysis = JSON.parse((await cli('analyze', path, '--format', 'json')).stdout);
    const finding = analysis.diagnostics.find((d: { code: string }) => d.code === 'PR001');
    assert.match(finding.message, /takes its weight from Cast '\/classifier\/w_cast'/);
    assert.deepEqual(finding.fixes, []);
    const run = await cli('fix', path, '--code', 'PR001', '-o', join(dir, 'cast', 'fixed.onnx'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no PR001 finding with a weight to fold to fix/);
  });

  test('codes without a model fix, and models without the finding, are refused', async () => {
    const sample = resolve('media/sample/edsr-x4.onnx');
    assert.equal((await cli('fix', sample, '--code', 'PL001', '-o', join(dir, 'x.onnx'))).code, 2);
    const none = await cli('fix', sample, '--code', 'PS002', '-o', join(dir, 'x.onnx'));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no PS002 finding/);
  });
});
