// The structure walk's read-ahead (src/core/onnx/wireCursor.ts): a model of many small weights is read in a
// few large reads, one of large weights only around their headers, never their data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Long from 'long';
import { type ByteSource, MemorySource } from '../../../src/core/onnx/byteSource';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { readStructure } from '../../../src/core/onnx/structure';
import { WireCursor } from '../../../src/core/onnx/wireCursor';

/** A source over bytes in memory that counts the reads the walk makes (not a MemorySource: it is windowed). */
class CountingSource implements ByteSource {
  reads = 0;
  bytes = 0;
  private readonly inner: MemorySource;
  constructor(data: Uint8Array) {
    this.inner = new MemorySource(data, 'counted');
  }
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  read(offset: number, length: number): Uint8Array {
    this.reads++;
    this.bytes += length;
    return this.inner.read(offset, length).slice();
  }
  readInto(offset: number, target: Uint8Array, at = 0, length = target.length - at): void {
    this.reads++;
    this.bytes += length;
    this.inner.readInto(offset, target, at, length);
  }
  close(): void {}
}

/** A model of `count` float weights of `bytes` each (raw data), read by a walk over a counting source. */
function walk(count: number, bytes: number): { source: CountingSource; tensors: number } {
  const initializer = Array.from({ length: count }, (_, i) => ({
    name: `w${i}`,
    data_type: onnx.TensorProto.DataType.FLOAT,
    dims: [Long.fromNumber(bytes / 4)],
    raw_data: new Uint8Array(bytes).fill(i & 0xff),
  }));
  const model = onnx.ModelProto.encode({ ir_version: Long.fromNumber(8), graph: { name: 'g', initializer } });
  const source = new CountingSource(model.finish());
  const structure = readStructure(new WireCursor(source));
  return { source, tensors: structure.proto.graph?.initializer?.length ?? 0 };
}

test('4,000 weights of 1 KiB are read in a few large reads, not a read after each', () => {
  const { source, tensors } = walk(4000, 1024);
  assert.equal(tensors, 4000);
  assert.ok(source.reads <= 12, `${source.reads} reads`);
  assert.ok(source.bytes <= source.size * 1.1, `${source.bytes} of ${source.size} bytes`);
});

test('weights of 256 KiB are skipped: only the bytes around their headers are read', () => {
  const { source, tensors } = walk(48, 256 << 10);
  assert.equal(tensors, 48);
  assert.ok(source.bytes <= 48 * (16 << 10), `${source.bytes} of ${source.size} bytes`);
});
