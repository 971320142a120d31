// onnx-pruner sensitivity: each group pruned alone at each ratio, fidelity to the original, deterministic.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Built, buildFixture, writeBuilt } from '../builder';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { formatSensitivity, measureSensitivity } from '../../src/runtime/sensitivity';
import { useFreshWorker } from './workerBundle';

const dir = tempDir();
useFreshWorker();

describe('sensitivity', () => {
  const built = buildModel([1, 3, 12, 12], (b, x) =>
    conv3(b, b.relu(conv3(b, b.relu(conv3(b, x, 8, '/a/Conv')), 8, '/b/Conv')), 3, '/c/Conv'),
  );
  const model = join(dir, 'three.onnx');
  writeFileSync(model, built.bytes);

  test('every group at every ratio, with fidelity and MACs; the same figures for the same seed', async () => {
    const run = () =>
      cli('sensitivity', model, '--ratios', '0.25,0.5', '--samples', '2', '--seed', '3', '--json');
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.deepEqual(
      report.rows.map((r: { roots: string[]; ratio: number; removedChannels: number }) => [
        r.roots[0],
        r.ratio,
        r.removedChannels,
      ]),
      [
        ['/a/Conv', 0.25, 2],
        ['/a/Conv', 0.5, 4],
        ['/b/Conv', 0.25, 2],
        ['/b/Conv', 0.5, 4],
      ],
    );
    for (const row of report.rows) {
      assert.ok(row.macs < 1);
      const [output] = row.outputs;
      assert.equal(output.kind, 'image');
      assert.ok(Number.isFinite(output.psnr) && output.psnr > 0);
    }
    // Cutting more of a layer never makes it closer to the original here.
    assert.ok(report.rows[1].outputs[0].psnr < report.rows[0].outputs[0].psnr);
    assert.match(report.inputs, /weak estimate/);
    const second = await run();
    assert.equal(second.stdout, first.stdout);
    const text = await cli('sensitivity', model, '--ratios', '0.5', '--samples', '1');
    assert.match(text.stdout, /\/b\/Conv\s+0\.50\s+4 of 8\s+\d+\.\d %\s+output: PSNR \d+\.\d\d dB/);
    assert.equal((await cli('sensitivity', model, '--ratios', '1.5')).code, 2);
  });

  test('--groups N measures the N groups whose layers hold the most MACs, with the figures of a full run', async () => {
    const args = ['sensitivity', model, '--ratios', '0.25,0.5', '--samples', '2', '--seed', '3'];
    const full = JSON.parse((await cli(...args, '--json')).stdout);
    assert.deepEqual(full.coverage, { measured: 2, prunable: 2, macsShare: 1 });
    // /a (3→8) runs through /a and /b: 32,256 + 84,096 MACs; /b (8→8) through /b and /c: 84,096 + 31,536.
    const one = await cli(...args, '--groups', '1', '--json');
    assert.equal(one.code, 0, one.stderr);
    const report = JSON.parse(one.stdout);
    assert.equal(report.coverage.measured, 1);
    assert.ok(Math.abs(report.coverage.macsShare - 116_352 / 147_888) < 1e-12);
    assert.deepEqual(
      report.rows,
      full.rows.filter((r: { roots: string[] }) => r.roots[0] === '/a/Conv'),
    );
    const text = await cli(...args, '--groups', '1');
    assert.match(
      text.stdout,
      /groups: the 1 of 2 prunable with the most MACs, whose layers hold 78\.7 % of the prunable layers' MACs; the others are left alone/,
    );
    assert.match((await cli(...args)).stdout, /groups: all 2 prunable/);
    const refused = await cli(...args, '--groups', '0');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--groups must be an integer ≥ 1 or 'all', not '0'/);
  });

  test('a graph past the node limit is measured unoptimised: the same figures to rounding', async () => {
    const options = { ratios: [0.5], samples: 2, seed: 3 };
    const optimised = await measureSensitivity(model, options);
    const plain = await measureSensitivity(model, { ...options, optimiseUpToNodes: 4 });
    assert.equal(optimised.graphOptimization, 'all');
    assert.equal(plain.graphOptimization, 'disabled');
    assert.equal(plain.rows.length, optimised.rows.length);
    plain.rows.forEach((row, i) => {
      const reference = optimised.rows[i];
      assert.deepEqual({ ...row, outputs: [] }, { ...reference, outputs: [] });
      const [a, b] = [row.outputs[0], reference.outputs[0]];
      assert.ok(
        Math.abs(a.psnr! - b.psnr!) < 0.01 && Math.abs(a.cosine - b.cosine) < 1e-6,
        `${a.psnr} ${b.psnr}`,
      );
    });
    assert.match(formatSensitivity(plain), /ONNX Runtime graph optimisations off/);
    assert.doesNotMatch(formatSensitivity(optimised), /optimisations off/);
  });

  // Pixel shuffles, residual and concatenated channels, grouped and depthwise convs, a Gemm after a flatten, a
  // producer's weight in a Constant node, weights made by ConstantOfShape (the probe fills them and makes
  // them inputs), typed fields and external data; and a consumer's weight in a
  // Constant node, which no probe input holds: the variants that mask it are written and loaded.
  const cases: [string, () => Built][] = [
    ...(<const>[
      'residual-add',
      'concat-branches',
      'depthwise',
      'grouped-conv',
      'flatten-gemm',
      'd2s-crd',
      'edsr-x4',
      'constant-node-weight',
      'constant-of-shape-weights',
      'typed-fields',
      'external-data',
    ]).map((name): [string, () => Built] => [name, () => buildFixture(name)]),
    [
      'consumer-weight-in-constant',
      () =>
        buildModel([1, 3, 8, 8], (b, x) => {
          const y = b.relu(conv3(b, x, 8, '/a/Conv'));
          const z = b.relu(
            b.conv(y, 8, { kernel: 3, pads: 1, weightSource: 'constant-node', name: '/b/Conv' }),
          );
          return conv3(b, z, 3, '/c/Conv');
        }),
    ],
  ];
  for (const [name, build] of cases) {
    test(`${name}: variants measured as masks on one session agree with the pruned files to rounding`, async () => {
      const path = writeBuilt(dir, `${name}.onnx`, build());
      const options = { ratios: [0.25, 0.5], samples: 2, seed: 3 };
      const masks = await measureSensitivity(path, options);
      const files = await measureSensitivity(path, { ...options, variants: 'files' });
      const rows = masks.rows.length;
      assert.ok(rows > 0);
      assert.deepEqual(files.variants, { masked: 0, pruned: rows });
      if (name === 'consumer-weight-in-constant') {
        // /a's variants mask /b's Constant weight; /b's mask /c's initializer.
        assert.deepEqual(masks.variants, { masked: rows / 2, pruned: rows / 2 });
      } else assert.deepEqual(masks.variants, { masked: rows, pruned: 0 });
      masks.rows.forEach((row, i) => {
        const file = files.rows[i];
        assert.deepEqual({ ...row, outputs: [] }, { ...file, outputs: [] });
        assert.equal(row.outputs.length, file.outputs.length);
        row.outputs.forEach((a, k) => {
          const b = file.outputs[k];
          const what = `${row.roots[0]} at ${row.ratio}, ${a.name}: ${a.psnr} / ${b.psnr} dB, cosine ${a.cosine} / ${b.cosine}`;
          assert.ok(Math.abs(a.cosine - b.cosine) < 1e-5, what);
          if (a.psnr !== undefined && Number.isFinite(a.psnr))
            assert.ok(Math.abs(a.psnr - b.psnr!) < 0.05, what);
          else assert.equal(a.psnr, b.psnr, what);
        });
      });
    });
  }

  test('plan --from-sensitivity turns the figures into per-layer amounts for a MACs target', async () => {
    const figures = join(dir, 'sensitivity.json');
    const run = await cli('sensitivity', model, '--ratios', '0.25,0.5', '--samples', '2', '-o', figures);
    assert.equal(run.code, 0, run.stderr);
    const plan = join(dir, 'three.prune.json');
    const planned = await cli(
      'plan',
      model,
      '--from-sensitivity',
      figures,
      '--target-macs',
      '0.8',
      '-o',
      plan,
    );
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /layers cut, predicted MACs \d+\.\d % of the original/);
    const layers = JSON.parse(readFileSync(plan, 'utf8')).layers;
    assert.ok(Object.keys(layers).length >= 1);
    const pruned = await cli('prune', model, '--plan', plan, '-o', join(dir, 'three.pruned.onnx'));
    assert.equal(pruned.code, 0, pruned.stderr);
    const hostile = join(dir, 'hostile.json');
    writeFileSync(hostile, JSON.stringify({ rows: [{ roots: [1], ratio: 'x' }] }));
    const refused = await cli(
      'plan',
      model,
      '--from-sensitivity',
      hostile,
      '--target-macs',
      '0.8',
      '-o',
      plan,
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /hostile\.json is not the JSON of onnx-pruner sensitivity --json/);
  });
});
