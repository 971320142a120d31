// Constant folding keeps what exporters compute (shapes of a few elements). A Concat of a value with itself
// doubles it: a chain of them in a file of a kilobyte would otherwise fold into gigabytes. Values over the
// limits stay unknown, and the channels that depend on them are locked with a finding that says why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_RANK } from '../../../src/core/graph/facts';
import { MAX_FOLDED_ELEMENTS, MAX_FOLDED_TOTAL } from '../../../src/core/graph/fold';
import { inferShapes } from '../../../src/core/graph/inferShapes';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { ModelBuilder } from '../../builder/model-builder';
import { int64Tensor } from '../../builder/tensors';
import type { Value } from '../../builder/types';
import { analyzeBytes, groupOf } from '../../support/analysis';
import { wideRank } from '../../hostile/crafted';

/**
 * conv1 → Reshape(to [1, -1, 4, 4], a target sliced from a Constant of 64 ints concatenated with itself
 * `doublings` times) → conv2 → output. The target keeps the shape and its -1 follows the channels, so with
 * the value known conv1 prunes (a literal 8 there would be a count no prune could rewrite: locked).
 */
function doubledTarget(doublings: number): { bytes: Uint8Array; doubled: string } {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 3, 4, 4]);
  const y = b.conv(x, 8, { kernel: 3, pads: 1, name: '/conv1/Conv' });
  const values = [1, -1, 4, 4, ...Array.from({ length: 60 }, (_, i) => i)];
  let doubled: Value = b.constantNode(int64Tensor('c64', [64], values));
  for (let i = 0; i < doublings; i++) doubled = b.concat([doubled, doubled], 0);
  const target = b.slice(doubled, [{ axis: 0, start: 0, end: 4 }]);
  const z = b.reshapeTo(y, target, [1, 8, 4, 4], { name: '/reshape/Reshape' });
  b.output(b.conv(z, 4, { kernel: 3, pads: 1, name: '/conv2/Conv' }));
  return { bytes: b.build().bytes, doubled: doubled.name };
}

describe('constant folding limits', () => {
  test('a target folded from a small chain is known: conv1 prunes through the Reshape', () => {
    const a = analyzeBytes(doubledTarget(2).bytes);
    assert.equal(groupOf(a, '/conv1/Conv').prunable, true);
  });

  test(`a value past ${MAX_FOLDED_ELEMENTS} elements is not folded; what reads it is locked, and a finding says why`, () => {
    const { bytes, doubled } = doubledTarget(12); // 64 · 2^12 = 262,144 elements
    const view = new ModelView(openModelBytes(bytes, 'doubled.onnx'));
    const facts = inferShapes(view.graph, view.file);
    assert.equal(facts.get(doubled)?.value, undefined, 'the doubled value is unknown');
    assert.ok(facts.overLimit.has(doubled));
    const a = analyzeBytes(bytes, 'doubled.onnx');
    const group = groupOf(a, '/conv1/Conv');
    assert.equal(group.prunable, false);
    assert.match(group.locked ?? '', /too large to fold/);
    const finding = a.report.diagnostics.find((d) => d.node === '/reshape/Reshape');
    assert.equal(finding?.code, 'PR001');
    assert.match(finding!.message, new RegExp(`too large to fold \\(over ${MAX_FOLDED_ELEMENTS} elements`));
  });

  test('the total over one analysis is bounded too', () => {
    // Many values under the per-value limit, together over the total: the later ones stay unknown.
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', [1, 3, 4, 4]);
    const c = b.constantNode(
      int64Tensor(
        'c',
        [64],
        Array.from({ length: 64 }, (_, i) => i),
      ),
    );
    const wide = b.concat(
      Array.from({ length: MAX_FOLDED_ELEMENTS / 64 }, () => c),
      0,
    );
    const copies = Math.ceil(MAX_FOLDED_TOTAL / MAX_FOLDED_ELEMENTS) + 1;
    const names: string[] = [];
    for (let i = 0; i < copies; i++) names.push(b.concat([wide], 0).name);
    b.output(b.conv(x, 4, { kernel: 3, pads: 1 }));
    const view = new ModelView(openModelBytes(b.build().bytes, 'many.onnx'));
    const facts = inferShapes(view.graph, view.file);
    assert.equal(facts.get(wide.name)?.value?.length, MAX_FOLDED_ELEMENTS, 'one value at the limit is kept');
    assert.equal(facts.get(names[0])?.value?.length, MAX_FOLDED_ELEMENTS);
    assert.equal(facts.get(names[copies - 1])?.value, undefined, 'past the total: unknown');
    assert.ok(facts.overLimit.has(names[copies - 1]));
  });

  test(`a shape of more than ${MAX_RANK} dims is unknown: its facts are not copied from node to node`, () => {
    const view = new ModelView(openModelBytes(wideRank(20_000, 50), 'wide.onnx'));
    const facts = inferShapes(view.graph, view.file);
    assert.equal(facts.get('x')?.shape, undefined);
    assert.equal(facts.get('a49')?.shape, undefined);
    const narrow = new ModelView(openModelBytes(wideRank(MAX_RANK, 2), 'narrow.onnx'));
    assert.equal(inferShapes(narrow.graph, narrow.file).get('a1')?.shape?.length, MAX_RANK);
  });
});
