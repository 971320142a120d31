// The writer's flat plan: parts in output order, ranges of the source merged, headers filled after the
// message they precede, large bytes and other chunks kept as they are.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { AtomicFile } from '../../../src/core/onnx/atomicFile';
import { MemorySource } from '../../../src/core/onnx/byteSource';
import { WritePlan } from '../../../src/core/onnx/writePlan';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

/** The bytes a tag-and-length header of field `fieldNo` for a value of `length` bytes takes, as protobufjs writes it. */
function header(fieldNo: number, length: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32(fieldNo * 8 + 2)
    .uint32(length)
    .finish();
}

function written(plan: WritePlan, name: string): Uint8Array {
  const path = join(dir, name);
  const out = new AtomicFile(path);
  plan.emit(out, {});
  out.commit();
  return readFileSync(path);
}

test('parts come out in order: merged source ranges, filled headers, arena bytes and chunks', () => {
  const source = new MemorySource(Uint8Array.from({ length: 100 }, (_, i) => i));
  const other = new MemorySource(Uint8Array.from([200, 201, 202, 203]));
  const big = Uint8Array.from({ length: 5000 }, (_, i) => i % 251); // past the arena's limit: kept as a chunk
  const plan = new WritePlan(source);
  plan.addRange(0, 3);
  plan.addRange(3, 5); // follows the last range: one part
  const slot = plan.reserve();
  const before = plan.size;
  plan.addBytes(Uint8Array.from([9, 8, 7]));
  plan.addBytes(big);
  plan.addChunk({ source: other, start: 1, end: 3 });
  plan.addChunk({ source, start: 50, end: 52 }); // a range of the plan's own source
  plan.fill(slot, 7, plan.size - before);
  plan.addHeader(300, 2);
  plan.addRange(52, 54); // follows the header, not the range before it
  plan.addBytes(new Uint8Array(0)); // nothing
  const expected = [
    ...[0, 1, 2, 3, 4],
    ...header(7, 3 + 5000 + 2 + 2),
    ...[9, 8, 7],
    ...big,
    ...[201, 202],
    ...[50, 51],
    ...header(300, 2),
    ...[52, 53],
  ];
  const bytes = written(plan, 'plan.bin');
  assert.equal(plan.size, expected.length);
  assert.deepEqual([...bytes], expected);
  assert.equal(plan.isRangeOfSource(100), false);
});

test('a plan that is the whole source unchanged says so (the writer then copies the file)', () => {
  const source = new MemorySource(new Uint8Array(64));
  const plan = new WritePlan(source);
  plan.addRange(0, 40);
  plan.addRange(40, 64);
  assert.equal(plan.isRangeOfSource(64), true);
  const partial = new WritePlan(source);
  partial.addRange(0, 40);
  assert.equal(partial.isRangeOfSource(64), false);
});

test('thousands of headers and bytes grow the parts and the arena without losing any', () => {
  const source = new MemorySource(new Uint8Array(0));
  const plan = new WritePlan(source);
  const expected: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const slot = plan.reserve();
    const value = Uint8Array.from({ length: 1 + (i % 200) }, (_, k) => (i + k) % 256);
    plan.addBytes(value);
    plan.fill(slot, 1 + (i % 20), value.length);
    expected.push(...header(1 + (i % 20), value.length), ...value);
  }
  assert.deepEqual([...written(plan, 'many.bin')], expected);
});

test("parts and ranges written across the writer's 1 MiB buffer come out whole and in order", () => {
  const source = new MemorySource(Uint8Array.from({ length: 3 << 20 }, (_, i) => (i * 31) % 256));
  const plan = new WritePlan(source);
  const expected: number[] = [];
  let at = 0;
  for (let i = 0; at + 300 < source.size; i++) {
    const value = Uint8Array.from({ length: 1 + (i % 97) }, (_, k) => (i * 3 + k) % 256);
    plan.addBytes(value);
    expected.push(...value);
    const length = 1 + ((i * 53) % 300);
    plan.addRange(at, at + length);
    expected.push(...source.read(at, length));
    at += length + 1; // a byte left out: ranges do not merge
  }
  const bytes = written(plan, 'across.bin');
  assert.ok(bytes.length > 2 << 20, 'more than two buffers');
  assert.equal(bytes.length, expected.length);
  assert.ok(
    bytes.every((b, i) => b === expected[i]),
    'the same bytes',
  );
});
