// Patterns: rules over several nodes, registered in the op registry and tried before the per-node rules; the
// nodes a pattern takes are seen by no other rule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Long from 'long';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModelBytes } from '../../../src/core/onnx/reader';
import type { ChannelPattern } from '../../../src/core/ops/pattern';
import { OPS } from '../../../src/core/ops/registry';
import { ModelBuilder } from '../../builder/model-builder';

/** conv1 → Relu → my.ops::Opaque → conv2 (the builder's Relu renamed to an op no rule knows). */
function model(): Uint8Array {
  const b = new ModelBuilder({ opset: 17, seed: 5 });
  const x = b.input('x', [1, 3, 8, 8]);
  const r = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/conv1/Conv' }), { name: '/relu' });
  const o = b.relu(r, { name: '/opaque' });
  b.output(b.conv(o, 4, { kernel: 1, name: '/conv2/Conv' }), 'y');
  const built = b.build().model;
  return onnx.ModelProto.encode({
    ...built,
    opset_import: [...built.opset_import!, { domain: 'my.ops', version: Long.fromNumber(1) }],
    graph: {
      ...built.graph,
      node: built.graph!.node!.map((n) =>
        n.name === '/opaque' ? { ...n, op_type: 'Opaque', domain: 'my.ops' } : n,
      ),
      value_info: [],
    },
  }).finish();
}

/** Relu followed by Opaque, which (say) the caller knows to be element-wise: channels pass through both. */
const reluOpaque: ChannelPattern = {
  name: 'Relu→Opaque',
  domain: '',
  opType: 'Relu',
  match(state, node) {
    const x = state.space(node.inputs[0]);
    const next = state.graph.consumers(node.outputs[0]);
    if (!x || next.length !== 1 || next[0].domain !== 'my.ops' || next[0].opType !== 'Opaque')
      return undefined;
    return {
      nodes: [node, next[0]],
      apply: (state) => {
        state.alias(node.outputs[0], x);
        state.alias(next[0].outputs[0], x);
      },
    };
  },
};

describe('channel patterns', () => {
  const analyze = (ops = OPS) => analyzeModel(new ModelView(openModelBytes(model(), 'opaque.onnx')), ops);
  const conv1 = (analysis: ReturnType<typeof analyze>) =>
    analysis.report.groups.find((g) => g.roots.includes('/conv1/Conv'))!;

  test('without the pattern, the unknown op locks the group', () => {
    const analysis = analyze();
    assert.equal(conv1(analysis).prunable, false);
    assert.match(conv1(analysis).locked ?? '', /Opaque '\/opaque' has no channel rule/);
  });

  test('a registered pattern runs before the per-node rules and takes its nodes from them', () => {
    const analysis = analyze(OPS.with([], [reluOpaque]));
    assert.equal(conv1(analysis).prunable, true, conv1(analysis).locked ?? '');
    assert.deepEqual(conv1(analysis).roots, ['/conv1/Conv']);
    assert.ok(!analysis.state.findings.some((f) => f.node === '/opaque'), 'no rule saw the taken node');
  });

  test('a pattern registered twice is refused', () => {
    assert.throws(() => OPS.with([], [reluOpaque, reluOpaque]), /registered twice/);
  });
});
