// Fidelity metrics against values worked out by hand (src/core/metrics/fidelity.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FidelityAccumulator, outputKind, psnr, ssimPlane, topK } from '../../../src/core/metrics/fidelity';
import { damageOf } from '../../../src/core/plan/allocate';
import { describeNonFinite, diverges, measured } from '../../../src/shared/nonFinite';
import { predictFidelity } from '../../../src/core/quality/allocateTarget';
import { formatFidelity } from '../../../src/runtime/fidelity';

const C1 = 0.01 ** 2;

function close(actual: number | undefined, expected: number, tolerance = 1e-9): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);
}

describe('fidelity metrics', () => {
  test('the kind follows the shape', () => {
    assert.equal(outputKind([1, 3, 8, 8]), 'image');
    assert.equal(outputKind([2, 1, 4, 5]), 'image');
    assert.equal(outputKind([1, 16, 8, 8]), 'other'); // feature maps are not pictures
    assert.equal(outputKind([4, 10]), 'classifier');
    assert.equal(outputKind([4, 1]), 'other');
    assert.equal(outputKind([10]), 'other');
  });

  test('PSNR of a pooled mean squared error against the original range', () => {
    assert.equal(psnr(0, 1), Infinity);
    close(psnr(0.0025, 1), 10 * Math.log10(400));
    // Two samples of a 1×1×2×2 image; the original spans [0, 1]; one error of 0.1 in eight elements.
    const acc = new FidelityAccumulator('y');
    acc.add(
      { dims: [1, 1, 2, 2], data: [0, 1, 0.5, 0.25] },
      { dims: [1, 1, 2, 2], data: [0.1, 1, 0.5, 0.25] },
    );
    acc.add(
      { dims: [1, 1, 2, 2], data: [0.5, 0.5, 0.5, 0.5] },
      { dims: [1, 1, 2, 2], data: [0.5, 0.5, 0.5, 0.5] },
    );
    const r = acc.result();
    assert.equal(r.kind, 'image');
    assert.equal(r.samples, 2);
    close(r.peak, 1);
    close(r.psnr, 10 * Math.log10(1 / (0.01 / 8))); // 29.03 dB
    close(r.maxRelativeError, 0.1 / 1);
    close(r.meanRelativeError, 0.1 / (0 + 1 + 0.5 + 0.25 + 4 * 0.5));
  });

  test('SSIM: one-pixel windows reduce to the luminance term', () => {
    // A 1-pixel-high plane: the window shrinks to 1×1, variances vanish, SSIM = (2xy + C1) / (x² + y² + C1).
    const x = [0.2, 0.8];
    const y = [0.4, 0.8];
    const expected = ((2 * 0.2 * 0.4 + C1) / (0.04 + 0.16 + C1) + 1) / 2;
    close(ssimPlane(x, y, 1, 2, 1), expected);
  });

  test('SSIM of constant planes and of a shifted plane', () => {
    const a = 0.3;
    const b = 0.6;
    const constant = (v: number) => new Array(121).fill(v);
    close(ssimPlane(constant(a), constant(b), 11, 11, 1), (2 * a * b + C1) / (a * a + b * b + C1), 1e-12);
    // y = x + d: variances and covariance are equal, so SSIM = (2 μx (μx + d) + C1) / (μx² + (μx + d)² + C1)
    // with μx the Gaussian-weighted mean of the one 3×3 window (σ 1.5: weights e^{-1/4.5}, 1, e^{-1/4.5}).
    const x = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.6, 0.0, 0.7];
    const d = 0.25;
    const e = Math.exp(-1 / 4.5);
    const w = [e, 1, e].map((v) => v / (1 + 2 * e));
    let mu = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) mu += w[i] * w[j] * x[i * 3 + j];
    const shifted = x.map((v) => v + d);
    close(ssimPlane(x, shifted, 3, 3, 1), (2 * mu * (mu + d) + C1) / (mu * mu + (mu + d) ** 2 + C1), 1e-12);
    assert.equal(ssimPlane(x, x, 3, 3, 1), 1);
  });

  test('classifier rows: top-1, top-5 and KL', () => {
    const acc = new FidelityAccumulator('p');
    // Row 1: probabilities, same top-1 (class 1); row 2: the pruned top-1 differs (class 0 vs 2).
    const ref = [0.25, 0.75, 0, 0.1, 0.3, 0.6];
    const act = [0.4, 0.6, 0, 0.5, 0.2, 0.3];
    acc.add({ dims: [2, 3], data: ref }, { dims: [2, 3], data: act });
    const r = acc.result();
    assert.equal(r.kind, 'classifier');
    close(r.top1, 0.5);
    close(r.top5, 1); // three classes: the original's top-1 is always among the pruned top 5
    const kl1 = 0.25 * Math.log(0.25 / 0.4) + 0.75 * Math.log(0.75 / 0.6);
    const kl2 = 0.1 * Math.log(0.1 / 0.5) + 0.3 * Math.log(0.3 / 0.2) + 0.6 * Math.log(0.6 / 0.3);
    close(r.kl, (kl1 + kl2) / 2);
  });

  test('logits go through a softmax; top-5 needs the class among the five largest', () => {
    const acc = new FidelityAccumulator('logits');
    const ref = [0, 0, 0, 0, 0, 0, 9]; // top-1: class 6
    const act = [6, 5, 4, 3, 2, 1, 0]; // class 6 is the pruned model's smallest
    acc.add({ dims: [1, 7], data: ref }, { dims: [1, 7], data: act });
    const r = acc.result();
    assert.equal(r.top1, 0);
    assert.equal(r.top5, 0);
    const softmax = (v: number[]) => {
      const s = v.reduce((n, x) => n + Math.exp(x), 0);
      return v.map((x) => Math.exp(x) / s);
    };
    const p = softmax(ref);
    const q = softmax(act);
    close(
      r.kl,
      p.reduce((n, pi, i) => n + pi * Math.log(pi / q[i]), 0),
      1e-9,
    );
    assert.deepEqual(topK([3, 1, 3, 2], 0, 4, 3), [0, 2, 3]);
  });

  test('any output: relative errors and cosine similarity', () => {
    const acc = new FidelityAccumulator('v');
    acc.add({ dims: [2], data: [1, 0] }, { dims: [2], data: [1, 1] });
    acc.add({ dims: [2], data: [-2, 0] }, { dims: [2], data: [-2, 0] });
    const r = acc.result();
    assert.equal(r.kind, 'other');
    close(r.cosine, (1 + 4) / Math.sqrt(5 * 6));
    close(r.maxRelativeError, 1 / 2);
    close(r.meanRelativeError, 1 / 3);
    assert.equal(r.psnr, undefined);
    assert.equal(r.top1, undefined);
    assert.throws(() => acc.add({ dims: [2], data: [0, 0] }, { dims: [3], data: [0, 0, 0] }), /shape/);
  });

  test('non-finite elements are counted and left out: the figures are those of the finite ones', () => {
    // A BatchNormalization fed a negative variance: NaN in both models at the same places.
    const withNaN = new FidelityAccumulator('v');
    withNaN.add({ dims: [4], data: [1, NaN, 0, Infinity] }, { dims: [4], data: [1, NaN, 1, Infinity] });
    withNaN.add({ dims: [4], data: [-2, 0, NaN, 3] }, { dims: [4], data: [-2, 0, NaN, 3] });
    const finiteOnly = new FidelityAccumulator('v');
    finiteOnly.add({ dims: [2], data: [1, 0] }, { dims: [2], data: [1, 1] });
    finiteOnly.add({ dims: [3], data: [-2, 0, 3] }, { dims: [3], data: [-2, 0, 3] });
    const r = withNaN.result();
    const f = finiteOnly.result();
    for (const key of ['cosine', 'maxRelativeError', 'meanRelativeError'] as const) {
      assert.ok(Number.isFinite(r[key]));
      close(r[key], f[key]);
    }
    assert.deepEqual(r.nonFinite, { elements: 8, finite: 5, original: 3, compared: 3, mismatched: 0 });
    assert.equal(f.nonFinite, undefined);
    assert.ok(measured(r) && !diverges(r));
    assert.equal(describeNonFinite(r), '3 of 8 elements NaN or infinite in both models');
    assert.equal(describeNonFinite(f), '');
  });

  test('an output NaN or infinite where the original is not diverges, and is harmed in full', () => {
    const acc = new FidelityAccumulator('v');
    acc.add({ dims: [3], data: [1, 2, 3] }, { dims: [3], data: [1, NaN, -Infinity] });
    acc.add({ dims: [1], data: [Infinity] }, { dims: [1], data: [-Infinity] }); // two infinities, not one
    const r = acc.result();
    assert.deepEqual(r.nonFinite, { elements: 4, finite: 1, original: 1, compared: 3, mismatched: 3 });
    assert.ok(diverges(r) && measured(r));
    close(r.cosine, 1); // the one finite pair agrees: the cosine alone would hide the damage
    assert.equal(describeNonFinite(r), '3 of 4 elements NaN or infinite in one model only (or differently)');
    assert.equal(damageOf([r]), 1);
    const predicted = predictFidelity([{ roots: ['a'], ratio: 0.5, macs: 0.8, outputs: [r] }], { a: 0.5 });
    close(predicted[0].cosine, 0);
  });

  test('an output with no element finite in both models is not measured, and says so', () => {
    const acc = new FidelityAccumulator('y');
    acc.add(
      { dims: [1, 1, 2, 2], data: [NaN, NaN, NaN, NaN] },
      { dims: [1, 1, 2, 2], data: [NaN, NaN, NaN, NaN] },
    );
    const r = acc.result();
    assert.equal(r.kind, 'image');
    assert.ok(!measured(r) && !diverges(r));
    assert.equal(r.psnr, undefined, 'no PSNR, least of all an infinite one ("identical")');
    assert.equal(r.ssim, undefined);
    assert.equal(damageOf([r]), 0);
    const text = formatFidelity([
      { label: 'pruned', split: 'held-out', samples: ['random #1'], outputs: [r] },
    ]);
    assert.match(text, /y: not measured, 4 of 4 elements NaN or infinite in both models$/);
    assert.doesNotMatch(text, /identical|NaN,|cosine/);
  });

  test('images and classifiers: a plane or row with a non-finite element is left out of SSIM and top-k', () => {
    const image = new FidelityAccumulator('y');
    // Two planes: the first has a NaN in both models, the second is the same in both.
    image.add(
      { dims: [1, 2, 2, 2], data: [NaN, 0, 1, 0.5, 0, 1, 0.5, 0.25] },
      { dims: [1, 2, 2, 2], data: [NaN, 0, 1, 0.5, 0, 1, 0.5, 0.25] },
    );
    const picture = image.result();
    assert.equal(picture.psnr, Infinity);
    close(picture.ssim, 1);
    close(picture.peak, 1);
    const classes = new FidelityAccumulator('p');
    classes.add(
      { dims: [2, 3], data: [NaN, 0, 1, 0.1, 0.7, 0.2] },
      { dims: [2, 3], data: [NaN, 1, 0, 0.6, 0.3, 0.1] },
    );
    const r = classes.result();
    assert.equal(r.top1, 0); // the one row with a top class disagrees
    assert.equal(r.top5, 1);
    assert.ok(Number.isFinite(r.kl!));
  });
});
