// Name scopes as boxes (issue 17 §1): the name styles real exporters write group into the boxes a reader
// expects; names without scopes (caffe2's numbers, `Conv_3`) give no box, so the view stays flat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { graphSkeleton } from '../../../src/core/inspect/graphSkeleton';
import { buildHierarchy } from '../../../src/core/inspect/hierarchy';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { buildFixture } from '../../builder/fixtures';

/** Each box as `path (label): nodes`, and each node's box path. */
function tree(names: string[], ops = names.map(() => 'Op')) {
  const h = buildHierarchy(names, ops);
  return {
    boxes: h.boxes.map((b) => `${b.path} (${b.label}): ${b.nodes}`),
    of: (name: string) => {
      const b = h.nodeBox[names.indexOf(name)];
      return b < 0 ? null : h.boxes[b].path;
    },
    h,
  };
}

test('PyTorch scopes (/module/module.i/…): nested boxes; a scope of one node is that node', () => {
  // As torch.onnx.export writes them (FastestDet in the corpus).
  const names = [
    '/backbone/first_conv/first_conv.0/Conv',
    '/backbone/first_conv/first_conv.2/Relu',
    '/backbone/stage2/stage2.0/branch_proj/branch_proj.0/Conv',
    '/backbone/stage2/stage2.0/branch_proj/branch_proj.2/Relu',
    '/backbone/stage2/stage2.0/Concat',
    '/backbone/stage2/stage2.1/Gather',
    '/backbone/stage2/stage2.1/branch_main/branch_main.0/Conv',
    '/fpn/Conv',
    '/Relu',
  ];
  const { boxes, of, h } = tree(names, [
    'Conv',
    'Relu',
    'Conv',
    'Relu',
    'Concat',
    'Gather',
    'Conv',
    'Conv',
    'Relu',
  ]);
  assert.deepEqual(boxes, [
    '/backbone (backbone): 7',
    '/backbone/first_conv (first_conv): 2',
    '/backbone/stage2 (stage2): 5',
    '/backbone/stage2/stage2.0 (stage2.0): 3',
    '/backbone/stage2/stage2.0/branch_proj (branch_proj): 2',
    '/backbone/stage2/stage2.1 (stage2.1): 2',
  ]);
  assert.equal(of('/backbone/first_conv/first_conv.0/Conv'), '/backbone/first_conv');
  assert.equal(of('/backbone/stage2/stage2.0/Concat'), '/backbone/stage2/stage2.0');
  assert.equal(of('/backbone/stage2/stage2.1/branch_main/branch_main.0/Conv'), '/backbone/stage2/stage2.1');
  assert.equal(of('/fpn/Conv'), null, 'a one-node scope is no box');
  assert.equal(of('/Relu'), null);
  assert.deepEqual(h.boxes[0].ops, [
    ['Conv', 3],
    ['Relu', 2],
    ['Concat', 1],
    ['Gather', 1],
  ]);
  for (const [b, box] of h.boxes.entries()) assert.ok(box.parent < b, 'parents first');
});

test('TorchScript module paths (model.layer1.0.conv1) group by module', () => {
  const names = [
    'model.conv1',
    'model.bn1',
    'model.layer1.0.conv1',
    'model.layer1.0.bn1',
    'model.layer1.0.relu',
    'model.layer1.1.conv1',
    'model.layer1.1.bn1',
    'model.fc',
    'Relu.3', // an op with a counter, not a scope
    'onnx::Add_7',
  ];
  const { boxes, of } = tree(names);
  assert.deepEqual(boxes, [
    'model (model): 8',
    'model.layer1 (layer1): 5',
    'model.layer1.0 (layer1.0): 3',
    'model.layer1.1 (layer1.1): 2',
  ]);
  assert.equal(of('model.conv1'), 'model');
  assert.equal(of('model.layer1.1.bn1'), 'model.layer1.1');
  assert.equal(of('Relu.3'), null);
  assert.equal(of('onnx::Add_7'), null);
});

test('TF / tf2onnx scopes: a wrapper scope holding one scope merges into it', () => {
  const names = [
    'StatefulPartitionedCall/sequential/conv2d/Conv2D',
    'StatefulPartitionedCall/sequential/conv2d/BiasAdd',
    'StatefulPartitionedCall/sequential/conv2d/Relu',
    'StatefulPartitionedCall/sequential/conv2d_1/Conv2D',
    'StatefulPartitionedCall/sequential/conv2d_1/Relu',
    'StatefulPartitionedCall/sequential/flatten/Reshape',
    'StatefulPartitionedCall/sequential/dense/MatMul',
    'StatefulPartitionedCall/sequential/dense/BiasAdd',
    'Identity',
  ];
  const { boxes, h } = tree(names);
  assert.deepEqual(boxes, [
    'StatefulPartitionedCall/sequential (StatefulPartitionedCall/sequential): 8',
    'StatefulPartitionedCall/sequential/conv2d (conv2d): 3',
    'StatefulPartitionedCall/sequential/conv2d_1 (conv2d_1): 2',
    'StatefulPartitionedCall/sequential/dense (dense): 2',
  ]);
  assert.deepEqual(
    h.boxes.map((b) => b.parent),
    [-1, 0, 0, 0],
  );
});

test('scopes of the two separators that read alike stay apart, each box with its own nodes and op counts', () => {
  // `a.b/x` has the slash scope `a.b`; `a.b.c` the dotted scopes `a` then `a.b`: the same text, other scopes.
  const names = ['a.b/x', 'a.b/y', 'a.b.c', 'a.b.d', 'other/z'];
  const t = tree(names, ['Conv', 'Relu', 'Add', 'Add', 'Conv']);
  assert.equal(t.of('a.b/x'), t.of('a.b/y'));
  assert.equal(t.of('a.b.c'), t.of('a.b.d'));
  const slash = t.h.nodeBox[0];
  const dotted = t.h.nodeBox[2];
  assert.notEqual(slash, dotted);
  assert.deepEqual(t.h.boxes[slash].ops, [
    ['Conv', 1],
    ['Relu', 1],
  ]);
  assert.deepEqual(t.h.boxes[dotted].ops, [['Add', 2]]);
  assert.equal(t.h.boxes[slash].nodes + t.h.boxes[dotted].nodes, 4);

  // One top-level scope `p`, whichever separator follows it; `p/q` and `p.q` are two of its children.
  const u = tree(['p/q/x', 'p/q/y', 'p.q.z', 'p.q.w', 'other/v']);
  assert.deepEqual(u.boxes, ['p (p): 4', 'p/q (q): 2', 'p.q (q): 2']);
  assert.equal(u.of('p/q/x'), 'p/q');
  assert.equal(u.of('p.q.w'), 'p.q');
});

test('caffe2 numeric names, empty names and op-counter names: no boxes, a flat view', () => {
  for (const names of [
    ['0', '1', '2', '3', '4'],
    ['', '', '', ''],
    ['#0', '#1', '#2'],
    ['Conv_0', 'Relu_1', 'Conv_2', 'Relu_3'],
  ]) {
    const h = buildHierarchy(
      names,
      names.map(() => 'Conv'),
    );
    assert.equal(h.boxes.length, 0, JSON.stringify(names));
    assert.ok(h.nodeBox.every((b) => b === -1));
  }
});

test('a hostile name of thousands of segments makes a bounded number of boxes', () => {
  const deep = `/${Array.from({ length: 5000 }, (_, i) => `s${i}`).join('/')}`;
  const h = buildHierarchy([`${deep}/A`, `${deep}/B`, '/other/C', '/other/D'], ['A', 'B', 'C', 'D']);
  assert.ok(h.boxes.length <= 30, `${h.boxes.length} boxes`);
});

test('the skeleton carries the boxes, each node its box, and each box the channel groups with a member inside', () => {
  const file = openModelBytes(buildFixture('d2s-crd').bytes, 'd2s.onnx');
  const s = graphSkeleton(analyzeModel(new ModelView(file)));
  const names = s.nodes.map((n) => n.name);
  assert.deepEqual(
    s.boxes.map((b) => b.path),
    buildHierarchy(
      names,
      s.nodes.map((n) => n.op),
    ).boxes.map((b) => b.path),
  );
  for (const [i, node] of s.nodes.entries()) {
    if (node.box === undefined) continue;
    assert.ok(names[i].startsWith(s.boxes[node.box].path), `${names[i]} is in ${s.boxes[node.box].path}`);
  }
  for (const [b, box] of s.boxes.entries())
    for (const g of box.groups) {
      const inside = s.groups[g].members.some((m) => {
        for (let x = s.nodes[m].box ?? -1; x >= 0; x = s.boxes[x].parent) if (x === b) return true;
        return false;
      });
      assert.ok(inside, `group ${s.groups[g].id} has a member in ${box.path}`);
    }
  file.close();
});
