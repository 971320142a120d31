// The builder's contract: every fixture builds deterministically, loads and runs in onnxruntime-node, and
// the builder's static shapes (which size every weight) match what ORT computes for every single value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { FIXTURE_NAMES, FIXTURES } from './fixtures';
import { decodeModel } from './inspect';
import type { Built } from './serialize';
import { concreteDims, randomInputs, runBuilt } from './runtime';

/** A copy of `built` whose graph outputs are every value the builder tracked (shapes left for ORT to infer). */
function exposeAllValues(built: Built): { built: Built; expected: Map<string, number[]> } {
  const graph = built.model.graph!;
  const inputNames = new Set(built.inputs.map((v) => v.name));
  const tracked = built.values.filter((v) => !inputNames.has(v.name));
  const elemType = {
    float32: onnx.TensorProto.DataType.FLOAT,
    int64: onnx.TensorProto.DataType.INT64,
    bool: onnx.TensorProto.DataType.BOOL,
  };
  const output = tracked.map((v) => ({
    name: v.name,
    type: { tensor_type: { elem_type: elemType[v.dtype] } },
  }));
  const model = { ...built.model, graph: { ...graph, output } };
  const bytes = onnx.ModelProto.encode(model).finish();
  const expected = new Map(tracked.map((v) => [v.name, concreteDims(v.shape)]));
  return { built: { ...built, model, bytes, outputs: tracked }, expected };
}

describe('fixture catalogue', () => {
  test('has at least 20 fixtures', () => {
    assert.ok(FIXTURE_NAMES.length >= 20, `${FIXTURE_NAMES.length} fixtures`);
  });

  for (const name of FIXTURE_NAMES) {
    describe(name, () => {
      test('builds byte-identically twice and decodes to the same model', () => {
        const first = FIXTURES[name]();
        const second = FIXTURES[name]();
        assert.deepEqual(first.bytes, second.bytes);
        assert.deepEqual(Object.keys(first.files), Object.keys(second.files));
        for (const [location, bytes] of Object.entries(first.files))
          assert.deepEqual(bytes, second.files[location]);
        const { graph } = decodeModel(first.bytes);
        assert.equal(graph.node.length, first.model.graph?.node?.length);
        assert.deepEqual(
          graph.output.map((o) => o.name),
          first.outputs.map((o) => o.name),
        );
      });

      test('runs in onnxruntime-node with outputs of the declared shapes', async () => {
        const built = FIXTURES[name]();
        const results = await runBuilt(built, randomInputs(built, 1));
        assert.deepEqual(Object.keys(results).sort(), built.outputs.map((o) => o.name).sort());
        for (const output of built.outputs) {
          const result = results[output.name];
          assert.deepEqual(result.dims, concreteDims(output.shape), output.name);
          assert.ok(
            result.data.every((v) => Number.isFinite(v)),
            `${output.name} has non-finite values`,
          );
        }
      });

      test('tracks the shape of every intermediate value exactly as ORT computes it', async () => {
        const { built, expected } = exposeAllValues(FIXTURES[name]());
        const results = await runBuilt(built, randomInputs(built, 2));
        for (const [valueName, dims] of expected) {
          assert.ok(results[valueName], `ORT did not produce ${valueName}`);
          assert.deepEqual(results[valueName].dims, dims, valueName);
        }
      });
    });
  }
});
