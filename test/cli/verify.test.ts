// `onnx-pruner verify` end to end, in real onnxruntime-node through the worker process, on models "pruned"
// by hand here (independently of the pruner): the masked original as its own pruned model, a truly smaller
// model, a spec that lies about what was zeroed, other shapes, other tools' models, bad input.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MASK_METADATA_KEY, type MaskSlice, type MaskSpec } from '../../src/core/prune/maskSpec';
import type { VerifyResult } from '../../src/runtime/verify/types';
import { buildFixture, writeBuilt } from '../builder';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from '../runtime/workerBundle';
import {
  type Model,
  encode,
  inlineExternalData,
  removeChannels,
  renameInput,
  withMaskSpec,
  withOpType,
  zeroChannels,
} from '../runtime/handPruned';

useFreshWorker();
const dir = tempDir();
const FAST = ['--runs', '2', '--warmup', '0'];

function write(name: string, model: Model): string {
  return writeBuilt(dir, name, { ...buildFixture('plain-chain'), bytes: encode(model), files: {} });
}

const plain = buildFixture('plain-chain');
const ORIGINAL = writeBuilt(dir, 'original.onnx', plain);
const ORIGINAL_SHA = createHash('sha256').update(readFileSync(ORIGINAL)).digest('hex');

/** The slices conv2 reads from conv1's channels 1 and 5: what removing those channels masks. */
const CONV2_READS_1_5: MaskSlice = {
  tensor: 'conv2.weight',
  source: 'initializer',
  axis: 1,
  indices: [1, 5],
};
const spec = (...zero: MaskSlice[]): MaskSpec => ({ original: ORIGINAL_SHA, zero });

async function verifyJson(
  ...args: string[]
): Promise<{ code: number; result: VerifyResult; stderr: string }> {
  const run = await cli('verify', ...args, ...FAST, '--json');
  assert.equal(run.stderr, '', 'no error output');
  return { code: run.code, result: JSON.parse(run.stdout) as VerifyResult, stderr: run.stderr };
}

describe('onnx-pruner verify: the exactness check', () => {
  test('the masked original, given as its own pruned model with the spec, passes with zero error', async () => {
    const masked = zeroChannels(plain.model, CONV2_READS_1_5);
    const pruned = write('masked-as-pruned.onnx', withMaskSpec(masked, spec(CONV2_READS_1_5)));
    const { code, result } = await verifyJson(ORIGINAL, pruned);
    assert.equal(code, 0);
    assert.equal(result.passed, true);
    assert.equal(result.exactness.status, 'passed');
    assert.equal(result.exactness.maskedSlices, 1);
    assert.deepEqual(
      result.exactness.outputs.map((o) => [o.name, o.dims, o.maxAbsError, o.passed]),
      [['output', [1, 4, 8, 8], 0, true]],
    );
    assert.deepEqual(result.io, { equal: true, differences: [] });
    assert.deepEqual(result.inputs, [
      { name: 'input', type: 'float32', dims: [1, 3, 8, 8], range: '[0, 1)' },
    ]);
    assert.equal(result.ratios.parameters, 1);
    assert.ok(result.original.latencyMs!.median > 0 && result.pruned.latencyMs!.median > 0);
    const { runs, warmup, paired } = result.timing!;
    assert.deepEqual({ runs, warmup, paired }, { runs: 2, warmup: 0, paired: true });
  });

  test('a spec that names other channels than were zeroed fails with exit 1', async () => {
    const masked = zeroChannels(plain.model, CONV2_READS_1_5);
    const lie = { ...CONV2_READS_1_5, indices: [2, 6] };
    const pruned = write('spec-lies.onnx', withMaskSpec(masked, spec(lie)));
    const { code, result } = await verifyJson(ORIGINAL, pruned);
    assert.equal(code, 1);
    assert.equal(result.passed, false);
    assert.equal(result.exactness.status, 'failed');
    const [output] = result.exactness.outputs;
    assert.ok(
      output.maxAbsError! > output.tolerance,
      `error ${output.maxAbsError} beyond ${output.tolerance}`,
    );
    const text = await cli('verify', ORIGINAL, pruned, ...FAST);
    assert.equal(text.code, 1);
    // The error, the model's own noise floor beside it, the tolerance.
    assert.match(text.stdout, /output\s+\d\.\d+e[-+]\d+\s+(0|\d\.\d+e-\d+)\s+\d\.\d+e-\d+\s+FAIL/);
    assert.match(text.stdout, /FAIL: output 'output' differs from the masked original beyond tolerance\./);
  });

  test('a truly smaller model (conv1 channels 1 and 5 removed) passes, with fewer parameters and MACs', async () => {
    let smaller = removeChannels(plain.model, 'conv1.weight', 0, [1, 5]);
    smaller = removeChannels(smaller, 'conv1.bias', 0, [1, 5]);
    smaller = removeChannels(smaller, 'conv2.weight', 1, [1, 5]);
    const pruned = write('smaller.onnx', withMaskSpec(smaller, spec(CONV2_READS_1_5)));
    const { code, result } = await verifyJson(ORIGINAL, pruned);
    assert.equal(code, 0, JSON.stringify(result.exactness));
    assert.equal(result.exactness.status, 'passed');
    assert.ok(result.exactness.outputs[0].maxAbsError! <= result.exactness.outputs[0].tolerance);
    assert.equal(result.original.parameters, 1972);
    assert.equal(result.pruned.parameters, 1972 - (2 * 27 + 2) - 16 * 2 * 9);
    const convMacs = (cout: number, cin: number) => 64 * cout * (cin * 9 + 1);
    assert.equal(result.original.macs, convMacs(8, 3) + convMacs(16, 8) + convMacs(4, 16));
    assert.equal(result.pruned.macs, convMacs(6, 3) + convMacs(16, 6) + convMacs(4, 16));
    assert.equal(result.ratios.macs, result.pruned.macs / result.original.macs);
    assert.ok(result.ratios.latency! > 0);
    // Latency is paired: the ratio is the median of the per-pair ratios, with the middle half and the threads.
    const timing = result.timing!;
    assert.equal(result.ratios.latency, timing.ratio.median);
    assert.ok(timing.ratio.p25 <= timing.ratio.median && timing.ratio.median <= timing.ratio.p75);
    assert.ok(timing.threads >= 1);

    const text = await cli('verify', ORIGINAL, pruned, ...FAST);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Parameters\s+1,972\s+1,628\s+0\.826 \(1\.21× fewer\)/);
    assert.match(text.stdout, /MACs\s+126,208\s+104,192\s+0\.826 \(1\.21× fewer\)/);
    assert.match(
      text.stdout,
      // Any ratio: two runs without warm-up on a loaded machine can be 20 times apart (a run here printed 23.033).
      /ORT latency, median\s+\d+\.\d+ ms\s+\d+\.\d+ ms\s+\d+\.\d{3}.* over 2 paired CPU runs \(middle half \d+\.\d{3}–\d+\.\d{3}, 0 warm-up, \d+ threads\)/,
    );
    assert.match(text.stdout, /Inputs\/outputs: same names, element types and shapes/);
    assert.match(
      text.stdout,
      /^PASS: same inputs and outputs, and the pruned model equals the masked original/m,
    );
  });

  test('--report writes the JSON result; --atol/--rtol set the tolerance', async () => {
    const masked = zeroChannels(plain.model, CONV2_READS_1_5);
    const lie = { ...CONV2_READS_1_5, indices: [2, 6] };
    const pruned = write('lenient.onnx', withMaskSpec(masked, spec(lie)));
    const report = join(dir, 'report.json');
    const run = await cli('verify', ORIGINAL, pruned, ...FAST, '--atol', '1e9', '--report', report);
    assert.equal(run.code, 0, 'any error passes a tolerance of 1e9');
    const result = JSON.parse(readFileSync(report, 'utf8')) as VerifyResult;
    assert.equal(result.exactness.atol, 1e9);
    assert.equal(result.exactness.rtol, 1e-4);
    assert.equal(result.passed, true);
  });

  test('an original with external data: the masked original is written with its data and run from its path', async () => {
    const built = buildFixture('external-data');
    const original = writeBuilt(join(dir, 'external'), 'model.onnx', built);
    const zero: MaskSlice[] = [
      { tensor: 'conv2.weight', source: 'initializer', axis: 1, indices: [0, 3] }, // stored externally
      { tensor: 'conv1.bias', source: 'initializer', axis: 0, indices: [7] }, // stored in the model
    ];
    const sha = createHash('sha256').update(readFileSync(original)).digest('hex');
    let masked = inlineExternalData(built);
    for (const slice of zero) masked = zeroChannels(masked, slice);
    const pruned = write('external-masked.onnx', withMaskSpec(masked, { original: sha, zero }));
    const { code, result } = await verifyJson(original, pruned);
    assert.equal(code, 0, JSON.stringify(result.exactness));
    assert.equal(result.exactness.status, 'passed');
    assert.equal(result.exactness.outputs[0].maxAbsError, 0);
  });
});

describe('onnx-pruner verify: shapes, other tools, failures', () => {
  test('a model pruned by another tool (no spec): shapes and timing only, exit 0 when they match', async () => {
    let smaller = removeChannels(plain.model, 'conv1.weight', 0, [0]);
    smaller = removeChannels(smaller, 'conv1.bias', 0, [0]);
    smaller = removeChannels(smaller, 'conv2.weight', 1, [0]);
    const pruned = write('other-tool.onnx', smaller);
    const { code, result } = await verifyJson(ORIGINAL, pruned);
    assert.equal(code, 0);
    assert.equal(result.exactness.status, 'skipped');
    assert.match(result.exactness.reason!, /carries no mask spec \('onnx_pruner\.mask'/);
    const text = await cli('verify', ORIGINAL, pruned, ...FAST);
    assert.match(text.stdout, /PASS \(shapes only\)/);
  });

  test('--runs 0 skips the timing', async () => {
    const run = await cli('verify', ORIGINAL, ORIGINAL, '--runs', '0', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as VerifyResult;
    assert.equal(result.timing, null);
    assert.equal(result.original.latencyMs, null);
    assert.equal(result.ratios.latency, null);
    assert.match(
      (await cli('verify', ORIGINAL, ORIGINAL, '--runs', '0')).stdout,
      /ORT latency, median\s+—\s+—\s+not measured/,
    );
  });

  test('an output that changes shape fails with exit 1 and says how', async () => {
    let other = removeChannels(plain.model, 'conv3.weight', 0, [3]);
    other = removeChannels(other, 'conv3.bias', 0, [3]);
    const pruned = write('output-shrinks.onnx', other);
    const { code, result } = await verifyJson(ORIGINAL, pruned);
    assert.equal(code, 1);
    assert.equal(result.io.equal, false);
    assert.deepEqual(result.io.differences, [
      "output 'output': shape [1, 4, 8, 8] became [1, 3, 8, 8]",
      "output 'output' came out [1, 3, 8, 8] instead of [1, 4, 8, 8]",
    ]);
  });

  test('a renamed input fails with exit 1 without running the models', async () => {
    const pruned = write('renamed-input.onnx', renameInput(plain.model, 'image'));
    const { code, result } = await verifyJson(ORIGINAL, pruned);
    assert.equal(code, 1);
    assert.deepEqual(result.io.differences, [
      "input 'input' is missing from the pruned model",
      "the pruned model has an extra input 'image'",
    ]);
    assert.equal(result.timing, null);
    assert.equal(result.exactness.status, 'skipped');
  });

  test('a pruned model ONNX Runtime cannot load fails with exit 1 and its message', async () => {
    const pruned = write('unloadable.onnx', withOpType(plain.model, '/Relu', 'NoSuchOp'));
    const run = await cli('verify', ORIGINAL, pruned, ...FAST);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /Runtime error: ONNX Runtime failed while loading .*unloadable\.onnx.*NoSuchOp/);
    assert.match(run.stdout, /FAIL: ONNX Runtime could not run the pruned model\./);
  });
});

describe('onnx-pruner verify: bad input exits with 2', () => {
  const masked = () => zeroChannels(plain.model, CONV2_READS_1_5);

  test('usage errors', async () => {
    assert.equal((await cli('verify', ORIGINAL)).code, 2);
    for (const flags of [
      ['--runs', 'many'],
      ['--runs', '-1'],
      ['--atol', 'x'],
      ['--timeout', '0'],
    ]) {
      const run = await cli('verify', ORIGINAL, ORIGINAL, ...flags);
      assert.equal(run.code, 2, flags.join(' '));
      assert.match(run.stderr, new RegExp(`^onnx-pruner: ${flags[0]} must be`), run.stderr);
    }
  });

  test('an unreadable model is named', async () => {
    const run = await cli('verify', join(dir, 'missing.onnx'), ORIGINAL);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing\.onnx/);
  });

  test('a spec from another original, a spec that does not fit, and a spec that is not JSON', async () => {
    const other = write(
      'other-original.onnx',
      withMaskSpec(masked(), { ...spec(CONV2_READS_1_5), original: 'ab'.repeat(32) }),
    );
    let run = await cli('verify', ORIGINAL, other, ...FAST);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /other-original\.onnx was pruned from another model than .*original\.onnx/);

    const misfit = write(
      'misfit.onnx',
      withMaskSpec(
        masked(),
        spec({ ...CONV2_READS_1_5, indices: [1, 8] }, { ...CONV2_READS_1_5, tensor: 'nope' }),
      ),
    );
    run = await cli('verify', ORIGINAL, misfit, ...FAST);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /does not fit .*indices 8 outside 0…7 on axis 1; tensor 'nope': no such initializer/,
    );

    const garbled = masked();
    garbled.metadata_props = [{ key: MASK_METADATA_KEY, value: '{not json' }];
    run = await cli('verify', ORIGINAL, write('garbled.onnx', garbled), ...FAST);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /garbled\.onnx: its metadata entry 'onnx_pruner\.mask' is not a mask spec/);
  });
});

describe('verify: latency said honestly', () => {
  test('a "pruned" model that is slower than its original gets a warning', async () => {
    // The sample against a version with three quarters of its channels pruned, swapped: the "pruned" side has
    // several times the work, a gap that the noise of a loaded machine's paired runs does not close.
    const half = join(dir, 'half.onnx');
    const sample = join(process.cwd(), 'media/sample/edsr-x4.onnx');
    assert.equal((await cli('prune', sample, '-o', half, '--ratio', '0.75', '--round-to', '1')).code, 0);
    const run = await cli('verify', half, sample, '--runs', '20', '--warmup', '2');
    assert.match(
      run.stdout,
      /Warning: the pruned model is slower than the original in ONNX Runtime here \([\d.]+× its time\)/,
    );
    const faster = await cli('verify', sample, half, '--runs', '10', '--warmup', '1');
    assert.doesNotMatch(faster.stdout, /Warning: the pruned model is slower/);
  });
});
