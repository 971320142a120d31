// The inspector's data: the graph skeleton (nodes, values with shapes, groups as node indices) and one node's
// details (attributes, ports, weight statistics, per-channel L1 with pixel-shuffle blocks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { graphSkeleton } from '../../../src/core/inspect/graphSkeleton';
import { nodeDetails } from '../../../src/core/inspect/nodeDetails';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { readTensorAsNumbers } from '../../../src/core/onnx/tensorData';
import { type PackedSkeleton, packSkeleton, unpackSkeleton } from '../../../src/shared/packedSkeleton';
import { buildFixture } from '../../builder/fixtures';

function open(name: Parameters<typeof buildFixture>[0]) {
  const file = openModelBytes(buildFixture(name).bytes, `${name}.onnx`);
  return { file, analysis: analyzeModel(new ModelView(file)) };
}

test('the skeleton has every node, its values with shapes, and each group with its pixel shuffle', () => {
  const { file, analysis } = open('d2s-crd');
  const s = graphSkeleton(analysis);
  assert.equal(s.nodes.length, analysis.state.graph.nodes.length);
  const conv = s.nodes.findIndex((n) => n.name === '/up/up.0/Conv');
  const d2s = s.nodes.findIndex((n) => n.op === 'DepthToSpace');
  assert.equal(s.nodes[conv].channels, 16);
  const group = s.groups.find((g) => g.roots.includes(conv))!;
  assert.equal(group.unit, 4);
  assert.ok(group.shuffles.includes(d2s));
  assert.match(group.shuffleLabels[0], /DepthToSpace CRD r=2/);
  assert.equal(s.nodes[conv].group, group.id);
  // Edges come from values: the DepthToSpace input is produced by the conv (or a node after it).
  const input = s.values[s.nodes[d2s].inputs[0]];
  assert.ok(input.producer >= 0);
  assert.match(input.shape ?? '', /^\[\w+, 16, /);
  // Weights are values marked as such, never nodes; no tensor data is carried.
  const weight = s.values[s.nodes[conv].inputs[1]];
  assert.equal(weight.weight, true);
  assert.ok(!JSON.stringify(s).includes('raw_data'));
  file.close();
});

test('node details: attributes, weight statistics, and per-channel L1 with the blocks of the pixel shuffle', () => {
  const { file, analysis } = open('d2s-crd');
  const d = nodeDetails(analysis, file, '/up/up.0/Conv')!;
  assert.equal(d.op, 'Conv');
  assert.ok(d.attributes.some((a) => a.name === 'kernel_shape' && /^\[3, 3\]$/.test(a.value)));
  const w = d.inputs[1];
  assert.ok(w.weight?.stats);
  const values = readTensorAsNumbers(file, analysis.state.graph.initializer(w.name)!);
  assert.equal(w.weight.stats.min, Math.min(...values));
  assert.equal(w.weight.stats.max, Math.max(...values));
  assert.equal(d.importance?.channels.length, 16);
  const per = values.length / 16;
  const l1 = values.slice(per * 5, per * 6).reduce((a, v) => a + Math.abs(v), 0);
  assert.ok(Math.abs(d.importance!.channels[5] - l1) < 1e-9);
  assert.deepEqual(d.importance?.blocks[1], [4, 5, 6, 7], 'CRD blocks are contiguous');
  assert.equal(nodeDetails(analysis, file, 'no such node'), undefined);
  file.close();
});

test('node details read weights through the handle given, whichever handle the analysis came from', () => {
  const bytes = buildFixture('d2s-crd').bytes;
  const first = openModelBytes(bytes, 'a.onnx');
  const analysis = analyzeModel(new ModelView(first));
  first.close();
  const second = openModelBytes(bytes, 'a.onnx');
  const d = nodeDetails(analysis, second, '/up/up.0/Conv')!;
  assert.ok(d.inputs[1].weight?.stats, d.inputs[1].weight?.why);
  second.close();
});

test('the importance chart follows the criterion: l2 norms, and |scale| of the BatchNormalization after the root', () => {
  const { file, analysis } = open('d2s-crd');
  const d = nodeDetails(analysis, file, '/up/up.0/Conv', 'l2')!;
  const values = readTensorAsNumbers(file, analysis.state.graph.initializer(d.inputs[1].name)!);
  const per = values.length / 16;
  const l2 = Math.sqrt(values.slice(per * 3, per * 4).reduce((a, v) => a + v * v, 0));
  assert.equal(d.importance?.criterion, 'l2');
  assert.ok(Math.abs(d.importance!.channels[3] - l2) < 1e-9);
  file.close();

  const bn = open('conv-bn-relu');
  const conv = bn.analysis.state.graph.nodes.find(
    (n) => n.opType === 'Conv' && bn.analysis.roots.has(n.name),
  )!;
  const next = bn.analysis.state.graph
    .consumers(conv.outputs[0])
    .find((n) => n.opType === 'BatchNormalization');
  const details = nodeDetails(bn.analysis, bn.file, conv.name, 'bn')!;
  assert.ok(next, 'the fixture has a BatchNormalization after its conv');
  const scale = readTensorAsNumbers(bn.file, bn.analysis.state.graph.initializer(next.inputs[1])!);
  assert.deepEqual(details.importance?.channels, scale.map(Math.abs));
  bn.file.close();
});

test('the skeleton packed for the page (columns, front-coded names) unpacks to the same skeleton, and is smaller', () => {
  for (const name of ['d2s-crd', 'concat-branches'] as const) {
    const { file, analysis } = open(name);
    const skeleton = graphSkeleton(analysis);
    const packed = JSON.parse(JSON.stringify(packSkeleton(skeleton))) as PackedSkeleton;
    assert.deepEqual(unpackSkeleton(packed), JSON.parse(JSON.stringify(skeleton)));
    assert.ok(JSON.stringify(packed).length < JSON.stringify(skeleton).length);
    file.close();
  }
});
