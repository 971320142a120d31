// The PR001 fold of a Transpose permutes the constant's elements as ONNX's Transpose does: checked against the
// definition (output[i0, …] = input[i_perm⁻¹…]) on every permutation of a 3-D tensor and a 4-D one, for 1-, 2-
// and 4-byte elements.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permuted } from '../../../src/core/fix/foldWeight';

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** Transpose by its definition: output index o reads input index i with i[perm[a]] = o[a]. */
function byDefinition(values: number[], dims: number[], perm: number[]): number[] {
  const outDims = perm.map((p) => dims[p]);
  const count = values.length;
  const out: number[] = [];
  for (let flat = 0; flat < count; flat++) {
    const o: number[] = [];
    let rest = flat;
    for (let a = outDims.length - 1; a >= 0; a--) {
      o[a] = rest % outDims[a];
      rest = Math.floor(rest / outDims[a]);
    }
    const i: number[] = [];
    perm.forEach((p, a) => (i[p] = o[a]));
    out.push(values[i.reduce((at, v, a) => at * dims[a] + v, 0)]);
  }
  return out;
}

for (const dims of [
  [2, 3, 4],
  [2, 1, 3, 2],
]) {
  for (const element of [1, 2, 4]) {
    test(`every permutation of [${dims}] with ${element}-byte elements`, () => {
      const count = dims.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: count }, (_, k) => k + 1);
      const bytes = new Uint8Array(count * element);
      // Each element's bytes distinct, so a byte out of place shows.
      values.forEach((v, k) => {
        for (let b = 0; b < element; b++) bytes[k * element + b] = (v * 7 + b * 31) & 0xff;
      });
      for (const perm of permutations(dims.length)) {
        const expected = byDefinition(values, dims, perm).flatMap((v) =>
          Array.from({ length: element }, (_, b) => (v * 7 + b * 31) & 0xff),
        );
        assert.deepEqual([...permuted(bytes, dims, perm, element)], expected, `perm [${perm}]`);
      }
    });
  }
}

test('a scalar and an empty tensor', () => {
  assert.deepEqual([...permuted(new Uint8Array([9, 8, 7, 6]), [], [], 4)], [9, 8, 7, 6]);
  assert.deepEqual([...permuted(new Uint8Array(0), [2, 0], [1, 0], 4)], []);
});
