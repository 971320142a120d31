// Latency as the editor states it: paired median with quartiles, runs, warm-up and threads; SLOWER said plainly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyText } from '../../src/shared/latency';

test('faster: the ratio, how much faster, and what it rests on', () => {
  const t = {
    runs: 20,
    warmup: 3,
    threads: 2,
    ratio: { median: 0.5, p25: 0.45, p75: 0.6 },
    beforeMs: 10,
    afterMs: 5,
  };
  assert.deepEqual(latencyText(t), {
    text: "latency 0.50× the original's, 2.00× faster (10.00 → 5.00 ms; paired median of 20 runs after 3 warm-up, quartiles 0.45–0.60, 2 threads)",
    slower: false,
  });
});

test('slower past 2 %: said first, in capitals', () => {
  const t = { runs: 3, warmup: 1, threads: 2, ratio: { median: 1.3, p25: 1.2, p75: 1.4 } };
  const { text, slower } = latencyText(t);
  assert.ok(slower);
  assert.equal(
    text,
    "SLOWER: the pruned model takes 1.30× the original's time (paired median of 3 runs after 1 warm-up, quartiles 1.20–1.40, 2 threads)",
  );
  assert.equal(latencyText({ ...t, ratio: { median: 1.01, p25: 1, p75: 1.02 } }).slower, false);
});
