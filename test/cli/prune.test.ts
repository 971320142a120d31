import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { runModel } from '../builder/runtime';
import { applyEdits } from '../../src/core/plan';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from '../runtime/workerBundle';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');
const dir = tempDir();
useFreshWorker(); // one ONNX Runtime worker bundle for every verification in this file

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

  test('plan --target-macs writes the counts the MACs target selects; prune --plan then meets the target', async () => {
    const plan = join(dir, 'macs.prune.json');
    const written = await cli('plan', SAMPLE, '--target-macs', '0.5', '-o', plan);
    assert.equal(written.code, 0, written.stderr);
    const parsed = JSON.parse(readFileSync(plan, 'utf8'));
    assert.ok(parsed.ratio > 0 && parsed.ratio < 0.99, `the ratio the search came to: ${parsed.ratio}`);
    const byPlan = join(dir, 'macs-by-plan.onnx');
    const byTarget = join(dir, 'macs-by-target.onnx');
    assert.equal((await cli('prune', SAMPLE, '-o', byPlan, '--plan', plan)).code, 0);
    assert.equal((await cli('prune', SAMPLE, '-o', byTarget, '--target-macs', '0.5')).code, 0);
    assert.ok(
      readFileSync(byPlan).equals(readFileSync(byTarget)),
      'the plan prunes what --target-macs prunes',
    );
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
  test('demo analyses, prunes and verifies the sample', async () => {
    const out = join(dir, 'demo');
    const run = await cli('demo', '--out', out);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /PS001/);
    assert.match(run.stdout, /PASS: same inputs and outputs/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(report.verify.passed, true);
    assert.equal(report.removedChannels, 208);
    const g6 = report.groups.find((g: { group: string }) => g.group === 'G6');
    const weight = g6.removed.find(
      (r: { tensor: string; axis: number }) => r.tensor === 'tail.0.0.weight' && r.axis === 0,
    );
    assert.equal(weight.indices.length, 64, 'whole blocks of 4: 16 blocks');
    assert.ok(
      weight.indices.every(
        (i: number, k: number) => Math.floor(i / 4) === Math.floor(weight.indices[k - (k % 4)] / 4),
      ),
    );
    assert.ok(report.metrics.after.macs < report.metrics.before.macs / 3);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(markdown, /\| MACs \(batch 1\) \| 289,751,040 \| 76,480,512 \|/);
    assert.match(markdown, /\*\*PASS\*\*/);
    // Fidelity with and without reconstruction, fitted on four pictures, held out on two.
    assert.match(run.stdout, /held-out split: coffee-crop\.png, rocket-crop\.png/);
    const psnr = (label: string, split: string) =>
      report.quality.fidelity.find(
        (m: { label: string; split: string }) => m.label === label && m.split === split,
      ).outputs[0].psnr as number;
    assert.ok(psnr('reconstructed', 'held-out') > psnr('plain prune', 'held-out') + 10);
    assert.match(markdown, /\| reconstructed \| held-out \| `output` \| \d+\.\d\d dB \|/);
  });
});

describe('prune edge cases', () => {
  test('a model whose groups are all locked is re-saved unchanged, and says why', async () => {
    const built = buildFixture('plain-chain');
    const path = writeBuilt(join(dir, 'locked'), 'model.onnx', built);
    const out = join(dir, 'locked', 'out.onnx');
    const all = '/conv1/Conv,/conv2/Conv,/conv3/Conv';
    const run = await cli('prune', path, '-o', out, '--ratio', '0.5', '--exclude', all);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Nothing removed: every group is locked, excluded or too small/);
    assert.ok(readFileSync(out).equals(readFileSync(path)));
  });

  test('an external-data model stays an external-data model through pruning', async () => {
    const built = buildFixture('external-data');
    const path = writeBuilt(join(dir, 'external'), 'model.onnx', built);
    const out = join(dir, 'external', 'pruned.onnx');
    // --align 1: the fixture's few channels are off any channel block, and this test is about data that changes.
    assert.equal((await cli('prune', path, '-o', out, '--ratio', '0.5', '--align', '1')).code, 0);
    const summary = JSON.parse((await cli('inspect', out, '--json')).stdout);
    assert.deepEqual(summary.externalData, ['pruned.onnx.data']);
    assert.ok(summary.storage.external > 0);
  });
});

describe('fixes lead to clean prunes', () => {
  test('the PL001 quick fix turns a refused plan into one that prunes', async () => {
    const plan = join(dir, 'fixme.prune.json');
    const text =
      '{\n  "model": "edsr-x4.onnx",\n  "layers": { "/tail/tail.0/tail.0.0/Conv": { "prune": 6 } }\n}\n';
    writeFileSync(plan, text);
    assert.equal((await cli('prune', SAMPLE, '-o', join(dir, 'no.onnx'), '--plan', plan)).code, 2);
    const report = JSON.parse((await cli('analyze', SAMPLE, '--plan', plan, '--format', 'json')).stdout);
    const fix = report.diagnostics.find((d: { code: string }) => d.code === 'PL001').fixes[0];
    writeFileSync(plan, applyEdits(text, fix.edits));
    const run = await cli('prune', SAMPLE, '-o', join(dir, 'fixed-plan.onnx'), '--plan', plan);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /G6\s+\/tail\/tail\.0\/tail\.0\.0\/Conv\s+128 → 124/);
  });

  test('a model fixed with PS002 prunes and verifies', async () => {
    const path = writeBuilt(join(dir, 'rtr'), 'model.onnx', buildFixture('rtr-dcr-static'));
    const fixed = join(dir, 'rtr', 'fixed.onnx');
    assert.equal((await cli('fix', path, '--code', 'PS002', '-o', fixed)).code, 0);
    const run = await cli(
      'prune',
      fixed,
      '-o',
      join(dir, 'rtr', 'pruned.onnx'),
      '--ratio',
      '0.5',
      '--verify',
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /PASS/);
  });
});

describe('global pruning and MACs targets', () => {
  test('--target-macs 0.5 brings the MACs to at most half, globally, and the result verifies', async () => {
    const out = join(dir, 'half-macs.onnx');
    const reportPath = join(dir, 'half-macs.json');
    const run = await cli(
      'prune',
      SAMPLE,
      '-o',
      out,
      '--target-macs',
      '0.5',
      '--verify',
      '--report',
      reportPath,
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    assert.ok(report.metrics.after.macs <= 0.5 * report.metrics.before.macs, `${report.metrics.after.macs}`);
    assert.ok(report.metrics.after.macs > 0.4 * report.metrics.before.macs, 'not much further than asked');
    assert.equal(report.verify.passed, true);
  });

  test('--global ranks all groups together: amounts differ between groups, the total matches the ratio', async () => {
    const out = join(dir, 'global.onnx');
    const reportPath = join(dir, 'global.json');
    assert.equal(
      (
        await cli(
          'prune',
          SAMPLE,
          '-o',
          out,
          '--ratio',
          '0.5',
          '--global',
          '--reduce',
          'max',
          '--report',
          reportPath,
        )
      ).code,
      0,
    );
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    const pruned = report.groups.filter((g: { skipped?: string }) => !g.skipped);
    const kept = new Set(
      pruned.map((g: { keptChannels: number; channels: number }) => g.keptChannels / g.channels),
    );
    assert.ok(kept.size > 1, 'groups keep different shares');
    const total = pruned.reduce((n: number, g: { channels: number }) => n + g.channels, 0);
    const removed = pruned.reduce(
      (n: number, g: { channels: number; keptChannels: number }) => n + g.channels - g.keptChannels,
      0,
    );
    assert.ok(Math.abs(removed / total - 0.5) < 0.05, `${removed} of ${total}`);
  });

  test('--reduce takes only mean, sum or max', async () => {
    assert.equal(
      (await cli('prune', SAMPLE, '-o', join(dir, 'r.onnx'), '--ratio', '0.5', '--reduce', 'median')).code,
      2,
    );
  });
});

describe("kept channel counts on the runtime's channel block", () => {
  test('--align says the block and why, and the groups it keeps whole say why too', async () => {
    const run = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 'aligned.onnx'),
      '--ratio',
      '0.25',
      '--align',
      '16',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /Channel counts: kept counts are multiples of 16 where the original count is: --align 16/,
    );
    assert.match(
      run.stdout,
      /\/head\/head\.0\/Conv.*32 → 32 +kept: removing 8 would leave 24 channels, off the 16-channel block/,
    );
    assert.match(run.stdout, /\/tail\/tail\.0\/tail\.0\.0\/Conv +128 → 96/);
  });

  test("by default the machine's block is used and said; --round-to of one's own turns it off", async () => {
    const byDefault = await cli('prune', SAMPLE, '-o', join(dir, 'default.onnx'), '--ratio', '0.5');
    assert.match(byDefault.stdout, /Channel counts: /);
    const rounded = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 'rounded.onnx'),
      '--ratio',
      '0.25',
      '--round-to',
      '1',
    );
    assert.doesNotMatch(rounded.stdout, /Channel counts: /);
    assert.match(rounded.stdout, /\/head\/head\.0\/Conv.*32 → 24/);
  });

  test("a plan records the block and its reason, and a plan's alignTo is what a prune by it uses", async () => {
    const plan = join(dir, 'aligned.prune.json');
    assert.equal((await cli('plan', SAMPLE, '--ratio', '0.25', '--align', '16', '-o', plan)).code, 0);
    const written = JSON.parse(readFileSync(plan, 'utf8'));
    assert.equal(written.alignTo, 16);
    assert.equal(written.alignReason, '--align 16 was given');
    assert.deepEqual(written.layers['/head/head.0/Conv'], { prune: 0 }, 'kept whole, and the plan says so');
    assert.deepEqual(written.layers['/tail/tail.0/tail.0.0/Conv'], { prune: 32 });
    const ratioOnly = join(dir, 'ratio-only.prune.json');
    writeFileSync(ratioOnly, JSON.stringify({ model: 'edsr-x4.onnx', ratio: 0.25, alignTo: 1 }));
    const run = await cli('prune', SAMPLE, '-o', join(dir, 'by-plan.onnx'), '--plan', ratioOnly);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\/head\/head\.0\/Conv.*32 → 24/);
    assert.match(
      run.stdout,
      /Channel counts: kept channel counts are not aligned \(the plan's alignTo is 1\)\./,
    );
  });
});

describe('--target-latency', () => {
  test('searches ratios by timing real prunes, prunes at the one found, says every step, and verifies', async () => {
    const out = join(dir, 'latency.onnx');
    const cache = join(dir, 'cache');
    const run = await cli(
      'prune',
      SAMPLE,
      '-o',
      out,
      '--target-latency',
      '0.6',
      '--verify',
      '--cache-dir',
      cache,
    );
    assert.equal(run.code, 0, run.stderr);
    const line =
      /Latency target 0\.6: global ratio ([\d.]+) runs in ([\d.]+) of the original's time \(ONNX Runtime CPU, median of 20 paired runs per step; measured: (.*)\)\./.exec(
        run.stdout,
      );
    assert.ok(line, run.stdout);
    const steps = [...line[3].matchAll(/ratio ([\d.]+) → ([\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    assert.ok(steps.length >= 1 && steps.length <= 7, `${steps.length} measured steps`);
    assert.deepEqual(
      steps.find(([ratio]) => ratio === Number(line[1])),
      [Number(line[1]), Number(line[2])],
      'the ratio chosen is one that was measured',
    );
    assert.match(run.stdout, /PASS/);
    assert.ok(existsSync(out));
    assert.match(
      run.stdout,
      /importance per unit of latency saved, from the latency lookup table \(\d+ groups timed/,
    );
    assert.equal(readdirSync(cache).length, 1, 'the table is cached in --cache-dir');
  });

  test('--latency-table: kept counts from the table, measured once, then read from the cache', async () => {
    const cache = join(dir, 'table-cache');
    const first = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 't1.onnx'),
      '--ratio',
      '0.3',
      '--latency-table',
      '--cache-dir',
      cache,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /Latency lookup table: \d+ groups timed in ONNX Runtime at their candidate widths \(\d+ probes\)/,
    );
    const second = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 't2.onnx'),
      '--ratio',
      '0.3',
      '--latency-table',
      '--cache-dir',
      cache,
    );
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Latency lookup table: read from the cache/);
    assert.deepEqual(
      readFileSync(join(dir, 't2.onnx')),
      readFileSync(join(dir, 't1.onnx')),
      'the same table, the same prune',
    );
  });

  test('is one of the amounts: not with --ratio, and within [0.05, 1]', async () => {
    const both = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 'x.onnx'),
      '--ratio',
      '0.5',
      '--target-latency',
      '0.6',
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of --ratio, --target-macs, --target-latency or --plan/);
    const tiny = await cli('prune', SAMPLE, '-o', join(dir, 'x.onnx'), '--target-latency', '0.01');
    assert.equal(tiny.code, 2);
    assert.match(tiny.stderr, /--target-latency must be a number in \[0\.05, 1\]/);
  });
});
