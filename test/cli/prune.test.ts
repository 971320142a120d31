// The prune and plan commands: a ratio, a plan or --target-macs, usage errors, the demo with --verify, edge
// cases (all locked, external data), and fixes that turn refused plans and models into clean prunes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { buildFixture } from '../builder/fixtures';
import { buildModel, conv3 } from '../builder/fixture-kit';
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

  test('prune --json prints what --report writes as one JSON object, and no text', async () => {
    const out = join(dir, 'json');
    const path = writeBuilt(out, 'model.onnx', buildFixture('d2s-crd'));
    const report = join(out, 'report.json');
    const args = ['prune', path, '-o', join(out, 'pruned.onnx'), '--ratio', '0.5', '--verify'];
    const run = await cli(...args, '--json', '--report', report);
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout); // the whole of stdout: nothing before or after the object
    assert.deepEqual(printed, JSON.parse(readFileSync(report, 'utf8')));
    assert.equal(printed.verify.passed, true);
    assert.ok(printed.removedChannels > 0);
    assert.ok(printed.files.includes(report));
    // Without --json the same prune prints its text, which the JSON replaced.
    const text = await cli(...args);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /PASS: same inputs and outputs/);
    assert.throws(() => JSON.parse(text.stdout));
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

  test('the groups past the first hundred are summed up in one line; the report lists them all', async () => {
    const built = buildModel([1, 2, 4, 4], (b, x) => {
      let y = x;
      for (let i = 0; i < 105; i++) y = b.relu(conv3(b, y, 4, `/c${i}/Conv`));
      return y;
    });
    const path = writeBuilt(join(dir, 'long'), 'model.onnx', built);
    const report = join(dir, 'long', 'report.json');
    const markdown = join(dir, 'long', 'report.md');
    const run = await cli(
      'prune',
      path,
      '-o',
      join(dir, 'long', 'out.onnx'),
      '--ratio',
      '0.5',
      '--report',
      report,
      '--report-md',
      markdown,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ {2}G100 .* 4 → 2 /m);
    assert.doesNotMatch(run.stdout, /^ {2}G101 /m);
    // G101–G104 lose 2 of 4 channels each; G105 reaches the output and is kept.
    assert.match(
      run.stdout,
      /^ {2}… and 5 more groups: 4 pruned \(8 channels of the first roots removed\), 1 kept/m,
    );
    const json = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(json.groups.length, 105);
    // Every pruned group has its own removed slices (the weight and bias of its conv, the next conv's input).
    for (const g of json.groups.slice(0, 104)) assert.equal(g.removed.length, 3, g.group);
    const md = readFileSync(markdown, 'utf8');
    assert.match(md, /^\| G100 \|/m);
    assert.doesNotMatch(md, /^\| G101 \|/m);
    assert.match(md, /^… and 5 more groups: 4 pruned \(8 channels of the first roots removed\), 1 kept\.$/m);
  });

  test("the Markdown report names a group's first five roots and counts the others", async () => {
    // Eight convs summed into one residual stream: one group of eight roots.
    const built = buildModel([1, 2, 4, 4], (b, x) => {
      let y = conv3(b, x, 4, '/r0/Conv');
      for (let i = 1; i < 8; i++) y = b.add(y, conv3(b, b.relu(y), 4, `/r${i}/Conv`));
      return b.relu(conv3(b, y, 2, '/head/Conv'));
    });
    const path = writeBuilt(join(dir, 'residual'), 'model.onnx', built);
    const markdown = join(dir, 'residual', 'report.md');
    const out = join(dir, 'residual', 'out.onnx');
    const run = await cli('prune', path, '-o', out, '--ratio', '0.5', '--report-md', markdown);
    assert.equal(run.code, 0, run.stderr);
    const row = readFileSync(markdown, 'utf8')
      .split('\n')
      .find((l) => l.includes('`/r0/Conv`'));
    assert.ok(row, 'no row for the residual group');
    assert.match(row, /`\/r4\/Conv`, \+3 more \|/);
    assert.doesNotMatch(row, /\/r5\/Conv/);
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
