// The warning when a pruned model is slower than its original names the layers responsible (issue 15 §4): from
// the latency lookup table, in the CLI's text, the JSON report and the Markdown report. The table here is
// written by hand and the verification's timing is set to slower: what is tested is what the reports say.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { latencyModel } from '../../src/core/prune/latencyTable';
import { pruneFile } from '../../src/core/prune/prune';
import type { PruneSettings } from '../../src/core/prune/select';
import { pruneReportJson, pruneReportMarkdown } from '../../src/runtime/pruneReport';
import { describeSlowerLayers, isSlower } from '../../src/runtime/slowerLayers';
import { formatVerify } from '../../src/runtime/verify/formatVerify';
import { verifyModels } from '../../src/runtime/verify/verifyModels';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

useFreshWorker();
const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');
const TAIL = '/tail/tail.0/tail.0.0/Conv';
const BODY = '/body/body.0/body/body.0/Conv';
const dir = tempDir();

const settings = (table: boolean): PruneSettings => ({
  ratio: 0.5,
  criterion: 'l1',
  roundTo: 1,
  seed: 0,
  layers: {},
  alignment: { block: 16, reason: 'test' },
  ...(table
    ? {
        latency: latencyModel({
          entries: [
            { root: TAIL, channels: 128, widths: [64, 128], ms: [1.9, 2] },
            { root: BODY, channels: 32, widths: [16, 32], ms: [0.5, 1] },
          ],
        }),
      }
    : {}),
});

describe('a slower pruned model', () => {
  test('the reports name the pruned layers that saved least, by the lookup table', async () => {
    const out = join(dir, 'pruned.onnx');
    const outcome = pruneFile(SAMPLE, out, settings(true), { hashOriginal: true });
    const verified = await verifyModels(SAMPLE, out, { runs: 3 });
    assert.ok(verified.timing);
    const slower = {
      ...verified,
      timing: { ...verified.timing, ratio: { median: 1.3, p25: 1.2, p75: 1.4 } },
    };
    assert.ok(isSlower(slower));

    const sentence = describeSlowerLayers(outcome, slower)!;
    assert.match(sentence, /saved least/);
    assert.ok(sentence.indexOf(TAIL) >= 0 && sentence.indexOf(BODY) > sentence.indexOf(TAIL), sentence);
    assert.match(sentence, /128 → 64 channels: 2\.000 → 1\.900 ms/);
    assert.match(formatVerify(slower), /Warning: the pruned model is slower/);

    const json = pruneReportJson(outcome, slower) as { slower: boolean; slowerLayers: { root: string }[] };
    assert.equal(json.slower, true);
    assert.deepEqual(
      json.slowerLayers.map((l) => l.root),
      [TAIL, BODY],
    );
    const markdown = pruneReportMarkdown(outcome, slower);
    assert.match(markdown, /\*\*Warning\*\*: the pruned model is slower .*saved least.*tail\.0\.0/);
    // The latency row states the paired runs' verdict, never a speed-up the pairs do not show ("0.77× faster").
    assert.match(markdown, /\| ORT CPU latency, median \|.*\| 1\.300 \(1\.30× slower\) over \d+ paired runs/);
    assert.match(formatVerify(slower), /1\.300 \(1\.30× slower\) over \d+ paired CPU runs/);
    for (const [ratio, words] of [
      [{ median: 0.5, p25: 0.45, p75: 0.6 }, '0.500 (2.00× faster)'],
      [
        { median: 1.142, p25: 0.529, p75: 1.161 },
        '1.142 (inconclusive: 1.14× slower in the median pair, but the middle half of the pairs reaches 0.98–1.02)',
      ],
      [{ median: 1.005, p25: 0.97, p75: 1.03 }, '1.005 (no measurable difference)'],
    ] as const) {
      const timed = { ...verified, timing: { ...verified.timing, ratio } };
      assert.ok(pruneReportMarkdown(outcome, timed).includes(`| ${words} over `), words);
      assert.ok(formatVerify(timed).includes(`${words} over `), words);
    }

    const fine = pruneReportJson(outcome, verified) as { slower: boolean; slowerLayers: unknown[] };
    if (!isSlower(verified)) assert.deepEqual([fine.slower, fine.slowerLayers], [false, []]);
    assert.equal(describeSlowerLayers(outcome, undefined), undefined, 'not verified: no warning');
  });

  test('without a table the warning says how to have the layers named', () => {
    const out = join(dir, 'plain.onnx');
    const outcome = pruneFile(SAMPLE, out, settings(false));
    assert.equal(outcome.latencyTable, undefined);
    const timing = {
      runs: 3,
      warmup: 1,
      paired: true,
      threads: 2,
      ratio: { median: 1.3, p25: 1.2, p75: 1.4 },
    };
    const sentence = describeSlowerLayers(outcome, { timing } as Parameters<typeof isSlower>[0]);
    assert.match(sentence ?? '', /--latency-table/);
  });
});
