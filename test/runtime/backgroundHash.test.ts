// startSha256 (src/core/onnx/backgroundHash.ts): a large file is hashed by a worker thread through the
// source's own descriptor while the caller works; a small one (or bytes in memory) on the caller's thread.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BACKGROUND_HASH_MIN_BYTES, startSha256 } from '../../src/runtime/backgroundHash';
import { MemorySource } from '../../src/core/onnx/byteSource';
import { FileSource } from '../../src/core/onnx/fileSource';
import { tempDir } from '../support/tempDir';

const dir = tempDir();

/** Bytes that differ from piece to piece (a hash of zeros would not show a piece read twice or skipped). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
    out[i + 1] = x >>> 8;
    out[i + 2] = x >>> 16;
    out[i + 3] = x >>> 24;
  }
  return out;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('startSha256', () => {
  test("a large file is hashed by a worker thread through the source's descriptor, to the same digest", () => {
    // Not a multiple of the worker's 8 MiB pieces: the last piece is a short one.
    const data = bytes(BACKGROUND_HASH_MIN_BYTES + 5 * (1 << 20) + 12_345, 7);
    const path = join(dir, 'large.bin');
    writeFileSync(path, data);
    const source = FileSource.open(path, 'a file');
    try {
      const pending = startSha256(source);
      // The caller reads through the same descriptor meanwhile (positional reads do not disturb each other).
      assert.deepEqual(source.read(1 << 20, 16), data.subarray(1 << 20, (1 << 20) + 16));
      assert.equal(pending.value(), sha256(data));
      assert.equal(pending.hashedBy, 'worker');
      assert.equal(pending.value(), sha256(data), 'asked again: the same digest');
      pending.stop();
    } finally {
      source.close();
    }
  });

  test('the worker hashes the file that was opened, not one put at its path since', () => {
    const data = bytes(BACKGROUND_HASH_MIN_BYTES + 1, 11);
    const path = join(dir, 'swapped.bin');
    writeFileSync(path, data);
    const source = FileSource.open(path, 'a file');
    try {
      // Replaced before the worker has even started: a path-based hash would see the other file.
      const other = join(dir, 'other.bin');
      writeFileSync(other, bytes(data.length, 12));
      renameSync(other, path);
      const pending = startSha256(source);
      assert.equal(pending.value(), sha256(data));
      assert.equal(pending.hashedBy, 'worker');
    } finally {
      source.close();
    }
  });

  test('stop before the hash is done: the worker ends and the source can be closed', () => {
    const path = join(dir, 'stopped.bin');
    writeFileSync(path, bytes(BACKGROUND_HASH_MIN_BYTES * 2, 3));
    const source = FileSource.open(path, 'a file');
    const pending = startSha256(source);
    pending.stop();
    pending.stop(); // twice is harmless
    source.close();
    assert.equal(pending.hashedBy, undefined, 'nobody asked for the value');
  });

  test('closing the source stops the worker first; a value asked for afterwards fails, naming the file', () => {
    const path = join(dir, 'closed.bin');
    writeFileSync(path, bytes(BACKGROUND_HASH_MIN_BYTES * 2, 4));
    const source = FileSource.open(path, 'a file');
    const pending = startSha256(source);
    source.close();
    assert.throws(() => pending.value(), new Error(`${path} is closed`));
  });

  test('a small file and bytes in memory are hashed on the caller thread', () => {
    const small = bytes(1 << 16, 5);
    const path = join(dir, 'small.bin');
    writeFileSync(path, small);
    const file = FileSource.open(path, 'a file');
    try {
      const pending = startSha256(file);
      assert.equal(pending.value(), sha256(small));
      assert.equal(pending.hashedBy, 'caller');
    } finally {
      file.close();
    }
    const memory = startSha256(new MemorySource(small));
    assert.equal(memory.value(), sha256(small));
    assert.equal(memory.hashedBy, 'caller');
  });
});
