// Did-you-mean (PL002): the bounded search gives what measuring every name fully gave, and stops at its budget.
// A plan naming 50 layers a 50,000-node model does not have took 5–8 s to check (each name measured against
// ~15,000 layer names in full); it takes a bounded fraction of that now.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closestNames, editDistance } from '../../../src/core/plan/closestNames';
import { mulberry32 } from '../../../src/core/random';

/** The plain Levenshtein table, filled whole. */
function referenceDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current.push(
        Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)),
      );
    previous = current;
  }
  return previous[b.length];
}

/** Every name measured in full; the nearest first, equally near ones in locale order, then in the order met. */
function referenceClosest(name: string, names: string[], count = 3): string[] {
  const limit = Math.max(3, Math.floor(name.length / 2));
  return names
    .map((candidate) => ({ candidate, distance: referenceDistance(name, candidate) }))
    .filter((s) => s.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map((s) => s.candidate);
}

const random = mulberry32(5);
function layerName(): string {
  const parts = ['/blocks', '/layer', '/stage', '/conv', '/Conv', '/bn', '.', '_', '/se/fc'];
  let out = '';
  const n = 1 + Math.floor(random() * 6);
  for (let i = 0; i < n; i++) out += parts[Math.floor(random() * parts.length)] + Math.floor(random() * 12);
  return out;
}

function typo(name: string): string {
  const chars = [...name];
  const edits = Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (chars.length + 1));
    const c = 'abcxyz0123/._'[Math.floor(random() * 13)];
    const kind = Math.floor(random() * 3);
    if (kind === 0) chars.splice(at, 0, c);
    else if (kind === 1) chars.splice(at, 1);
    else chars[Math.min(at, chars.length - 1)] = c;
  }
  return chars.join('');
}

describe('closestNames', () => {
  test('edit distance equals the full table, on random pairs', () => {
    for (let i = 0; i < 2000; i++) {
      const a = layerName();
      const b = random() < 0.5 ? typo(a) : layerName();
      assert.equal(editDistance(a, b), referenceDistance(a, b), `${a} / ${b}`);
    }
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', ''), 0);
  });

  test('the same suggestions as measuring every name in full, ties and all', () => {
    for (let trial = 0; trial < 200; trial++) {
      const names = [...new Set(Array.from({ length: 5 + Math.floor(random() * 300) }, layerName))];
      const name = random() < 0.7 ? typo(names[Math.floor(random() * names.length)]) : layerName();
      for (const count of [1, 3, 5])
        assert.deepEqual(
          closestNames(name, names, count),
          referenceClosest(name, names, count),
          `${name} (${count})`,
        );
    }
  });

  test('none once the budget runs out, and the budget is shared by a series of searches', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `/blocks/blocks.${i}/conv${i % 3}/Conv`);
    assert.deepEqual(closestNames('/blocks/blocks.17/conv2/Conv', names, 3, { cells: 10 }), []);
    const search = (budget: { cells: number }) =>
      closestNames('/blocks/blocks.17x/conv1/Conv', names, 3, budget);
    const one = { cells: 1e12 };
    search(one);
    // Room for two searches and a half: the first two find names, the third and later none.
    const budget = { cells: 2.5 * (1e12 - one.cells) };
    const found = Array.from({ length: 5 }, () => search(budget));
    assert.deepEqual(
      found.map((f) => f.length > 0),
      [true, true, false, false, false],
    );
    assert.ok(budget.cells < 0);
  });
});
