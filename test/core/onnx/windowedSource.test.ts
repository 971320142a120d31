import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
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
