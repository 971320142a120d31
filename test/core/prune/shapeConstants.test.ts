// Issue 13, items 1–4: shape constants on channel paths after a prune. The oracle suite (oracle.test.ts)
// runs these fixtures in ONNX Runtime against the masked original; here: what the prune wrote.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsNumbers } from '../../../src/core/onnx/tensorData';
import { pruneFile } from '../../../src/core/prune/prune';
import { type FixtureName, buildFixture } from '../../builder/fixtures';
import { buildModel, conv3 } from '../../builder/fixture-kit';
import { writeBuilt } from '../../builder/model-builder';
import { analyzeBytes, groupOf } from '../../support/analysis';
import { tempDir } from '../../support/tempDir';

const root = tempDir();

/** Prunes a fixture at 0.5 and reads back, per node, the integer constants its inputs name. */
function prune(name: FixtureName) {
  const path = writeBuilt(join(root, name), 'model.onnx', buildFixture(name));
  const out = join(root, name, 'pruned.onnx');
  const outcome = pruneFile(path, out, { ratio: 0.5, criterion: 'l1', roundTo: 1, seed: 0, layers: {} });
  const file = openModel(out);
  try {
    const graph = file.proto.graph!;
    const constants = new Map(
      (graph.initializer ?? [])
        .filter((t) => t.data_type === 7)
        .map((t) => [t.name!, readTensorAsNumbers(file, t)]),
    );
    const input = (node: string, index: number) => {
      const n = graph.node!.find((m) => m.name === node)!;
      return { name: n.input![index], values: constants.get(n.input![index]) };
    };
    const removed = (root: string) => outcome.groups.find((g) => g.roots.includes(root))!;
    const valueInfo = new Set((graph.value_info ?? []).map((v) => v.name!));
    const inputs = (graph.input ?? []).map((v) => v.name!);
    return { input, removed, valueInfo, inputs };
  } finally {
    file.close();
  }
}

describe('shape constants after a prune', () => {
  test('a target shared by a pruned and a kept channel shuffle holds -1 where they differ', () => {
    const { input, removed } = prune('shuffle-shared-shape');
    assert.ok(removed('/stage1/Conv').keptChannels < 8, 'the first shuffle is pruned');
    assert.deepEqual(input('/stage1/shuffle/Reshape', 1).values, [1, 2, -1, 8, 8]);
    assert.deepEqual(input('/stage3/shuffle/Reshape', 1).values, [1, 2, -1, 8, 8]);
    assert.deepEqual(input('/stage1/shuffle/Reshape_1', 1).values, [1, -1, 8, 8]);
  });

  test('with a -1 batch already, the pruned shuffle reads its own copies and the kept one the originals', () => {
    const { input, removed } = prune('shuffle-shared-shape-batch');
    const kept = removed('/stage1/Conv').keptChannels;
    assert.ok(kept < 8);
    assert.deepEqual(input('/stage1/shuffle/Reshape', 1).values, [-1, 2, kept / 2, 8, 8]);
    assert.deepEqual(input('/stage1/shuffle/Reshape_1', 1).values, [-1, kept, 8, 8]);
    assert.deepEqual(input('/stage3/shuffle/Reshape', 1), {
      name: 'shuffle.view_shape',
      values: [-1, 2, 4, 8, 8],
    });
    assert.deepEqual(input('/stage3/shuffle/Reshape_1', 1), {
      name: 'shuffle.back_shape',
      values: [-1, 8, 8, 8],
    });
  });

  test('IR 3: copies of shape constants are listed among the graph inputs like their originals', () => {
    const { input, inputs } = prune('shuffle-shared-shape-ir3');
    const copy = input('/stage1/shuffle/Reshape', 1).name;
    assert.notEqual(copy, 'shuffle.view_shape');
    assert.ok(inputs.includes(copy) && inputs.includes('shuffle.view_shape'), inputs.join(', '));
  });

  test('a -1 channel dim is never overwritten', () => {
    const { input, removed } = prune('shuffle-minus-one');
    assert.ok(removed('/stage1/Conv').keptChannels < 8);
    assert.deepEqual(input('/stage1/shuffle/Reshape', 1), {
      name: 'shuffle.view_shape',
      values: [1, 2, -1, 8, 8],
    });
    assert.deepEqual(input('/stage1/shuffle/Reshape_1', 1), {
      name: 'shuffle.back_shape',
      values: [1, -1, 8, 8],
    });
  });

  test('Resize sizes follow the channels: a constant is rewritten (copied when shared), a computed one follows', () => {
    const { input, removed } = prune('resize-sizes');
    const kept = removed('/lateral/Conv').keptChannels;
    assert.ok(kept < 8);
    assert.deepEqual(input('/up/Resize', 3).values, [1, kept, 16, 16]);
    assert.deepEqual(input('/out/Resize', 3), { name: 'up.sizes', values: [1, 8, 16, 16] });
    assert.ok(removed('/smooth/Conv').keptChannels < 8, 'the computed sizes do not lock their group');
  });

  test('Expand shapes and ConstantOfShape weights made from a shared shape constant prune', () => {
    const { removed } = prune('expand-constant-of-shape');
    assert.ok(removed('/a/Conv').keptChannels < 8);
  });

  test('value_info of values whose shapes change is dropped, inside a channel shuffle too', () => {
    const { valueInfo, removed } = prune('shuffle-value-info');
    assert.ok(removed('/stage1/Conv').keptChannels < 8);
    for (const value of ['/stage1/shuffle/Reshape_output_0', '/stage1/shuffle/Transpose_output_0'])
      assert.ok(!valueInfo.has(value), `${value} has no stale value_info`);
    assert.ok(valueInfo.has('/stage3/shuffle/Transpose_output_0'), 'unchanged values keep theirs');
  });
});

describe('shape-carrying inputs that cannot follow the channels lock their group, with the reason', () => {
  const lockedBy = (body: Parameters<typeof buildModel>[1]) =>
    groupOf(analyzeBytes(buildModel([1, 3, 8, 8], body).bytes), '/a/Conv').locked;

  test('a Slice bound on the channels computed at run time (x[:, :C // 2])', () => {
    const locked = lockedBy((b, x) => {
      const a = b.relu(conv3(b, x, 16, '/a/Conv'));
      const half = b.div(b.gather(b.shapeOf(a), 1), b.initializer('two', [], [2], 'int64'));
      const bounds = [
        b.initializer('starts', [1], [0], 'int64'),
        b.unsqueeze(half, [0]),
        b.initializer('axes', [1], [1], 'int64'),
      ] as const;
      return conv3(b, b.sliceWith(a, bounds, [1, 8, 8, 8]), 4, '/out/Conv');
    });
    assert.match(locked ?? '', /Slice .* has slice bounds on the channel axis computed at run time/);
  });

  test('Resize sizes whose channel count comes from another value', () => {
    const locked = lockedBy((b, x) => {
      const a = b.relu(conv3(b, x, 8, '/a/Conv'));
      const other = conv3(b, x, 8, '/other/Conv');
      const sizes = b.concat(
        [
          b.slice(b.shapeOf(other), [{ axis: 0, start: 0, end: 2 }]),
          b.initializer('hw', [2], [16, 16], 'int64'),
        ],
        0,
      );
      return b.add(
        conv3(b, b.resizeTo(a, sizes, [1, 8, 16, 16]), 8, '/out/Conv'),
        b.resizeTo(other, sizes, [1, 8, 16, 16]),
      );
    });
    assert.match(locked ?? '', /Resize .* has sizes that hold the channel count but are computed/);
  });

  test('Tile that repeats the channels', () => {
    const locked = lockedBy((b, x) =>
      conv3(b, b.tile(b.relu(conv3(b, x, 8, '/a/Conv')), [1, 2, 1, 1]), 4, '/out/Conv'),
    );
    assert.match(locked ?? '', /Tile .* repeats the channels/);
  });
});
