// The inspector's fast layered layout: edges point down, nodes of a rank never overlap, long edges route
// through their own lane, and a 10,000-node graph lays out quickly (the time is printed, not asserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LayoutInput, layeredLayout } from '../../webview/graph/layout';

function residualChain(n: number): LayoutInput {
  const edges: [number, number][] = [];
  for (let i = 1; i < n; i++) edges.push([i - 1, i]);
  for (let i = 3; i < n; i += 3) edges.push([i - 3, i]); // skip connections
  return { sizes: Array.from({ length: n }, (_, i) => ({ w: 80 + (i % 5) * 10, h: 28 })), edges };
}

function checkLayout(input: LayoutInput) {
  const layout = layeredLayout(input);
  for (const [u, v] of input.edges) assert.ok(layout.y[v] > layout.y[u], `edge ${u}→${v} points down`);
  const byRow = new Map<number, number[]>();
  input.sizes.forEach((_, i) => byRow.set(layout.y[i], [...(byRow.get(layout.y[i]) ?? []), i]));
  for (const row of byRow.values()) {
    row.sort((a, b) => layout.x[a] - layout.x[b]);
    for (let k = 1; k < row.length; k++) {
      const [a, b] = [row[k - 1], row[k]];
      const gap = layout.x[b] - layout.x[a] - (input.sizes[a].w + input.sizes[b].w) / 2;
      assert.ok(gap >= 23.999, `nodes ${a} and ${b} do not overlap (gap ${gap})`);
    }
  }
  assert.equal(layout.paths.length, input.edges.length);
  for (const [i, [u, v]] of input.edges.entries()) {
    const p = layout.paths[i];
    assert.deepEqual([p[0], p[1]], [layout.x[u], layout.y[u]]);
    assert.deepEqual([p.at(-2), p.at(-1)], [layout.x[v], layout.y[v]]);
  }
  return layout;
}

test('a residual chain: edges point down, no overlaps, skip edges get a lane of their own', () => {
  const layout = checkLayout(residualChain(30));
  const skip = layout.paths[29]; // the first skip edge, 0 → 3
  assert.ok(skip.length > 4, 'routed through dummy nodes');
  const lane = skip[2];
  assert.notEqual(lane, layout.x[1], 'beside the chain, not through its nodes');
});

test('a diamond and a graph with a cycle lay out without throwing', () => {
  checkLayout({
    sizes: [0, 1, 2, 3].map(() => ({ w: 50, h: 20 })),
    edges: [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
    ],
  });
  const cyclic = layeredLayout({
    sizes: [0, 1, 2].map(() => ({ w: 50, h: 20 })),
    edges: [
      [0, 1],
      [1, 2],
      [2, 0],
    ],
  });
  assert.equal(cyclic.x.length, 3);
});

test('10,000 nodes', () => {
  const input = residualChain(10_000);
  const started = performance.now();
  const layout = layeredLayout(input);
  const ms = performance.now() - started;
  console.log(`layered layout of 10,000 nodes and ${input.edges.length} edges: ${ms.toFixed(0)} ms`);
  assert.equal(layout.x.length, 10_000);
  assert.ok(Number.isFinite(layout.width) && Number.isFinite(layout.height));
});
