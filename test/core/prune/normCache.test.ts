// Unit norms: every tensor's per-index sums along axes 0 and 1, kept in blocks (a tensor larger than a block
// gets one of its own), against sums worked out here index by index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { NormCache } from '../../../src/core/prune/normCache';
import { addBiasModel, encodeModel, floatTensor } from '../../support/minimalModels';

function values(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.fround(Math.sin(seed * 7.1 + i * 0.37) * 3));
}

/** Σ|x|^p over every element whose index along `axis` is i, for each i (x² rounded to float32, as the weights are). */
function naive(dims: number[], data: number[], p: 1 | 2, axis: number): number[] {
  const out = new Array<number>(dims[axis]).fill(0);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  data.forEach((x, k) => {
    out[Math.floor(k / inner) % dims[axis]] += p === 1 ? Math.abs(x) : Math.fround(x * x);
  });
  return out;
}

test('norms along both axes of many tensors, across blocks, with a tensor larger than a block', () => {
  const shapes: number[][] = [
    ...Array.from({ length: 300 }, () => [20, 300]), // 96,000 norms: most of the first block
    ...Array.from({ length: 200 }, () => [30, 20, 2]),
    [140_000], // more than a block (131,072 norms): a block of its own
    ...Array.from({ length: 300 }, () => [20, 300]), // fills the first block and starts another
  ];
  const tensors = shapes.map((dims, i) => ({
    dims,
    data: values(
      dims.reduce((a, b) => a * b, 1),
      i,
    ),
  }));
  const model = addBiasModel();
  model.graph!.initializer = tensors.map((t, i) => floatTensor(`w${i}`, t.dims, t.data));
  const file = openModelBytes(encodeModel(model));
  const decoded = file.proto.graph!.initializer!;
  for (const p of [1, 2] as const) {
    const norms = new NormCache();
    // Every tensor first, then all of them again from the cache, interleaved: `values` follows each `at`.
    for (let pass = 0; pass < 2; pass++) {
      decoded.forEach((tensor, i) => {
        const { dims, data } = tensors[i];
        for (const axis of dims.length > 1 ? [0, 1] : [0]) {
          const at = norms.at(file, tensor, p, axis);
          const got = Array.from(norms.values.subarray(at, at + dims[axis]));
          const expected = naive(dims, data, p, axis);
          got.forEach((g, k) =>
            assert.ok(
              Math.abs(g - expected[k]) <= 1e-9 * Math.max(1, expected[k]),
              `w${i} axis ${axis} index ${k}: ${g} vs ${expected[k]} (p = ${p}, pass ${pass})`,
            ),
          );
        }
      });
    }
    assert.throws(() => norms.at(file, decoded[500], p, 1), /no norms along axis 1/);
  }
});

/**
 * The l1 sums' exact order, which a prune's choice between near-equal channels depends on: each (row, column)
 * block of a conv weight is summed in four partial sums by position mod 4, ((s0 + s1) + (s2 + s3)); a row's and
 * a column's sums take their blocks in order. A 3×3 kernel is summed in line, in this very order.
 */
function ordered(dims: number[], data: number[], axis: 0 | 1): number[] {
  const [rows, cols] = dims;
  const block = dims.slice(2).reduce((a, b) => a * b, 1);
  const out = new Array<number>(dims[axis]).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = [0, 0, 0, 0];
      const from = (r * cols + c) * block;
      const whole = block - (block % 4);
      for (let t = 0; t < block; t++) s[t < whole ? t % 4 : 0] += Math.abs(data[from + t]);
      out[axis === 0 ? r : c] += s[0] + s[1] + (s[2] + s[3]);
    }
  }
  return out;
}

test('the l1 sums of conv kernels (3×3 among them) add in one fixed order, to the bit', () => {
  // Magnitudes from 1e-6 to 1e6: a different order of additions changes the last bits.
  const mixed = (count: number, seed: number) =>
    values(count, seed).map((x, i) => Math.fround(x * 10 ** (((i * 7 + seed) % 13) - 6)));
  const shapes = [
    [6, 5, 3, 3],
    [4, 3, 5, 5],
    [3, 7, 3],
    [5, 2, 3, 3],
  ];
  const tensors = shapes.map((dims, i) => ({
    dims,
    data: mixed(
      dims.reduce((a, b) => a * b, 1),
      i + 1,
    ),
  }));
  const model = addBiasModel();
  model.graph!.initializer = tensors.map((t, i) => floatTensor(`k${i}`, t.dims, t.data));
  const file = openModelBytes(encodeModel(model));
  const norms = new NormCache();
  file.proto.graph!.initializer!.forEach((tensor, i) => {
    const { dims, data } = tensors[i];
    for (const axis of [0, 1] as const) {
      const at = norms.at(file, tensor, 1, axis);
      assert.deepEqual(
        Array.from(norms.values.subarray(at, at + dims[axis])),
        ordered(dims, data, axis),
        `k${i} axis ${axis}`,
      );
    }
  });
});

test('norms along an axis past 1 (a per-channel constant shaped [1, 1, 1, C]) and along axis 2 of a kernel', () => {
  const shapes: number[][] = [
    [1, 1, 1, 8],
    [4, 3, 5, 2],
  ];
  const tensors = shapes.map((dims, i) => ({
    dims,
    data: values(
      dims.reduce((a, b) => a * b, 1),
      i + 40,
    ),
  }));
  const model = addBiasModel();
  model.graph!.initializer = tensors.map((t, i) => floatTensor(`c${i}`, t.dims, t.data));
  const file = openModelBytes(encodeModel(model));
  const decoded = file.proto.graph!.initializer!;
  const cache = new NormCache();
  for (const p of [1, 2] as const)
    for (const [i, axis] of [
      [0, 3],
      [1, 2],
      [1, 3],
      [1, 0],
    ] as const) {
      const at = cache.at(file, decoded[i], p, axis);
      const want = naive(tensors[i].dims, tensors[i].data, p, axis);
      const got = Array.from(cache.values.subarray(at, at + want.length));
      got.forEach((v, k) =>
        assert.ok(Math.abs(v - want[k]) <= 1e-9 * Math.max(1, want[k]), `c${i} axis ${axis} p${p}`),
      );
      assert.equal(cache.at(file, decoded[i], p, axis), at, 'kept');
    }
  file.close();
});
