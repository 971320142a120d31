// prune/apply.ts on its own: which tensors lose which indices, which attributes and sizes follow, what the
// mask spec zeroes; and that a member's label (text for people) never changes what a prune does.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import type { Analysis } from '../../../src/core/analyze/analyze';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsNumbers } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { applyRemoval } from '../../../src/core/prune/apply';
import { pruneFile } from '../../../src/core/prune/prune';
import { FIXTURE_NAMES, buildFixture } from '../../builder/fixtures';
import { ModelBuilder, writeBuilt } from '../../builder/model-builder';
import { groupOf } from '../../support/analysis';
import { tempDir } from '../../support/tempDir';

const root = tempDir();

/** Writes the builder's model, analyses it, removes the given channels of `rootNode`'s output, writes the result. */
function removeChannels(name: string, b: ModelBuilder, rootNode: string, channels: number[]) {
  const path = writeBuilt(join(root, name), 'model.onnx', b.build());
  const file = openModel(path);
  const analysis = analyzeModel(new ModelView(file));
  const group = groupOf(analysis, rootNode);
  const space = analysis.state.roots.find((r) => r.node.name === rootNode)!.space;
  const classes = analysis.index.classesOf(space);
  const removed = new Set(channels.map((c) => classes[c]));
  const applied = applyRemoval(analysis, file, removed);
  const out = join(root, name, 'pruned.onnx');
  writeModel(file, applied.proto, out);
  file.close();
  const pruned = openModel(out);
  const graph = pruned.proto.graph!;
  const dims = (tensor: string) =>
    graph.initializer!.find((t) => t.name === tensor)!.dims!.map((d) => Number(d));
  const attribute = (node: string, name: string) => {
    const a = graph.node!.find((n) => n.name === node)!.attribute!.find((x) => x.name === name)!;
    return a.ints?.length ? a.ints.map((v) => Number(v)) : Number(a.i);
  };
  const ints = (tensor: string) =>
    readTensorAsNumbers(
      pruned,
      graph.initializer!.find((t) => t.name === tensor)!,
    );
  return { group, applied, dims, attribute, ints, close: () => pruned.close() };
}

describe('applyRemoval', () => {
  test('a conv loses output rows, its bias, and the next conv its input columns; only those are masked', () => {
    const b = new ModelBuilder({ seed: 1 });
    const x = b.input('x', [1, 3, 8, 8]);
    const a = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/conv1/Conv' }));
    b.output(b.conv(a, 4, { kernel: 3, pads: 1, name: '/conv2/Conv' }), 'y');
    const r = removeChannels('dense', b, '/conv1/Conv', [1, 3]);
    try {
      assert.deepEqual(r.dims('conv1.weight'), [6, 3, 3, 3]);
      assert.deepEqual(r.dims('conv1.bias'), [6]);
      assert.deepEqual(r.dims('conv2.weight'), [4, 6, 3, 3]);
      assert.deepEqual(r.dims('conv2.bias'), [4]);
      // The mask oracle zeroes what reads the removed channels (input columns), nothing else.
      assert.deepEqual(r.applied.mask.zero, [
        { tensor: 'conv2.weight', source: 'initializer', axis: 1, indices: [1, 3] },
      ]);
      assert.deepEqual(
        r.applied.slices.map((s) => [s.tensor, s.axis, s.role, s.indices]),
        [
          ['conv1.weight', 0, 'weight (out channels)', [1, 3]],
          ['conv1.bias', 0, 'bias', [1, 3]],
          ['conv2.weight', 1, 'weight (in channels)', [1, 3]],
        ],
      );
      assert.equal(r.applied.tensors, 3);
      assert.equal(r.applied.nodes, 0);
    } finally {
      r.close();
    }
  });

  test('a depthwise conv loses its channels and its group attribute follows', () => {
    const b = new ModelBuilder({ seed: 2 });
    const x = b.input('x', [1, 3, 8, 8]);
    const a = b.conv(x, 8, { kernel: 1, name: '/conv1/Conv' });
    const d = b.conv(a, 8, { kernel: 3, pads: 1, group: 8, name: '/dw/Conv' });
    b.output(b.conv(d, 4, { kernel: 1, name: '/conv2/Conv' }), 'y');
    const r = removeChannels('depthwise', b, '/conv1/Conv', [0, 5, 6]);
    try {
      assert.deepEqual(r.dims('dw.weight'), [5, 1, 3, 3]);
      assert.equal(r.attribute('/dw/Conv', 'group'), 5);
      assert.deepEqual(r.dims('conv2.weight'), [4, 5, 1, 1]);
      assert.equal(r.applied.nodes, 1);
    } finally {
      r.close();
    }
  });

  test('a Split on the channels gets its new sizes', () => {
    const b = new ModelBuilder({ seed: 3 });
    const x = b.input('x', [1, 3, 8, 8]);
    const a = b.conv(x, 8, { kernel: 1, name: '/conv1/Conv' });
    const [p, q] = b.split(a, [6, 2], { axis: 1, name: '/split' });
    b.output(b.conv(p, 4, { kernel: 1, name: '/conv2/Conv' }), 'y');
    b.output(b.conv(q, 4, { kernel: 1, name: '/conv3/Conv' }), 'z');
    const r = removeChannels('split', b, '/conv1/Conv', [0, 2, 7]);
    try {
      const sizes = b.opset >= 13 ? r.ints('split.split') : r.attribute('/split', 'split');
      assert.deepEqual(sizes, [4, 1]);
    } finally {
      r.close();
    }
  });
});

describe('labels are for people', () => {
  /** Every member's label replaced, after the analysis and before the prune. */
  const relabel = (analysis: Analysis) => {
    const members = analysis.state.members;
    for (let i = 0; i < members.length; i++) members[i] = { ...members[i], label: 'x' };
  };

  for (const criterion of ['l1', 'bn'] as const) {
    test(`rewording every label gives the same pruned files (${criterion}, every builder fixture)`, () => {
      let pruned = 0;
      for (const name of FIXTURE_NAMES) {
        const path = writeBuilt(join(root, 'labels', name), `${name}.onnx`, buildFixture(name));
        // Each run writes the same file name in its own folder: external data is named after the output.
        const prune = (run: string, check?: (analysis: Analysis) => void) => {
          const out = join(root, 'labels', name, `${run}-${criterion}`, 'pruned.onnx');
          mkdirSync(dirname(out), { recursive: true });
          const settings = { ratio: 0.5, criterion, roundTo: 1, seed: 0, layers: {} };
          const outcome = pruneFile(path, out, settings, { check });
          return { outcome, bytes: outcome.files.map((f) => readFileSync(f)) };
        };
        const plain = prune('plain');
        const reworded = prune('reworded', relabel);
        assert.equal(reworded.bytes.length, plain.bytes.length, name);
        plain.bytes.forEach((bytes, i) =>
          assert.ok(bytes.equals(reworded.bytes[i]), `${name}: files differ`),
        );
        assert.deepEqual(reworded.outcome.mask, plain.outcome.mask, name);
        assert.deepEqual([...reworded.outcome.removed], [...plain.outcome.removed], name);
        if (plain.outcome.removedChannels > 0) pruned++;
      }
      assert.ok(pruned > 20, `${pruned} fixtures pruned`);
    });
  }
});
