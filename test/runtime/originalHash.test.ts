// The mask spec names the original by its SHA-256 (verify refuses another file). A large original is hashed
// on a worker thread while the prune runs (src/core/onnx/backgroundHash.ts): the spec must still carry the
// original's exact digest, and a prune that removes nothing must stop that worker cleanly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { PendingHash } from '../../src/core/onnx/hash';
import { BACKGROUND_HASH_MIN_BYTES, startSha256 } from '../../src/runtime/backgroundHash';
import { pruneFile } from '../../src/core/prune/prune';
import { ModelBuilder, writeBuilt } from '../builder';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
const settings = (ratio: number) => ({ ratio, criterion: 'l1' as const, roundTo: 1, seed: 0, layers: {} });

/** Two convs; the first has `wide` input and output channels (a 3×3 weight of wide² × 36 bytes). */
function twoConvs(name: string, wide: number): string {
  const b = new ModelBuilder({ opset: 17, seed: 2 });
  const x = b.input('x', [1, wide, 4, 4]);
  const a = b.conv(x, wide, { kernel: 3, name: 'wide' });
  b.output(b.conv(a, 4, { kernel: 1, name: 'head' }));
  return writeBuilt(dir, name, b.build());
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the original hash in the mask spec', () => {
  test('a large original (hashed on a worker thread) and a small one: the spec names each exactly', () => {
    const large = twoConvs('large.onnx', 1024);
    assert.ok(statSync(large).size >= BACKGROUND_HASH_MIN_BYTES, 'large enough for the worker');
    const small = twoConvs('small.onnx', 16);
    for (const [input, thread] of [
      [large, 'worker'],
      [small, 'caller'],
    ] as const) {
      const started: PendingHash[] = [];
      const outcome = pruneFile(input, join(dir, 'out.onnx'), settings(0.5), {
        hashOriginal: true,
        startHash: (source) => started[started.push(startSha256(source)) - 1],
      });
      assert.ok(outcome.removedChannels > 0);
      assert.equal(outcome.mask.original, digest(input));
      assert.deepEqual(
        started.map((h) => h.hashedBy),
        [thread],
      );
    }
  });

  test('a prune that removes nothing stops the hash and still writes the model', () => {
    const large = twoConvs('nothing.onnx', 1024);
    const out = join(dir, 'nothing.out.onnx');
    const outcome = pruneFile(large, out, settings(0), { hashOriginal: true, startHash: startSha256 });
    assert.equal(outcome.removedChannels, 0);
    assert.equal(outcome.mask.original, '');
    assert.equal(digest(out), digest(large), 're-saved as it was');
  });
});
