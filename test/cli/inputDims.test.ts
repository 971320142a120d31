// Symbolic input dims (a super-resolution net's 'height' and 'width') are sized 16 by default for random inputs:
// a timing at that size says little of the model at work (the corpus's ESPCN ran 1.16× slower pruned at 16×16,
// 1.43× faster at 480×640). The report says which dims were guessed, and --dim NAME=SIZE sizes them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { VerifyResult } from '../../src/runtime/verify/types';
import { buildFixture, writeBuilt } from '../builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { cli, pruneReportOf } from '../support/cli';
import { writeSymbolicSpatial } from '../support/symbolicModel';
import { tempDir } from '../support/tempDir';

useFreshWorker();
const dir = tempDir();
const FAST = ['--runs', '2', '--warmup', '0'];

const original = writeSymbolicSpatial(dir, 'symbolic.onnx');
const pruned = join(dir, 'symbolic.pruned.onnx');
/** `prune` of the symbolic model at 0.5 into `out` (in the test folder). */
const prune = (out: string, ...extra: string[]) =>
  cli('prune', original, '--ratio', '0.5', '-o', join(dir, out), ...extra);

async function verified(...extra: string[]): Promise<VerifyResult> {
  const run = await cli('verify', original, pruned, ...FAST, '--json', ...extra);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0, run.stdout);
  return JSON.parse(run.stdout) as VerifyResult;
}

describe('--dim: sizes of symbolic input dims', () => {
  test('prune writes a model of the symbolic input', async () => {
    const run = await prune('symbolic.pruned.onnx');
    assert.equal(run.code, 0, run.stderr);
  });

  test('without it, the guessed dims are named in the report and the text', async () => {
    const result = await verified();
    assert.deepEqual(result.inputs[0].dims, [1, 3, 16, 16]);
    assert.deepEqual(result.guessedDims, ['height', 'width']);
    const text = await cli('verify', original, pruned, ...FAST);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /symbolic dims 'height', 'width' were given 16 \(nothing sizes them; --dim NAME=SIZE does\): latency and MACs are for inputs that size/,
    );
  });

  test('with it, the inputs take the sizes given, and the MACs follow them', async () => {
    const small = await verified();
    const result = await verified('--dim', 'height=24', '--dim', 'width=20');
    assert.deepEqual(result.inputs[0].dims, [1, 3, 24, 20]);
    assert.deepEqual(result.guessedDims, []);
    assert.ok(result.passed);
    // Convolutions keep the size: 24 × 20 positions against 16 × 16.
    assert.equal(result.original.macs * 256, small.original.macs * 480);
    const text = await cli('verify', original, pruned, ...FAST, '--dim', 'height=24,width=20');
    assert.doesNotMatch(text.stdout, /were given 16/);
    assert.match(text.stdout, /Inputs {4}input float32 \[1, 3, 24, 20\]/);
  });

  test('prune --verify and its report take them too', async () => {
    const report = join(dir, 'report.json');
    const run = await prune('again.onnx', '--verify', '--dim', 'height=12,width=10', '--report', report);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Inputs {4}input float32 \[1, 3, 12, 10\]/);
    // The Markdown report says when its timing was on guessed sizes.
    const guessed = await pruneReportOf(readFileSync(original), '--verify');
    assert.match(
      guessed,
      /Timed on random inputs whose symbolic dims 'height', 'width' were given 16 \(nothing sizes them; `--dim NAME=SIZE` does\)/,
    );
    const sized = await pruneReportOf(readFileSync(original), '--verify', '--dim', 'height=12,width=10');
    assert.doesNotMatch(sized, /Timed on random inputs whose/);
    // The prune's own MACs: not counted on symbolic dims (and said so), counted on the sizes given.
    assert.match(
      guessed,
      /\| MACs \(batch 1\) \| ≥ 0 \| ≥ 0 \| — \(3 nodes have symbolic shapes: not counted; `--dim NAME=SIZE` sizes them\) \|/,
    );
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      metrics: { before: { macs: number; macsUncounted: number }; after: { macs: number } };
    };
    assert.equal(json.metrics.before.macsUncounted, 0);
    // The chain's 3×3 convs at 12 × 10 (120 positions): 3→8, 8→16, 16→4, and their biases' additions.
    assert.equal(json.metrics.before.macs, ((3 * 8 + 8 * 16 + 16 * 4) * 9 + (8 + 16 + 4)) * 120);
    assert.ok(json.metrics.after.macs < json.metrics.before.macs);
  });

  test('--latency-table times the layers at the sizes given, and says why it cannot without them', async () => {
    const table = async (...extra: string[]) => {
      const run = await prune('table.onnx', '--latency-table', '--cache-dir', join(dir, 'cache'), ...extra);
      assert.equal(run.code, 0, run.stderr);
      return run.stdout;
    };
    assert.match(
      await table(),
      /0 groups timed .* 3 convolutions were not timed \(so the table is not cached\)/,
    );
    assert.match(
      await table('--dim', 'height=12,width=10'),
      /Latency lookup table: 2 groups timed in ONNX Runtime/,
    );
  });

  test("sensitivity counts the MACs left on the inputs' sizes, as the fixed-size model's", async () => {
    const rows = async (model: string, ...extra: string[]) => {
      const run = await cli('sensitivity', model, '--ratios', '0.5', '--json', ...extra);
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { rows: { group: string; macs: number }[] }).rows;
    };
    const fixed = await rows(writeBuilt(dir, 'fixed.onnx', buildFixture('plain-chain')));
    const symbolic = await rows(original, '--dim', 'height=8,width=8');
    assert.ok(fixed.every((r) => r.macs < 1));
    assert.deepEqual(
      symbolic.map((r) => r.macs),
      fixed.map((r) => r.macs),
    );
    assert.deepEqual(
      (await rows(original)).map((r) => r.macs),
      fixed.map((r) => r.macs),
    );
    // Measuring only the group with the most MACs picks the same group, holding the same share.
    const top = async (model: string) => {
      const run = await cli('sensitivity', model, '--ratios', '0.5', '--groups', '1', '--json');
      const report = JSON.parse(run.stdout) as { rows: { group: string }[]; coverage: { macsShare: number } };
      return { groups: report.rows.map((r) => r.group), share: report.coverage.macsShare };
    };
    const fixedTop = await top(join(dir, 'fixed.onnx'));
    assert.deepEqual(await top(original), fixedTop);
    assert.ok(fixedTop.share > 0.5, `${fixedTop.share}`);
  });

  test('inspect counts the MACs on the sizes given, and says how to size them without', async () => {
    const declared = await cli('inspect', original);
    assert.equal(declared.code, 0, declared.stderr);
    assert.match(
      declared.stdout,
      /MACs {14}≥ 0 \(batch 1\); 3 nodes with dynamic shapes not counted \(--dim NAME=SIZE sizes symbolic input dims\)\n/,
    );
    const sized = await cli('inspect', original, '--dim', 'height=24,width=20', '--json');
    assert.equal(sized.code, 0, sized.stderr);
    const summary = JSON.parse(sized.stdout) as {
      macs: number;
      macsUncounted: string[];
      macsInputShapes: object;
    };
    assert.deepEqual(summary.macsInputShapes, { input: [1, 3, 24, 20] });
    assert.deepEqual(summary.macsUncounted, []);
    // What the verification counts on inputs that size.
    assert.equal(summary.macs, (await verified('--dim', 'height=24,width=20')).original.macs);
    const text = await cli('inspect', original, '--dim', 'height=24', '--dim', 'width=20');
    assert.match(
      text.stdout,
      new RegExp(`MACs {14}${summary.macs.toLocaleString('en-US')} \\(on input \\[1, 3, 24, 20\\]\\)\n`),
    );
    // One dim sized: the input is still not wholly known, so nothing is counted on it.
    const half = await cli('inspect', original, '--dim', 'height=24');
    assert.match(half.stdout, /MACs {14}≥ 0 \(batch 1\); 3 nodes/);
  });

  test('a name no input has, or a size that is not one, is refused in one sentence', async () => {
    const typo = await cli('verify', original, pruned, ...FAST, '--dim', 'heigth=24');
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /no input has a symbolic dim named 'heigth' \(its symbolic dims are 'height', 'width'\)\.\n$/,
    );
    for (const [value, message] of [
      ['height', /--dim must be NAME=SIZE with a size from 1 to 1048576, not 'height'\./],
      ['height=0', /not 'height=0'/],
      ['height=2.5', /not 'height=2\.5'/],
      ['=4', /not '=4'/],
    ] as const) {
      const run = await cli('verify', original, pruned, ...FAST, '--dim', value);
      assert.equal(run.code, 2, value);
      assert.match(run.stderr, message);
    }
    // Every command that takes --dim checks it against the model before running anything.
    for (const args of [
      ['prune', original, '--ratio', '0.5', '-o', join(dir, 'typo.onnx'), '--verify'],
      ['sensitivity', original, '--ratios', '0.5'],
      ['inspect', original],
    ]) {
      const run = await cli(...args, '--dim', 'heigth=24');
      assert.equal(run.code, 2, args[0]);
      assert.equal(
        run.stderr,
        `onnx-pruner: ${original}: no input has a symbolic dim named 'heigth' (its symbolic dims are 'height', 'width').\n`,
      );
    }
    assert.ok(!existsSync(join(dir, 'typo.onnx')), 'nothing was written');
    const twice = await cli('verify', original, pruned, ...FAST, '--dim', 'height=4', '--dim', 'height=5');
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--dim gives 'height' twice\./);
  });
});
