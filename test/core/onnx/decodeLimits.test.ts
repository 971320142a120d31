// What the structure decoder materialises is bounded relative to the file: a model whose fields decode into
// many times their size (packed varints that each become a Long, byte strings that each become a Uint8Array)
// is refused with one sentence, before it takes the process's memory.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OnnxError } from '../../../src/core/onnx/errors';
import { openModel } from '../../../src/core/onnx/reader';
import { packedIntsAttribute, stringsAttribute } from '../../hostile/crafted';
import { cli } from '../../support/cli';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function expectTooLarge(path: string): Promise<void> {
  assert.throws(
    () => openModel(path),
    (e) => e instanceof OnnxError && e.kind === 'too-large' && e.message.includes(path),
  );
  const run = await cli('inspect', path);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(
    run.stderr,
    /is too large to read: its structure \(all but the tensor data\) decodes into more than \d+ MiB/,
  );
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
}

describe('decoding limits', () => {
  test('a packed int64 attribute of 1.5 M two-byte varints (3 MB; some 80 MB of Longs) is refused', async () => {
    await expectTooLarge(write('ints.onnx', packedIntsAttribute(1_500_000)));
  });

  test('an attribute of 600 k one-byte strings (1.8 MB; a Uint8Array each) is refused', async () => {
    await expectTooLarge(write('strings.onnx', stringsAttribute(600_000, 1)));
  });

  test('the same lists at a size real models have still open', () => {
    for (const [name, bytes] of [
      ['few-ints.onnx', packedIntsAttribute(10_000)],
      ['few-strings.onnx', stringsAttribute(10_000, 1)],
      ['empty-strings.onnx', stringsAttribute(200_000, 0)], // empty ones share one array: cheap
    ] as const) {
      const file = openModel(write(name, bytes));
      file.close();
    }
  });
});
