// The prune worker hears every progress report (a cancel is checked there) and sends the server a stage's
// first and last and at most one per interval between: 100,000 reports crossing threads cost more than a prune.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PruneStage } from '../../src/core/prune/progressText';
import { PROGRESS_INTERVAL_MS, throttledProgress } from '../../src/server/throttledProgress';

type Report = [PruneStage, number, number];

function run(reports: Report[], clock: number[]): { heard: number; sent: Report[] } {
  let heard = 0;
  const sent: Report[] = [];
  let tick = 0;
  const progress = throttledProgress(
    () => heard++,
    (...r) => sent.push(r),
    () => clock[tick++],
  );
  for (const r of reports) progress(...r);
  return { heard, sent };
}

test('every report is heard; a stage sends its first, its last, and one per interval between', () => {
  const total = 100_000;
  const reports: Report[] = [['analyse', 0, 1]];
  for (let done = 1; done <= total; done++) reports.push(['score', done, total]);
  for (let done = 1; done <= 10; done++) reports.push(['write', done, 10]);
  // 100,011 reports over ~200 ms: one every 2 µs.
  const clock = reports.map((_, i) => i * 0.002);
  const { heard, sent } = run(reports, clock);
  assert.equal(heard, reports.length);
  assert.deepEqual(sent[0], ['analyse', 0, 1]);
  assert.deepEqual(sent[1], ['score', 1, total]);
  assert.deepEqual(
    sent.filter(([stage]) => stage === 'score').at(-1),
    ['score', total, total],
    "the stage's last report is sent",
  );
  assert.deepEqual(sent.at(-1), ['write', 10, 10]);
  const scores = sent.filter(([stage]) => stage === 'score');
  assert.ok(scores.length >= 4 && scores.length <= 6, `${scores.length} score reports for 200 ms`);
  for (let i = 1; i < scores.length - 1; i++)
    assert.ok(
      clock[scores[i][1]] - clock[scores[i - 1][1]] >= PROGRESS_INTERVAL_MS,
      'reports between are an interval apart',
    );
});

test('a slow prune sends every report', () => {
  const reports: Report[] = [1, 2, 3, 4].map((done) => ['score', done, 4]);
  const { sent } = run(
    reports,
    reports.map((_, i) => i * PROGRESS_INTERVAL_MS * 2),
  );
  assert.deepEqual(sent, reports);
});

test('what hears the reports can stop the prune (a cancel) before anything is sent', () => {
  const progress = throttledProgress(
    () => {
      throw new Error('cancelled');
    },
    () => assert.fail('nothing is sent after a cancel'),
  );
  assert.throws(() => progress('score', 1, 2), /cancelled/);
});
