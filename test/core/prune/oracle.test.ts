import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openModel } from '../../../src/core/onnx/reader';
import { writeModel } from '../../../src/core/onnx/writer';
import { maskModel } from '../../../src/core/prune/mask';
import { pruneFile } from '../../../src/core/prune/prune';
import type { Criterion } from '../../../src/core/prune/importance';
import { FIXTURE_NAMES, buildFixture } from '../../builder/fixtures';
import { writeBuilt } from '../../builder/model-builder';
import { randomInputs, runModel } from '../../builder/runtime';
import { tempDir } from '../../support/tempDir';

const root = tempDir();

/**
 * The correctness oracle (design §6) on every fixture topology: the pruned model P must keep the input and
 * output shapes and equal M_masked (the original with the slices consumers read from removed channels zeroed)
 * on the same inputs, in ONNX Runtime.
 */
async function checkOracle(name: (typeof FIXTURE_NAMES)[number], ratio: number, criterion: Criterion) {
  const built = buildFixture(name);
  const dir = join(root, `${name}-${ratio}-${criterion}`);
  const path = writeBuilt(dir, 'model.onnx', built);
  const pruned = join(dir, 'pruned.onnx');
  const outcome = pruneFile(path, pruned, { ratio, criterion, roundTo: 1, seed: 1, layers: {} });
  const original = openModel(path);
  const masked = join(dir, 'masked.onnx');
  writeModel(original, maskModel(original, outcome.mask), masked);
  original.close();
  const feeds = randomInputs(built, 5);
  const expected = await runModel(masked, feeds);
  const actual = await runModel(pruned, feeds);
  for (const [output, value] of Object.entries(expected)) {
    assert.deepEqual(actual[output].dims, value.dims, `${output} keeps its shape`);
    const scale = Math.max(1e-6, ...Array.from(value.data, Math.abs));
    let worst = 0;
    for (let i = 0; i < value.data.length; i++)
      worst = Math.max(worst, Math.abs(actual[output].data[i] - value.data[i]));
    assert.ok(worst <= 1e-5 + 1e-4 * scale, `${output}: max error ${worst} (scale ${scale})`);
  }
  return outcome;
}

describe('pruned = masked original, on every fixture', () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name} at ratio 0.5`, async () => {
      const outcome = await checkOracle(name, 0.5, 'l1');
      const prunable = outcome.groups.filter((g) => !g.skipped);
      if (prunable.length > 0) assert.ok(outcome.removedChannels > 0, 'something was removed');
    });
  }
  for (const criterion of ['l2', 'random'] as const) {
    test(`edsr-x4 with ${criterion}`, async () => {
      await checkOracle('edsr-x4', 0.3, criterion);
    });
  }
});
