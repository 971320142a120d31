import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemorySource } from '../../../src/core/onnx/byteSource';
import { FileSource } from '../../../src/core/onnx/fileSource';
import { WindowedSource } from '../../../src/core/onnx/windowedSource';
import { tempDir } from '../../support/tempDir';

const MiB = 1 << 20;

test('a windowed source reads exactly what the file holds, across window edges, backwards and past the window size', () => {
  const bytes = new Uint8Array(3 * MiB + 12345);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  const path = join(tempDir(), 'data.bin');
  writeFileSync(path, bytes);
  const source = new WindowedSource(FileSource.open(path));
  try {
    assert.equal(source.size, bytes.length);
    const reads: [number, number][] = [
      [0, 10],
      [MiB - 5, 10], // across the first window's end
      [100, 50], // backwards: refills
      [bytes.length - 7, 7], // the file's last bytes (a short window)
      [5, 2 * MiB], // larger than the window: straight from the file
      [MiB, MiB], // exactly the window
      [bytes.length, 0],
    ];
    for (const [offset, length] of reads)
      assert.deepEqual(
        source.read(offset, length),
        bytes.subarray(offset, offset + length),
        `${offset}+${length}`,
      );
    assert.throws(() => source.read(bytes.length - 3, 4), RangeError);
  } finally {
    source.close();
  }
});

test("a windowed source's reads are copies: the next read does not change what an earlier one returned", () => {
  const bytes = new Uint8Array(2 * MiB).map((_, i) => i % 251);
  const path = join(tempDir(), 'data.bin');
  writeFileSync(path, bytes);
  const source = new WindowedSource(FileSource.open(path));
  try {
    const first = source.read(0, 16);
    source.read(MiB + 100, 16); // moves the window
    assert.deepEqual(first, bytes.subarray(0, 16));
  } finally {
    source.close();
  }
});

test('every source reads into a place inside a larger target and leaves the rest of it alone', () => {
  const bytes = Uint8Array.from({ length: 2 * MiB + 99 }, (_, i) => (i * 7) % 253);
  const path = join(tempDir(), 'data.bin');
  writeFileSync(path, bytes);
  const file = FileSource.open(path);
  const sources = [new MemorySource(bytes), file, new WindowedSource(FileSource.open(path))];
  try {
    for (const source of sources) {
      // Small (copied byte by byte), medium (a view and a copy) and past the window (straight from the file).
      for (const [offset, at, length] of [
        [3, 5, 10],
        [MiB - 40, 1, 200],
        [17, 9, MiB + 5],
      ]) {
        const target = new Uint8Array(length + 20).fill(0xee);
        source.readInto(offset, target, at, length);
        const name = `${source.constructor.name} ${offset}+${length} at ${at}`;
        assert.deepEqual(target.subarray(at, at + length), bytes.subarray(offset, offset + length), name);
        assert.ok(
          target.subarray(0, at).every((b) => b === 0xee),
          `${name}: before untouched`,
        );
        assert.ok(
          target.subarray(at + length).every((b) => b === 0xee),
          `${name}: after untouched`,
        );
      }
      assert.throws(() => source.readInto(0, new Uint8Array(8), 4, 5), RangeError, 'past the target');
      assert.throws(() => source.readInto(bytes.length - 2, new Uint8Array(8), 0, 4), RangeError);
    }
  } finally {
    for (const source of sources) source.close();
  }
});
