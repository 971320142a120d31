// The pruning panel's preview against a real prune of the same settings: the same channels kept per group, and
// parameters and MACs within a small margin (the estimate scales biases with the inputs kept too).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { previewPrune } from '../../../src/core/prune/preview';
import { pruneFile } from '../../../src/core/prune/prune';
import { tempDir } from '../../support/tempDir';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

test('the preview of a 50 % l1 prune of the sample matches the prune', () => {
  const settings = { ratio: 0.5, criterion: 'l1' as const, roundTo: 1, seed: 0, layers: {} };
  const file = openModel(SAMPLE);
  const preview = previewPrune(analyzeModel(new ModelView(file)), file, settings);
  file.close();
  const outcome = pruneFile(SAMPLE, join(tempDir(), 'pruned.onnx'), settings);
  assert.deepEqual(
    preview.rows.map((r) => [r.root, r.kept]),
    outcome.groups.map((g) => [g.roots[0], g.keptChannels]),
  );
  assert.equal(preview.parameters.before, outcome.metrics.before.parameters);
  assert.equal(preview.macs.before, outcome.metrics.before.macs);
  const near = (a: number, b: number) => Math.abs(a - b) / b < 0.02;
  assert.ok(
    near(preview.parameters.after, outcome.metrics.after.parameters),
    `${preview.parameters.after} vs ${outcome.metrics.after.parameters}`,
  );
  assert.ok(
    near(preview.macs.after, outcome.metrics.after.macs),
    `${preview.macs.after} vs ${outcome.metrics.after.macs}`,
  );
  const tail = preview.rows.find((r) => r.root === '/tail/tail.0/tail.0.0/Conv')!;
  assert.equal(tail.kept % 4, 0, 'whole pixel-shuffle blocks');
  assert.ok(tail.macs.after < tail.macs.before);
});
