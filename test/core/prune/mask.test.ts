// The masked original's weights, zeroed as the writer copies them a piece at a time: against zeroing done here
// element by element, on tensors larger than a piece, with slices on both axes, in runs and scattered, and
// with the model read from a file and from memory.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModel, openModelBytes } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32 } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { maskModel } from '../../../src/core/prune/mask';
import type { MaskSlice } from '../../../src/core/prune/maskSpec';
import { addBiasModel, encodeModel, floatTensor } from '../../support/minimalModels';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

/** Distinct non-zero values, so a zero can only come from the mask. */
function values(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => 1 + ((i * 7 + seed) % 1000));
}

/** The tensor with the slices' indices set to zero, element by element. */
function naive(dims: number[], data: number[], slices: MaskSlice[]): number[] {
  const out = data.slice();
  for (const { axis, indices } of slices) {
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const gone = new Set(indices);
    out.forEach((_, k) => {
      if (gone.has(Math.floor(k / inner) % dims[axis])) out[k] = 0;
    });
  }
  return out;
}

test('masked weights equal zeroing element by element, across pieces, runs and both axes', () => {
  const tensors = [
    { name: 'big', dims: [300, 1200] }, // 1.44 MB: two pieces, a row split between them
    { name: 'conv', dims: [40, 30, 3, 3] },
    { name: 'untouched', dims: [8, 8] },
  ];
  const slices: MaskSlice[] = [
    { tensor: 'big', source: 'initializer', axis: 1, indices: [0, 1, 2, 3, 500, 501, 1199] },
    { tensor: 'big', source: 'initializer', axis: 0, indices: [7, 150, 151, 299] },
    { tensor: 'conv', source: 'initializer', axis: 0, indices: [1, 3, 5, 6, 7, 39] },
    { tensor: 'conv', source: 'initializer', axis: 1, indices: [29, 0, 10, 10] }, // unsorted, a repeat
  ];
  const data = tensors.map((t, i) =>
    values(
      t.dims.reduce((a, b) => a * b, 1),
      i,
    ),
  );
  const model = addBiasModel();
  model.graph!.initializer = tensors.map((t, i) => floatTensor(t.name, t.dims, data[i]));
  const bytes = encodeModel(model);
  const path = join(dir, 'model.onnx');
  writeFileSync(path, bytes);
  for (const [label, file] of [
    ['from a file', openModel(path)],
    ['from memory', openModelBytes(bytes)],
  ] as const) {
    const out = join(dir, `masked-${label.replace(' ', '-')}.onnx`);
    try {
      writeModel(file, maskModel(file, { original: '', zero: slices }), out);
    } finally {
      file.close();
    }
    const masked = openModel(out);
    try {
      masked.proto.graph!.initializer!.forEach((tensor, i) => {
        const expected = naive(
          tensors[i].dims,
          data[i],
          slices.filter((s) => s.tensor === tensors[i].name),
        );
        assert.deepEqual(
          Array.from(readTensorAsFloat32(masked, tensor)),
          expected,
          `${label}: ${tensor.name}`,
        );
      });
    } finally {
      masked.close();
    }
  }
});

test("a spec of 100,000 slices on one tensor masks in time linear in them (a pruned model's spec is hostile)", () => {
  // Each slice copied the tensor's list of slices before it: 40,000 slices took 47 s in `verify`.
  const dims = [64, 64];
  const data = values(64 * 64, 1);
  const model = addBiasModel();
  model.graph!.initializer = [floatTensor('w', dims, data)];
  const bytes = encodeModel(model);
  const file = openModelBytes(bytes);
  const zero: MaskSlice[] = Array.from({ length: 100_000 }, (_, i) => ({
    tensor: 'w',
    source: 'initializer',
    axis: i % 2,
    indices: [2 * (i % 32)],
  }));
  const out = join(dir, 'many-slices.onnx');
  const start = performance.now();
  writeModel(file, maskModel(file, { original: '', zero }), out);
  const elapsed = performance.now() - start;
  const masked = openModel(out);
  try {
    const distinct = zero.slice(0, 64);
    assert.deepEqual(
      Array.from(readTensorAsFloat32(masked, masked.proto.graph!.initializer![0])),
      naive(dims, data, distinct),
    );
  } finally {
    masked.close();
  }
  // About 0.3 s here; the bound is far from it and from the quadratic minutes.
  assert.ok(elapsed < 30_000, `${elapsed.toFixed(0)} ms`);
});
