// Broken graphs the analysis cannot tell apart: two nodes of one name (ONNX Runtime refuses such a model, and
// plans, findings and prunes name layers by node name) and two nodes writing one value. A prune of a model with
// two depthwise convs named alike gave both the group count of one of them (and sliced a branch to 15 of 64
// channels); now what such a node touches is locked, with why, as for an op without a rule.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ModelBuilder } from '../../builder/model-builder';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../../src/core/onnx/reader';
import { pruneFile } from '../../../src/core/prune/prune';
import { buildFixture } from '../../builder/fixtures';
import { formatAnalysis } from '../../../src/core/analyze/formatText';
import { analyzeProto } from '../../support/analysis';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

/** x → conv(32) → depthwise 'dw' → conv(8), x → conv(64) → depthwise 'dw_b' → conv(8), their sum. */
function twoBranches() {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 3, 16, 16]);
  const branch = (tag: string, width: number, dwName: string) => {
    const wide = b.conv(x, width, { kernel: 3, pads: 1, name: `${tag}/expand` });
    const dw = b.conv(wide, width, { kernel: 3, pads: 1, group: width, name: dwName });
    return b.conv(b.relu(dw, { name: `${tag}/relu` }), 8, { kernel: 1, name: `${tag}/project` });
  };
  b.output(b.add(branch('a', 32, 'dw'), branch('b', 64, 'dw_b'), { name: 'sum' }));
  return b.build();
}

function convs(path: string): Map<string, { group: number; dims: number[] }[]> {
  const file = openModel(path);
  const weights = new Map(file.proto.graph!.initializer!.map((t) => [t.name!, t.dims!.map(Number)]));
  const out = new Map<string, { group: number; dims: number[] }[]>();
  for (const node of file.proto.graph!.node!) {
    if (node.op_type !== 'Conv') continue;
    const group = Number(node.attribute!.find((a) => a.name === 'group')?.i ?? 1);
    out.set(node.name!, [...(out.get(node.name!) ?? []), { group, dims: weights.get(node.input![1])! }]);
  }
  file.close();
  return out;
}

describe('broken graphs', () => {
  test('two nodes of one name: what they touch is locked, with why, and a prune leaves them as they were', () => {
    // The builder refuses a name twice: the second depthwise conv is renamed after.
    const model = twoBranches().model;
    model.graph!.node!.find((n) => n.name === 'dw_b')!.name = 'dw';
    const analysis = analyzeProto(model);
    for (const root of ['a/expand', 'b/expand']) {
      const group = analysis.report.groups.find((g) => g.roots.includes(root))!;
      assert.match(group.locked ?? '', /Conv 'dw' shares its name with another node/, root);
    }
    const path = join(dir, 'shared-name.onnx');
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
    const out = join(dir, 'shared-name.pruned.onnx');
    pruneFile(path, out, { ratio: 0.5, criterion: 'l1', roundTo: 1, seed: 0, layers: {} });
    assert.deepEqual(convs(out).get('dw'), [
      { group: 32, dims: [32, 1, 3, 3] },
      { group: 64, dims: [64, 1, 3, 3] },
    ]);
    // The same model with the names apart prunes both branches.
    const apart = analyzeProto(twoBranches().model);
    assert.ok(apart.report.groups.filter((g) => g.prunable).length >= 2);
  });

  test("a pixel shuffle's Transpose named like another node: the shuffle is not followed, the group is locked", () => {
    const model = onnx.ModelProto.decode(buildFixture('rtr-crd-static').bytes);
    const before = analyzeProto(model).report.groups.find((g) => g.roots.includes('/up/up.0/Conv'))!;
    assert.equal(before.locked, null);
    model.graph!.node!.find((n) => n.name === '/up/up.1/Transpose')!.name = '/Relu_1';
    const group = analyzeProto(model).report.groups.find((g) => g.roots.includes('/up/up.0/Conv'))!;
    assert.match(
      group.locked ?? '',
      /Reshape '\/up\/up\.1\/Reshape' is followed by Transpose '\/Relu_1', which shares its name/,
    );
  });

  test('two nodes writing one value: what they touch is locked, with why', () => {
    const model = twoBranches().model;
    const nodes = model.graph!.node!;
    const dwB = nodes.find((n) => n.name === 'dw_b')!;
    const reluB = nodes.find((n) => n.name === 'b/relu')!;
    // dw_b now writes a/relu's input too; b/relu reads it.
    const aValue = nodes.find((n) => n.name === 'dw')!.output![0];
    dwB.output = [aValue];
    reluB.input = [aValue];
    const analysis = analyzeProto(model);
    const group = analysis.report.groups.find((g) => g.roots.includes('b/expand'))!;
    assert.match(group.locked ?? '', /writes '.*', which another node writes too/);
  });

  test('every conv a broken node: no group, and the report says why instead of "no Conv"', () => {
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', [1, 3, 8, 8]);
    const first = b.conv(x, 8, { kernel: 3, pads: 1, name: 'conv' });
    b.output(b.conv(b.relu(first), 4, { kernel: 1, name: 'conv_b' }));
    const model = b.build().model;
    model.graph!.node!.find((n) => n.name === 'conv_b')!.name = 'conv';
    const analysis = analyzeProto(model);
    assert.equal(analysis.report.groups.length, 0);
    const found = analysis.report.diagnostics.filter((d) => d.code === 'PR001');
    assert.ok(
      found.length > 0 && found.every((d) => /shares its name/.test(d.message)),
      JSON.stringify(found),
    );
    assert.match(
      formatAnalysis(analysis.report),
      /none: no layer this tool can prune \(the findings say why\)/,
    );
  });
});
