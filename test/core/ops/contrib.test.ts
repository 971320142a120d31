// Ops of other domains: ONNX Runtime's com.microsoft::FusedConv has a rule (checked against ONNX Runtime
// itself), unknown ops of any domain still fail closed, and a caller can register a rule for its own op.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Long from 'long';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { SHAPES } from '../../../src/core/graph/shapeRules';
import { OPS, OpRegistry } from '../../../src/core/ops/registry';
import { ModelBuilder } from '../../builder/model-builder';
import { groupOf } from '../../support/analysis';
import { cli } from '../../support/cli';
import { tempDir } from '../../support/tempDir';
import { useFreshWorker } from '../../runtime/workerBundle';

const dir = tempDir();
type NodeProto = onnx.NodeProto.$Properties;

/**
 * conv1 → Relu → conv2, + the Relu's output (a residual), → Relu → conv3, built by the builder, then fused
 * as ONNX Runtime's optimiser writes it: FusedConv(activation Relu) for conv1, and FusedConv with Z (the
 * residual) and activation Relu for conv2.
 */
function fusedModel(
  options: { op?: string; domain?: string; activation?: string } = {},
): onnx.ModelProto.$Properties {
  const { op = 'FusedConv', domain = 'com.microsoft', activation = 'Relu' } = options;
  const b = new ModelBuilder({ opset: 17, seed: 3 });
  const x = b.input('x', [1, 3, 8, 8]);
  const a = b.relu(b.conv(x, 32, { kernel: 3, pads: 1, name: '/conv1/Conv' }), { name: '/relu1/Relu' });
  const c = b.conv(a, 32, { kernel: 3, pads: 1, name: '/conv2/Conv' });
  const d = b.relu(b.add(c, a, { name: '/add/Add' }), { name: '/relu2/Relu' });
  b.output(b.conv(d, 4, { kernel: 3, pads: 1, name: '/conv3/Conv' }), 'y');
  const model = b.build().model;
  const nodes = model.graph!.node!;
  const byName = (name: string) => nodes.find((n) => n.name === name)!;
  const fused = (conv: NodeProto, output: string, z?: string): NodeProto => ({
    ...conv,
    op_type: op,
    domain,
    input: z ? [...conv.input!, z] : conv.input,
    output: [output],
    attribute: [
      ...(conv.attribute ?? []),
      { name: 'activation', type: onnx.AttributeProto.AttributeType.STRING, s: Buffer.from(activation) },
    ],
  });
  const relu1 = byName('/relu1/Relu');
  const relu2 = byName('/relu2/Relu');
  const node = [
    fused(byName('/conv1/Conv'), relu1.output![0]),
    fused(byName('/conv2/Conv'), relu2.output![0], relu1.output![0]),
    byName('/conv3/Conv'),
  ];
  return {
    ...model,
    opset_import: [...model.opset_import!, { domain, version: Long.fromNumber(1) }],
    graph: { ...model.graph, node, value_info: [] },
  };
}

function analyze(model: onnx.ModelProto.$Properties, ops = OPS) {
  const bytes = onnx.ModelProto.encode(model).finish();
  return analyzeModel(new ModelView(openModelBytes(bytes, 'fused.onnx')), ops);
}

/** The roots of the groups that can be pruned (conv3's output is the graph's: never). */
function prunable(analysis: ReturnType<typeof analyze>): string[][] {
  return analysis.report.groups.filter((g) => g.prunable).map((g) => g.roots);
}

describe('com.microsoft::FusedConv', () => {
  useFreshWorker();

  test('is a Conv: its output roots a group, and Z couples the residual with it', () => {
    const analysis = analyze(fusedModel());
    const group = analysis.report.groups.find((g) => g.roots.includes('/conv1/Conv'))!;
    assert.deepEqual(group.roots, ['/conv1/Conv', '/conv2/Conv']);
    assert.equal(group.prunable, true, group.locked ?? '');
    assert.equal(group.channels, 32);
    assert.deepEqual(
      analysis.report.diagnostics.map((d) => d.code),
      [],
    );
  });

  test('a model pruned through FusedConv runs in ONNX Runtime and matches the masked original', async () => {
    const path = join(dir, 'fused.onnx');
    writeFileSync(path, onnx.ModelProto.encode(fusedModel()).finish());
    const run = await cli('prune', path, '-o', join(dir, 'fused.pruned.onnx'), '--ratio', '0.5', '--verify');
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /32 → 16/);
    assert.match(
      run.stdout,
      /PASS: same inputs and outputs, and the pruned model equals the masked original/,
    );
  });

  test('without its rule (a registry of the default domain only) it fails closed', () => {
    const bare = new OpRegistry(
      OPS.families.filter((f) => f.domain === ''),
      OPS.patterns,
    );
    const analysis = analyze(fusedModel(), bare);
    assert.deepEqual(prunable(analysis), []);
    assert.ok(!analysis.report.groups.some((g) => g.roots.includes('/conv1/Conv')), 'no rule: not a root');
  });

  test('an activation ONNX Runtime does not fuse, or another op of the domain, fails closed', () => {
    const gelu = analyze(fusedModel({ activation: 'Gelu' }));
    assert.deepEqual(prunable(gelu), []);
    assert.match(groupOf(gelu, '/conv1/Conv').locked ?? '', /activation 'Gelu'/);
    const other = analyze(fusedModel({ op: 'QLinearConv' }));
    assert.deepEqual(prunable(other), []);
    assert.ok(!other.report.groups.some((g) => g.roots.includes('/conv1/Conv')), 'no rule: not a root');
  });
});

describe('registering an op of another domain', () => {
  test('a rule registered with OPS.with makes the op followed; without it, the op locks', () => {
    // conv1 → my.ops::Twice (element-wise) → conv2.
    const b = new ModelBuilder({ opset: 17, seed: 1 });
    const x = b.input('x', [1, 3, 8, 8]);
    const a = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/conv1/Conv' }), { name: '/twice' });
    b.output(b.conv(a, 4, { kernel: 3, pads: 1, name: '/conv2/Conv' }), 'y');
    const built = b.build().model;
    const model = {
      ...built,
      opset_import: [...built.opset_import!, { domain: 'my.ops', version: Long.fromNumber(1) }],
      graph: {
        ...built.graph,
        node: built.graph!.node!.map((n) =>
          n.name === '/twice' ? { ...n, op_type: 'Twice', domain: 'my.ops' } : n,
        ),
        value_info: [],
      },
    };
    const conv1 = (ops: OpRegistry) =>
      analyze(model, ops).report.groups.find((g) => g.roots.includes('/conv1/Conv'))!;
    assert.equal(conv1(OPS).prunable, false);
    const mine = OPS.with([
      {
        domain: 'my.ops',
        ops: [
          [
            'Twice',
            {
              shape: SHAPES.sameNoValue,
              channels: (state, node) => {
                const space = state.space(node.inputs[0]);
                if (space) state.alias(node.outputs[0], space);
              },
            },
          ],
        ],
      },
    ]);
    assert.equal(conv1(mine).prunable, true, conv1(mine).locked ?? '');
    assert.throws(() => mine.with([{ domain: 'my.ops', ops: [['Twice', { shape: SHAPES.same }]] }]), /twice/);
  });
});
