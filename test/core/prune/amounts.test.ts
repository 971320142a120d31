// The amount arithmetic the plan checker and the selection share (src/core/prune/amounts.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  largestCount,
  largestRatio,
  mostRemovable,
  removalStep,
  requestedCount,
  roundCount,
  roundDown,
  unitsToRemove,
} from '../../../src/core/prune/amounts';
import { ownValue as layerSetting, recordOf } from '../../../src/core/records';

describe('amounts', () => {
  test('the step is whole units and roundTo together', () => {
    assert.equal(removalStep(4, 1), 4);
    assert.equal(removalStep(4, 6), 12);
    assert.equal(removalStep(1, 8), 8);
    assert.equal(removalStep(9, 3), 9);
  });

  test('rounding down to the step, never every channel', () => {
    assert.equal(roundDown(45, 8), 40);
    assert.equal(mostRemovable(48, 8), 40);
    assert.equal(mostRemovable(48, 4), 44);
    assert.equal(mostRemovable(4, 4), 0);
  });

  test('what a setting asks for: a count as given, a ratio (the layer’s or the default) of the channels', () => {
    assert.equal(requestedCount({ prune: 7 }, 0.5, 64), 7);
    assert.equal(requestedCount({ ratio: 0.25 }, 0.5, 64), 16);
    assert.equal(requestedCount(undefined, 0.5, 64), 32);
  });

  test('a layer’s setting is its own entry: a layer named like an Object.prototype property gets none from it', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      assert.equal(layerSetting({}, name), undefined, name);
    const layers = recordOf([['__proto__', { exclude: true as const }]]);
    assert.deepEqual(layerSetting(layers, '__proto__'), { exclude: true });
    assert.equal(layerSetting(layers, 'constructor'), undefined);
  });

  test('units to remove: whole units, one always kept, a product just under an integer not losing a unit', () => {
    assert.equal(0.57 * 100 < 57, true, 'the float case this guards');
    assert.equal(unitsToRemove(57, 100, 100), 57);
    assert.equal(unitsToRemove(100, 100, 100), 99);
    assert.equal(unitsToRemove(12, 48, 12), 3);
  });

  test('the largest count that keeps a unit, in steps when one fits, else in units', () => {
    assert.equal(largestCount({ channels: 48, unit: 4 }, 8), 40);
    assert.equal(largestCount({ channels: 12, unit: 4 }, 8), 8);
    assert.equal(largestCount({ channels: 8, unit: 4 }, 8), 4);
    assert.equal(largestCount({ channels: 4, unit: 4 }, 4), undefined);
    assert.equal(roundCount(10, { channels: 48, unit: 4 }, 8), 8);
    assert.equal(roundCount(3, { channels: 48, unit: 4 }, 4), 4);
    assert.equal(roundCount(100, { channels: 48, unit: 4 }, 8), 40);
  });

  test('the largest ratio below 1 that keeps a unit: two decimals when they are enough', () => {
    assert.equal(largestRatio({ channels: 64, unit: 1 }), 0.98);
    assert.equal(largestRatio({ channels: 3, unit: 1 }), 0.66);
    assert.equal(largestRatio({ channels: 1000, unit: 999 }), 0.001);
    assert.equal(largestRatio({ channels: 4, unit: 4 }), undefined);
  });
});
