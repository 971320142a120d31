// Per-layer amounts from a sensitivity run (src/core/plan/allocate.ts), on hand-made rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocateBySensitivity, damageOf } from '../../../src/core/plan/allocate';
import type { OutputFidelity } from '../../../src/core/metrics/fidelity';

const image = (psnr: number): OutputFidelity[] => [
  { name: 'y', kind: 'image', samples: 1, maxRelativeError: 0, meanRelativeError: 0, cosine: 1, psnr },
];

describe('allocation by sensitivity', () => {
  test('damage: a share of the peak² for images, 1 − cosine otherwise', () => {
    assert.equal(damageOf(image(20)), 0.01);
    assert.equal(damageOf(image(Infinity)), 0);
    assert.equal(damageOf([{ ...image(0)[0], kind: 'other', psnr: undefined, cosine: 0.75 }]), 0.25);
  });

  test('the insensitive layer is cut first and furthest; the target stops it', () => {
    // Layer a: cheap to cut (40 dB at 0.5); layer b: costly (20 dB at 0.5). Each saves 20 % of the MACs at 0.5.
    const rows = [
      { roots: ['a'], ratio: 0.25, macs: 0.9, outputs: image(50) },
      { roots: ['a'], ratio: 0.5, macs: 0.8, outputs: image(40) },
      { roots: ['b'], ratio: 0.25, macs: 0.9, outputs: image(30) },
      { roots: ['b'], ratio: 0.5, macs: 0.8, outputs: image(20) },
    ];
    const light = allocateBySensitivity(rows, 0.8);
    assert.deepEqual(light.ratios, { a: 0.5 });
    assert.ok(Math.abs(light.predictedMacs - 0.8) < 1e-12);
    assert.ok(light.reached);
    const heavy = allocateBySensitivity(rows, 0.7);
    assert.deepEqual(heavy.ratios, { a: 0.5, b: 0.25 });
    assert.ok(Math.abs(heavy.predictedDamage - (1e-4 + 1e-3)) < 1e-12);
    const impossible = allocateBySensitivity(rows, 0.1);
    assert.deepEqual(impossible.ratios, { a: 0.5, b: 0.5 });
    assert.equal(impossible.reached, false);
  });

  test('layers named like Object.prototype properties get their ratios as their own entries', () => {
    // A root named `__proto__` once set the ratios object's prototype (an assignment) and lost its ratio.
    const rows = ['__proto__', 'constructor'].flatMap((root) => [
      { roots: [root], ratio: 0.5, macs: 0.8, outputs: image(40) },
    ]);
    const { ratios } = allocateBySensitivity(rows, 0.6);
    assert.deepEqual(Object.entries(ratios), [
      ['__proto__', 0.5],
      ['constructor', 0.5],
    ]);
    assert.equal(Object.getPrototypeOf(ratios), Object.prototype);
  });
});
