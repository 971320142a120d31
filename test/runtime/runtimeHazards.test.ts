// Models the analysis refused to build (a constant too large to fold, a shape of absurd rank) are not handed
// to ONNX Runtime, which has no such limits: verify, sensitivity, fidelity, calibration and the rest refuse
// them at once, in one sentence, instead of leaving the runtime building 2^32 elements (8 GiB and a minute,
// until the memory limit stopped it) or churning through 100,000-dim shapes until the time limit.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { runtimeHazard } from '../../src/core/graph/runtimeHazards';
import { OnnxError } from '../../src/core/onnx/errors';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { measureActivations } from '../../src/runtime/calibration';
import { referenceOutputs } from '../../src/runtime/fidelity';
import { OrtClient } from '../../src/runtime/ortClient';
import { assessQuality } from '../../src/runtime/quality';
import { measureSensitivity } from '../../src/runtime/sensitivity';
import { ModelBuilder, buildFixture, writeBuilt } from '../builder';
import { doublingConcat, wideRank } from '../hostile/crafted';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

useFreshWorker();
const dir = tempDir();

function hazardOf(path: string): string | undefined {
  const file = openModel(path);
  try {
    return runtimeHazard(new ModelView(file).graph, file);
  } finally {
    file.close();
  }
}

test('a constant doubled 26 times and an input of 100,000 dims are hazards; a plain model is not', () => {
  const doubling = join(dir, 'doubling.onnx');
  writeFileSync(doubling, doublingConcat(26));
  assert.match(hazardOf(doubling)!, /is a constant too large to fold \(over 1024 elements/);
  const wide = join(dir, 'wide.onnx');
  writeFileSync(wide, wideRank(100_000, 20));
  assert.match(hazardOf(wide)!, /is declared with 100000 dims, more than the 64/);
  assert.equal(hazardOf(writeBuilt(dir, 'plain.onnx', buildFixture('plain-chain'))), undefined);
});

test('verify refuses such a model at once, naming it, and runs nothing', async () => {
  const doubling = join(dir, 'doubling-verify.onnx');
  writeFileSync(doubling, doublingConcat(26));
  const started = Date.now();
  const run = await cli('verify', doubling, doubling);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /doubling-verify\.onnx is not run in ONNX Runtime: '.*' is a constant too large to fold/,
  );
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one sentence');
  assert.ok(Date.now() - started < 60_000, 'not left to the time limit');
});

test("sensitivity refuses such a model at once, in one sentence, as the input's fault", async () => {
  const doubling = join(dir, 'doubling-sensitivity.onnx');
  writeFileSync(doubling, doublingConcat(26));
  const started = Date.now();
  const run = await cli('sensitivity', doubling);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /^onnx-pruner: .*doubling-sensitivity\.onnx is not run in ONNX Runtime: '.*' is a constant too large to fold/,
  );
  assert.doesNotMatch(run.stderr, /internal error/);
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one sentence');
  assert.ok(Date.now() - started < 30_000, 'not left to the memory or time limit');
});

test('every other way into ONNX Runtime refuses it before starting the runtime', async () => {
  const doubling = join(dir, 'doubling-paths.onnx');
  writeFileSync(doubling, doublingConcat(26));
  const refused = (error: unknown) =>
    error instanceof OnnxError && /doubling-paths\.onnx is not run in ONNX Runtime/.test(error.message);
  const client = new OrtClient();
  try {
    await assert.rejects(assessQuality(doubling, doubling, { client }), refused);
    await assert.rejects(referenceOutputs(client, doubling, []), refused);
    await assert.rejects(measureSensitivity(doubling, { client }), refused);
    const file = openModel(doubling);
    try {
      await assert.rejects(measureActivations(file, analyzeModel(new ModelView(file)), { client }), refused);
    } finally {
      file.close();
    }
    assert.equal(client.ortVersion, undefined, 'the runtime was never started');
  } finally {
    await client.close();
  }
});

test('a model ONNX Runtime cannot load is reported as such by sensitivity, not as an internal error', async () => {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 3, 8, 8]);
  const a = b.conv(x, 8, { kernel: 1, name: 'a' });
  b.output(b.conv(b.unary('NotAnOnnxOp', a), 4, { kernel: 1, name: 'c' }));
  const path = writeBuilt(dir, 'unknown-op.onnx', b.build());
  const run = await cli('sensitivity', path);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^onnx-pruner: ONNX Runtime failed while loading .*unknown-op\.onnx: /);
  assert.doesNotMatch(run.stderr, /internal error/);
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
});

test('sensitivity names the model, not its probe, when ONNX Runtime cannot load it', async () => {
  // /a's group is prunable (its variants run on a probe model), the op ONNX Runtime does not know is further on.
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 3, 8, 8]);
  const a = b.relu(b.conv(x, 8, { kernel: 1, name: '/a/Conv' }));
  const c = b.conv(b.unary('NotAnOnnxOp', b.conv(a, 8, { kernel: 1, name: '/b/Conv' })), 4, { kernel: 1 });
  b.output(c);
  const path = writeBuilt(dir, 'unknown-op-later.onnx', b.build());
  const run = await cli('sensitivity', path);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^onnx-pruner: ONNX Runtime failed while loading .*unknown-op-later\.onnx: /);
  assert.doesNotMatch(run.stderr, /probe/);
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
});
