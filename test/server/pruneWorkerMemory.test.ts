// The prune worker runs under a heap limit: a job that blows up ends its worker with a sentence, and the
// thread that started it (the language server) goes on. The worker here allocates as a hostile model's prune
// would, then reports success: without the limit the job "succeeds" after taking the memory.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  PRUNE_WORKER_HEAP_ENV,
  PRUNE_WORKER_HEAP_MB,
  PRUNE_WORKER_PATH_ENV,
  previewInWorker,
} from '../../src/server/pruneInWorker';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
const saved = { path: process.env[PRUNE_WORKER_PATH_ENV], heap: process.env[PRUNE_WORKER_HEAP_ENV] };
after(() => {
  for (const [key, value] of [
    [PRUNE_WORKER_PATH_ENV, saved.path],
    [PRUNE_WORKER_HEAP_ENV, saved.heap],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('a prune job that takes more memory than its limit ends its worker, not this thread', async () => {
  const worker = join(dir, 'greedyWorker.js');
  writeFileSync(
    worker,
    [
      "const { parentPort } = require('node:worker_threads');",
      'const keep = [];',
      'for (let i = 0; i < 400; i++) keep.push(new Array(1 << 17).fill(i + 0.5)); // ~400 MB of doubles',
      "parentPort.postMessage({ kind: 'previewed', preview: { groups: [] } });",
    ].join('\n'),
  );
  process.env[PRUNE_WORKER_PATH_ENV] = worker;
  process.env[PRUNE_WORKER_HEAP_ENV] = '64';
  await assert.rejects(
    previewInWorker({ input: join(dir, 'model.onnx'), planPath: join(dir, 'p.prune.json'), planText: '{}' }),
    /model\.onnx: the prune needed more than 64 MiB of memory and was stopped; nothing was written\./,
  );
  // This thread is fine and can start the next job.
  assert.ok(process.memoryUsage().heapUsed < 400 << 20);
});

test("the prune worker's heap limit stays under 2 GiB, where V8 lets a heap grow fourfold between collections", () => {
  // From 2,048 MiB up, V8's growing factor is 4; just under, at most 2: a worker that prunes again and again
  // carried 294–310 MB after ten prunes of the 10,009-node model at 2,048 MiB against 254–264 MB at 2,047.
  assert.ok(PRUNE_WORKER_HEAP_MB < 2048, `${PRUNE_WORKER_HEAP_MB} MiB`);
  // And not so low that a prune of a large graph (the ~50,000-node models need ~400 MB) runs out.
  assert.ok(PRUNE_WORKER_HEAP_MB >= 1024, `${PRUNE_WORKER_HEAP_MB} MiB`);
});
