import { CORPUS, corpusModels, corpusPresent } from '../support/corpus';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { OnnxError } from '../../src/core/onnx/errors';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { writeModel } from '../../src/core/onnx/writer';
import { maskModel } from '../../src/core/prune/mask';
import { pruneFile } from '../../src/core/prune/prune';
import type { LayerAmount, PruneSettings } from '../../src/core/prune/select';
import { randomFeeds, referenceInputs, runFile } from '../support/ortFeeds';
import { everyOtherUnit } from '../support/analysis';
import { tempDir } from '../support/tempDir';

/** The correctness oracle on every runnable corpus model: pruned at 0.3 = masked original, in ONNX Runtime. */
describe('pruning the public model corpus', { skip: !corpusPresent && `no corpus at ${CORPUS}` }, () => {
  const out = corpusPresent ? tempDir() : '';
  for (const path of corpusModels()) {
    const name = relative(CORPUS, path);
    test(name, async (t) => {
      let feeds: Record<string, ort.Tensor>;
      try {
        const session = await ort.InferenceSession.create(path, { logSeverityLevel: 4 });
        feeds = referenceInputs(path, session.inputNames) ?? randomFeeds(session, 3);
        await session.run(feeds);
        await session.release();
      } catch {
        t.diagnostic('ONNX Runtime cannot run the original: pruning not checked');
        return;
      }
      const base = join(out, name.replace(/[\\/]/g, '__'));
      const file = openModel(path);
      const analysis = analyzeModel(new ModelView(file));
      file.close();
      const prunable = analysis.report.groups.filter((g) => g.prunable);
      const layers: Record<string, LayerAmount> = {};
      const amounts: [string, Partial<PruneSettings>][] = [
        ['l1 0.25', { ratio: 0.25 }],
        ['l1 0.5', { ratio: 0.5 }],
        ['l1 0.75', { ratio: 0.75 }],
        ['random 0.5', { ratio: 0.5, criterion: 'random' }],
        ['explicit indices', { layers: { ...everyOtherUnit(analysis, prunable), ...layers } }],
      ];
      const removed: string[] = [];
      for (const [label, amount] of amounts) {
        const settings: PruneSettings = { ratio: 0, criterion: 'l1', roundTo: 1, seed: 0, layers, ...amount };
        let outcome;
        try {
          outcome = pruneFile(path, `${base}.pruned.onnx`, settings);
        } catch (error) {
          assert.ok(error instanceof OnnxError, `a clear error, not: ${(error as Error).stack}`);
          t.diagnostic(`refused: ${error.message}`);
          return;
        }
        const original = openModel(path);
        writeModel(original, maskModel(original, outcome.mask), `${base}.masked.onnx`);
        original.close();
        const expected = await runFile(`${base}.masked.onnx`, feeds);
        const actual = await runFile(`${base}.pruned.onnx`, feeds);
        for (const [output, value] of Object.entries(expected) as [
          string,
          { dims: number[]; data: number[] },
        ][]) {
          const got = actual[output] as { dims: number[]; data: number[] };
          assert.deepEqual(got.dims, value.dims, `${label}: ${output} keeps its shape`);
          const scale = value.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
          const worst = value.data.reduce((m, v, i) => Math.max(m, Math.abs(got.data[i] - v)), 0);
          assert.ok(worst <= 1e-5 + 1e-4 * scale, `${label}: ${output}: max error ${worst} (scale ${scale})`);
        }
        removed.push(`${label}: ${outcome.removedChannels}`);
      }
      t.diagnostic(`channels removed: ${removed.join(', ')}`);
    });
  }
});
