// Prune workers are kept warm between jobs: a worker that answered is handed out again (the same thread, so
// the same compiled code), one made another way or one that died is not, and one left waiting is ended.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { PRUNE_WORKER_SEMI_SPACE_MB, PRUNE_WORKER_YOUNG_MB } from '../../src/server/pruneInWorker';
import { WarmWorkers } from '../../src/server/warmWorkers';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
// Answers each message with its thread's id and how many jobs it has run; 'die' ends it.
const echo = join(dir, 'echo.js');
writeFileSync(
  echo,
  [
    "const { parentPort, threadId } = require('node:worker_threads');",
    'let jobs = 0;',
    "parentPort.on('message', (m) => {",
    "  if (m === 'die') process.exit(3);",
    "  if (m === 'throw') setTimeout(() => { throw new Error('boom while waiting'); });",
    '  else parentPort.postMessage({ threadId, jobs: ++jobs });',
    '});',
  ].join('\n'),
);
const other = join(dir, 'other.js');
writeFileSync(other, readFileSync(echo, 'utf8'));

const pools: WarmWorkers[] = [];
after(() => pools.forEach((p) => p.dispose()));
function pool(idleMs?: number): WarmWorkers {
  const made = new WarmWorkers(idleMs);
  pools.push(made);
  return made;
}

/** A waiting worker does not keep the process alive, so this timer does while a test waits for one to end. */
async function ended(exit: Promise<unknown>): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await exit;
  } finally {
    clearInterval(keepAlive);
  }
}

async function ask(worker: Worker): Promise<{ threadId: number; jobs: number }> {
  worker.postMessage('job');
  const [answer] = (await once(worker, 'message')) as [{ threadId: number; jobs: number }];
  return answer;
}

test('a worker given back runs the next job: the same thread, its second job', async () => {
  const workers = pool();
  const first = workers.take(echo, 64);
  const a = await ask(first);
  workers.giveBack(first);
  const second = workers.take(echo, 64);
  const b = await ask(second);
  assert.equal(second, first);
  assert.equal(b.threadId, a.threadId);
  assert.deepEqual([a.jobs, b.jobs], [1, 2]);
  workers.giveBack(second);
});

test('jobs that overlap get workers of their own; only one waits afterwards', async () => {
  const workers = pool();
  const [x, y] = [workers.take(echo, 64), workers.take(echo, 64)];
  assert.notEqual(x, y);
  const [a, b] = await Promise.all([ask(x), ask(y)]);
  assert.notEqual(a.threadId, b.threadId);
  workers.giveBack(x);
  const yExit = once(y, 'exit');
  workers.giveBack(y); // one already waits: this one is ended
  await yExit;
  assert.equal(workers.take(echo, 64), x);
  workers.giveBack(x);
});

test('a worker made with another script or heap limit is not handed out; the waiting one is ended', async () => {
  const workers = pool();
  const first = workers.take(echo, 64);
  await ask(first);
  workers.giveBack(first);
  const exited = once(first, 'exit');
  const heavier = workers.take(echo, 128);
  assert.notEqual(heavier, first);
  await exited;
  assert.equal((await ask(heavier)).jobs, 1);
  workers.giveBack(heavier);
  const otherScript = workers.take(other, 128);
  assert.notEqual(otherScript, heavier);
  assert.equal((await ask(otherScript)).jobs, 1);
  workers.giveBack(otherScript);
});

test('a waiting worker that dies is not handed out', async () => {
  const workers = pool();
  const first = workers.take(echo, 64);
  await ask(first);
  workers.giveBack(first);
  const exited = once(first, 'exit');
  first.postMessage('die');
  await ended(exited);
  const next = workers.take(echo, 64);
  assert.notEqual(next, first);
  assert.equal((await ask(next)).jobs, 1);
  workers.giveBack(next);
});

test('a waiting worker that fails is let go, and this thread goes on', async () => {
  const workers = pool();
  const first = workers.take(echo, 64);
  await ask(first);
  workers.giveBack(first);
  // Not events.once: it rejects on the 'error' this test is about.
  const exited = new Promise((resolve) => first.on('exit', resolve));
  first.postMessage('throw'); // an 'error' event no job listens for: unheard, it would throw here
  await ended(exited);
  const next = workers.take(echo, 64);
  assert.notEqual(next, first);
  assert.equal((await ask(next)).jobs, 1);
  workers.giveBack(next);
});

test('a worker left waiting is ended after the idle time', async () => {
  const workers = pool(50);
  const first = workers.take(echo, 64);
  await ask(first);
  const exited = once(first, 'exit');
  workers.giveBack(first);
  await ended(exited); // the test would time out if it never ended
  const next = workers.take(echo, 64);
  assert.notEqual(next, first);
  workers.giveBack(next);
});

test('a worker started ahead of time runs the first job; with one waiting already, none is started', async () => {
  const workers = pool();
  const started = workers.prewarm(echo, 64);
  assert.ok(started);
  assert.equal(workers.prewarm(echo, 64), undefined);
  const taken = workers.take(echo, 64);
  assert.equal(taken, started);
  assert.equal((await ask(taken)).jobs, 1);
  workers.giveBack(taken);
  assert.equal(workers.prewarm(echo, 64), undefined); // the one given back waits
});

test('a worker started ahead of time and never used is ended after the idle time', async () => {
  const workers = pool(50);
  const started = workers.prewarm(echo, 64)!;
  await ended(once(started, 'exit'));
  const next = workers.take(echo, 64);
  assert.notEqual(next, started);
  assert.equal((await ask(next)).jobs, 1);
  workers.giveBack(next);
});

test('no worker is started ahead of time while a job runs, nor after one ended that way or died', async () => {
  const workers = pool();
  const busy = workers.take(echo, 64);
  assert.equal(workers.prewarm(echo, 64), undefined); // its worker will wait afterwards, compiled
  await ask(busy);
  workers.giveBack(busy);
  assert.equal(workers.prewarm(echo, 64), undefined);
  const again = workers.take(echo, 64);
  assert.equal(again, busy);
  const exited = once(again, 'exit');
  again.postMessage('die'); // its job never answers
  await ended(exited);
  const started = workers.prewarm(echo, 64);
  assert.ok(started);
  assert.equal(workers.take(echo, 64), started);
  workers.giveBack(started);
});

test("a pool's workers get its young generation: the prune worker's semi-spaces, which the bench runs with too", async () => {
  // The bench's in-process prunes pass --max-semi-space-size=PRUNE_WORKER_SEMI_SPACE_MB to stand for the
  // editor's worker: this is what says the two are the same memory.
  const spaces = join(dir, 'spaces.js');
  writeFileSync(
    spaces,
    [
      "const { parentPort } = require('node:worker_threads');",
      "const v8 = require('node:v8');",
      'const keep = [];',
      'for (let i = 0; i < 1e6; i++) keep.push({ i }); // the new space grows to its most',
      "const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');",
      'parentPort.postMessage({ newSpaceMb: space.space_size / 1048576, kept: keep.length });',
    ].join('\n'),
  );
  const workers = new WarmWorkers(undefined, PRUNE_WORKER_YOUNG_MB);
  pools.push(workers);
  const worker = workers.take(spaces, 256);
  const [answer] = (await once(worker, 'message')) as [{ newSpaceMb: number }];
  workers.giveBack(worker);
  // The new space is the two semi-spaces.
  assert.equal(answer.newSpaceMb, 2 * PRUNE_WORKER_SEMI_SPACE_MB);
});
