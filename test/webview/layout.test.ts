// The inspector's fast layered layout: edges point down, nodes of a rank never overlap, long edges route
// through their own lane, and a 10,000-node graph lays out quickly (the time is printed, not asserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { buildHierarchy } from '../../src/core/inspect/hierarchy';
import { type LayoutInput, layeredLayout } from '../../webview/graph/layout';
import { BoxTree } from '../../webview/graph/boxTree';
import { Scene } from '../../webview/graph/scene';
import { functionModel, ifModel, skeletonOf } from '../support/bodyModels';

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

/** A skeleton of blocks with real PyTorch scopes: `/layers/layers.i/{conv1,relu,conv2}/…` and a residual Add. */
function scopedSkeleton(blocks: number): GraphSkeleton {
  const names = ['/stem/Conv', '/stem/Relu'];
  for (let i = 0; i < blocks; i++)
    names.push(
      `/layers/layers.${i}/conv1/Conv`,
      `/layers/layers.${i}/Relu`,
      `/layers/layers.${i}/conv2/Conv`,
      `/layers/layers.${i}/branch/branch.0/Conv`,
      `/layers/layers.${i}/branch/branch.1/Relu`,
      `/layers/layers.${i}/Add`,
    );
  names.push('/head/Flatten', '/head/Gemm');
  const ops = names.map((n) => n.split('/').at(-1)!);
  // Each node reads the previous one; each block's Add also reads the block's input (the residual).
  const inputs = names.map((_, i) => (i === 0 ? [] : [i - 1]));
  for (let i = 0; i < blocks; i++) {
    const first = 2 + 6 * i;
    inputs[first + 3] = [first - 1];
    inputs[first + 5] = [first + 2, first + 4, first - 1];
  }
  const h = buildHierarchy(names, ops);
  return {
    nodes: names.map((name, i) => ({
      name,
      op: ops[i],
      inputs: inputs[i],
      outputs: [i],
      ...(h.nodeBox[i] >= 0 ? { box: h.nodeBox[i] } : {}),
    })),
    values: names.map((name, i) => ({
      name: `${name}_out`,
      shape: '[1, 8, 4, 4]',
      dtype: 'float32',
      producer: i,
      weight: false,
    })),
    inputs: [],
    outputs: [names.length - 1],
    groups: [],
    boxes: h.boxes.map((b) => ({ ...b, groups: [] })),
  };
}

const inWorker = async (input: LayoutInput) => layeredLayout(input);

function overlaps(scene: Scene, a: number, b: number): boolean {
  return (
    Math.abs(scene.x[a] - scene.x[b]) < (scene.w[a] + scene.w[b]) / 2 - 1e-6 &&
    Math.abs(scene.y[a] - scene.y[b]) < (scene.h[a] + scene.h[b]) / 2 - 1e-6
  );
}

function checkScene(scene: Scene): void {
  const shown = scene.shownItems();
  for (let i = 0; i < shown.length; i++)
    for (let j = i + 1; j < shown.length; j++)
      assert.ok(!overlaps(scene, shown[i], shown[j]), `items ${shown[i]} and ${shown[j]} overlap`);
  for (const f of scene.frames)
    for (const i of shown) {
      const inside = scene.x[i] > f.x0 && scene.x[i] < f.x1 && scene.y[i] > f.y0 && scene.y[i] < f.y1;
      let holds = false;
      for (
        let b =
          i < scene.nodes
            ? (scene.skeleton.nodes[i].box ?? -1)
            : scene.skeleton.boxes[i - scene.nodes].parent;
        b >= 0;
        b = scene.skeleton.boxes[b].parent
      )
        if (b === f.box) holds = true;
      assert.equal(
        inside,
        holds,
        `item ${i} is inside the frame of box ${f.box} exactly when the box holds it`,
      );
    }
  for (const e of scene.edges) {
    assert.ok(scene.shown[e.from] && scene.shown[e.to], 'edges join items shown');
    assert.deepEqual(e.path.slice(0, 2), [scene.x[e.from], scene.y[e.from]]);
    assert.deepEqual(e.path.slice(-2), [scene.x[e.to], scene.y[e.to]]);
    for (let j = 3; j < e.path.length; j += 2)
      assert.ok(e.path[j] >= e.path[j - 2] - 1e-6, `edge ${e.from}→${e.to} runs downward all along`);
  }
}

test('hierarchy: the top level is boxes; expanding one lays out only its contents and nothing drawn above it moves', async () => {
  const skeleton = scopedSkeleton(40);
  const scene = new Scene(
    skeleton,
    skeleton.nodes.map(() => 90),
  );
  await scene.showTop(inWorker);
  const box = (path: string) => skeleton.boxes.findIndex((b) => b.path === path);
  assert.ok(scene.shown[scene.nodes + box('/layers')], 'the layers box is shown collapsed');
  assert.equal(scene.shownItems().length, 3, 'stem, layers and head, as boxes');
  checkScene(scene);
  await scene.expand([box('/layers')], inWorker);
  checkScene(scene);
  assert.equal(scene.frames.length, 1);

  // Expand a block in the middle: record every item shown before.
  const target = box('/layers/layers.20');
  const B = scene.nodes + target;
  const before = new Map(scene.shownItems().map((i) => [i, [scene.x[i], scene.y[i]]]));
  const top = scene.y[B] - scene.h[B] / 2;
  const bottom = scene.y[B] + scene.h[B] / 2;
  let laidOut = 0;
  await scene.expand([target], async (input) => {
    laidOut += input.sizes.length;
    return layeredLayout(input);
  });
  assert.equal(laidOut, 5, "only the block's contents are laid out: conv1, Relu, conv2, branch, Add");
  checkScene(scene);
  const moves = new Set<string>();
  let above = 0;
  for (const [i, [x, y]] of before) {
    if (i === B) continue;
    assert.ok(scene.shown[i], 'what was drawn is still drawn');
    if (y + scene.h[i] / 2 <= top) {
      above++;
      assert.deepEqual([scene.x[i], scene.y[i]], [x, y], `item ${i} above the box keeps its position`);
    } else if (y - scene.h[i] / 2 >= bottom) moves.add(`${scene.x[i] - x},${scene.y[i] - y}`);
  }
  assert.ok(above >= 20, `${above} items above the box`);
  assert.equal(
    new Set([...moves].map((m) => m.split(',')[1])).size,
    1,
    'everything below moves down by one offset',
  );
  // Collapsing puts the box back where it was; nothing else moves.
  const opened = new Map(scene.shownItems().map((i) => [i, [scene.x[i], scene.y[i]]]));
  scene.collapse(target);
  checkScene(scene);
  assert.ok(scene.shown[B]);
  assert.equal(scene.y[B] - scene.h[B] / 2, top, 'the box is back at its top');
  for (const i of scene.shownItems()) if (i !== B) assert.deepEqual([scene.x[i], scene.y[i]], opened.get(i));
});

test('hierarchy: opening levels within a budget, and the collapsed boxes around a node', async () => {
  const skeleton = scopedSkeleton(40);
  const scene = new Scene(
    skeleton,
    skeleton.nodes.map(() => 90),
  );
  await scene.showTop(inWorker);
  await scene.openLevels(inWorker, 60);
  assert.equal(
    scene.expanded[skeleton.boxes.findIndex((b) => b.path === '/layers')],
    1,
    'layers opened (40 blocks)',
  );
  assert.ok(scene.shownItems().length <= 60, `${scene.shownItems().length} items shown`);
  assert.equal(
    scene.expanded[skeleton.boxes.findIndex((b) => b.path === '/layers/layers.30')],
    0,
    'most blocks stay closed',
  );
  checkScene(scene);
  const node = skeleton.nodes.findIndex((n) => n.name === '/layers/layers.7/branch/branch.0/Conv');
  const chain = scene.collapsedAround(node);
  assert.deepEqual(
    chain.map((b) => skeleton.boxes[b].path),
    ['/layers/layers.7', '/layers/layers.7/branch'],
  );
  assert.equal(scene.itemOf(node), scene.nodes + chain[0]);
  for (const b of chain) await scene.expand([b], inWorker);
  assert.equal(scene.itemOf(node), node);
  checkScene(scene);
});

test('bodies: a call is one box that opening the levels leaves closed; opening it lays out the call and its branches', async () => {
  const skeleton = skeletonOf(ifModel());
  const scene = new Scene(
    skeleton,
    skeleton.nodes.map(() => 90),
  );
  await scene.showTop(inWorker);
  await scene.openLevels(inWorker, Infinity);
  const box = (label: string) => skeleton.boxes.findIndex((b) => b.label === label);
  const call = box('If · then 5, else 3 nodes');
  assert.ok(call >= 0, JSON.stringify(skeleton.boxes.map((b) => b.label)));
  const gate = skeleton.boxes[call].call!;
  assert.equal(scene.expanded[skeleton.boxes.findIndex((b) => b.path === '/stem')], 1, 'name scopes open');
  assert.equal(scene.expanded[call], 0, 'the body stays closed');
  assert.equal(scene.itemOf(gate), scene.nodes + call, 'the If is drawn as its box');
  const start = skeleton.bodies!.start;
  for (let i = start; i < skeleton.nodes.length; i++) assert.equal(scene.shown[i], 0);
  checkScene(scene);
  const laid: number[] = [];
  const counting = async (input: LayoutInput) => {
    laid.push(input.sizes.length);
    return layeredLayout(input);
  };
  await scene.expand([call], counting);
  assert.deepEqual(laid, [3], 'the If node and its two branch boxes');
  assert.ok(scene.shown[gate] && scene.shown[scene.nodes + box('then_branch')]);
  checkScene(scene);
  await scene.expand([box('then_branch')], counting);
  assert.deepEqual(laid, [3, 5], "only the branch's five nodes");
  const then = skeleton.nodes.flatMap((n, i) => (n.box === box('then_branch') ? [i] : []));
  assert.equal(then.length, 5);
  for (const i of then) assert.equal(scene.shown[i], 1);
  // The chain of Relus inside, and the If feeding its first node.
  const inside = scene.edges.filter((e) => then.includes(e.to));
  assert.deepEqual(
    inside.map((e) => [e.from, e.to]).sort((a, b) => a[1] - b[1]),
    [[gate, then[0]], ...then.slice(1).map((to, k) => [then[k], to])],
  );
  checkScene(scene);
  // Reveal of a node in the other branch opens just that branch.
  const other = skeleton.nodes.findIndex((n) => n.name === '/else/Relu_1');
  assert.deepEqual(scene.collapsedAround(other), [box('else_branch')]);
  scene.collapse(call);
  assert.ok(scene.shown[scene.nodes + call]);
  for (const i of then) assert.equal(scene.shown[i], 0);
  checkScene(scene);
});

test('bodies: each call of a local function is a box of its own', async () => {
  const skeleton = skeletonOf(functionModel());
  const scene = new Scene(
    skeleton,
    skeleton.nodes.map(() => 90),
  );
  await scene.showTop(inWorker);
  const calls = skeleton.boxes.flatMap((b, k) => (b.call !== undefined ? [k] : []));
  assert.equal(calls.length, 2);
  const blocks = skeleton.boxes.findIndex((b) => b.path === '/blocks');
  assert.deepEqual(
    calls.map((b) => skeleton.boxes[b].parent),
    [blocks, blocks],
    'the calls are in their name scope',
  );
  await scene.expand([blocks], inWorker);
  for (const b of calls) assert.ok(scene.shown[scene.nodes + b]);
  await scene.expand([calls[1]], inWorker);
  checkScene(scene);
  const opened = skeleton.nodes.flatMap((n, i) => (n.box === calls[1] ? [i] : []));
  assert.deepEqual(
    opened.map((i) => skeleton.nodes[i].name),
    ['/blocks/b2', 'm', 'p', 'r'],
  );
  for (const i of opened) assert.equal(scene.shown[i], 1);
  assert.ok(scene.shown[scene.nodes + calls[0]], 'the other call stays closed');
});

test('a box of 250,000 nodes gives its subtree and edges (no spread of its nodes as arguments)', () => {
  const n = 250_000;
  const skeleton: GraphSkeleton = {
    nodes: Array.from({ length: n }, (_, i) => ({
      name: `/a/n${i}`,
      op: 'Relu',
      inputs: i === 0 ? [] : [i - 1],
      outputs: [i],
      box: 0,
    })),
    values: Array.from({ length: n }, (_, i) => ({
      name: `v${i}`,
      shape: null,
      dtype: null,
      producer: i,
      weight: false,
    })),
    inputs: [],
    outputs: [n - 1],
    groups: [],
    boxes: [{ label: 'a', path: '/a', parent: -1, nodes: n, ops: [['Relu', n]], groups: [] }],
  };
  const tree = new BoxTree(skeleton);
  const { boxes, nodes } = tree.subtree(0);
  assert.deepEqual(boxes, [0]);
  assert.equal(nodes.length, n);
  assert.equal(tree.edgesOf(nodes).length, n - 1);
});
