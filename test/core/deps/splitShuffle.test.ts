import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reshapeDigits, splitShuffle } from '../../../src/core/deps/splitShuffle';
import { mulberry32 } from '../../../src/core/random';

/**
 * Reshape → Transpose → Reshape on a tensor whose every element holds its channel: what lands at each output
 * position, the reference the digit arithmetic is checked against.
 */
function simulate(input: number[], perm: number[], first: number[], output: number[]): Int32Array {
  const total = input.reduce((a, b) => a * b, 1);
  const spatial = input.slice(2).reduce((a, b) => a * b, 1);
  const source = new Int32Array(total);
  for (let i = 0; i < total; i++) source[i] = Math.floor(i / spatial) % input[1];
  // Transpose of `first`: output index → input index.
  const outDims = perm.map((p) => first[p]);
  const strides = first.map((_, i) => first.slice(i + 1).reduce((a, b) => a * b, 1));
  const moved = new Int32Array(total);
  for (let o = 0; o < total; o++) {
    let rest = o;
    let from = 0;
    for (let k = outDims.length - 1; k >= 0; k--) {
      from += (rest % outDims[k]) * strides[perm[k]];
      rest = Math.floor(rest / outDims[k]);
    }
    moved[o] = source[from];
  }
  assert.equal(
    output.reduce((a, b) => a * b, 1),
    total,
  );
  return moved; // the last Reshape keeps the flat order
}

describe('the shuffle-and-split map', () => {
  test("megvii's ShuffleNetV2 block: half k gets channels 2j + k, and 2j and 2j + 1 prune together", () => {
    const map = splitShuffle([1, 48, 44, 44], [24, 2, 1936], [1, 0, 2], [2, 1, 24, 44, 44], 0)!;
    assert.ok(map);
    assert.equal(map.axis, 2);
    assert.equal(map.channels, 24);
    assert.equal(map.perChannel, 2);
    assert.equal(map.firstIndex, 0);
    for (let c = 0; c < 48; c++) {
      assert.equal(map.selectionOf[c], c % 2);
      assert.equal(map.channelOf[c], Math.floor(c / 2));
      assert.equal(map.anchor[c], c - (c % 2));
    }
  });

  test('equals the element-by-element result on random shapes', () => {
    const random = mulberry32(5);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    let checked = 0;
    for (let trial = 0; trial < 400; trial++) {
      // Channels as g·m (g halves or parts, m the digit a prune shrinks), either order; spatial h×w.
      const g = pick([2, 3, 4]);
      const m = pick([1, 2, 3, 5]);
      const [h, w] = [pick([1, 2, 3]), pick([2, 4])];
      const gFirst = random() < 0.5;
      const channels = g * m;
      const first = gFirst ? [g, m, h * w] : [m, g, h * w];
      const perm = gFirst ? [0, 1, 2] : [1, 0, 2];
      const output = [g, 1, m, h, w];
      const map = splitShuffle([1, channels, h, w], first, perm, output, 0);
      if (m === 1) {
        assert.equal(map, undefined, 'no channel digit left on the channel axis');
        continue;
      }
      assert.ok(map, JSON.stringify({ first, perm, output }));
      const values = simulate([1, channels, h, w], perm, first, output);
      const perSelection = m * h * w;
      for (let at = 0; at < values.length; at++) {
        const selection = Math.floor(at / perSelection);
        const channel = Math.floor(at / (h * w)) % m;
        const c = values[at];
        assert.equal(map.selectionOf[c], selection);
        assert.equal(map.channelOf[c], channel);
      }
      for (let c = 0; c < channels; c++) {
        const a: number = map.anchor[c];
        assert.equal(map.channelOf[a], map.channelOf[c], 'an anchor has the same output channel');
        assert.equal(map.selectionOf[a], 0, 'and is in the first part');
      }
      checked++;
    }
    assert.ok(checked > 200);
  });

  test('forms it does not follow are undefined', () => {
    // The channels and a spatial index on one output axis.
    assert.equal(splitShuffle([1, 8, 2, 2], [4, 2, 4], [1, 0, 2], [2, 8, 2], 0), undefined);
    // The Gathers pick from an axis without channels.
    assert.equal(splitShuffle([1, 8, 2, 2], [4, 2, 4], [1, 0, 2], [2, 1, 4, 2, 2], 1), undefined);
    // Two channel digits on the channel axis: no single digit to shrink.
    assert.equal(splitShuffle([1, 12, 2, 2], [2, 3, 2, 4], [1, 0, 2, 3], [3, 1, 4, 2, 2], 0), undefined);
    // A permutation that is not one.
    assert.equal(splitShuffle([1, 8, 2, 2], [4, 2, 4], [1, 1, 2], [2, 1, 4, 2, 2], 0), undefined);
  });

  test('reshape digits: whole dims split and merge; a dim that straddles without dividing mixes', () => {
    assert.deepEqual(reshapeDigits([1, 6, 4], [2, 3, 4]), [
      { size: 2, from: 1, to: 0 },
      { size: 3, from: 1, to: 1 },
      { size: 4, from: 2, to: 2 },
    ]);
    assert.deepEqual(reshapeDigits([2, 3], [6]), [
      { size: 2, from: 0, to: 0 },
      { size: 3, from: 1, to: 0 },
    ]);
    assert.equal(reshapeDigits([2, 3], [3, 2]), undefined);
    assert.equal(reshapeDigits([4], [8]), undefined, 'sizes differ');
  });
});
