// verify checks that a pruned model's mask spec names this very original (its SHA-256). A large original is
// hashed on a worker thread while ONNX Runtime loads both models (src/core/onnx/backgroundHash.ts): the
// check must still pass for the original and refuse another file with the same graph.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BACKGROUND_HASH_MIN_BYTES, startSha256 } from '../../src/runtime/backgroundHash';
import { pruneFile } from '../../src/core/prune/prune';
import { VerifyInputError } from '../../src/runtime/verify/types';
import { verifyModels } from '../../src/runtime/verify/verifyModels';
import { ModelBuilder, writeBuilt } from '../builder';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

useFreshWorker();
const dir = tempDir();

/** A 3×3 conv of 1024 channels in and out (a 38 MB weight), then a small head; weights from `seed`. */
function wideModel(name: string, seed: number): string {
  const b = new ModelBuilder({ opset: 17, seed });
  const x = b.input('x', [1, 1024, 4, 4]);
  const wide = b.conv(x, 1024, { kernel: 3, name: 'wide' });
  b.output(b.conv(wide, 4, { kernel: 1, name: 'head' }));
  return writeBuilt(dir, name, b.build());
}

describe('verify against a large original', () => {
  test('its own original passes; another file with the same graph is refused as another model', async () => {
    const original = wideModel('original.onnx', 1);
    const other = wideModel('other.onnx', 2);
    assert.ok(statSync(original).size >= BACKGROUND_HASH_MIN_BYTES, 'large enough for the worker thread');
    const pruned = join(dir, 'pruned.onnx');
    const settings = { ratio: 0.5, criterion: 'l1' as const, roundTo: 1, seed: 0, layers: {} };
    pruneFile(original, pruned, settings, { hashOriginal: true, startHash: startSha256 });
    const verified = await verifyModels(original, pruned, { runs: 1 });
    assert.equal(verified.exactness.status, 'passed');
    assert.ok(verified.passed);
    await assert.rejects(
      verifyModels(other, pruned, { runs: 1 }),
      (error: unknown) =>
        error instanceof VerifyInputError &&
        /pruned\.onnx was pruned from another model than .*other\.onnx/.test(error.message),
    );
  });
});
