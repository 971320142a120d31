// The sensitivity chart's numbers: the figure per output kind, one series per group, round ticks, scales.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SensitivityRow } from '../../src/runtime/sensitivity';
import { chartData, linearScale, niceTicks } from '../../webview/chartScales';

const row = (group: string, ratio: number, psnr: number | null): SensitivityRow => ({
  group,
  roots: [`/${group}/Conv`],
  channels: 8,
  ratio,
  removedChannels: Math.round(8 * ratio),
  macs: 1 - ratio / 4,
  parameters: 1 - ratio / 4,
  outputs: [
    {
      name: 'out',
      kind: 'image',
      samples: 2,
      maxRelativeError: 0,
      meanRelativeError: 0,
      cosine: 1,
      psnr,
    } as never,
  ],
});

test('round ticks cover the range', () => {
  assert.deepEqual(niceTicks(0, 0.7, 5), [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(12.3, 41.9, 5), [20, 30, 40]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  const scale = linearScale([0, 10], [100, 0]);
  assert.equal(scale(0), 100);
  assert.equal(scale(2.5), 75);
  assert.equal(linearScale([1, 1], [0, 10])(5), 5);
});

test('one series per group in ratio order; an unchanged PSNR sits at the top and says so', () => {
  const data = chartData([row('a', 0.5, 20), row('a', 0.1, 40), row('b', 0.1, null), row('b', 0.5, 31)])!;
  assert.equal(data.metric, 'psnr');
  assert.equal(data.label, 'PSNR vs original (dB)');
  assert.deepEqual(
    data.series.map((s) => [s.group, s.points.map((p) => p.ratio)]),
    [
      ['a', [0.1, 0.5]],
      ['b', [0.1, 0.5]],
    ],
  );
  assert.ok(data.y.min <= 20 && data.y.max >= 40);
  assert.equal(data.series[1].points[0].value, data.y.max);
  assert.equal(data.series[1].points[0].text, 'PSNR ∞ (unchanged)');
  assert.equal(data.series[0].points[1].text, 'PSNR 20.00 dB');
  assert.equal(data.x.min, 0);
  assert.ok(data.x.max >= 0.5);
  assert.equal(chartData([]), undefined);
});

test('classifier outputs plot top-1 agreement in per cent, up to 100', () => {
  const r = row('a', 0.3, null);
  r.outputs = [
    {
      name: 'logits',
      kind: 'classifier',
      samples: 4,
      maxRelativeError: 0,
      meanRelativeError: 0,
      cosine: 0.9,
      top1: 0.75,
      top5: 1,
      kl: 0.1,
    },
  ];
  const data = chartData([r])!;
  assert.equal(data.metric, 'top1');
  assert.equal(data.series[0].points[0].value, 75);
  assert.equal(data.y.max, 100);
});

test('an output NaN where the original is not sits at the bottom and says so; one NaN in both has no point', () => {
  const diverged = row('a', 0.5, 12);
  diverged.outputs[0].nonFinite = { elements: 10, finite: 8, original: 0, compared: 2, mismatched: 2 };
  const unmeasured = row('b', 0.5, null);
  unmeasured.outputs[0].nonFinite = { elements: 10, finite: 0, original: 10, compared: 10, mismatched: 0 };
  const data = chartData([row('a', 0.1, 30), diverged, row('b', 0.1, 25), unmeasured])!;
  assert.deepEqual(
    data.series.map((s) => [s.group, s.points.map((p) => p.ratio)]),
    [
      ['a', [0.1, 0.5]],
      ['b', [0.1]],
    ],
  );
  const bottom = data.series[0].points[1];
  assert.equal(bottom.value, data.y.min);
  assert.equal(bottom.text, '2 of 10 elements NaN or infinite in one model only (or differently)');
  assert.ok(
    data.y.min <= 25 && data.y.min > 0,
    'the broken figure (12 dB over the finite pairs) sets no scale',
  );
});

test('a sensitivity of 200,000 points is scaled (no spread of them as arguments)', () => {
  const rows = Array.from({ length: 200_000 }, (_, i) =>
    row(`g${i >> 2}`, 0.1 * ((i & 3) + 1), 20 + (i % 17)),
  );
  const data = chartData(rows)!;
  assert.equal(data.series.length, 50_000);
  assert.ok(data.x.max >= 0.4);
  assert.ok(data.y.min <= 20 && data.y.max >= 36);
});
