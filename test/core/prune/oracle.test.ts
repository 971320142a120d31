import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { writeModel } from '../../../src/core/onnx/writer';
import type { Criterion } from '../../../src/core/prune/importance';
import { maskModel } from '../../../src/core/prune/mask';
import { pruneFile } from '../../../src/core/prune/prune';
import type { LayerAmount } from '../../../src/core/prune/select';
import { FIXTURE_NAMES, type FixtureName, buildFixture } from '../../builder/fixtures';
import { writeBuilt } from '../../builder/model-builder';
import { type Feeds, type TensorValue, randomInputs, runModel } from '../../builder/runtime';
import { everyOtherUnit } from '../../support/analysis';
import { checkIntermediates, ortFeeds } from '../../support/intermediates';
import { tempDir } from '../../support/tempDir';

const root = tempDir();
let runs = 0;

type Amount =
  | { ratio: number; criterion: Criterion; global?: boolean; targetMacs?: number }
  | { indices: 'every other unit' };

/** Max |a − b| of every output against a tolerance relative to its magnitude; shapes must match. */
function assertClose(actual: Record<string, TensorValue>, expected: Record<string, TensorValue>): void {
  for (const [output, value] of Object.entries(expected)) {
    assert.deepEqual(actual[output].dims, value.dims, `${output} keeps its shape`);
    let scale = 1e-6;
    for (const v of value.data) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < value.data.length; i++)
      worst = Math.max(worst, Math.abs(actual[output].data[i] - value.data[i]));
    assert.ok(worst <= 1e-5 + 1e-4 * scale, `${output}: max error ${worst} (scale ${scale})`);
  }
}

/**
 * The correctness oracle (design §6): the pruned model P keeps the input and output shapes and equals
 * M_masked (the original with the slices consumers read from removed channels zeroed) on the same inputs.
 */
async function checkOracle(name: FixtureName, amount: Amount) {
  const built = buildFixture(name);
  const dir = join(root, `${name}-${runs++}`);
  const path = writeBuilt(dir, 'model.onnx', built);
  let layers: Record<string, LayerAmount> = {};
  if ('indices' in amount) {
    const file = openModel(path);
    layers = everyOtherUnit(analyzeModel(new ModelView(file)));
    file.close();
  }
  const settings =
    'ratio' in amount
      ? { ...amount, roundTo: 1, seed: 7, layers }
      : { ratio: 0, criterion: 'l1' as const, roundTo: 1, seed: 0, layers };
  const pruned = join(dir, 'pruned.onnx');
  const outcome = pruneFile(path, pruned, settings);
  const original = openModel(path);
  const masked = join(dir, 'masked.onnx');
  writeModel(original, maskModel(original, outcome.mask), masked);
  original.close();
  const feeds = randomInputs(built, 5);
  const expected = await runModel(masked, feeds);
  const actual = await runModel(pruned, feeds);
  for (const [output, value] of Object.entries(expected))
    assert.deepEqual(actual[output].dims, value.dims, `${output} keeps its shape`);
  // Every channel-carrying tensor (outputs included) on the kept channels, not the outputs alone.
  const report = await checkIntermediates(
    { original: path, masked, pruned, dir },
    outcome.removed,
    ortFeeds(feeds),
  );
  assert.deepEqual(report.failures, []);
  assert.ok(report.checked.length > 0, 'tensors were compared');
  return { outcome, report };
}

const AMOUNTS: [string, Amount][] = [
  ['l1 at 0.25', { ratio: 0.25, criterion: 'l1' }],
  ['l1 at 0.5', { ratio: 0.5, criterion: 'l1' }],
  ['l1 at 0.75', { ratio: 0.75, criterion: 'l1' }],
  ['random at 0.5', { ratio: 0.5, criterion: 'random' }],
  ['explicit indices', { indices: 'every other unit' }],
];

describe('pruned = masked original, on every fixture', () => {
  for (const name of FIXTURE_NAMES) {
    for (const [label, amount] of AMOUNTS) {
      test(`${name}, ${label}`, async () => {
        const { outcome } = await checkOracle(name, amount);
        const prunable = outcome.groups.some((g) => !g.skipped && g.units > 1);
        if (prunable && !('ratio' in amount && amount.ratio < 0.5))
          assert.ok(outcome.removedChannels > 0, 'something was removed');
      });
    }
  }
  for (const name of [
    'edsr-x4',
    'concat-d2s-straddle',
    'split-channels',
    'depthwise',
    'x4-two-stages',
  ] as const) {
    test(`${name}, global at 0.5 and a MACs target of 0.6`, async () => {
      await checkOracle(name, { ratio: 0.5, criterion: 'l1', global: true });
      await checkOracle(name, { ratio: 0, criterion: 'l1', targetMacs: 0.6 });
    });
  }
  for (const criterion of ['l2', 'bn'] as const) {
    test(`edsr-x4 and conv-bn-relu with ${criterion}`, async () => {
      await checkOracle('edsr-x4', { ratio: 0.3, criterion });
      await checkOracle('conv-bn-relu', { ratio: 0.3, criterion });
    });
  }
});

/**
 * The black-box form: zero a whole unit's producer slices (weights and bias of the conv feeding the shuffle)
 * in the original, prune exactly that unit with `indices`, and compare with the original itself.
 */
describe('black-box oracle through pixel shuffles', () => {
  const cases: FixtureName[] = [
    'd2s-crd',
    'd2s-dcr',
    'd2s-nomode',
    'rtr-crd-static',
    'rtr-dcr-static',
    'rtr-crd-dynamic',
    's2d',
    'pixel-unshuffle',
    'rtr-s2d-static',
  ];
  for (const name of cases) {
    test(name, async () => {
      const built = buildFixture(name);
      const dir = join(root, `blackbox-${name}`);
      const path = writeBuilt(dir, 'model.onnx', built);
      const file = openModel(path);
      const analysis = analyzeModel(new ModelView(file));
      file.close();
      // The conv right before the shuffle (its group has the pixel shuffle), and one of its units.
      const group =
        analysis.report.groups.find((g) => g.prunable && g.pixelShuffle.length > 0) ??
        analysis.report.groups.find((g) => g.prunable)!;
      const rootName = group.roots[0];
      const unit = analysis.roots.get(rootName)!.blocks[1];
      // Zero the producer's output slices (weight rows and bias) of that unit in the original.
      const zeroed = join(dir, 'zeroed.onnx');
      const original = openModel(path);
      const members = group.members.filter((m) => m.node === rootName && m.axis === 0);
      writeModel(
        original,
        maskModel(original, {
          original: '',
          zero: members.map((m) => ({
            tensor: m.tensor,
            source: m.source === 'constant-node' ? 'constant-node' : 'initializer',
            axis: 0,
            indices: unit,
          })),
        }),
        zeroed,
      );
      original.close();
      // The zeroed channels are exactly 0 after the conv; activations between keep them 0 (Relu(0) = 0).
      const pruned = join(dir, 'pruned.onnx');
      pruneFile(zeroed, pruned, {
        ratio: 0,
        criterion: 'l1',
        roundTo: 1,
        seed: 0,
        layers: { [rootName]: { indices: unit } },
      });
      const feeds: Feeds = randomInputs(built, 9);
      assertClose(await runModel(pruned, feeds), await runModel(zeroed, feeds));
    });
  }
});
