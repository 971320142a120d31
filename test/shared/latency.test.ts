// Latency as the editor states it: paired median with quartiles, runs, warm-up and threads; SLOWER said plainly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyText, latencyVerdict, verdictWords } from '../../src/shared/latency';

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

test('neither faster nor slower: inconclusive with the way the median pair went, or no measurable difference', () => {
  // The corpus's ESPCN ×2 at 16 × 16 (0.26 ms a run): medians 0.257 and 0.176 ms, paired median 1.14, middle
  // half 0.53–1.16. It was reported "0.88× faster" in the editor and the Markdown report.
  const t = { runs: 20, warmup: 2, threads: 2, ratio: { median: 1.142, p25: 0.529, p75: 1.161 } };
  assert.deepEqual(latencyText(t), {
    text: "latency 1.14× the original's: inconclusive: 1.14× slower in the median pair, but the middle half of the pairs reaches 0.98–1.02 (paired median of 20 runs after 2 warm-up, quartiles 0.53–1.16, 2 threads)",
    slower: false,
  });
  assert.equal(latencyVerdict(t.ratio), 'unclear');
  // The corpus's ResNet-50 at 0.25 on a busy machine: medians 73.3 → 41.2 ms, pairs 0.47–1.10. Neither a
  // speed-up shown nor "no difference": the way it went, called inconclusive.
  assert.equal(
    verdictWords({ median: 0.647, p25: 0.465, p75: 1.098 }),
    'inconclusive: 1.55× faster in the median pair, but the middle half of the pairs reaches 0.98–1.02',
  );
  assert.equal(verdictWords({ median: 1.01, p25: 0.97, p75: 1.04 }), 'no measurable difference');
  assert.equal(verdictWords({ median: 0.99, p25: 0.8, p75: 0.99 }), 'no measurable difference');
  assert.equal(verdictWords({ median: 0.9, p25: 0.8, p75: 0.97 }), '1.11× faster');
  assert.equal(verdictWords({ median: 1.3, p25: 1.03, p75: 1.4 }), '1.30× slower');
  assert.match(verdictWords({ median: 1.03, p25: 1.02, p75: 1.4 }), /^inconclusive: 1\.03× slower/);
});
