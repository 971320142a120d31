import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timeLeftText } from '../../../src/core/quality/timeLeft';

describe('timeLeftText', () => {
  test('nothing before two steps, nor once every step is done', () => {
    assert.equal(timeLeftText(5_000, 0, 10), '');
    assert.equal(timeLeftText(5_000, 1, 10), '');
    assert.equal(timeLeftText(5_000, 10, 10), '');
    assert.equal(timeLeftText(0, 3, 10), '');
  });

  test('the mean step time so far, times the steps left, in seconds, minutes or hours', () => {
    assert.equal(timeLeftText(2_000, 2, 10), 'about 8 s left');
    assert.equal(timeLeftText(20_000, 2, 10), 'about 1 min left'); // 80 s
    assert.equal(timeLeftText(30_000, 2, 200), 'about 50 min left'); // 2,970 s
    assert.equal(timeLeftText(32_000, 2, 512), 'about 2 h 16 min left'); // 16 s a step: 8,160 s
  });
});
