// The set of removed units: a Set<number>'s answers (has, size, every way of listing), ascending, and an
// out-of-range unit refused rather than dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnitSet } from '../../../src/core/prune/unitSet';

test('answers as a Set of the same units would, listed in ascending order', () => {
  const units = new UnitSet(10);
  const plain = new Set<number>();
  for (const unit of [7, 2, 7, 0, 9]) {
    units.add(unit);
    plain.add(unit);
  }
  assert.equal(units.size, plain.size);
  for (let unit = -1; unit <= 10; unit++) assert.equal(units.has(unit), plain.has(unit), String(unit));
  assert.equal(units.has(2.5), false);
  assert.deepEqual([...units], [0, 2, 7, 9]);
  assert.deepEqual([...units.keys()], [0, 2, 7, 9]);
  assert.deepEqual(
    [...units.entries()],
    [
      [0, 0],
      [2, 2],
      [7, 7],
      [9, 9],
    ],
  );
  const seen: number[] = [];
  units.forEach((value, key, set) => {
    assert.equal(value, key);
    assert.equal(set, units);
    seen.push(value);
  });
  assert.deepEqual(seen, [0, 2, 7, 9]);
});

test('a unit outside the classes is refused, not dropped', () => {
  const units = new UnitSet(3);
  assert.throws(() => units.add(3), RangeError);
  assert.throws(() => units.add(-1), RangeError);
  assert.throws(() => units.add(1.5), RangeError);
  assert.equal(units.size, 0);
});
