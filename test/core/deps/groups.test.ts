// ChannelState (src/core/deps/state.ts) and buildGroups (groups.ts) on their own: spaces and coupled channels
// set by hand on a built model's nodes, and the groups, units, blocks and locks that come out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGroups } from '../../../src/core/deps/groups';
import { ChannelState } from '../../../src/core/deps/state';
import { inferShapes } from '../../../src/core/graph/inferShapes';
import { OnnxError } from '../../../src/core/onnx/errors';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { ModelBuilder } from '../../builder/model-builder';

/** x → a (8) → b (8) → c (4) → output: three convs, each node's output a space set by the test. */
function threeConvs() {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 3, 8, 8]);
  const a = b.conv(x, 8, { kernel: 1, name: 'a' });
  const bb = b.conv(a, 8, { kernel: 1, name: 'b' });
  b.output(b.conv(bb, 4, { kernel: 1, name: 'c' }));
  const view = new ModelView(openModelBytes(b.build().bytes, 'three.onnx'));
  const state = new ChannelState(view.graph, view.file, inferShapes(view.graph, view.file));
  const node = (name: string) => view.graph.nodes.find((n) => n.name === name)!;
  const [na, nb, nc] = [node('a'), node('b'), node('c')];
  const sa = state.define(na.outputs[0]!, 1, 8, na);
  const sb = state.define(nb.outputs[0]!, 1, 8, nb);
  const sc = state.define(nc.outputs[0]!, 1, 4, nc);
  state.root(na, sa);
  state.root(nb, sb);
  state.root(nc, sc);
  return { state, sa, sb, sc, na, nb, nc };
}

describe('ChannelState', () => {
  test('define gives each space its own consecutive slots; alias shares a space', () => {
    const { state, sa, sb, sc, na } = threeConvs();
    assert.deepEqual(
      [sa, sb, sc].map((s) => [s.id, s.base, s.size, s.axis]),
      [
        [0, 0, 8, 1],
        [1, 8, 8, 1],
        [2, 16, 4, 1],
      ],
    );
    assert.equal(state.slots.length, 20);
    assert.equal(state.space(na.outputs[0]), sa);
    state.alias('relu_out', sa);
    assert.equal(state.space('relu_out'), sa);
    assert.equal(state.space(undefined), undefined);
  });

  test('distinctSpaces lists the spaces values have now, in the order of the spaces map', () => {
    const { state, sa, sb, sc, na, nb } = threeConvs();
    // Values given again (a node output by slot, a graph input by name) keep their first place.
    state.alias('x', sc);
    state.alias(na.outputs[0]!, sb); // a's output now has b's space: sa is no value's space any more
    state.alias('x', sa);
    state.alias(nb.outputs[0]!, sc);
    state.alias('relu_out', sa);
    const expected = [...new Set(state.spaces.values())];
    assert.deepEqual(state.distinctSpaces(), expected);
    assert.deepEqual(
      expected.map((s) => s.id),
      [sb, sc, sa].map((s) => s.id),
    );
  });

  test('identity couples channel c with channel c; couple out of range is an internal error', () => {
    const { state, sa, sb, sc } = threeConvs();
    state.identity(sa, sc); // the first 4 only
    const classes = state.slots.classes();
    for (let c = 0; c < 4; c++) assert.equal(classes[sa.base + c], classes[sc.base + c]);
    assert.notEqual(classes[sa.base + 4], classes[sc.base + 3]);
    assert.notEqual(classes[sa.base], classes[sb.base]);
    assert.throws(() => state.couple(sa, 8, sb, 0), /internal: channel 8\/8/);
  });

  test('a channel count past the limit is refused with the file and the value named', () => {
    const { state } = threeConvs();
    assert.throws(
      () => state.define('huge', 1, (1 << 20) + 1, undefined),
      (e: unknown) =>
        e instanceof OnnxError &&
        e.kind === 'too-large' &&
        e.message ===
          `three.onnx: value 'huge' has ${(1 << 20) + 1} channels, more than the ${1 << 20} this tool handles.`,
    );
    assert.throws(() => state.define('negative', 1, -1, undefined), /has an invalid channel count \(-1\)/);
  });
});

describe('buildGroups', () => {
  test('roots whose channels are coupled form one group, in graph order; the others their own', () => {
    const { state, sa, sc } = threeConvs();
    state.identity(sa, sc);
    const index = buildGroups(state);
    assert.deepEqual(
      index.groups.map((g) => [g.id, g.roots, g.channels, g.unit, g.prunable]),
      [
        ['G1', ['a', 'c'], 8, 1, true],
        ['G2', ['b'], 8, 1, true],
      ],
    );
    assert.deepEqual(
      index.groupsOf(sc).map((g) => g.id),
      ['G1'],
    );
    assert.equal(index.roots.get('c')?.group, 'G1');
    assert.equal(index.roots.get('c')?.channels, 4);
  });

  test('channels coupled in pairs make units of 2, with the blocks of each root', () => {
    const { state, sb } = threeConvs();
    // Channel c with channel c + 4: a DCR-like stride.
    for (let c = 0; c < 4; c++) state.couple(sb, c, sb, c + 4);
    const index = buildGroups(state);
    const root = index.roots.get('b')!;
    assert.equal(root.unit, 2);
    assert.deepEqual(root.blocks, [
      [0, 4],
      [1, 5],
      [2, 6],
      [3, 7],
    ]);
    assert.equal(index.groups.find((g) => g.roots.includes('b'))?.unit, 2);
    const classes = index.classesOf(sb);
    assert.equal(classes.length, 8);
    assert.equal(classes[1], classes[5]);
    assert.notEqual(classes[0], classes[1]);
  });

  test('a lock on a space locks its groups with the first reason; a group of one unit is locked too', () => {
    const { state, sa, sc } = threeConvs();
    state.lock(sa, 'first reason');
    state.lock(sa, 'second reason');
    for (let c = 1; c < 4; c++) state.couple(sc, 0, sc, c); // c: 4 channels, one unit of 4
    const index = buildGroups(state);
    const [ga, gb, gc] = index.groups;
    assert.deepEqual([ga!.prunable, ga!.locked], [false, 'first reason']);
    assert.deepEqual([gb!.prunable, gb!.locked], [true, null]);
    assert.deepEqual(
      [gc!.prunable, gc!.locked, gc!.unit],
      [false, 'it has only 4 channels in units of 4: removing any would remove all', 4],
    );
    assert.equal(index.roots.get('c')?.locked, gc!.locked, 'the root follows its group’s lock');
    assert.equal(index.roots.get('a')?.locked, 'first reason');
  });

  test('a space coupled to two groups belongs to both (a Concat output)', () => {
    const { state, sa, sb } = threeConvs();
    const concat = state.define('concat', 1, 16, undefined);
    for (let c = 0; c < 8; c++) {
      state.couple(concat, c, sa, c);
      state.couple(concat, 8 + c, sb, c);
    }
    const index = buildGroups(state);
    assert.deepEqual(
      index.groupsOf(concat).map((g) => g.roots),
      [['a'], ['b']],
    );
  });
});
