// The latency lookup table measured in ONNX Runtime (latencyLookup.ts, latencyProbe.ts): every prunable group
// with a convolution of known shape gets its widths timed; a second prune of the same model reads the cache and
// measures nothing (counted by the table's statistics, never by a clock).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { fastWidths } from '../../src/core/prune/latencyTable';
import type { PruneSettings } from '../../src/core/prune/select';
import { describeLatencyTable, latencyTableFor, withLatencyTable } from '../../src/runtime/latencyLookup';
import { OrtClient } from '../../src/runtime/ortClient';
import { ModelBuilder, writeBuilt } from '../builder';
import { writeSymbolicSpatial } from '../support/symbolicModel';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

const workerPath = useFreshWorker();
const dir = tempDir();
const SETTINGS: PruneSettings = {
  ratio: 0.5,
  criterion: 'l1',
  roundTo: 1,
  seed: 0,
  layers: {},
  alignment: { block: 8, reason: 'test' },
};

/** conv1 (16) → relu → depthwise (16) → relu → conv2 (24) → relu → conv3 (4, the output: locked). */
function model(): string {
  const b = new ModelBuilder({ opset: 17, seed: 5 });
  let y = b.relu(b.conv(b.input('x', [1, 3, 16, 16]), 16, { kernel: 3, pads: 1, name: '/conv1/Conv' }));
  y = b.relu(b.conv(y, 16, { kernel: 3, pads: 1, group: 16, name: '/dw/Conv' }));
  y = b.relu(b.conv(y, 24, { kernel: 1, name: '/conv2/Conv' }));
  b.output(b.conv(y, 4, { kernel: 3, pads: 1, name: '/conv3/Conv' }));
  return writeBuilt(dir, 'chain.onnx', b.build());
}

describe('the latency lookup table', () => {
  const client = new OrtClient({ workerPath });
  after(() => client.close());
  const path = model();

  test('is measured once per group at its candidate widths, then read from the cache', async () => {
    const cacheDir = join(dir, 'cache');
    const file = openModel(path);
    try {
      const analysis = analyzeModel(new ModelView(file));
      const first = await latencyTableFor(client, file, analysis, SETTINGS, { cacheDir, runs: 2 });
      assert.equal(first.stats.cached, false);
      const prunable = analysis.report.groups.filter((g) => g.prunable).length;
      assert.equal(first.stats.groupsMeasured, prunable);
      assert.ok(first.stats.probesMeasured >= 2 + 3, `${first.stats.probesMeasured} probes`);
      const byRoot = new Map(first.table.entries.map((e) => [e.root, e]));
      assert.deepEqual(byRoot.get('/conv1/Conv')?.widths, [8, 16], 'multiples of the block of 8');
      assert.deepEqual(byRoot.get('/conv2/Conv')?.widths, [8, 16, 24]);
      for (const e of first.table.entries) {
        assert.ok(e.ms.every((t) => t > 0));
        assert.equal(fastWidths(e).at(-1), e.channels);
      }
      assert.equal(readdirSync(cacheDir).length, 1);

      const second = await latencyTableFor(client, file, analysis, SETTINGS, { cacheDir, runs: 2 });
      assert.deepEqual(second.stats, { ...first.stats, cached: true, groupsMeasured: 0, probesMeasured: 0 });
      assert.deepEqual(second.table, first.table);

      const other = await latencyTableFor(
        client,
        file,
        analysis,
        { ...SETTINGS, roundTo: 8 },
        { cacheDir, runs: 1 },
      );
      assert.equal(other.stats.cached, false, 'other widths: another table');
    } finally {
      file.close();
    }
  });

  test('settings with the table: a prune picks only widths no larger width beats', async () => {
    const { settings, stats } = await withLatencyTable(path, SETTINGS, { runs: 1 });
    assert.equal(stats.cached, false, 'no cache folder: measured, nothing kept');
    assert.ok(settings.latency && settings.latency.byRoot.size >= 2);
    assert.equal(settings.latency.weighted, false);
  });

  test('symbolic input dims: their convolutions are named as untimed, not cached; given sizes time them', async () => {
    const symbolic = writeSymbolicSpatial(dir, 'symbolic.onnx');
    const cacheDir = join(dir, 'symbolic-cache');
    const file = openModel(symbolic);
    try {
      const analysis = analyzeModel(new ModelView(file));
      const guessed = await latencyTableFor(client, file, analysis, SETTINGS, { cacheDir, runs: 1 });
      // The plain chain's three convolutions, each counted once though two groups slice conv2.
      assert.deepEqual(
        { ...guessed.stats, key: '' },
        { key: '', cached: false, groupsMeasured: 0, probesMeasured: 0, unshaped: 3 },
      );
      assert.ok(
        !existsSync(cacheDir) || readdirSync(cacheDir).length === 0,
        'an incomplete table is not kept',
      );
      assert.match(
        describeLatencyTable(guessed.stats),
        /3 convolutions were not timed \(so the table is not cached\): their input shapes are not static \(symbolic input dims, which --dim sizes\)\.$/,
      );
      const inputShapes = { input: [1, 3, 12, 10] };
      const sized = await latencyTableFor(client, file, analysis, SETTINGS, {
        cacheDir,
        runs: 1,
        inputShapes,
      });
      const prunable = analysis.report.groups.filter((g) => g.prunable).length;
      assert.equal(sized.stats.groupsMeasured, prunable);
      assert.equal(sized.stats.unshaped, 0);
      assert.equal(readdirSync(cacheDir).length, 1);
      const again = await latencyTableFor(client, file, analysis, SETTINGS, {
        cacheDir,
        runs: 1,
        inputShapes,
      });
      assert.equal(again.stats.cached, true, 'the sizes are part of the cache key');
      const other = await latencyTableFor(client, file, analysis, SETTINGS, {
        cacheDir,
        runs: 1,
        inputShapes: { input: [1, 3, 20, 20] },
      });
      assert.equal(other.stats.cached, false, 'other sizes: another table');
    } finally {
      file.close();
    }
  });
});
