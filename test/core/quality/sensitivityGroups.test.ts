// Which groups a sensitivity run measures: all of them up to the limit, else those whose layers hold the most
// MACs, in graph order, with the share of the prunable layers' MACs they cover.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { computeMetrics } from '../../../src/core/metrics/metrics';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { DEFAULT_MAX_GROUPS, groupsToMeasure } from '../../../src/core/quality/sensitivityGroups';
import { buildModel, conv3 } from '../../builder/fixture-kit';

// 12×12 maps, 3×3 kernels: a conv's MACs are 144 × out × (9 × in + 1), the bias included. /a 3→8: 32,256;
// /b 8→16: 168,192; /c 16→3: 62,640 (its output is the model's: not prunable). G1 (/a's channels) runs
// through /a and /b: 200,448; G2 (/b's) through /b and /c: 230,832; both: all three, 263,088.
const built = buildModel([1, 3, 12, 12], (b, x) =>
  conv3(b, b.relu(conv3(b, b.relu(conv3(b, x, 8, '/a/Conv')), 16, '/b/Conv')), 3, '/c/Conv'),
);

function measure(maxGroups: number) {
  const view = new ModelView(openModelBytes(built.bytes));
  const analysis = analyzeModel(view);
  const metrics = computeMetrics(view, { facts: analysis.state.facts });
  const { groups, coverage } = groupsToMeasure(analysis, metrics, maxGroups);
  return { roots: groups.map((g) => g.roots[0]), coverage };
}

describe('groupsToMeasure', () => {
  test('every prunable group, in graph order, when they are within the limit', () => {
    assert.deepEqual(measure(2), {
      roots: ['/a/Conv', '/b/Conv'],
      coverage: { measured: 2, prunable: 2, macsShare: 1 },
    });
  });

  test('past the limit, the groups whose layers hold the most MACs, and the share they cover', () => {
    const { roots, coverage } = measure(1);
    assert.deepEqual(roots, ['/b/Conv']);
    assert.equal(coverage.measured, 1);
    assert.equal(coverage.prunable, 2);
    assert.ok(Math.abs(coverage.macsShare! - 230_832 / 263_088) < 1e-12, String(coverage.macsShare));
  });

  test("the editor's setting has the CLI's default", () => {
    const manifest = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
    const setting = manifest.contributes.configuration.properties['onnxPruner.sensitivity.maxGroups'];
    assert.equal(setting.default, DEFAULT_MAX_GROUPS);
  });
});
