// Regression tests for fuzz failures that took the process down (unbounded memory): their inputs, rebuilt in
// code, run through the fuzz harness's bounded child, so a regression fails this test instead of the runner.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Long from 'long';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { buildFixture } from '../builder/fixtures';
import { tempDir } from '../support/tempDir';
import { serveCases } from './child';
import { CaseRunner, type FuzzCase, isFuzzChild } from './harness';

/** A case for the bounded child: the s2d fixture with another blocksize. */
function s2dWithBlocksize(blocksize: number): FuzzCase {
  const model = onnx.ModelProto.decode(buildFixture('s2d').bytes);
  const node = model.graph!.node!.find((n) => n.op_type === 'SpaceToDepth')!;
  node.attribute!.find((a) => a.name === 'blocksize')!.i = Long.fromNumber(blocksize);
  const bytes = onnx.ModelProto.encode(model).finish();
  return {
    seed: 6,
    index: 2346,
    op: 'huge',
    source: 'fixture:s2d',
    what: `blocksize ${blocksize}`,
    bytes,
    files: {},
  };
}

if (isFuzzChild) serveCases();
else
  describe('fuzz failures that exhausted memory', () => {
    const runner = new CaseRunner(__filename, tempDir('onnx-pruner-bounded-'), {
      caseTimeoutMs: 20_000,
      memoryMb: 1024,
    });
    after(() => runner.close());

    // Found as seed 6 case 2346 on burn/space_to_depth.onnx: the channel map of C·r² entries was built for
    // r = 65535 before any check (tens of GB). Now the count is checked first (the rule fails, and the node is locked).
    for (const blocksize of [65535, -2, 0]) {
      test(`SpaceToDepth with blocksize ${blocksize} ends in a result or a clear error within the bounds`, async () => {
        const { results, failure } = await runner.run(s2dWithBlocksize(blocksize));
        assert.equal(failure, undefined);
        assert.deepEqual(
          results.map((r) => r.op),
          ['inspect', 'analyze', 'prune'],
        );
        for (const r of results) assert.notEqual(r.verdict, 'failure', `${r.op}: ${r.message}`);
      });
    }
  });
