// Models the analysis refused to build (a constant too large to fold, a shape of absurd rank) are not handed
// to ONNX Runtime, which has no such limits: verify refuses them at once, in one sentence, instead of leaving
// the runtime building 2^32 elements or churning through 100,000-dim shapes until the time limit.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runtimeHazard } from '../../src/core/graph/runtimeHazards';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { buildFixture, writeBuilt } from '../builder';
import { doublingConcat, wideRank } from '../hostile/crafted';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

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
