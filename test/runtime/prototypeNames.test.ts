// Names a model chooses become keys of plain objects on the way to ONNX Runtime (feeds, outputs, kept
// tensors). A value named `__proto__` once set a feeds object's prototype instead of feeding the input, so ONNX
// Runtime refused the original ("Tensor.dims must be an array") and the prune was left unverified.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { recordOf } from '../../src/core/records';
import type { TensorPayload } from '../../src/protocol/runtime';
import { outputDifferences } from '../../src/runtime/compareOutputs';
import { producedDifferences } from '../../src/runtime/verify/compareIo';
import { buildFixture } from '../builder';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

useFreshWorker();
const dir = tempDir();

/** plain-chain with its input called `__proto__` and its output `constructor`. */
function prototypeNamed(): string {
  const model = structuredClone(buildFixture('plain-chain').model) as onnx.ModelProto.$Properties;
  const graph = model.graph!;
  const renamed: Record<string, string> = {
    [graph.input![0].name!]: '__proto__',
    [graph.output![0].name!]: 'constructor',
  };
  const rename = (name: string) => (Object.hasOwn(renamed, name) ? renamed[name] : name);
  graph.input![0].name = '__proto__';
  graph.output![0].name = 'constructor';
  for (const node of graph.node!) {
    node.input = node.input!.map(rename);
    node.output = node.output!.map(rename);
  }
  const path = join(dir, 'prototype-names.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

test('a model whose input is `__proto__` and output `constructor` prunes, runs and verifies', async () => {
  const out = join(dir, 'prototype-names.pruned.onnx');
  const run = await cli('prune', prototypeNamed(), '--ratio', '0.5', '-o', out, '--verify');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Inputs +__proto__ float32 \[1, 3, 8, 8\]/);
  assert.match(run.stdout, /^ {2}constructor +0 /m, 'the output compared, exactly equal');
  assert.match(run.stdout, /PASS: same inputs and outputs/);
});

test('an output missing from the pruned run is missing, whatever it is named', () => {
  const tensor: TensorPayload = { type: 'float32', dims: [1], data: new Float32Array([1]) };
  for (const name of ['constructor', 'toString', '__proto__']) {
    const reference = recordOf([[name, tensor]]);
    const [difference] = outputDifferences(reference, {});
    assert.equal(difference.problem, 'the pruned model has no such output', name);
    assert.deepEqual(producedDifferences(reference, {}), [], name);
  }
});
