// The union-find the channel analysis couples channels in (src/core/deps/unionFind.ts), on its own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnionFind } from '../../../src/core/deps/unionFind';

/** Elements by class, each class listed by its smallest element: comparable whatever the roots are. */
function partition(uf: UnionFind): number[][] {
  const classes = uf.classes();
  const byRoot = new Map<number, number[]>();
  classes.forEach((root, i) => byRoot.set(root, [...(byRoot.get(root) ?? []), i]));
  return [...byRoot.values()].sort((a, b) => a[0]! - b[0]!);
}

describe('UnionFind', () => {
  test('add hands out consecutive singletons and returns the first index', () => {
    const uf = new UnionFind();
    assert.equal(uf.add(3), 0);
    assert.equal(uf.add(2), 3);
    assert.equal(uf.length, 5);
    assert.deepEqual(partition(uf), [[0], [1], [2], [3], [4]]);
  });

  test('union joins classes, transitively; a repeated union changes nothing', () => {
    const uf = new UnionFind();
    uf.add(6);
    uf.union(0, 2);
    uf.union(4, 2);
    uf.union(1, 5);
    uf.union(0, 4);
    assert.deepEqual(partition(uf), [[0, 2, 4], [1, 5], [3]]);
    assert.equal(uf.find(0), uf.find(4));
    assert.notEqual(uf.find(0), uf.find(1));
  });

  test('the larger class keeps its root (union by size)', () => {
    const uf = new UnionFind();
    uf.add(4);
    uf.union(1, 2);
    uf.union(1, 3);
    const big = uf.find(1);
    uf.union(0, 1); // the singleton joins the three, whichever argument it is
    assert.equal(uf.find(0), big);
  });

  test('growing past the initial capacity keeps the classes made before', () => {
    const uf = new UnionFind();
    uf.add(1000);
    uf.union(10, 999);
    assert.equal(uf.add(5000), 1000);
    assert.equal(uf.length, 6000);
    uf.union(999, 5999);
    const classes = uf.classes();
    assert.equal(classes.length, 6000);
    assert.equal(classes[10], classes[5999]);
    assert.equal(classes[10], classes[999]);
    assert.equal(classes[5998], 5998);
  });
});
