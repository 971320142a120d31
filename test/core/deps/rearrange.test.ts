import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KNOWN_MAPS,
  MAX_REARRANGED_PAIRS,
  rearrangeChannels,
  samePairs,
} from '../../../src/core/deps/rearrange';
import { crossedRearrange } from '../../hostile/crafted';
import { analyzeBytes } from '../../support/analysis';

describe('rearrangeChannels: the channel map of a Reshape→Transpose→Reshape from shapes and permutation', () => {
  for (const r of [2, 3, 4]) {
    const c = 2;
    const C = c * r * r;
    test(`pixel shuffle CRD r=${r}`, () => {
      const map = rearrangeChannels(
        [1, C, 5, 7],
        [1, c, r, r, 5, 7],
        [0, 1, 4, 2, 5, 3],
        [1, c, 5 * r, 7 * r],
      );
      assert.ok(map);
      assert.equal(map.channels, c);
      assert.ok(samePairs(map.pairs, KNOWN_MAPS.crd(c, r)));
    });
    test(`pixel shuffle DCR r=${r}`, () => {
      const map = rearrangeChannels(
        [1, C, 5, 7],
        [1, r, r, c, 5, 7],
        [0, 3, 4, 1, 5, 2],
        [1, c, 5 * r, 7 * r],
      );
      assert.ok(map && samePairs(map.pairs, KNOWN_MAPS.dcr(c, r)));
    });
    test(`pixel unshuffle r=${r}`, () => {
      const map = rearrangeChannels(
        [1, 3, 4 * r, 2 * r],
        [1, 3, 4, r, 2, r],
        [0, 1, 3, 5, 2, 4],
        [1, 3 * r * r, 4, 2],
      );
      assert.ok(map && samePairs(map.pairs, KNOWN_MAPS.unshuffle(3, r)));
    });
    test(`space-to-depth order r=${r}`, () => {
      const map = rearrangeChannels(
        [1, 3, 4 * r, 2 * r],
        [1, 3, 4, r, 2, r],
        [0, 3, 5, 1, 2, 4],
        [1, 3 * r * r, 4, 2],
      );
      assert.ok(map && samePairs(map.pairs, KNOWN_MAPS.spaceToDepth(3, r)));
    });
  }

  test('a symbolic batch is carried through', () => {
    const map = rearrangeChannels(['N', 8, 3, 3], ['N', 2, 2, 2, 3, 3], [0, 1, 4, 2, 5, 3], ['N', 2, 6, 6]);
    assert.ok(map && samePairs(map.pairs, KNOWN_MAPS.crd(2, 2)));
  });

  test('channel shuffle (g=3, 12 channels): out j·3+i ← in i·4+j, a permutation', () => {
    const map = rearrangeChannels([1, 12, 5, 5], [1, 3, 4, 5, 5], [0, 2, 1, 3, 4], [1, 12, 5, 5]);
    assert.ok(map);
    const expected = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expected.push([i * 4 + j, j * 3 + i] as const);
    assert.ok(samePairs(map.pairs, expected));
  });

  test('reshapes that do not split whole dims are not followed', () => {
    // [1, 12, 4, 4] → [1, 8, 6, 4]: the first dim group would have to straddle C and H.
    assert.equal(rearrangeChannels([1, 12, 4, 4], [1, 8, 6, 4], [0, 1, 2, 3], [1, 8, 6, 4]), undefined);
    // The 2019 PyTorch bug: view [N, r, r, C', H, W] with the CRD permutation regroups misaligned.
    assert.equal(
      rearrangeChannels([1, 12, 5, 5], [1, 2, 2, 3, 5, 5], [0, 1, 4, 2, 5, 3], [1, 3, 10, 10]),
      undefined,
    );
    // A permutation that moves the batch.
    assert.equal(
      rearrangeChannels([1, 12, 5, 5], [1, 3, 4, 5, 5], [1, 0, 2, 3, 4], [1, 12, 5, 5]),
      undefined,
    );
  });
});

describe('rearrangeChannels: bounded', () => {
  test(`a chain whose channels come from another dim is not enumerated past ${MAX_REARRANGED_PAIRS} pairs`, () => {
    const crossed = (n: number) => rearrangeChannels([1, n, n, 1], [1, n, n, 1], [0, 2, 1, 3], [1, n, n, 1]);
    const most = Math.floor(Math.sqrt(MAX_REARRANGED_PAIRS));
    assert.equal(crossed(most)?.pairs.length, most * most, 'every channel with every other');
    const started = Date.now();
    assert.equal(crossed(most + 1), undefined);
    assert.equal(crossed(1 << 14), undefined, '2^28 pairs: refused, not enumerated');
    assert.ok(Date.now() - started < 5000, 'at once');
  });

  test('the analysis of such a chain after a conv of 16,384 channels locks it, at once', () => {
    const started = Date.now();
    const analysis = analyzeBytes(crossedRearrange(1 << 14));
    assert.ok(Date.now() - started < 30_000, 'bounded (it took minutes and gigabytes)');
    const group = analysis.report.groups.find((g) => g.roots.includes('/conv/Conv'))!;
    assert.equal(group.prunable, false);
    assert.match(group.locked ?? '', /rearranges channels in a way this tool does not follow/);
  });
});
