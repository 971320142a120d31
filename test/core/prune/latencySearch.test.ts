// The --target-latency search: it stops, within its budget of measurements, on a ratio that was measured to meet
// the target (never one it did not try), and says so when the target is out of reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchLatency } from '../../../src/core/prune/latencySearch';

test('a smooth latency curve: the smallest measured ratio that meets the target, in few steps', async () => {
  const curve = async (ratio: number) => 1 - 0.8 * ratio; // 0.6 at ratio 0.5
  const result = await searchLatency(0.6, curve, { maxSteps: 10, resolution: 0.01 });
  assert.ok(result.reached);
  assert.ok(result.share <= 0.6);
  assert.ok(result.ratio >= 0.5 && result.ratio < 0.52, `ratio ${result.ratio}`);
  assert.ok(result.steps.length <= 10);
  assert.ok(
    result.steps.some((s) => s.ratio === result.ratio && s.share === result.share),
    'a measured step',
  );
});

test('the search stops after its budget of measurements, even on a noisy curve', async () => {
  let calls = 0;
  const noisy = async (ratio: number) => {
    calls++;
    return 1 - 0.8 * ratio + (calls % 2 ? 0.05 : -0.05);
  };
  const result = await searchLatency(0.6, noisy, { maxSteps: 5 });
  assert.equal(calls, 5);
  assert.equal(result.steps.length, 5);
  assert.ok(result.share <= 0.6 && result.reached);
});

test('a target out of reach: the largest ratio, measured once, and reached is false', async () => {
  let calls = 0;
  const flat = async () => (calls++, 0.95);
  const result = await searchLatency(0.6, flat, { maxRatio: 0.9 });
  assert.deepEqual(result, { ratio: 0.9, share: 0.95, reached: false, steps: [{ ratio: 0.9, share: 0.95 }] });
  assert.equal(calls, 1);
});

test('a cancelled search stops between measurements', async () => {
  const controller = new AbortController();
  const measure = async (ratio: number) => {
    controller.abort();
    return 1 - ratio;
  };
  await assert.rejects(searchLatency(0.6, measure, { signal: controller.signal }), { name: 'AbortError' });
});
