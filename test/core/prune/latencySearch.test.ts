// The --target-latency search: it stops, within its budget of measurements, on a ratio that was measured to meet
// the target (never one it did not try), and says so when the target is out of reach.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { searchLatency, searchLatencyGuided } from '../../../src/core/prune/latencySearch';

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

describe('led by the lookup table’s prediction', () => {
  // The whole model's share falls as 1 − 0.8 × ratio; the table sees half of it as saving (its scale is off).
  const curve = async (ratio: number) => 1 - 0.8 * ratio;
  const saving = (ratio: number) => 0.4 * ratio;

  test('meets the target in fewer measurements than the bisection, on a measured ratio', async () => {
    const guided = await searchLatencyGuided(0.6, saving, curve, { resolution: 0.01, tolerance: 0.02 });
    const plain = await searchLatency(0.6, curve, { maxSteps: 10, resolution: 0.01 });
    assert.ok(guided.reached && guided.share <= 0.6 && guided.share >= 0.58, `share ${guided.share}`);
    assert.ok(guided.steps.length < plain.steps.length, `${guided.steps.length} vs ${plain.steps.length}`);
    assert.ok(guided.steps.some((s) => s.ratio === guided.ratio && s.share === guided.share));
    assert.equal(guided.predicted.length, guided.steps.length);
  });

  test('stops within its budget even when the prediction is wrong and the timings noisy', async () => {
    let calls = 0;
    const noisy = async (ratio: number) => (calls++, 1 - 0.8 * ratio + (calls % 2 ? 0.08 : -0.08));
    const result = await searchLatencyGuided(0.6, () => 0, noisy, { maxSteps: 4 });
    assert.ok(calls <= 4);
    assert.equal(result.steps.length, calls);
  });

  test('a target out of reach: reached is false, the answer the largest ratio measured', async () => {
    const result = await searchLatencyGuided(0.3, saving, async () => 0.95, { maxRatio: 0.9 });
    assert.equal(result.reached, false);
    assert.equal(result.ratio, Math.max(...result.steps.map((s) => s.ratio)));
  });
});
