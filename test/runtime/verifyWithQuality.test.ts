// Verification and fidelity in one ONNX Runtime worker (src/runtime/verifyWithQuality.ts): the fidelity runs
// use the models the verification has loaded, and give the figures fidelity measured alone gives.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pruneFile } from '../../src/core/prune/prune';
import { type LoadedModel, OrtClient } from '../../src/runtime/ortClient';
import { assessQuality, formatQuality } from '../../src/runtime/quality';
import { verifyModels } from '../../src/runtime/verify/verifyModels';
import { verifyWithQuality } from '../../src/runtime/verifyWithQuality';
import { diverges, measured } from '../../src/shared/nonFinite';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

const dir = tempDir();
useFreshWorker();

/** A real client that notes every model it loads. */
class CountingClient extends OrtClient {
  readonly loads: string[] = [];

  override load(...args: Parameters<OrtClient['load']>): Promise<LoadedModel> {
    this.loads.push(args[0]);
    return super.load(...args);
  }
}

/** Three convolutions, pruned by half: the original and the pruned file. */
function prunedPair(name: string): { original: string; pruned: string } {
  const built = buildModel([1, 3, 16, 16], (b, x) =>
    conv3(b, b.relu(conv3(b, b.relu(conv3(b, x, 8, '/a/Conv')), 8, '/b/Conv')), 3, '/c/Conv'),
  );
  const original = join(dir, `${name}.onnx`);
  writeFileSync(original, built.bytes);
  const pruned = join(dir, `${name}.pruned.onnx`);
  const outcome = pruneFile(original, pruned, {
    ratio: 0.5,
    criterion: 'l1',
    roundTo: 1,
    seed: 0,
    layers: {},
  });
  assert.ok(outcome.removedChannels > 0);
  return { original, pruned };
}

const QUALITY = { samples: 3, seed: 4, holdout: 1 };

describe('verification with fidelity', () => {
  test('fidelity runs on the models the verification loaded, with the figures it has alone', async () => {
    const { original, pruned } = prunedPair('shared');
    const client = new CountingClient();
    const alone = new OrtClient();
    after(() => Promise.all([client.close(), alone.close()]));
    let shared: Awaited<ReturnType<typeof assessQuality>> | undefined;
    const verified = await verifyModels(original, pruned, {
      runs: 2,
      client,
      whileLoaded: async (o, p) => {
        shared = await assessQuality(original, pruned, {
          ...QUALITY,
          client,
          loaded: { original: o, pruned: p },
        });
      },
    });
    assert.equal(verified.passed, true);
    // The original and the pruned model once each, then the masked original twice (optimised and not).
    assert.equal(client.loads.filter((p) => p === original).length, 1);
    assert.equal(client.loads.filter((p) => p === pruned).length, 1);
    assert.equal(client.loads.length, 4);
    const separate = await assessQuality(original, pruned, { ...QUALITY, client: alone });
    assert.ok(shared);
    assert.ok(shared.fidelity.length === 2 && shared.fidelity[0].outputs.length === 1);
    assert.ok(shared.fidelity[0].outputs[0].cosine < 1, 'the prune changed nothing: the test proves nothing');
    assert.deepEqual(shared, separate);
  });

  test('verifyWithQuality gives both reports, as the two steps do one after the other', async () => {
    const { original, pruned } = prunedPair('both');
    const both = await verifyWithQuality(original, pruned, { runs: 2 }, QUALITY);
    assert.equal(both.verified.passed, true);
    assert.equal(both.verified.exactness.status, 'passed');
    assert.ok('report' in both.quality);
    const client = new OrtClient();
    after(() => client.close());
    assert.deepEqual(both.quality.report, await assessQuality(original, pruned, { ...QUALITY, client }));
  });

  test('a fidelity that fails is returned beside the verification, which still ends', async () => {
    const { original, pruned } = prunedPair('badcalib');
    const calib = join(dir, 'unreadable');
    mkdirSync(calib);
    writeFileSync(join(calib, 'broken.png'), 'not a picture');
    const both = await verifyWithQuality(original, pruned, { runs: 0 }, { calibDir: calib });
    assert.equal(both.verified.passed, true);
    assert.equal(both.verified.exactness.status, 'passed');
    assert.ok('error' in both.quality);
    assert.match(String(both.quality.error), /broken\.png/);
  });

  test('an output NaN on random inputs is counted, not reported as identical (nor as NaN figures)', async () => {
    // The square root of a conv's output: NaN wherever it is negative, as random inputs make it.
    const built = buildModel([1, 3, 8, 8], (b, x) =>
      b.unary('Sqrt', conv3(b, b.relu(conv3(b, x, 8, '/a/Conv')), 3, '/b/Conv')),
    );
    const original = join(dir, 'sqrt.onnx');
    writeFileSync(original, built.bytes);
    const client = new OrtClient();
    after(() => client.close());
    // The original against itself: NaN in both, at the same places.
    const same = await assessQuality(original, original, { ...QUALITY, client });
    const o = same.fidelity[0].outputs[0];
    assert.ok(o.nonFinite && o.nonFinite.original > 0 && o.nonFinite.finite > 0, JSON.stringify(o.nonFinite));
    assert.ok(measured(o) && !diverges(o));
    assert.equal(o.psnr, Infinity);
    assert.equal(o.cosine, 1);
    const text = formatQuality(same);
    assert.match(text, /elements NaN or infinite in both models, left out of these figures/);
    assert.doesNotMatch(text, /NaN,|NaN$|cosine 0\.0/m);
    // Pruned, its negative values fall elsewhere: NaN where the original is finite is damage, and said so.
    const pruned = join(dir, 'sqrt.pruned.onnx');
    pruneFile(original, pruned, { ratio: 0.5, criterion: 'l1', roundTo: 1, seed: 0, layers: {} });
    const report = await assessQuality(original, pruned, { ...QUALITY, client });
    const p = report.fidelity[0].outputs[0];
    assert.ok(diverges(p), JSON.stringify(p.nonFinite));
    assert.match(formatQuality(report), /NaN or infinite in one model only/);
  });
});
