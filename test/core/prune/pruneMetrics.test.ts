// A prune's parameters and MACs come from what it already holds (issue #17 §4): "before" from the analysis'
// inferred facts, "after" from the edited model as the writer had it, not from decoding the written file
// again. Pinned here: both equal what the metrics of the files themselves say, on every builder fixture.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { computeMetrics } from '../../../src/core/metrics/metrics';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { pruneFile } from '../../../src/core/prune/prune';
import { FIXTURE_NAMES, buildFixture, writeBuilt } from '../../builder';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function metricsOf(path: string): { parameters: number; macs: number; macsUncounted: number } {
  const file = openModel(path, { checkExternalData: false });
  try {
    const { parameters, macs, uncounted } = computeMetrics(new ModelView(file));
    return { parameters, macs, macsUncounted: uncounted.length };
  } finally {
    file.close();
  }
}

describe('prune metrics', () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: before and after equal the metrics of the original and the written file`, () => {
      const input = writeBuilt(dir, `${name}.onnx`, buildFixture(name));
      const output = join(dir, `${name}.pruned.onnx`);
      const outcome = pruneFile(input, output, {
        ratio: 0.5,
        criterion: 'l1',
        roundTo: 1,
        seed: 0,
        layers: {},
      });
      assert.deepEqual(outcome.metrics.before, metricsOf(input));
      assert.deepEqual(outcome.metrics.after, metricsOf(output));
    });
  }
});
