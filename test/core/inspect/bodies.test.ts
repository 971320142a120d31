// Bodies of calls as boxes (issue 17 §1): an If's branches, a Loop's body and a local function's nodes are
// drawn inside a box of their call, appended after the graph's own nodes so that every index the channel
// analysis gives stays as it was; recursion, deep nesting and fan-out are cut at BODY_LIMITS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { BODY_LIMITS } from '../../../src/core/inspect/bodies';
import type { GraphSkeleton } from '../../../src/core/inspect/graphSkeleton';
import { nodeDetails } from '../../../src/core/inspect/nodeDetails';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { packSkeleton, unpackSkeleton } from '../../../src/shared/packedSkeleton';
import { ModelBuilder } from '../../builder';
import { functionModel, ifModel, skeletonOf } from '../../support/bodyModels';
import type { Built } from '../../builder';
import type { ControlOps } from '../../builder/control-ops';
import type { SubgraphSpec, Value } from '../../builder/types';

const boxOf = (s: GraphSkeleton, label: string) => s.boxes.findIndex((box) => box.label === label);

test('an If becomes a box of its two branches, after the graph: the analysis indices are unchanged', () => {
  const s = skeletonOf(ifModel());
  const plain = skeletonOf(ifModel(true));
  assert.equal(plain.bodies, undefined, 'empty branches: no bodies');
  const start = plain.nodes.length;
  assert.equal(s.bodies?.start, start);
  assert.equal(s.nodes.length, start + 8);
  const gate = s.nodes.findIndex((n) => n.name === '/gate/If');
  const call = boxOf(s, 'If · then 5, else 3 nodes');
  assert.ok(call >= 0, JSON.stringify(s.boxes.map((b) => b.label)));
  const box = s.boxes[call];
  assert.equal(box.call, gate);
  assert.equal(box.nodes, 8);
  assert.deepEqual(box.ops, [['Relu', 8]]);
  assert.equal(s.nodes[gate].box, call, 'the If node is inside its box');
  const [then, otherwise] = [boxOf(s, 'then_branch'), boxOf(s, 'else_branch')];
  assert.deepEqual(
    [s.boxes[then].parent, s.boxes[then].nodes, s.boxes[otherwise].parent, s.boxes[otherwise].nodes],
    [call, 5, call, 3],
  );
  for (const [b, x] of s.boxes.entries()) assert.ok(x.parent < b, 'parents first');
  const body = s.nodes.slice(start);
  assert.deepEqual(
    body.map((n) => [n.name, n.box]),
    [
      ...[0, 1, 2, 3, 4].map((k) => [`/then/Relu_${k}`, then]),
      ...[0, 1, 2].map((k) => [`/else/Relu_${k}`, otherwise]),
    ],
  );
  // Each branch's first node reads `z`: drawn as an edge from the If.
  const first = s.values[body[0].inputs[0]];
  assert.equal(first.name, 'z');
  assert.equal(first.producer, gate);
  assert.equal(s.values[body[1].inputs[0]].producer, start, 'inside a branch, from the node before');
  // The graph's own nodes (but the If's box), values and groups are those of the model without bodies.
  const own = (x: GraphSkeleton) =>
    x.nodes.slice(0, start).map((n, i) => (i === gate ? { ...n, box: -2 } : n));
  assert.deepEqual(own(s), own(plain));
  assert.deepEqual(s.values.slice(0, plain.values.length), plain.values);
  assert.deepEqual(s.groups, plain.groups);
  assert.ok(s.groups.length > 0);
  assert.ok(
    s.nodes.slice(start).every((n) => n.group === undefined && n.channels === undefined),
    'body nodes are not in the analysis',
  );
  // No consumer of a graph value is a body node (the details panel's consumers stay the graph's).
  const stemOut = s.values.findIndex((v) => v.name === 'z');
  assert.deepEqual(
    s.nodes.flatMap((n, i) => (n.inputs.includes(stemOut) ? [i] : [])),
    plain.nodes.flatMap((n, i) => (n.inputs.includes(stemOut) ? [i] : [])),
  );
  assert.deepEqual(s.bodies?.attributes.length, 8);
  // Packed and back: the same skeleton.
  assert.deepEqual(unpackSkeleton(JSON.parse(JSON.stringify(packSkeleton(s)))), s);
});

test('a model without bodies packs exactly as before (no body fields at all)', () => {
  const packed = JSON.stringify(packSkeleton(skeletonOf(ifModel(true))));
  assert.ok(!packed.includes('"bodies"') && !packed.includes('"call"'), packed.slice(0, 200));
});

test('a Loop becomes a box of its body; its formal inputs come from the Loop node', () => {
  const b = new ModelBuilder({ seed: 4 });
  const x = b.input('x', [1, 4, 8, 8]);
  const trip = b.input('trip', [], 'int64');
  const stem = b.conv(x, 4, { kernel: 1, name: '/stem/Conv' });
  const body = b.body(
    'loop_body',
    [
      { name: 'i', shape: [], dtype: 'int64' },
      { name: 'c', shape: [], dtype: 'bool' },
      { name: 'v', shape: [1, 4, 8, 8] },
    ],
    (g, [, c, v]) => {
      const cond = g.identity(c, { name: '/body/Identity' });
      const y = g.relu(g.add(v, g.outer(stem), { name: '/body/Add' }), { name: '/body/Relu' });
      return [cond, y];
    },
  );
  const [out] = b.loop(trip, null, [stem], body, { name: '/loop/Loop' });
  b.output(out);
  const s = skeletonOf(b.build());
  const loop = s.nodes.findIndex((n) => n.name === '/loop/Loop');
  const call = boxOf(s, 'Loop · body 3 nodes');
  assert.ok(call >= 0, JSON.stringify(s.boxes.map((x) => x.label)));
  assert.equal(s.boxes[call].call, loop);
  assert.equal(s.boxes.filter((x) => x.parent === call).length, 0, 'one body: its nodes directly in the box');
  const add = s.nodes.findIndex((n) => n.name === '/body/Add');
  assert.ok(add >= s.bodies!.start);
  assert.deepEqual(
    s.nodes[add].inputs.map((v) => [s.values[v].name, s.values[v].producer, s.values[v].shape]),
    [
      ['v', loop, '[1, 4, 8, 8]'],
      ['/stem/Conv_output_0', loop, null],
    ],
  );
  const attributes = s.bodies!.attributes[add - s.bodies!.start];
  assert.deepEqual(attributes, []);
  const loopAttributes = nodeDetailsAttributes(b.build(), '/loop/Loop');
  assert.deepEqual(loopAttributes, [['body', 'graph (3 nodes)']], 'the Loop itself: the host’s details');
});

function nodeDetailsAttributes(built: Built, name: string): [string, string][] {
  const file = openModelBytes(built.bytes, 'bodies.onnx');
  try {
    const d = nodeDetails(analyzeModel(new ModelView(file)), file, name);
    return (d?.attributes ?? []).map((a) => [a.name, a.value]);
  } finally {
    file.close();
  }
}

test('a local function called twice: a box per call, each with the function’s nodes and ops', () => {
  const s = skeletonOf(functionModel());
  const calls = s.boxes.flatMap((box, b) => (box.call !== undefined ? [b] : []));
  assert.deepEqual(
    calls.map((b) => [s.boxes[b].label, s.nodes[s.boxes[b].call!].name, s.boxes[b].nodes]),
    [
      ['local::Block (local function) · 3 nodes', '/blocks/b1', 3],
      ['local::Block (local function) · 3 nodes', '/blocks/b2', 3],
    ],
  );
  assert.deepEqual(s.boxes[calls[0]].ops, [
    ['Add', 1],
    ['Mul', 1],
    ['Relu', 1],
  ]);
  // Each call has its own instance of the body, with its own values.
  const adds = s.nodes.flatMap((n, i) => (n.name === 'p' ? [i] : []));
  assert.equal(adds.length, 2);
  assert.deepEqual(
    adds.map((i) => s.nodes[i].box),
    calls,
  );
  assert.notEqual(s.nodes[adds[0]].inputs[0], s.nodes[adds[1]].inputs[0]);
  assert.equal(s.bodies!.cut, 0);
  const paths = new Set(s.boxes.map((box) => box.path));
  assert.equal(paths.size, s.boxes.length, 'box paths are unique (the view saves expanded boxes by path)');
});

test("a body's own name scopes are boxes inside its box; a call inside a scope is in that scope's box", () => {
  const b = new ModelBuilder({ seed: 7 });
  const x = b.input('x', [1, 4]);
  const inner = b.localFunction(
    'local',
    'Inner',
    b.body('Inner', [{ name: 'a', shape: [1, 4] }], (g, [a]) => [g.relu(a, { name: 'ir' })]),
  );
  const layer = b.localFunction(
    'local',
    'Layer',
    b.body('Layer', [{ name: 'a', shape: [1, 4] }], (g, [a]) => {
      const attn = g.relu(g.mul(a, a, { name: '/attn/Mul' }), { name: '/attn/Relu' });
      const [mlp] = g.call(inner, [g.relu(attn, { name: '/mlp/Relu' })], { name: '/mlp/call' });
      return [g.add(mlp, a, { name: 'Add' })];
    }),
  );
  b.output(b.call(layer, [x], { name: 'layer0' })[0]);
  const s = skeletonOf(b.build());
  const call = s.boxes.findIndex((box) => box.label === 'local::Layer (local function) · 6 nodes');
  assert.ok(call >= 0, JSON.stringify(s.boxes.map((box) => box.label)));
  const inside = s.boxes.flatMap((box, k) => (box.parent === call ? [k] : []));
  assert.deepEqual(
    inside.map((k) => [s.boxes[k].label, s.boxes[k].nodes]),
    [
      ['attn', 2],
      ['mlp', 2],
    ],
  );
  const mlp = inside[1];
  const nested = s.boxes.findIndex((box) => box.label.startsWith('local::Inner'));
  assert.equal(s.boxes[nested].parent, mlp, 'the nested call is in its scope');
  assert.equal(s.nodes[s.boxes[nested].call!].box, nested);
  assert.equal(s.nodes.find((n) => n.name === 'Add')!.box, call, 'an unscoped node is in the call box');
  for (const [k, box] of s.boxes.entries()) assert.ok(box.parent < k, 'parents first');
  assert.equal(new Set(s.boxes.map((box) => box.path)).size, s.boxes.length);
});

test('a function that calls itself is expanded once; nested Ifs and fan-out stop at BODY_LIMITS', () => {
  const b = new ModelBuilder({ seed: 6 });
  const x = b.input('x', [1, 4]);
  // `self::F` calls itself: shown once, the inner call a plain node.
  const body = b.body('F', [{ name: 'a', shape: [1, 4] }], (g, [a]) => {
    const r = g.relu(a, { name: 'fr' });
    return g.call({ domain: 'self', name: 'F', outputs: [{ shape: [1, 4], dtype: 'float32' }] }, [r], {
      name: 'recurse',
    });
  });
  const F = b.localFunction('self', 'F', body);
  let y = b.call(F, [x], { name: '/F' })[0];
  // 18 nested Ifs (each then-branch holds the next If): past the depth limit, within the reader's nesting limit.
  const cond = b.input('flag', [], 'bool');
  const nest = (g: ControlOps, depth: number, v: Value): SubgraphSpec =>
    g.body(`then${depth}`, [], (h) => {
      const r = h.relu(h.outer(v), { name: `nr${depth}` });
      if (depth === 18) return [r];
      const inner = nest(h, depth + 1, r);
      const other = h.body(`else${depth}`, [], (e) => [e.relu(e.outer(r), { name: `ne${depth}` })]);
      return h.ifElse(h.outer(cond), inner, other, { name: `if${depth}` });
    });
  const top = b.body('else0', [], (e) => [e.relu(e.outer(y), { name: 'ne0' })]);
  y = b.ifElse(cond, nest(b, 1, y), top, { name: '/nest/If' })[0];
  // Fan-out: G_k calls G_{k-1} twice, so G_20 would be 2^20 instances.
  let G = b.localFunction(
    'fan',
    'G0',
    b.body('G0', [{ name: 'a', shape: [1, 4] }], (g, [a]) => [g.relu(a, { name: 'g0' })]),
  );
  for (let k = 1; k <= 20; k++) {
    const inner = G;
    G = b.localFunction(
      'fan',
      `G${k}`,
      b.body(`G${k}`, [{ name: 'a', shape: [1, 4] }], (g, [a]) => {
        const [p] = g.call(inner, [a], { name: `c${k}a` });
        return g.call(inner, [p], { name: `c${k}b` });
      }),
    );
  }
  b.output(b.call(G, [y], { name: '/fan' })[0]);
  const started = performance.now();
  const s = skeletonOf(b.build());
  const ms = performance.now() - started;
  const start = s.bodies!.start;
  // F: one box (fr and the recursive call, a plain node).
  const f = s.boxes.filter((box) => box.label.startsWith('self::F'));
  assert.equal(f.length, 1);
  assert.equal(f[0].nodes, 2);
  const recurse = s.nodes.findIndex((n) => n.name === 'recurse');
  assert.equal(s.nodes[recurse].box, s.boxes.indexOf(f[0]), 'the recursive call is a node in F’s box');
  // Nesting: no box deeper than the limit (a box's depth counts the call boxes around it).
  let deepest = 0;
  for (const [b2] of s.boxes.entries()) {
    let calls = 0;
    for (let a = b2; a >= 0; a = s.boxes[a].parent) if (s.boxes[a].call !== undefined) calls++;
    deepest = Math.max(deepest, calls);
  }
  assert.equal(deepest, BODY_LIMITS.depth);
  assert.ok(s.nodes.length - start <= BODY_LIMITS.nodes, `${s.nodes.length - start} body nodes`);
  assert.ok(s.bodies!.cut >= 3, `cut ${s.bodies!.cut}: the recursion, the nest and the fan-out`);
  assert.equal(s.bodies!.attributes.length, s.nodes.length - start);
  for (const [b2, box] of s.boxes.entries()) assert.ok(box.parent < b2, 'parents first');
  const packed = JSON.stringify(packSkeleton(s)).length;
  assert.ok(packed < 10_000_000, `${packed} bytes packed`);
  // Far (more than 10x) from the normal figure: a loaded 2-core CI machine.
  assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
  console.log(
    `bounded bodies: ${s.nodes.length - start} body nodes, ${s.boxes.length} boxes, ${packed} bytes packed, in ${ms.toFixed(0)} ms`,
  );
});
