import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFixture } from '../../builder/fixtures';
import { ModelBuilder } from '../../builder/model-builder';
import { buildModel, conv3 } from '../../builder/fixture-kit';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { analyzeBytes, analyzeProto, codes, groupOf, shapeOf } from '../../support/analysis';

const fixture = (name: Parameters<typeof buildFixture>[0]) =>
  analyzeBytes(buildFixture(name).bytes, `${name}.onnx`);

describe('channel groups of each topology', () => {
  test('plain chain: one group per conv; the last is locked by the graph output', () => {
    const a = fixture('plain-chain');
    assert.deepEqual(shapeOf(groupOf(a, '/conv1/Conv')), {
      roots: ['/conv1/Conv'],
      channels: 8,
      unit: 1,
      prunable: true,
      shuffles: [],
    });
    const members = groupOf(a, '/conv1/Conv').members.map((m) => `${m.tensor}:${m.axis}`);
    assert.deepEqual(members, ['conv1.weight:0', 'conv1.bias:0', 'conv2.weight:1']);
    assert.match(groupOf(a, '/conv3/Conv').locked ?? '', /graph output 'output'/);
  });

  test('an If branch that returns an outer value as it is locks that value: a subgraph reads it', () => {
    // Both branches pass /stem/Relu's output through untouched; the head conv reads the If's output. The
    // stem's channels are the If's output channels: pruning them would leave the head conv mismatched.
    const b = new ModelBuilder({ seed: 3 });
    const x = b.input('x', [1, 4, 8, 8]);
    const flag = b.input('flag', [], 'bool');
    const stem = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/stem/Conv' }), { name: '/stem/Relu' });
    const branch = (name: string) => b.body(name, [], (g) => [g.outer(stem)]);
    const [picked] = b.ifElse(flag, branch('then'), branch('else'), { name: '/gate/If' });
    b.output(b.conv(picked, 4, { kernel: 1, name: '/head/Conv' }));
    const a = analyzeBytes(b.build().bytes, 'if-passthrough.onnx');
    const stemGroup = groupOf(a, '/stem/Conv');
    assert.equal(stemGroup.prunable, false);
    assert.match(stemGroup.locked ?? '', /If/);
  });

  test('residual Add couples the convs on both sides of the skip', () => {
    const a = fixture('residual-add');
    assert.deepEqual(groupOf(a, '/stem/Conv').roots, ['/stem/Conv', '/block/conv2/Conv']);
  });

  test('Concat keeps branches in separate groups (offsets into the consumer)', () => {
    const a = fixture('concat-branches');
    assert.notEqual(groupOf(a, '/left/Conv').id, groupOf(a, '/right/Conv').id);
    assert.ok(groupOf(a, '/left/Conv').members.some((m) => m.tensor === 'fuse.weight' && m.axis === 1));
    assert.ok(groupOf(a, '/right/Conv').members.some((m) => m.tensor === 'fuse.weight' && m.axis === 1));
  });

  test('uneven Split: both branches read from one group, and the split sizes change with it', () => {
    const a = fixture('split-channels');
    const g = groupOf(a, '/conv1/Conv');
    assert.ok(g.prunable);
    assert.ok(g.members.some((m) => m.role === 'split sizes'));
    assert.ok(g.members.some((m) => m.tensor === 'branch_a.weight' && m.axis === 1));
    assert.ok(g.members.some((m) => m.tensor === 'branch_b.weight' && m.axis === 1));
    const root = a.roots.get('/conv1/Conv')!;
    assert.deepEqual(root.blocks.length, 16);
  });

  test('depthwise convs join the group of their input and carry the group attribute', () => {
    const a = fixture('depthwise');
    const g = groupOf(a, '/expand/Conv');
    assert.deepEqual(g.roots, ['/expand/Conv', '/depthwise/Conv', '/depthwise_x2/Conv']);
    assert.ok(g.members.some((m) => m.tensor === 'group' && m.source === 'attribute'));
  });

  test('grouped convs prune the same channel in every group: unit g', () => {
    const a = fixture('grouped-conv');
    assert.equal(groupOf(a, '/conv1/Conv').unit, 3);
    assert.deepEqual(a.roots.get('/conv1/Conv')!.blocks[0], [0, 4, 8]);
    // g=3 outputs feeding a g=4 conv: the strides 4 and 3 close over all 12 channels.
    assert.match(groupOf(a, '/group3/Conv').locked ?? '', /removing any would remove all/);
  });

  test('Flatten → Gemm: channel c owns H·W features of the Gemm weight', () => {
    const a = fixture('flatten-gemm');
    const g = groupOf(a, '/features/Conv');
    assert.ok(g.prunable);
    assert.ok(g.members.some((m) => m.tensor === 'classifier.fc1.weight' && m.axis === 1));
    const member = a.state.members.find((m) => m.tensor === 'classifier.fc1.weight' && m.axis === 1)!;
    assert.equal(member.space.size % 16, 0, 'the flattened space has C·H·W features');
  });

  test('Constant-node weights are members with their source', () => {
    const g = groupOf(fixture('constant-node-weight'), '/conv1/Conv');
    assert.ok(g.members.filter((m) => m.source === 'constant-node').length >= 1);
  });

  test('per-channel Mul/Add constants and PRelu slopes are sliced with the channels', () => {
    const g = groupOf(fixture('per-channel-mul-add'), '/conv1/Conv');
    assert.ok(g.members.some((m) => m.role === 'per-channel constant'));
  });
});

describe('pixel shuffles', () => {
  const upsample = (
    opset: number,
    shuffle: (b: ModelBuilder, y: ReturnType<ModelBuilder['input']>) => ReturnType<ModelBuilder['input']>,
    r: number,
  ) =>
    analyzeBytes(
      buildModel(
        [1, 3, 5, 5],
        (b, x) => conv3(b, b.relu(shuffle(b, conv3(b, x, 2 * r * r, '/up/Conv'))), 3, '/tail/Conv'),
        { opset },
      ).bytes,
    );

  for (const r of [2, 3, 4]) {
    const cases: [
      string,
      number,
      (b: ModelBuilder, y: ReturnType<ModelBuilder['input']>) => ReturnType<ModelBuilder['input']>,
      string,
    ][] = [
      ['DepthToSpace CRD', 17, (b, y) => b.depthToSpace(y, r, { mode: 'CRD' }), 'DepthToSpace/CRD'],
      ['DepthToSpace DCR', 17, (b, y) => b.depthToSpace(y, r, { mode: 'DCR' }), 'DepthToSpace/DCR'],
      ['DepthToSpace without mode', 13, (b, y) => b.depthToSpace(y, r), 'DepthToSpace/DCR'],
      ['RTR CRD static', 9, (b, y) => b.pixelShuffle(y, r), 'ReshapeTransposeReshape/CRD'],
      ['RTR DCR static', 13, (b, y) => b.pixelShuffle(y, r, { mode: 'DCR' }), 'ReshapeTransposeReshape/DCR'],
      [
        'RTR CRD Shape-computed',
        17,
        (b, y) => b.pixelShuffle(y, r, { shapes: 'dynamic' }),
        'ReshapeTransposeReshape/CRD',
      ],
    ];
    for (const [name, opset, shuffle, form] of cases) {
      test(`${name}, r=${r}: unit r², whole blocks`, () => {
        const a = upsample(opset, shuffle, r);
        const g = groupOf(a, '/up/Conv');
        assert.deepEqual(shapeOf(g), {
          roots: ['/up/Conv'],
          channels: 2 * r * r,
          unit: r * r,
          prunable: true,
          shuffles: [`${form}/r${r}`],
        });
        const blocks = a.roots.get('/up/Conv')!.blocks;
        const crd = form.endsWith('CRD');
        assert.deepEqual(
          blocks[1],
          crd
            ? Array.from({ length: r * r }, (_, k) => r * r + k)
            : Array.from({ length: r * r }, (_, k) => 1 + 2 * k),
        );
        assert.ok(codes(a).includes('PS001'));
        if (form.startsWith('Reshape')) assert.ok(codes(a).includes('PS002'));
        if (name.includes('without mode')) assert.ok(codes(a).includes('PS003'));
      });
    }
  }

  test('two pixel shuffles in series each give their conv blocks of 4', () => {
    const a = fixture('x4-two-stages');
    assert.equal(groupOf(a, '/up1/Conv').unit, 4);
    assert.equal(groupOf(a, '/up2/Conv').unit, 4);
  });

  test('a shuffle after a Concat whose branches are not multiples of r² couples the branches (PS004)', () => {
    const a = fixture('concat-d2s-straddle');
    const g = groupOf(a, '/left/Conv');
    assert.deepEqual(g.roots, ['/left/Conv', '/right/Conv']);
    assert.deepEqual(a.roots.get('/left/Conv')!.blocks, [
      [0, 1, 2, 3],
      [4, 5],
    ]);
    assert.deepEqual(a.roots.get('/right/Conv')!.blocks, [
      [0, 1],
      [2, 3, 4, 5],
      [6, 7, 8, 9],
    ]);
    assert.ok(codes(a).includes('PS004'));
  });

  test('SpaceToDepth and pixel unshuffle feeding convs: channels before them prune one by one', () => {
    for (const name of ['s2d', 'pixel-unshuffle', 'pixel-unshuffle-dynamic', 'rtr-s2d-static'] as const) {
      const a = fixture(name);
      const g = groupOf(a, '/stem/Conv');
      assert.equal(g.unit, 1, name);
      assert.ok(g.prunable, name);
      assert.ok(
        g.members.some((m) => m.tensor === 'body.weight' && m.axis === 1),
        name,
      );
    }
    assert.equal(groupOf(fixture('pixel-unshuffle'), '/stem/Conv').pixelShuffle[0].form, 'PixelUnshuffle');
    assert.equal(groupOf(fixture('s2d'), '/stem/Conv').pixelShuffle[0].form, 'SpaceToDepth');
  });

  test('a channel shuffle is a permutation, never a pixel shuffle (PR002)', () => {
    const a = fixture('channel-shuffle');
    assert.ok(codes(a).includes('PR002'));
    assert.ok(a.report.groups.every((g) => g.pixelShuffle.length === 0));
  });

  test('per-channel BN, PRelu and Mul between conv and shuffle, and PRelu/Add after it, are sliced', () => {
    const g = groupOf(fixture('per-channel-around-d2s'), '/up/Conv');
    assert.equal(g.unit, 4);
    const roles = new Set(g.members.map((m) => m.role));
    for (const role of ['scale', 'running mean', 'per-channel constant']) assert.ok(roles.has(role), role);
    assert.ok(
      g.members.some((m) => m.tensor === 'post.bias'),
      'constant after the shuffle',
    );
  });

  test('a residual Add after the shuffle couples the shuffle output with the skip', () => {
    const built = buildModel([1, 4, 5, 5], (b, x) => {
      const skip = conv3(b, b.resize(x, { scale: 2 }), 4, '/skip/Conv');
      const up = b.depthToSpace(conv3(b, x, 16, '/up/Conv'), 2, { mode: 'CRD' });
      return conv3(b, b.add(up, skip), 3, '/tail/Conv');
    });
    const a = analyzeBytes(built.bytes);
    const g = groupOf(a, '/up/Conv');
    assert.ok(g.roots.includes('/skip/Conv'), 'the skip conv joins the group');
    assert.equal(a.roots.get('/up/Conv')!.unit, 4);
    assert.equal(a.roots.get('/skip/Conv')!.unit, 1);
  });

  test('the 2019 PyTorch export bug is an error (PS008) and locks the group', () => {
    const a = fixture('rtr-torch10-bug');
    assert.ok(codes(a).includes('PS008'));
    assert.equal(groupOf(a, '/up/up.0/Conv').prunable, false);
  });

  test('a pixel shuffle whose output is the graph output locks its conv (PS006)', () => {
    const a = analyzeBytes(
      buildModel([1, 3, 5, 5], (b, x) => b.depthToSpace(conv3(b, x, 12, '/last/Conv'), 2, { mode: 'CRD' }))
        .bytes,
    );
    assert.ok(codes(a).includes('PS006'));
    assert.equal(groupOf(a, '/last/Conv').prunable, false);
  });
});

describe('group order', () => {
  test('groups are numbered in file order of their first root, also in a graph whose nodes are not sorted', () => {
    const built = buildModel([1, 3, 5, 5], (b, x) =>
      conv3(b, conv3(b, conv3(b, x, 8, '/a/Conv'), 6, '/b/Conv'), 4, '/c/Conv'),
    );
    const sorted = analyzeProto(built.model);
    assert.deepEqual(
      sorted.report.groups.map((g) => `${g.id}:${g.roots.join('+')}`),
      ['G1:/a/Conv', 'G2:/b/Conv', 'G3:/c/Conv'],
    );
    // The same graph written backwards (ONNX requires sorted nodes, not every exporter obeys): the analysis
    // walks it in topological order, and the groups still follow the file.
    built.model.graph!.node!.reverse();
    const reversed = analyzeProto(built.model);
    assert.deepEqual(
      reversed.report.groups.map((g) => `${g.id}:${g.roots.join('+')}`),
      ['G1:/c/Conv', 'G2:/b/Conv', 'G3:/a/Conv'],
    );
    assert.deepEqual(groupOf(reversed, '/a/Conv').members, groupOf(sorted, '/a/Conv').members);
  });
});

describe('fail closed', () => {
  test('an unknown custom op locks the groups it touches (PR001) and says which op', () => {
    const built = buildModel([1, 3, 5, 5], (b, x) =>
      conv3(b, b.unary('Relu', conv3(b, x, 8, '/a/Conv'), { name: '/custom' }), 4, '/b/Conv'),
    );
    const model = built.model;
    const node = model.graph!.node!.find((n) => n.name === '/custom')!;
    node.op_type = 'FancyActivation';
    node.domain = 'com.example';
    model.opset_import = [
      ...model.opset_import!,
      { domain: 'com.example', version: 1 as unknown as onnx.OperatorSetIdProto['version'] },
    ];
    const a = analyzeProto(model);
    const g = groupOf(a, '/a/Conv');
    assert.equal(g.prunable, false);
    assert.match(g.locked ?? '', /com\.example::FancyActivation '\/custom' has no channel rule/);
    const finding = a.report.diagnostics.find((d) => d.code === 'PR001')!;
    assert.equal(finding.group, g.id);
    assert.equal(groupOf(a, '/b/Conv').locked?.includes('graph output'), true);
  });

  test('a reshape that mixes the channel axis is not guessed at (PS007)', () => {
    const a = analyzeBytes(
      buildModel([1, 3, 4, 4], (b, x) =>
        conv3(b, b.reshape(conv3(b, x, 12, '/a/Conv'), [1, 8, 6, 4]), 4, '/b/Conv'),
      ).bytes,
    );
    assert.equal(groupOf(a, '/a/Conv').prunable, false);
    assert.ok(codes(a).includes('PS007'));
  });
});
