import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withChanges } from '../../src/core/onnx/edit';
import { FileSource } from '../../src/core/onnx/fileSource';
import { openModel } from '../../src/core/onnx/reader';
import { readTensorBytes } from '../../src/core/onnx/tensorData';
import { writeModel } from '../../src/core/onnx/writer';
import { cli } from '../support/cli';
import { bigInitializers, writeSynthetic } from '../support/syntheticModels';
import { valueAt } from '../support/syntheticSource';
import { tempDir } from '../support/tempDir';

const TENSORS = 3;
const BYTES_EACH = 800 * 1024 * 1024; // 3 × 800 MiB = 2.34 GiB in one file
const dir = tempDir('onnx-pruner-large-');
const free = (() => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
})();
const needed = 4 * TENSORS * BYTES_EACH; // source, unchanged copy, edited copy, margin

function sha256(path: string): string {
  const source = FileSource.open(path);
  const hash = createHash('sha256');
  for (let at = 0; at < source.size; at += 64 << 20)
    hash.update(source.read(at, Math.min(64 << 20, source.size - at)));
  source.close();
  return hash.digest('hex');
}

test(
  'a model over 2 GiB in one file opens, inspects and re-saves',
  { skip: free < needed && `needs ${needed} bytes free in ${dir}` },
  async () => {
    const path = join(dir, 'big.onnx');
    writeSynthetic(bigInitializers(TENSORS, BYTES_EACH), path, 7);
    const size = statSync(path).size;
    assert.ok(size > 2 ** 31, `file is ${size} bytes`);

    // Opens lazily: the structure only.
    const started = performance.now();
    const model = openModel(path);
    const openMs = performance.now() - started;
    assert.equal(model.proto.graph!.initializer!.length, TENSORS);
    console.log(`opened ${size} bytes in ${openMs.toFixed(1)} ms`);

    // Inspect works on it.
    const run = await cli('inspect', path, '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).parameters, (TENSORS * BYTES_EACH) / 4);

    // The last tensor, which lies beyond 2 GiB, reads correctly (seeds run 7, 8, 9 across the tensors).
    const last = readTensorBytes(model, model.proto.graph!.initializer![TENSORS - 1]);
    const view = new DataView(last.buffer, last.byteOffset, last.byteLength);
    for (const i of [0, 1, 12345, BYTES_EACH / 4 - 1]) {
      assert.equal(view.getFloat32(i * 4, true), Math.fround(valueAt(i, 7 + TENSORS - 1)));
    }

    // Unchanged re-save: byte-identical.
    const copy = join(dir, 'copy.onnx');
    writeModel(model, model.proto, copy);
    assert.equal(sha256(copy), sha256(path));

    // An edit (the graph renamed) streams every tensor by range through the writer: still identical content.
    const edited = join(dir, 'edited.onnx');
    writeModel(
      model,
      withChanges(model.proto, { graph: withChanges(model.proto.graph!, { name: 'renamed' }) }),
      edited,
    );
    const reopened = openModel(edited);
    assert.equal(reopened.proto.graph!.name, 'renamed');
    const again = readTensorBytes(reopened, reopened.proto.graph!.initializer![TENSORS - 1]);
    assert.ok(
      Buffer.from(again.buffer, again.byteOffset, again.byteLength).equals(
        Buffer.from(last.buffer, last.byteOffset, last.byteLength),
      ),
    );
    reopened.close();
    model.close();
  },
);
