// prune and plan keep channel counts on the runtime's channel block (--align, the machine's block by
// default, a plan's alignTo) and say so.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');
const dir = tempDir();

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
