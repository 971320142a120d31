// The intermediate-tensor check (test/support/intermediates.ts) catches what an output comparison cannot: a
// model whose output does not depend on its input (a last conv of zero weights, as placeholder-weight test
// models have) pruned with the consumer reading the wrong channel.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openModel } from '../../src/core/onnx/reader';
import { writeModel } from '../../src/core/onnx/writer';
import { maskModel } from '../../src/core/prune/mask';
import { pruneFile } from '../../src/core/prune/prune';
import { buildFixture, writeBuilt } from '../builder';
import { randomInputs, runModel } from '../builder/runtime';
import { checkIntermediates, ortFeeds } from '../support/intermediates';
import { tempDir } from '../support/tempDir';
import { encode, removeChannels, zeroChannels } from './handPruned';

const dir = tempDir();

describe('intermediate tensors on the kept channels', () => {
  // plain-chain with conv3's weights all zero: the output is conv3's bias whatever the input.
  const built = buildFixture('plain-chain');
  const constantOutput = zeroChannels(built.model, {
    tensor: 'conv3.weight',
    source: 'initializer',
    axis: 0,
    indices: [0, 1, 2, 3],
  });
  const original = writeBuilt(dir, 'zero-head.onnx', { ...built, bytes: encode(constantOutput), files: {} });
  const pruned = join(dir, 'zero-head.pruned.onnx');
  const outcome = pruneFile(original, pruned, {
    ratio: 0,
    criterion: 'l1',
    roundTo: 1,
    seed: 0,
    layers: { '/conv1/Conv': { indices: [1] } },
  });
  const masked = join(dir, 'zero-head.masked.onnx');
  const file = openModel(original);
  writeModel(file, maskModel(file, outcome.mask), masked);
  file.close();
  const feeds = randomInputs(built, 3);

  test('the pruner’s own prune passes, every channel-carrying tensor compared', async () => {
    const report = await checkIntermediates(
      { original, masked, pruned, dir },
      outcome.removed,
      ortFeeds(feeds),
    );
    assert.deepEqual(report.failures, []);
    const conv1 = report.checked.find((c) => c.value.startsWith('/conv1/Conv'))!;
    assert.deepEqual([conv1.kept, conv1.channels], [7, 8]);
    assert.ok(report.checked.length >= 5, `${report.checked.length} tensors`);
  });

  test('a prune whose consumer reads the wrong channel has the same outputs but fails on conv2', async () => {
    // conv1 loses output channel 1, but conv2 drops its input channel 2.
    let wrong = removeChannels(constantOutput, 'conv1.weight', 0, [1]);
    wrong = removeChannels(wrong, 'conv1.bias', 0, [1]);
    wrong = removeChannels(wrong, 'conv2.weight', 1, [2]);
    const bad = writeBuilt(dir, 'zero-head.wrong.onnx', { ...built, bytes: encode(wrong), files: {} });
    assert.deepEqual(await runModel(bad, feeds), await runModel(masked, feeds), 'outputs alone cannot tell');
    const report = await checkIntermediates(
      { original, masked, pruned: bad, dir },
      outcome.removed,
      ortFeeds(feeds),
    );
    assert.ok(
      report.failures.some((f) => f.startsWith("'/conv2/Conv_output_0'")),
      report.failures.join('\n'),
    );
  });
});
