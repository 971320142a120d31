// The committed sample model (media/sample/edsr-x4.onnx) is what `npm run gen:sample` writes today, stays
// small, and runs: x4 upscaling through two Conv + DepthToSpace(CRD) stages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildEdsrX4 } from './edsr';
import { declaredDims, decodeModel, stringAttribute, toNumber } from './inspect';
import { runModel } from './runtime';

// The test runner starts from the package root.
const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

test('the committed sample is up to date (run npm run gen:sample if not)', () => {
  assert.ok(
    Buffer.compare(readFileSync(SAMPLE), buildEdsrX4().bytes) === 0,
    'media/sample/edsr-x4.onnx is stale',
  );
});

test('the sample is an EDSR-like x4 net under 2 MB', () => {
  const bytes = readFileSync(SAMPLE);
  assert.ok(bytes.length < 2 * 1024 * 1024, `${bytes.length} bytes`);
  const { model, graph } = decodeModel(bytes);
  assert.equal(model.producer_name, 'onnx-pruner-sample');
  assert.equal(toNumber(model.opset_import[0].version), 17);
  const ops = graph.node.map((n) => n.op_type);
  assert.equal(ops.filter((op) => op === 'Conv').length, 1 + 4 * 2 + 1 + 2 + 1);
  assert.equal(ops.filter((op) => op === 'Add').length, 4 + 1);
  const shuffles = graph.node.filter((n) => n.op_type === 'DepthToSpace');
  assert.deepEqual(
    shuffles.map((n) => stringAttribute(n, 'mode')),
    ['CRD', 'CRD'],
  );
  assert.deepEqual(declaredDims(graph.input[0]), ['N', 3, 32, 32]);
  assert.deepEqual(declaredDims(graph.output[0]), ['N', 3, 128, 128]);
});

test('the sample runs in onnxruntime-node: [1,3,32,32] -> [1,3,128,128]', async () => {
  const outputs = await runModel(SAMPLE);
  assert.deepEqual(outputs.output.dims, [1, 3, 128, 128]);
  assert.ok(outputs.output.data.every(Number.isFinite));
});
