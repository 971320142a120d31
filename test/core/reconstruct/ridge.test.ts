// The least-squares core of reconstruction (src/core/reconstruct/ridge.ts, patches.ts), on hand-made data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { layerFeatures, layerTargets, samplePositions } from '../../../src/core/reconstruct/patches';
import { NormalEquations, fitRidgeCv, residual } from '../../../src/core/reconstruct/ridge';

describe('ridge least squares', () => {
  test('an exact linear relation is recovered, bias included, with λ chosen by cross-validation', () => {
    // y = 2·x0 − x1 + 3, y' = x1 (bias column last, unpenalised); rows dealt to three folds.
    const folds = [0, 1, 2].map(() => new NormalEquations(3, 2));
    for (let r = 0; r < 30; r++) {
      const x0 = Math.sin(r);
      const x1 = Math.cos(3 * r);
      folds[r % 3].addRows(Float64Array.of(x0, x1, 1), Float64Array.of(2 * x0 - x1 + 3, x1), 1);
    }
    const fit = fitRidgeCv(folds, (i) => i !== 2);
    const expected = [2, 0, -1, 1, 3, 0];
    fit.weights.forEach((w, i) => assert.ok(Math.abs(w - expected[i]) < 1e-5, `${w} ≠ ${expected[i]}`));
    assert.equal(fit.relativeLambda, 1e-8); // noise-free: the weakest ridge validates best
    assert.ok(fit.trainingError < 1e-10);
    const all = new NormalEquations(3, 2);
    for (const f of folds) all.addScaled(f);
    assert.ok(Math.abs(residual(all, fit.weights)) < 1e-6);
  });

  test('noise far above the signal makes cross-validation pick a strong ridge; a prior moves its centre', () => {
    const folds = [0, 1].map(() => new NormalEquations(2, 1));
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 20;
    for (let r = 0; r < 40; r++)
      folds[r % 2].addRows(Float64Array.of(noise(), noise()), Float64Array.of(noise()), 1);
    assert.ok(fitRidgeCv(folds, () => true).relativeLambda >= 1e-2);
    // Ridge towards a prior (the plain prune's weights): of the many exact fits of an underdetermined
    // problem (one row x = (1, 1), y = 2), the one nearest the prior (2, 0), not the smallest (1, 1).
    const one = new NormalEquations(2, 1);
    one.addRows(Float64Array.of(1, 1), Float64Array.of(2), 1);
    const plain = fitRidgeCv([one], () => true).weights;
    const towards = fitRidgeCv([one], () => true, undefined, Float64Array.of(2, 0)).weights;
    assert.ok(Math.abs(plain[0] - 1) < 1e-3 && Math.abs(plain[1] - 1) < 1e-3, `${plain}`);
    assert.ok(Math.abs(towards[0] - 2) < 1e-3 && Math.abs(towards[1]) < 1e-3, `${towards}`);
  });

  test('conv features follow the weight order [Cin, kh, kw], zero outside the padding', () => {
    // x: 1×2×2×2 = channel 0 [[1, 2], [3, 4]], channel 1 [[5, 6], [7, 8]]; 3×3 kernel, pads 1: output 2×2.
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    const geometry = {
      kind: 'conv' as const,
      kernel: [3, 3] as const,
      strides: [1, 1] as const,
      dilations: [1, 1] as const,
      pads: [1, 1, 1, 1] as const,
      autoPad: 'NOTSET' as const,
    };
    const rows = layerFeatures(geometry, x, [1, 2, 2, 2], [1, 1, 2, 2], Int32Array.of(0), true);
    // Output (0, 0): window rows −1…1, columns −1…1.
    assert.deepEqual(Array.from(rows), [0, 0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 7, 8, 1]);
    const y = [10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]; // 1×3×2×2
    assert.deepEqual(Array.from(layerTargets(geometry, y, [1, 3, 2, 2], Int32Array.of(3), [0, 2])), [13, 33]);
    const positions = samplePositions(100, 10, () => 0.5); // a degenerate generator still ends, with 10
    assert.equal(new Set(positions).size, 10);
    assert.deepEqual(Array.from(samplePositions(3, 10, Math.random)), [0, 1, 2]);
  });
});
