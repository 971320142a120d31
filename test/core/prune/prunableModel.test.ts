// A model opened and analysed once, pruned several times (sensitivity's variants): each prune writes the very
// bytes, and reports the very outcome, that pruneFile gives for the same settings alone, whatever was pruned
// before it from the same opened model (importance scores are shared between the prunes).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type PruneSettings } from '../../../src/core/prune/select';
import { PrunableModel, pruneFile } from '../../../src/core/prune/prune';
import { FIXTURE_NAMES, buildFixture, writeBuilt } from '../../builder';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

const base: PruneSettings = { ratio: 0.5, criterion: 'l1', roundTo: 1, seed: 0, layers: {} };

describe('PrunableModel', () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: every prune of one opened model equals pruneFile's`, () => {
      const input = writeBuilt(dir, `${name}.onnx`, buildFixture(name));
      const model = PrunableModel.open(input);
      try {
        const roots = model.analysis.report.groups.filter((g) => g.prunable).map((g) => g.roots[0]);
        const variants: PruneSettings[] = [
          base,
          // One group alone (a sensitivity variant), then another, then l2 scores on top of the l1 ones.
          ...roots.slice(0, 2).map((root) => ({ ...base, ratio: 0, layers: { [root]: { ratio: 0.3 } } })),
          { ...base, ratio: 0.25, criterion: 'l2' },
        ];
        variants.forEach((settings, i) => {
          // The same file name in two folders: a model with external data names its data file after itself.
          const [shared, alone] = ['shared', 'alone'].map((way) => {
            const folder = join(dir, `${name}-${i}-${way}`);
            mkdirSync(folder);
            return join(folder, 'pruned.onnx');
          });
          const fromShared = model.prune(shared, settings);
          const fromFile = pruneFile(input, alone, settings);
          assert.equal(fromShared.files.length, fromFile.files.length);
          fromShared.files.forEach((file, k) =>
            assert.ok(readFileSync(file).equals(readFileSync(fromFile.files[k])), `variant ${i}: ${file}`),
          );
          assert.deepEqual({ ...fromShared, output: '', files: [] }, { ...fromFile, output: '', files: [] });
        });
      } finally {
        model.close();
      }
    });
  }
});
