// The prune worker keeps the model its last preview read open for the next preview. A worker that is not kept
// (two previews ran at once, and only one worker waits) is ended, and the file it held is closed with it (Node
// closes the descriptors a worker opened when it ends): none is left open in the language server.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PRUNE_WORKER_PATH_ENV, previewInWorker } from '../../src/server/pruneInWorker';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';
import { bundleForTest } from './serverHarness';

const dir = tempDir();
const saved = process.env[PRUNE_WORKER_PATH_ENV];
process.env[PRUNE_WORKER_PATH_ENV] = bundleForTest('src/server/pruneJob.ts', 'pruneJob');
after(() => {
  if (saved === undefined) delete process.env[PRUNE_WORKER_PATH_ENV];
  else process.env[PRUNE_WORKER_PATH_ENV] = saved;
});

/** Descriptors of this process open on `path` (Linux: /proc/self/fd). */
function openOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listed
    }
  }
  return n;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(condition(), what);
}

test(
  'of two previews at once, the worker not kept closes the model it read; the kept one keeps it open',
  { skip: !existsSync('/proc/self/fd') && 'needs /proc/self/fd' },
  async () => {
    const model = join(dir, 'model.onnx');
    writeSynthetic(convChain(40, 16), model);
    const job = {
      input: model,
      planPath: join(dir, 'model.prune.json'),
      planText: JSON.stringify({ model: 'model.onnx', ratio: 0.5, criterion: 'l1' }),
    };
    const [a, b] = await Promise.all([previewInWorker(job), previewInWorker(job)]);
    assert.deepEqual(a, b);
    await until(() => openOn(model) === 1, `one descriptor left open on the model (${openOn(model)})`);
    // The next preview runs on the kept worker, on the model it kept: no second descriptor.
    assert.deepEqual(await previewInWorker(job), a);
    assert.equal(openOn(model), 1);
  },
);
