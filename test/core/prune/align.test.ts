// Kept channel counts on the runtime's channel block (align.ts): the arithmetic, and the selection of real
// models with pixel-shuffle blocks and grouped-conv units, which the alignment must keep whole.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { alignedRemoval, offBlockReason } from '../../../src/core/prune/align';
import { type PruneSettings, selectUnits } from '../../../src/core/prune/select';
import { ModelBuilder, writeBuilt } from '../../builder';
import { tempDir } from '../../support/tempDir';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

describe('alignedRemoval', () => {
  test('without a block: the amount rounded down to its step', () => {
    assert.equal(alignedRemoval(64, 1, 19.2, 1), 19);
    assert.equal(alignedRemoval(64, 4, 19.2, 1), 16);
  });

  test('with a block: the aligned amount nearest to the one asked for (the fewer on a tie)', () => {
    assert.equal(alignedRemoval(64, 1, 19.2, 16), 16);
    assert.equal(alignedRemoval(64, 1, 32, 16), 32);
    assert.equal(alignedRemoval(64, 1, 31, 8), 32);
    assert.equal(alignedRemoval(256, 1, 76.8, 16), 80, 'ratio 0.3 of 256: 80, not 64');
    assert.equal(alignedRemoval(32, 1, 9.6, 16), 16, 'ratio 0.3 of 32: 16 is nearer than 0');
    assert.equal(alignedRemoval(32, 1, 8, 16), 0, 'ratio 0.25 of 32: a tie between 0 and 16 keeps all');
    assert.equal(alignedRemoval(32, 1, 4, 16), 0, '28 would be off the block: nothing rather than slower');
  });

  test('a count that was never on the block is only rounded to its step', () => {
    assert.equal(alignedRemoval(24, 1, 7, 16), 7);
    assert.equal(alignedRemoval(12, 3, 7, 16), 6);
  });

  test('steps (pixel-shuffle blocks, grouped-conv units) stay whole: lcm of step and block', () => {
    assert.equal(alignedRemoval(128, 4, 38.4, 16), 32, 'r = 2: whole blocks of 4, 96 kept');
    assert.equal(alignedRemoval(576, 9, 172.8, 16), 144, 'r = 3: multiples of 9 leaving multiples of 16');
    assert.equal(alignedRemoval(48, 3, 24, 16), 0, 'kept would have to be a multiple of 48');
    assert.equal(alignedRemoval(48, 3, 24, 8), 24);
  });

  test('never every channel', () => {
    assert.equal(alignedRemoval(16, 1, 16, 16), 0);
    assert.equal(alignedRemoval(32, 1, 40, 16), 16);
    assert.equal(alignedRemoval(16, 1, 16, 1), 15);
  });

  test('the reason names the count that would be left, the block, and the nearest aligned amount', () => {
    assert.equal(
      offBlockReason(32, 1, 8, 16),
      "removing 8 would leave 24 channels, off the 16-channel block of ONNX Runtime's CPU convolutions (slower, not faster); the next aligned amount, 16 (leaving 16), is further from the 8 asked for",
    );
    assert.equal(offBlockReason(32, 1, 0.5, 16), undefined, 'nothing would go anyway');
  });
});

describe('selection with a channel block', () => {
  const settings = (ratio: number, block: number, extra: Partial<PruneSettings> = {}): PruneSettings => ({
    ratio,
    criterion: 'l1',
    roundTo: 1,
    seed: 0,
    layers: {},
    alignment: { block, reason: 'test' },
    ...extra,
  });
  const select = (path: string, s: PruneSettings) => {
    const file = openModel(path);
    try {
      return selectUnits(analyzeModel(new ModelView(file)), file, s).groups;
    } finally {
      file.close();
    }
  };

  test('the sample at 30 %: the ×4 tail keeps 96 of 128 (whole blocks of 4 on the block of 16)', () => {
    const groups = select(SAMPLE, settings(0.3, 16));
    const tail = groups.find((g) => g.roots[0] === '/tail/tail.0/tail.0.0/Conv')!;
    assert.equal(tail.keptChannels, 96);
    const head = groups.find((g) => g.roots[0] === '/head/head.0/Conv')!;
    assert.equal(head.keptChannels, 16, '32 × 0.3 = 9.6: 16 is the nearest aligned amount');
    const quarter = select(SAMPLE, settings(0.25, 16)).find((g) => g.roots[0] === '/head/head.0/Conv')!;
    assert.equal(quarter.keptChannels, 32, '32 × 0.25 = 8: as far from 0 as from 16, so none');
    assert.match(quarter.skipped ?? '', /off the 16-channel block/);
    for (const g of groups) if (g.keptChannels !== g.channels) assert.equal(g.keptChannels % 16, 0, g.group);
  });

  test('global ranking: every group it prunes keeps a multiple of the block', () => {
    const groups = select(SAMPLE, settings(0.4, 16, { global: true }));
    const pruned = groups.filter((g) => g.keptChannels !== g.channels);
    assert.ok(pruned.length > 0);
    for (const g of pruned) assert.equal(g.keptChannels % 16, 0, `${g.group}: ${g.keptChannels}`);
  });

  test('explicit counts in a plan are the plan’s: alignment does not touch them', () => {
    const groups = select(SAMPLE, settings(0, 16, { layers: { '/head/head.0/Conv': { prune: 8 } } }));
    assert.equal(groups.find((g) => g.roots[0] === '/head/head.0/Conv')!.keptChannels, 24);
  });

  test('a grouped conv: kept counts stay whole groups and on the block', () => {
    const b = new ModelBuilder({ opset: 17, seed: 3 });
    let y = b.relu(b.conv(b.input('x', [1, 3, 8, 8]), 48, { kernel: 3, pads: 1, name: '/conv1/Conv' }));
    y = b.relu(b.conv(y, 48, { kernel: 3, pads: 1, group: 3, name: '/group3/Conv' }));
    b.output(b.conv(y, 4, { kernel: 3, pads: 1, name: '/conv2/Conv' }));
    const path = writeBuilt(tempDir(), 'grouped.onnx', b.build());
    const kept = (block: number) =>
      select(path, settings(0.5, block)).find((g) => g.roots.includes('/conv1/Conv'))!.keptChannels;
    assert.equal(kept(1), 24);
    assert.equal(kept(8), 24, 'multiples of 3 (groups) and 8: 24');
    assert.equal(kept(16), 48, 'multiples of 3 and 16 below 48: none, so nothing goes');
  });
});
