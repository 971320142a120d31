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
