// The latency lookup table as the selection reads it (latencyTable.ts, align.ts, select.ts): kept counts are
// widths no larger width beats (the monotone envelope), the widths measured respect pixel-shuffle blocks,
// grouped-conv units and the channel block, and the table predicts and blames. Tables here are written by
// hand: what is tested is the arithmetic on them, not a clock.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { alignedAtMost, alignedRemoval } from '../../../src/core/prune/align';
import {
  type LatencyEntry,
  candidateWidths,
  fastWidths,
  latencyModel,
  leastSaving,
  predictedSaving,
  savingPerChannel,
  timeAt,
} from '../../../src/core/prune/latencyTable';
import { type PruneSettings, selectUnits } from '../../../src/core/prune/select';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

/** 64 channels measured at multiples of 16; 32 kept is slower than 48 kept (a kernel falling back). */
const BUMPY: LatencyEntry = { root: 'conv', channels: 64, widths: [16, 32, 48, 64], ms: [1, 3.5, 3, 4] };

describe('the monotone envelope', () => {
  test('a width slower than a larger one is never offered; the full width always is', () => {
    assert.deepEqual(fastWidths(BUMPY), [16, 48, 64]);
    assert.deepEqual(fastWidths({ ...BUMPY, ms: [1, 2, 3, 4] }), [16, 32, 48, 64]);
    assert.deepEqual(fastWidths({ ...BUMPY, ms: [5, 5, 5, 4] }), [64], 'nothing narrower is faster');
  });

  test('the amount removed leaves such a width: the nearest to the one asked for, or none', () => {
    const widths = fastWidths(BUMPY);
    assert.equal(alignedRemoval(64, 1, 32, 16, widths), 16, '32 kept is slower than 48: 48 kept');
    assert.equal(alignedRemoval(64, 1, 40, 16), 32, 'without the table: 32 kept');
    assert.equal(alignedRemoval(64, 1, 44, 16, widths), 48, 'nearer to 16 kept than to 48');
    assert.equal(alignedRemoval(64, 1, 4, 16, widths), 0);
    assert.equal(alignedRemoval(64, 1, 64, 16, widths), 48, 'never every channel');
    assert.equal(alignedAtMost(64, 1, 40, 16, widths), 16, 'at most 40: 16 (32 kept is not offered)');
    assert.equal(alignedAtMost(64, 1, 10, 16, widths), 0);
  });

  test('times between measured widths are interpolated; savings per channel from the best narrower width', () => {
    assert.equal(timeAt(BUMPY, 40), 3.25);
    assert.equal(timeAt(BUMPY, 64), 4);
    assert.equal(savingPerChannel(BUMPY), 3 / 48);
  });
});

describe('the widths a table measures', () => {
  test('multiples of the block where the count is one, coarsened to at most 8, the full width last', () => {
    assert.deepEqual(candidateWidths(64, 1, 16), [16, 32, 48, 64]);
    assert.deepEqual(candidateWidths(64, 1, 8), [8, 16, 24, 32, 40, 48, 56, 64]);
    assert.deepEqual(candidateWidths(512, 1, 8), [64, 128, 192, 256, 320, 384, 448, 512]);
    const wide = candidateWidths(200, 1, 8, 16);
    assert.ok(wide.length <= 17 && wide.at(-1) === 200);
    for (const w of wide) assert.equal(w % 8, 0);
  });

  test('pixel-shuffle blocks and grouped-conv units stay whole (lcm with the block)', () => {
    assert.deepEqual(candidateWidths(48, 4, 16), [16, 32, 48], 'r = 2: removed in fours, kept on 16');
    assert.deepEqual(candidateWidths(48, 3, 8), [24, 48], 'groups of 3 and blocks of 8: multiples of 24');
    for (const w of candidateWidths(576, 9, 16)) assert.equal((576 - w) % 9, 0);
  });

  test('a count off the block: its step only', () => {
    assert.deepEqual(candidateWidths(12, 3, 16), [3, 6, 9, 12]);
  });
});

describe('selection with a table', () => {
  const settings = (ratio: number, extra: Partial<PruneSettings> = {}): PruneSettings => ({
    ratio,
    criterion: 'l1',
    roundTo: 1,
    seed: 0,
    layers: {},
    alignment: { block: 16, reason: 'test' },
    ...extra,
  });
  const select = (s: PruneSettings) => {
    const file = openModel(SAMPLE);
    try {
      return selectUnits(analyzeModel(new ModelView(file)), file, s).groups;
    } finally {
      file.close();
    }
  };
  const TAIL = '/tail/tail.0/tail.0.0/Conv';
  // The sample's ×4 tail (128 channels, blocks of 4): 64 kept measured slower than 96 kept.
  const tail: LatencyEntry = { root: TAIL, channels: 128, widths: [32, 64, 96, 128], ms: [1, 4, 3, 5] };

  test('a count slower than a larger one is not chosen: the next width no larger one beats', () => {
    const without = select(settings(0.5)).find((g) => g.roots[0] === TAIL)!;
    assert.equal(without.keptChannels, 64);
    const model = latencyModel({ entries: [tail] });
    const withTable = select(settings(0.5, { latency: model })).find((g) => g.roots[0] === TAIL)!;
    assert.equal(withTable.keptChannels, 96, '64 kept is slower than 96 kept');
    const global = select(settings(0.5, { latency: model, global: true })).find((g) => g.roots[0] === TAIL)!;
    assert.notEqual(global.keptChannels, 64, 'the global ranking takes back units too');
    assert.equal(global.keptChannels % 4, 0, 'whole pixel-shuffle blocks');
  });

  test('explicit counts in a plan are the plan’s, table or not', () => {
    const model = latencyModel({ entries: [tail] });
    const groups = select(settings(0, { latency: model, layers: { [TAIL]: { prune: 64 } } }));
    assert.equal(groups.find((g) => g.roots[0] === TAIL)!.keptChannels, 64);
  });

  test('weighted: the group whose channels save most time is pruned first', () => {
    const groups = select(settings(0.3, { alignment: undefined, global: true }));
    const names = groups.filter((g) => g.keptChannels < g.channels).map((g) => g.roots[0]);
    assert.ok(names.length > 0);
    // Every prunable group in the table, one of them 100 times costlier per channel than the rest.
    const entries: LatencyEntry[] = groups
      .filter((g) => !g.skipped || g.keptChannels < g.channels)
      .map((g) => ({
        root: g.roots[0],
        channels: g.channels,
        widths: [g.channels],
        ms: [1],
      }));
    const costly = entries.find((e) => e.root === TAIL)!;
    Object.assign(costly, { widths: [32, 128], ms: [0.01, 100] });
    const weighted = select(
      settings(0.3, { alignment: undefined, global: true, latency: latencyModel({ entries }, true) }),
    );
    const before = groups.find((g) => g.roots[0] === TAIL)!.keptChannels;
    const after = weighted.find((g) => g.roots[0] === TAIL)!.keptChannels;
    assert.ok(after < before, `the costly group keeps ${after}, was ${before}`);
  });

  test('the prediction sums the groups’ savings; the blame lists the pruned groups that saved least', () => {
    const model = latencyModel({ entries: [tail, { ...BUMPY, root: 'other' }] });
    const groups = [
      { group: 'G1', roots: [TAIL], channels: 128, keptChannels: 96 },
      { group: 'G2', roots: ['other'], channels: 64, keptChannels: 32 },
      { group: 'G3', roots: ['absent'], channels: 8, keptChannels: 4 },
    ];
    assert.equal(predictedSaving(model, groups), 5 - 3 + (4 - 3.5));
    assert.deepEqual(
      leastSaving(model, groups).map((l) => [l.group, l.beforeMs, l.afterMs]),
      [
        ['G2', 4, 3.5],
        ['G1', 5, 3],
      ],
    );
  });
});
