// "Allocate by sensitivity" with a MACs share or a fidelity floor, and the fidelity it predicts: hand-computed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OutputFidelity } from '../../../src/core/metrics/fidelity';
import type { SensitivityPoint } from '../../../src/core/plan/allocate';
import { allocateForTarget, predictFidelity, targetApplies } from '../../../src/core/quality/allocateTarget';
import { valueRange } from '../../../src/core/metrics/fidelity';
import { outputPicture } from '../../../src/core/quality/outputPicture';

const image = (psnr: number | null): OutputFidelity =>
  ({
    name: 'out',
    kind: 'image',
    samples: 1,
    maxRelativeError: 0,
    meanRelativeError: 0,
    cosine: 1,
    psnr,
  }) as OutputFidelity;
const classes = (top1: number, cosine: number): OutputFidelity => ({
  name: 'logits',
  kind: 'classifier',
  samples: 1,
  maxRelativeError: 0,
  meanRelativeError: 0,
  cosine,
  top1,
  top5: 1,
  kl: 0,
});

// Two groups: /a is cheap to cut (30 and 20 dB), /b hurts (20 and 10 dB); each ratio saves the same MACs.
const points: SensitivityPoint[] = [
  { roots: ['/a'], ratio: 0.25, macs: 0.9, outputs: [image(30)] },
  { roots: ['/a'], ratio: 0.5, macs: 0.8, outputs: [image(20)] },
  { roots: ['/b'], ratio: 0.25, macs: 0.9, outputs: [image(20)] },
  { roots: ['/b'], ratio: 0.5, macs: 0.8, outputs: [image(10)] },
];

describe('allocation for a target, with its predicted fidelity', () => {
  test('the prediction adds each group’s squared error: 30 dB + 20 dB → 10·log10(1/0.011)', () => {
    const [one] = predictFidelity(points, { '/a': 0.25, '/b': 0.25 });
    assert.ok(Math.abs(one.psnr! - -10 * Math.log10(0.001 + 0.01)) < 1e-9);
    assert.equal(predictFidelity(points, {})[0].psnr, Infinity, 'nothing cut');
    assert.equal(
      predictFidelity(points, { '/a': 0.3 })[0].psnr,
      Infinity,
      'a ratio not measured adds nothing',
    );
  });

  test('a MACs share takes the cheapest damage first', () => {
    const result = allocateForTarget(points, { kind: 'macs', share: 0.9 });
    assert.deepEqual(result.ratios, { '/a': 0.25 });
    assert.equal(result.predicted[0].psnr, 30);
    assert.ok(result.reached);
  });

  test('a PSNR floor cuts as much as keeps it, and no more', () => {
    const at25 = allocateForTarget(points, { kind: 'psnr', db: 25 });
    assert.deepEqual(at25.ratios, { '/a': 0.25 });
    assert.ok(at25.reached && at25.predicted[0].psnr! >= 25);
    const at19 = allocateForTarget(points, { kind: 'psnr', db: 19 });
    // /a at 0.5 (20 dB) or /a at 0.25 + /b at 0.25 (19.6 dB) both keep 19 dB; the cheaper MACs win.
    assert.ok(at19.predicted[0].psnr! >= 19);
    assert.ok(at19.predictedMacs <= 0.8 + 1e-9);
    const none = allocateForTarget(points, { kind: 'psnr', db: 99 });
    assert.deepEqual(none.ratios, {});
    assert.equal(none.predictedMacs, 1);
  });

  test('a PSNR that crossed JSON as null (unchanged) is no harm', () => {
    const withNull: SensitivityPoint[] = [{ roots: ['/a'], ratio: 0.1, macs: 0.95, outputs: [image(null)] }];
    assert.equal(predictFidelity(withNull, { '/a': 0.1 })[0].psnr, Infinity);
  });

  test('a top-1 floor on a classifier; a PSNR floor does not apply to it', () => {
    const cls: SensitivityPoint[] = [
      { roots: ['/a'], ratio: 0.5, macs: 0.7, outputs: [classes(0.99, 0.999)] },
      { roots: ['/b'], ratio: 0.5, macs: 0.7, outputs: [classes(0.9, 0.99)] },
    ];
    const result = allocateForTarget(cls, { kind: 'top1', share: 0.95 });
    assert.deepEqual(result.ratios, { '/a': 0.5 });
    assert.ok(Math.abs(result.predicted[0].top1! - 0.99) < 1e-12);
    assert.ok(targetApplies(cls, { kind: 'top1', share: 0.9 }));
    assert.equal(targetApplies(cls, { kind: 'psnr', db: 30 }), false);
  });
});

describe("the compare view's pictures", () => {
  test('box-downsampled by a whole factor, alpha left out, range of finite values', () => {
    const data = Float32Array.from({ length: 4 * 4 * 4 }, (_, i) => i);
    const picture = outputPicture({ dims: [1, 4, 4, 4], data }, 2)!;
    assert.deepEqual([picture.channels, picture.height, picture.width], [3, 2, 2]);
    // Plane 0's top-left 2×2 box: 0, 1, 4, 5.
    assert.equal(picture.data[0], 2.5);
    assert.equal(picture.data[4], 16 + 2.5);
    assert.equal(outputPicture({ dims: [1, 10], data: new Float32Array(10) }), undefined);
    assert.deepEqual(valueRange([3, NaN, -1, Infinity]), { low: -1, high: 3 });
  });
});
