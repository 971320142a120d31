// Reconstruction (prune --reconstruct): least-squares refit of the layers that read removed channels, in
// real ONNX Runtime (src/runtime/reconstruct.ts, src/core/reconstruct/).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { pruneFile } from '../../src/core/prune/prune';
import { selectUnits } from '../../src/core/prune/select';
import { measureGreedyScores } from '../../src/runtime/greedyScores';
import { calibrationSet } from '../../src/runtime/calibration';
import { OrtClient } from '../../src/runtime/ortClient';
import { reconstructModel } from '../../src/runtime/reconstruct';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { runModel } from '../builder/runtime';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

const dir = tempDir();
useFreshWorker();
const client = new OrtClient();
after(() => client.close());

/** The model's bytes with some float initializers given new values. */
function withValues(
  bytes: Uint8Array,
  values: Record<string, (old: Float32Array) => Float32Array>,
): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const initializers = model.graph?.initializer ?? [];
  const names = initializers.map((t) => t.name ?? '');
  for (const name of Object.keys(values)) assert.ok(names.includes(name), `no initializer ${name}`);
  for (const t of initializers) {
    const change = values[t.name ?? ''];
    if (!change) continue;
    const raw = t.raw_data!;
    const old = new Float32Array(new Uint8Array(raw).buffer);
    t.raw_data = new Uint8Array(change(old).buffer);
  }
  return onnx.ModelProto.encode(model).finish();
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** /a/Conv → /b/Conv with nothing between, and /a/Conv's channel 3 = 0.5·channel 0 − 2·channel 1 (weights
 * and bias): without channel 3, /b/Conv can still produce its output exactly from channels 0–2. */
function redundantPair(): string {
  const built = buildModel([1, 3, 8, 8], (b, x) => conv3(b, conv3(b, x, 4, '/a/Conv'), 2, '/b/Conv'));
  const combine = (old: Float32Array, per: number) => {
    const w = old.slice();
    for (let i = 0; i < per; i++) w[3 * per + i] = 0.5 * w[i] - 2 * w[per + i];
    return w;
  };
  const bytes = withValues(built.bytes, {
    'a.weight': (w) => combine(w, 27),
    'a.bias': (w) => combine(w, 1),
  });
  const original = join(dir, 'pair.onnx');
  writeFileSync(original, bytes);
  return original;
}

describe('reconstruction', () => {
  test('a removed channel that is a linear combination of kept ones is recovered exactly', async () => {
    const original = redundantPair();
    const plain = join(dir, 'pair.plain.onnx');
    const outcome = pruneFile(original, plain, {
      ratio: 0,
      criterion: 'l1',
      roundTo: 1,
      seed: 0,
      layers: { '/a/Conv': { indices: [3] } },
    });
    assert.equal(outcome.removedChannels, 1);
    const loaded = await client.load(original);
    const samples = calibrationSet(loaded.inputs, { samples: 3, seed: 5 }).samples;
    await client.release(loaded);
    const rebuilt = join(dir, 'pair.reconstructed.onnx');
    const result = await reconstructModel(client, original, plain, rebuilt, outcome.slices, samples);
    assert.deepEqual(
      result.layers.map((l) => [l.node, l.features, l.outputs]),
      [['/b/Conv', 3 * 9 + 1, 2]],
    );
    // On an input the fit never saw.
    const input = {
      input: { dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, (_, i) => Math.cos(i)) },
    };
    const expected = (await runModel(original, input)).output.data;
    const plainError = maxAbsDiff((await runModel(plain, input)).output.data, expected);
    const error = maxAbsDiff((await runModel(rebuilt, input)).output.data, expected);
    assert.ok(plainError > 1e-2, `the plain prune already matches (${plainError}): the test proves nothing`);
    assert.ok(error <= 1e-4, `reconstructed output differs by ${error}`);
  });

  test('the greedy criterion removes a channel the next layer can do without', async () => {
    // Channels 0, 1 and 3 of /a/Conv are linearly dependent (any one is a combination of the other two);
    // channel 2 is not. Removing one of the three costs /b/Conv nothing after a refit.
    const original = redundantPair();
    const file = openModel(original);
    try {
      const analysis = analyzeModel(new ModelView(file));
      const measured = await measureGreedyScores(file, analysis, { samples: 3, seed: 2, client });
      const settings = {
        ratio: 0.25,
        criterion: 'greedy' as const,
        roundTo: 1,
        seed: 0,
        layers: {},
        measured,
      };
      const removed = [...selectUnits(analysis, file, settings).removed];
      const a = analysis.state.roots.find((r) => r.node.name === '/a/Conv')!;
      const classes = analysis.index.classesOf(a.space);
      const group = analysis.report.groups.find((g) => g.roots.includes('/a/Conv'))!;
      const scores = measured.get(group.id)!;
      assert.equal(removed.length, 1);
      assert.ok([classes[0], classes[1], classes[3]].includes(removed[0]));
      assert.ok(scores.get(removed[0])! < 1e-6, `removing it costs ${scores.get(removed[0])}`);
      assert.ok(scores.get(classes[2])! > 1e-3); // the independent channel is the last to go
    } finally {
      file.close();
    }
  });

  test('prune --reconstruct reports plain and reconstructed fidelity on calibration and held-out pictures', async () => {
    const built = buildModel([1, 3, 16, 16], (b, x) =>
      conv3(b, b.relu(conv3(b, b.relu(conv3(b, x, 12, '/a/Conv')), 12, '/b/Conv')), 3, '/c/Conv'),
    );
    const model = join(dir, 'three.onnx');
    writeFileSync(model, built.bytes);
    const calib = join(dir, 'pictures');
    mkdirSync(calib);
    const fixtures = join(process.cwd(), 'test', 'runtime', 'fixtures', 'calib');
    for (const name of ['chelsea-crop.png', 'rocket-crop.jpg'])
      writeFileSync(join(calib, name), readFileSync(join(fixtures, name)));
    const output = join(dir, 'three.pruned.onnx');
    const report = join(dir, 'three.json');
    const run = await cli(
      'prune',
      model,
      '-o',
      output,
      '--ratio',
      '0.5',
      '--calib',
      calib,
      '--reconstruct',
      '--verify',
      '--report',
      report,
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /calibration split: chelsea-crop\.png/);
    assert.match(run.stdout, /held-out split: rocket-crop\.jpg/);
    assert.match(run.stdout, /no longer equals the masked original/);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    const psnr = (label: string, split: string) =>
      json.quality.fidelity.find(
        (m: { label: string; split: string }) => m.label === label && m.split === split,
      ).outputs[0].psnr as number;
    assert.equal(json.verify.passed, true); // the plain prune, checked against the masked original
    assert.ok(psnr('reconstructed', 'held-out') > psnr('plain prune', 'held-out'));
    assert.ok(psnr('reconstructed', 'calibration') > psnr('plain prune', 'calibration'));
    assert.deepEqual(
      json.quality.reconstruction.layers.map((l: { node: string }) => l.node),
      ['/b/Conv', '/c/Conv'],
    );
    // verify measures fidelity too; a reconstructed model is not expected to equal the masked original.
    const verified = await cli('verify', model, output, '--runs', '0', '--calib', calib);
    assert.equal(verified.code, 1);
    assert.match(verified.stderr, /was reconstructed .* not expected to equal the masked original/);
    assert.match(
      verified.stdout,
      /Fidelity to the original[\s\S]*pruned, calibration \(2\): output: PSNR \d+\.\d\d dB/,
    );
  });
});
