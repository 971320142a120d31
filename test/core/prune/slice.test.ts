// sliceTensor against a naive reference (index arithmetic per element) on every way it gathers: tiny tensors
// index by index, small slabs read whole, large ones read run by run with the inner runs listed, whole blocks passed through, 1-, 2- and
// 4-byte elements, and removals that keep one index or all but one.
import assert from 'node:assert/strict';
import Long from 'long';
import { describe, test } from 'node:test';
import { forEachPiece } from '../../../src/core/onnx/dataChunk';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { KeptRuns } from '../../../src/core/prune/keptRuns';
import { sliceTensor } from '../../../src/core/prune/slice';
import { encodeModel, tensorInfo } from '../../support/minimalModels';

const ELEMENT_BYTES: Record<number, number> = { 1: 4, 3: 1, 10: 2 }; // FLOAT, INT8, FLOAT16

/** A model holding one initializer whose byte i is a hash of i (any dtype: sliced as raw bytes). */
function modelWith(dims: number[], dataType: number): { bytes: Uint8Array; data: Uint8Array } {
  const data = new Uint8Array(dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[dataType]);
  for (let i = 0; i < data.length; i++) data[i] = Math.imul(i + 1, 2654435761) >>> 24;
  const model: onnx.ModelProto.$Properties = {
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: {
      name: 'g',
      node: [{ op_type: 'Identity', input: ['w'], output: ['y'] }],
      initializer: [
        { name: 'w', data_type: dataType, dims: dims.map((d) => Long.fromNumber(d)), raw_data: data },
      ],
      output: [tensorInfo('y', dims)],
    },
  };
  return { bytes: encodeModel(model), data };
}

/** The kept elements, one by one. */
function naive(
  data: Uint8Array,
  dims: number[],
  remove: Map<number, Set<number>>,
  element: number,
): Uint8Array {
  const kept = dims.map((d, axis) =>
    Array.from({ length: d }, (_, i) => i).filter((i) => !remove.get(axis)?.has(i)),
  );
  const strides = dims.map((_, axis) => dims.slice(axis + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const visit = (axis: number, offset: number) => {
    if (axis === dims.length) {
      for (let b = 0; b < element; b++) out.push(data[offset * element + b]);
      return;
    }
    for (const i of kept[axis]) visit(axis + 1, offset + i * strides[axis]);
  };
  visit(0, 0);
  return Uint8Array.from(out);
}

function sliced(dims: number[], dataType: number, remove: Map<number, Set<number>>): void {
  const { bytes, data } = modelWith(dims, dataType);
  const file = openModelBytes(bytes);
  const tensor = file.proto.graph!.initializer![0];
  const { tensor: out, data: chunk } = sliceTensor(file, tensor, removals(remove));
  const pieces: Uint8Array[] = [];
  forEachPiece(chunk, (piece) => pieces.push(piece.slice())); // pieces are reused buffers
  const got = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  pieces.reduce((at, p) => (got.set(p, at), at + p.length), 0);
  const expected = naive(data, dims, remove, ELEMENT_BYTES[dataType]);
  assert.deepEqual(
    out.dims!.map((d) => Number(d)),
    dims.map((d, axis) => d - (remove.get(axis)?.size ?? 0)),
  );
  assert.equal(got.length, expected.length);
  assert.ok(Buffer.from(got).equals(Buffer.from(expected)), 'the kept bytes differ from the reference');
}

/** What sliceTensor takes: per axis, the removed indices ascending. */
function removals(remove: Map<number, Set<number>>): (number[] | undefined)[] {
  const axes: (number[] | undefined)[] = [];
  for (const [axis, gone] of remove) axes[axis] = [...gone].sort((a, b) => a - b);
  return axes;
}

/** Every `step`-th index from `from`. */
const every = (size: number, step: number, from = 0) =>
  new Set(Array.from({ length: size }, (_, i) => i).filter((i) => i % step === from));

describe('sliceTensor', () => {
  test('small slabs: conv-like weights sliced on outputs, inputs or both', () => {
    for (const dataType of [1, 3, 10]) {
      sliced([8, 6, 3, 3], dataType, new Map([[0, every(8, 2)]]));
      sliced([8, 6, 3, 3], dataType, new Map([[1, every(6, 3, 1)]]));
      sliced(
        [8, 6, 3, 3],
        dataType,
        new Map([
          [0, every(8, 3)],
          [1, every(6, 2, 1)],
        ]),
      );
      sliced([8, 6, 3, 3], dataType, new Map([[2, new Set([1])]]));
    }
  });

  test('tiny tensors (up to 64 KiB) gathered index by index: every axis, several at once, one element', () => {
    sliced([4], 1, new Map([[0, new Set([0, 3])]]));
    sliced([1], 1, new Map([[0, new Set<number>()]]));
    sliced([3, 5, 7], 10, new Map([[2, every(7, 2)]]));
    sliced(
      [3, 5, 7, 2],
      3,
      new Map([
        [0, new Set([1])],
        [1, every(5, 2)],
        [2, every(7, 3, 2)],
      ]),
    );
    sliced([64, 256], 1, new Map([[1, every(256, 3)]])); // 64 KiB exactly, runs of 64 bytes and more
  });

  test('conv-like weights over 64 KiB: gathered by a copy plan, for 1-, 2- and 4-byte elements', () => {
    for (const dataType of [1, 3, 10]) {
      sliced([256, 64, 3, 3], dataType, new Map([[0, every(256, 2)]]));
      sliced(
        [256, 64, 3, 3],
        dataType,
        new Map([
          [0, every(256, 3)],
          [1, every(64, 2, 1)],
        ]),
      );
    }
  });

  test('a Gemm weight sliced on its columns only and on both axes', () => {
    sliced([100, 4096], 1, new Map([[1, every(4096, 2)]]));
    sliced(
      [64, 49 * 32],
      1,
      new Map([
        [0, every(64, 4)],
        [1, new Set([...Array(49 * 16).keys()])],
      ]),
    );
  });

  test('large slabs (over 4 MiB) read run by run, with and without inner slicing', () => {
    const rows = every(1100, 3);
    sliced([1100, 1024], 1, new Map([[0, rows]])); // whole rows: the reads themselves are the pieces
    sliced(
      [1100, 1024],
      1,
      new Map([
        [0, rows],
        [1, every(1024, 5, 2)],
      ]),
    );
    sliced(
      [1100, 1024],
      10,
      new Map([
        [0, rows],
        [1, every(1024, 2)],
      ]),
    ); // 2-byte elements: no word copy
    sliced(
      [2, 700, 1024],
      1,
      new Map([
        [1, every(700, 2)],
        [2, every(1024, 7)],
      ]),
    ); // an outer axis
  });

  test('a large tensor is produced in pieces of at most 4 MiB, never gathered whole', () => {
    const dims = [3000, 2048]; // 24.6 MB, of which 12.3 MB kept
    const { bytes } = modelWith(dims, 1);
    const file = openModelBytes(bytes);
    const remove = new Map([
      [0, every(3000, 3)],
      [1, every(2048, 4)],
    ]);
    const { data } = sliceTensor(file, file.proto.graph!.initializer![0], removals(remove));
    let total = 0;
    let largest = 0;
    forEachPiece(data, (piece) => {
      total += piece.length;
      largest = Math.max(largest, piece.length);
    });
    assert.equal(total, 2000 * 1536 * 4);
    assert.ok(largest <= 4 << 20, `a piece of ${largest} bytes`);
  });

  test('blocks with too many runs to list are copied axis by axis', () => {
    sliced(
      [1, 2, 600, 1000],
      1,
      new Map([
        [1, new Set([1])],
        [3, every(1000, 2)],
      ]),
    ); // 300,000 runs a block
  });

  test('keeping one index, or removing one', () => {
    sliced([16, 300, 300], 1, new Map([[0, new Set([...Array(15).keys()])]]));
    sliced([16, 300, 300], 1, new Map([[2, new Set([299])]]));
  });

  test('runs merge where consecutive and short runs copy word by word', () => {
    const runs = KeptRuns.of(
      [4, 6],
      [
        [0, 1, 3],
        [0, 1, 2, 3, 4, 5],
      ],
      4,
    )!;
    assert.equal(runs.keptBytes, 3 * 6 * 4);
    const source = new Uint8Array(2 * 4 * 6 * 4).map((_, i) => i);
    const target = new Uint8Array(4 + 2 * runs.keptBytes);
    runs.copy(source, 2, 4 * 6 * 4, target, 4);
    const block = (b: number, row: number) => [
      ...source.subarray(b * 96 + row * 24, b * 96 + (row + 1) * 24),
    ];
    assert.deepEqual(
      [...target.subarray(4)],
      [0, 1, 3].flatMap((r) => block(0, r)).concat([0, 1, 3].flatMap((r) => block(1, r))),
    );
  });
});
