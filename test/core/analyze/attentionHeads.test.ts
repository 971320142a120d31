// Multi-head attention: the Reshape that splits the projections into heads, the per-head MatMuls of two
// computed values and the Reshape that merges the heads are followed, so Q, K, V and the output projection's
// input prune together by whole heads. Reshape targets whose channel count cannot follow lock, by name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pruneFile } from '../../../src/core/prune/prune';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { buildModel, conv3 } from '../../builder/fixture-kit';
import { buildFixture } from '../../builder/fixtures';
import { writeBuilt } from '../../builder/model-builder';
import { int64Tensor } from '../../builder/tensors';
import { analyzeBytes, codes, groupOf } from '../../support/analysis';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();
const HEAD_TARGETS = ['/attn/q/Reshape', '/attn/k/Reshape', '/attn/v/Reshape', '/attn/Reshape'];

/** The int64 values a node's input holds in a written model (an initializer or a Constant node). */
function int64sOf(model: onnx.ModelProto, node: string, input: number): number[] {
  const nodes = model.graph?.node ?? [];
  const value = nodes.find((n) => n.name === node)!.input![input];
  const tensor =
    (model.graph?.initializer ?? []).find((t) => t.name === value) ??
    nodes.find((n) => n.output?.[0] === value && n.op_type === 'Constant')!.attribute![0].t!;
  const raw = tensor.raw_data!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

describe('multi-head attention', () => {
  test('Q, K and V prune together by whole heads; the four head reshapes and the output projection follow', () => {
    const a = analyzeBytes(buildFixture('attention-heads').bytes);
    assert.deepEqual(codes(a), []);
    const heads = groupOf(a, '/attn/q_proj/MatMul');
    assert.deepEqual(heads.roots, ['/attn/q_proj/MatMul', '/attn/k_proj/MatMul', '/attn/v_proj/MatMul']);
    assert.ok(heads.prunable);
    assert.equal(heads.channels, 16);
    assert.equal(heads.unit, 4, 'a unit is a head of 4 channels');
    const shapes = heads.members.filter((m) => m.role === 'reshape shape').map((m) => m.node);
    assert.deepEqual(shapes.sort(), [...HEAD_TARGETS].sort());
    const readers = heads.members.filter((m) => m.role === 'weight (in features)').map((m) => m.node);
    assert.deepEqual(readers, ['/attn/out_proj/MatMul']);
  });

  test('with targets computed as TorchScript writes them, the head count is the Concat constant rewritten', () => {
    const a = analyzeBytes(buildFixture('attention-heads-dynamic').bytes);
    assert.deepEqual(codes(a), []);
    const heads = groupOf(a, '/attn/q_proj/MatMul');
    assert.ok(heads.prunable);
    assert.equal(heads.unit, 4);
    const shapes = heads.members.filter((m) => m.role === 'reshape shape').map((m) => m.node);
    assert.deepEqual(shapes.sort(), ['/attn/Concat', '/attn/k/Concat', '/attn/q/Concat', '/attn/v/Concat']);
    // GPT-2's Conv1D: the output projection's features viewed as [N·S, C] for a Gemm, and its output viewed back.
    const projection = groupOf(a, '/attn/out_proj/MatMul');
    assert.ok(projection.prunable);
    assert.deepEqual(
      projection.members.map((m) => [m.node, m.role]).filter(([node]) => node.startsWith('/mlp')),
      [
        ['/mlp/fc1/Reshape', 'reshape shape'],
        ['/mlp/fc1/Gemm', 'weight (in features)'],
      ],
    );
    const fc1 = groupOf(a, '/mlp/fc1/Gemm');
    assert.ok(fc1.prunable);
    assert.ok(fc1.members.some((m) => m.node === '/mlp/fc1/view/Concat' && m.role === 'reshape shape'));
  });

  for (const fixture of ['attention-heads', 'attention-heads-dynamic'] as const) {
    test(`${fixture}: half the heads go; the targets say 2 heads and the pruned model analyses to them`, () => {
      const path = writeBuilt(join(dir, fixture), 'model.onnx', buildFixture(fixture));
      const out = join(dir, fixture, 'pruned.onnx');
      const outcome = pruneFile(path, out, {
        ratio: 0,
        criterion: 'l1',
        roundTo: 1,
        seed: 0,
        layers: { '/attn/q_proj/MatMul': { ratio: 0.5 } },
      });
      assert.equal(outcome.removedChannels, 8);
      const model = onnx.ModelProto.decode(readFileSync(out));
      if (fixture === 'attention-heads') {
        assert.deepEqual(int64sOf(model, '/attn/q/Reshape', 1), [1, 6, 2, 4]);
        assert.deepEqual(int64sOf(model, '/attn/Reshape', 1), [1, 6, 8]);
      } else {
        // [N, S] read from the shape, then the counts: the Concat's constants.
        assert.deepEqual(int64sOf(model, '/attn/q/Concat', 2), [2]);
        assert.deepEqual(int64sOf(model, '/attn/q/Concat', 3), [4]);
        assert.deepEqual(int64sOf(model, '/attn/Concat', 2), [8]);
      }
      const after = groupOf(analyzeBytes(readFileSync(out)), '/attn/q_proj/MatMul');
      assert.deepEqual([after.channels, after.unit, after.prunable], [8, 4, true]);
    });
  }

  test('a Reshape target holding the channel count in a way no prune can rewrite locks the group (PS007)', () => {
    // The target sliced out of a longer constant: it holds 8 literally, and no member could rewrite it.
    const built = buildModel([1, 3, 4, 4], (b, x) => {
      const y = b.relu(conv3(b, x, 8, '/conv1/Conv'));
      const longer = b.constantNode(int64Tensor('longer', [6], [1, 8, 4, 4, 0, 0]));
      const target = b.slice(longer, [{ axis: 0, start: 0, end: 4 }]);
      const z = b.reshapeTo(y, target, [1, 8, 4, 4], { name: '/view/Reshape' });
      return conv3(b, z, 4, '/conv2/Conv');
    });
    const a = analyzeBytes(built.bytes);
    const group = groupOf(a, '/conv1/Conv');
    assert.equal(group.prunable, false);
    assert.deepEqual(codes(a), ['PS007']);
    assert.match(
      a.report.diagnostics[0].message,
      /Reshape '\/view\/Reshape' keeps the 8 channels, a count its target computes in a way this tool cannot rewrite/,
    );
  });

  test('a 0 in a Reshape target copies the input dim at its own index: elsewhere than the channels it locks', () => {
    // [1, 16, 16] → [-1, 0]: the 0 copies the 16 tokens, which only equal the 16 channels it lands on; after a
    // prune it would still copy 16. Left alone it made a model that no longer ran.
    const built = buildModel([1, 16, 16], (b, x) => {
      const y = b.relu(b.matmul(x, 16, { name: '/a/MatMul' }));
      return b.gemm(b.reshape(y, [-1, 0], { name: '/rows/Reshape' }), 4, { name: '/b/Gemm' });
    });
    const a = analyzeBytes(built.bytes);
    assert.equal(groupOf(a, '/a/MatMul').prunable, false);
    assert.deepEqual(codes(a), ['PS007']);
    assert.match(
      a.report.diagnostics[0].message,
      /Reshape '\/rows\/Reshape' keeps the 16 channels, a count its target/,
    );
  });
});
