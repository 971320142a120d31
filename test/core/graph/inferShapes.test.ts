// Static shape inference (src/core/graph/inferShapes.ts) and constant folding (fold.ts) on their own: the
// facts the channel rules build on, checked against the shapes the model builder tracked for every value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataType } from '../../../src/core/onnx/dataTypes';
import { inferShapes } from '../../../src/core/graph/inferShapes';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { ModelBuilder } from '../../builder/model-builder';
import type { Built } from '../../builder/serialize';
import { int64Tensor } from '../../builder/tensors';

function facts(built: Built) {
  const view = new ModelView(openModelBytes(built.bytes, 'shapes.onnx'));
  return inferShapes(view.graph, view.file);
}

describe('shape inference', () => {
  test('every value of a conv net with a pixel shuffle, pools, a concat and a Gemm head: the builder’s shapes', () => {
    const b = new ModelBuilder({ opset: 17, seed: 3 });
    const x = b.input('x', [1, 3, 16, 16]);
    const c1 = b.relu(b.conv(x, 8, { kernel: 3, pads: 1 }));
    const c2 = b.conv(c1, 12, { kernel: 3, stride: 2, pads: 1 }); // 16 → 8
    const up = b.depthToSpace(c2, 2, { mode: 'CRD' }); // 12 → 3 channels, 8 → 16
    const pooled = b.maxPool(b.concat([up, x], 1), { kernel: 2 }); // 6 channels, 16 → 8
    const t = b.transpose(pooled, [0, 2, 3, 1]);
    const flat = b.flatten(b.transpose(t, [0, 3, 1, 2]), 1);
    b.output(b.gemm(flat, 10));
    const built = b.build();
    const table = facts(built);
    assert.ok(built.values.length >= 10, 'the builder tracked every intermediate value');
    const inferred = built.values.map((v) => [v.name, table.get(v.name)?.shape]);
    const expected = built.values.map((v) => [v.name, [...v.shape]]);
    assert.deepEqual(inferred, expected);
    // Concrete spot checks, should the builder's own tracking ever be wrong in the same way.
    assert.deepEqual(table.get(c2.name)?.shape, [1, 12, 8, 8]);
    assert.deepEqual(table.get(up.name)?.shape, [1, 3, 16, 16]);
    assert.deepEqual(table.get(flat.name)?.shape, [1, 6 * 8 * 8]);
    assert.equal(table.get(flat.name)?.dtype, DataType.FLOAT);
  });

  test('a symbolic batch dim is carried through as its name', () => {
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', ['N', 3, 8, 8]);
    const y = b.conv(x, 4, { kernel: 3, pads: 1 });
    b.output(y);
    assert.deepEqual(facts(b.build()).get(y.name)?.shape, ['N', 4, 8, 8]);
  });

  test('a Reshape whose target reads symbolic dims from a shape has its rank, those dims unknown', () => {
    // TorchScript's x.view(x.size(0), x.size(1), 4, 4) with a dynamic batch and sequence.
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', ['batch', 'sequence', 16]);
    const shape = b.shapeOf(x);
    const dim = (axis: number) => b.unsqueeze(b.gather(shape, axis), [0]);
    const counts = b.constantNode(int64Tensor('counts', [2], [4, 4]));
    const target = b.concat([dim(0), dim(1), counts], 0);
    const heads = b.reshapeTo(x, target, ['batch', 'sequence', 4, 4]);
    b.output(b.relu(heads));
    const table = facts(b.build());
    assert.deepEqual(table.get(target.name)?.value, [undefined, undefined, 4, 4]);
    assert.deepEqual(table.get(heads.name)?.shape, [undefined, undefined, 4, 4]);
  });

  test('initializers get their facts when asked: shape, element type, and the values of small integer ones', () => {
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', [1, 2, 3, 4]);
    const r = b.reshape(x, [1, 6, 4]);
    b.output(r);
    const built = b.build();
    const table = facts(built);
    const target = built.model.graph!.node!.find((n) => n.op_type === 'Reshape')!.input![1]!;
    assert.deepEqual(table.get(target), { shape: [3], dtype: DataType.INT64, value: [1, 6, 4] });
    assert.deepEqual(table.get(r.name)?.shape, [1, 6, 4]);
    assert.equal(table.get('no such value'), undefined);
  });

  test("a weight's facts are worked out once: the same object by name and as a node's input", () => {
    const b = new ModelBuilder({ opset: 17, seed: 5 });
    const x = b.input('x', [1, 3, 8, 8]);
    b.output(b.conv(x, 4, { kernel: 3, pads: 1 }));
    const built = b.build();
    const view = new ModelView(openModelBytes(built.bytes, 'shapes.onnx'));
    const table = inferShapes(view.graph, view.file);
    const conv = view.graph.nodes.find((n) => n.opType === 'Conv')!;
    const byInput = table.input(conv, 1, conv.inputs[1]);
    assert.deepEqual(byInput, { shape: [4, 3, 3, 3], dtype: DataType.FLOAT, value: undefined });
    assert.equal(table.get(conv.inputs[1]), byInput);
    assert.deepEqual(table.shape(conv.inputs[1]), [4, 3, 3, 3]);
    // The input x is a graph input, not a weight: its facts are its declared shape.
    assert.deepEqual(table.input(conv, 0, x.name)?.shape, [1, 3, 8, 8]);
  });
});

describe('constant folding', () => {
  test('Shape → Gather → Unsqueeze → Concat folds to the values a dynamic Reshape target has', () => {
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', [2, 8, 4, 6]);
    const shape = b.shapeOf(x);
    const h = b.unsqueeze(b.gather(shape, 2), [0]);
    const w = b.unsqueeze(b.gather(shape, 3), [0]);
    const target = b.concat(
      [b.unsqueeze(b.gather(shape, 0), [0]), b.unsqueeze(b.gather(shape, 1), [0]), h, w],
      0,
    );
    const doubled = b.mul(h, h);
    b.output(b.reshapeTo(x, target, [2, 8, 4, 6]));
    b.output(doubled);
    const table = facts(b.build());
    assert.deepEqual(table.get(shape.name)?.value, [2, 8, 4, 6]);
    assert.deepEqual(table.get(target.name)?.value, [2, 8, 4, 6]);
    assert.deepEqual(table.get(target.name)?.shape, [4]);
    assert.deepEqual(table.get(doubled.name)?.value, [16]);
  });

  test('an element that depends on a symbolic dim stays unknown, the others are folded', () => {
    const b = new ModelBuilder({ opset: 17 });
    const x = b.input('x', ['N', 8, 4, 6]);
    const shape = b.shapeOf(x);
    const halved = b.div(shape, b.constantNode(int64Tensor('halves', [4], [1, 2, 2, 3])));
    b.output(b.relu(x));
    b.output(halved);
    const table = facts(b.build());
    assert.deepEqual(table.get(shape.name)?.value, [undefined, 8, 4, 6]);
    // Integer division of int64 values, as ONNX Runtime computes it.
    assert.deepEqual(table.get(halved.name)?.value, [undefined, 4, 2, 2]);
  });
});
