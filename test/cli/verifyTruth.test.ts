// Verification that tells the truth (issue 13 items 5, 6, 8; issue 12 item 5), end to end through the CLI in
// real onnxruntime-node: ConstantOfShape weights are masked, a mask spec that cannot describe its prune is
// refused, the tolerance comes from the model's own noise floor, an original ONNX Runtime refuses is one
// sentence, and inputs a model's shapes would make huge are refused without being allocated.
import assert from 'node:assert/strict';
import Long from 'long';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { MASK_METADATA_KEY, type MaskSpec } from '../../src/core/prune/maskSpec';
import type { VerifyResult } from '../../src/runtime/verify/types';
import { buildFixture, writeBuilt } from '../builder';
import { buildModel } from '../builder/fixture-kit';
import { type Model, encode } from '../runtime/handPruned';
import { useFreshWorker } from '../runtime/workerBundle';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

useFreshWorker();
const dir = tempDir();
const FAST = ['--runs', '0'];

function decode(path: string): Model {
  return onnx.ModelProto.decode(readFileSync(path)) as Model;
}

function writeModel(name: string, model: Model): string {
  return writeBuilt(dir, name, { ...buildFixture('plain-chain'), bytes: encode(model), files: {} });
}

function specOf(model: Model): MaskSpec {
  return JSON.parse(model.metadata_props!.find((p) => p.key === MASK_METADATA_KEY)!.value!) as MaskSpec;
}

function withSpec(model: Model, spec: MaskSpec): Model {
  const copy = onnx.ModelProto.decode(encode(model)) as Model;
  copy.metadata_props = copy.metadata_props!.map((p) =>
    p.key === MASK_METADATA_KEY ? { key: p.key, value: JSON.stringify(spec) } : p,
  );
  return copy;
}

async function verifyJson(original: string, pruned: string, ...args: string[]) {
  const run = await cli('verify', original, pruned, ...FAST, '--json', ...args);
  assert.equal(run.stderr, '', 'no error output');
  return { code: run.code, result: JSON.parse(run.stdout) as VerifyResult };
}

describe('verify: weights made by ConstantOfShape are masked (13.5)', () => {
  const original = writeBuilt(dir, 'cos.onnx', buildFixture('constant-of-shape-weights'));
  const pruned = join(dir, 'cos.pruned.onnx');

  test('prune --verify passes against the masked original, with the slices it zeroed counted', async () => {
    const run = await cli('prune', original, '--ratio', '0.5', '-o', pruned, '--verify');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const spec = specOf(decode(pruned));
    assert.ok(spec.zero.length > 0, 'the spec zeroes slices');
    assert.ok(spec.zero.every((s) => s.source === 'constant-of-shape'));
    assert.match(run.stdout, new RegExp(`\\(${spec.zero.length} tensor slices zeroed\\)`));
    assert.match(run.stdout, /^PASS: /m);
  });

  test('a spec that zeroes nothing while the model lost parameters is refused, not compared', async () => {
    const emptied = writeModel(
      'cos.empty-spec.onnx',
      withSpec(decode(pruned), { ...specOf(decode(pruned)), zero: [] }),
    );
    const run = await cli('verify', original, emptied, ...FAST);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^onnx-pruner: cannot verify .*cos\.empty-spec\.onnx: its mask spec zeroes no slice, yet it has [\d,]+ fewer parameters than the original, so the masked original cannot be built \(.*\)\.\n$/,
    );
  });

  test('a spec that names weights it could not mask is refused', async () => {
    const spec = { ...specOf(decode(pruned)), unmasked: [{ tensor: 'conv2.weight', source: 'elsewhere' }] };
    const gap = writeModel('cos.unmasked.onnx', withSpec(decode(pruned), spec));
    const run = await cli('verify', original, gap, ...FAST);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /its mask spec cannot describe the prune: removed channels are read by 'conv2\.weight' \(elsewhere\)/,
    );
  });
});

describe('verify: the tolerance comes from the model’s own noise floor (13.6)', () => {
  const original = writeBuilt(dir, 'x255.onnx', buildFixture('deep-x255-gated'));
  const pruned = join(dir, 'x255.pruned.onnx');

  test('an exact prune of an input ×255 gated net passes, with the noise floor printed beside the error', async () => {
    // --align 1: the fixture's 16-channel convs are one channel block, and this prune must remove channels.
    const run = await cli('prune', original, '--ratio', '0.5', '--align', '1', '-o', pruned, '--verify');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Inputs {4}input float32 \[1, 3, 16, 16\] in \[0, 1\), random, seed 1/);
    assert.match(run.stdout, /output\s+max abs error\s+noise floor\s+tolerance/);
    assert.match(run.stdout, /^PASS: /m);
  });

  for (const seed of ['1', '2', '3']) {
    test(`seed ${seed}: the error is beyond a fixed 1e-4 relative tolerance, and within 4 × the noise floor`, async () => {
      const { code, result } = await verifyJson(original, pruned, '--seed', seed);
      assert.equal(code, 0);
      const [out] = result.exactness.outputs;
      assert.ok(out.maxMagnitude > 1e3, `activations reach ${out.maxMagnitude}`);
      assert.ok(
        out.noiseFloor! > 1e-4 * out.maxMagnitude,
        `noise floor ${out.noiseFloor} of ${out.maxMagnitude}`,
      );
      assert.equal(out.tolerance, result.exactness.noiseFloorFactor * out.noiseFloor!);
      assert.ok(out.maxAbsError! <= out.tolerance && out.passed);
    });
  }

  test('a wrong channel is still caught: the floor is far below a real difference', async () => {
    const spec = specOf(decode(pruned));
    const lie = {
      ...spec,
      zero: spec.zero.map((s) => ({ ...s, indices: s.indices.map((i) => (i + 1) % 16) })),
    };
    const wrong = writeModel('x255.lie.onnx', withSpec(decode(pruned), lie));
    const { code, result } = await verifyJson(original, wrong);
    assert.equal(code, 1);
    assert.equal(result.exactness.status, 'failed');
    const [out] = result.exactness.outputs;
    assert.ok(out.maxAbsError! > 10 * out.tolerance, `error ${out.maxAbsError}, tolerance ${out.tolerance}`);
  });
});

describe('verify: an original ONNX Runtime refuses (13.8)', () => {
  /** plain-chain with its output passed through an op of a custom domain ORT has no kernel for. */
  const custom = (() => {
    const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes) as Model;
    const graph = model.graph!;
    const last = graph.node!.find((n) => n.output!.includes('output'))!;
    last.output = ['pre_output'];
    graph.node!.push({
      name: '/post/PostProcess',
      op_type: 'SuperResolutionPostProcess',
      domain: 'ai.onnx.contrib',
      input: ['pre_output'],
      output: ['output'],
    });
    model.opset_import!.push({ domain: 'ai.onnx.contrib', version: Long.fromNumber(1) });
    return writeModel('custom-op.onnx', model);
  })();

  test('prune --verify writes the pruned model and says in one sentence that it is not verified (exit 1)', async () => {
    const out = join(dir, 'custom-op.pruned.onnx');
    const run = await cli('prune', custom, '--ratio', '0.5', '-o', out, '--verify');
    assert.equal(run.code, 1);
    assert.ok(existsSync(out));
    assert.doesNotMatch(run.stderr, /internal error/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(
      run.stderr,
      /^onnx-pruner: the original .*custom-op\.onnx does not run in ONNX Runtime \d+\.\d+\.\d+ \(.*SuperResolutionPostProcess.*\); the pruned model was written to .*custom-op\.pruned\.onnx, but it is not verified\.\n$/,
    );
  });

  test('verify says the same and exits 2', async () => {
    const run = await cli('verify', custom, custom, ...FAST);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^onnx-pruner: the original .* does not run in ONNX Runtime \d+\.\d+\.\d+ \(.*\), so .* cannot be verified against it\.\n$/,
    );
  });
});

describe('verify: inputs are made and compared in the ONNX Runtime process (12.5)', () => {
  test('an input whose declared shape would take gigabytes is refused by name and shape, without allocating it', async () => {
    const huge = writeBuilt(
      dir,
      'huge-input.onnx',
      buildModel([1, 1, 30000, 30000], (b, x) => b.identity(x)),
    );
    const before = process.memoryUsage().rss;
    const run = await cli('verify', huge, huge, ...FAST);
    const grown = process.memoryUsage().rss - before;
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^onnx-pruner: cannot verify .*huge-input\.onnx: input 'input' of shape \[1, 1, 30000, 30000\] would need 900,000,000 random elements .*, more than the 67,108,864 verification generates\.\n$/,
    );
    assert.ok(grown < 512 * 2 ** 20, `this process grew by ${grown} bytes`);
  });

  test('the outputs stay in the worker: a model with a large output verifies without this process holding it', async () => {
    // 1 × 64 × 512 × 512 floats (64 MiB) in and out.
    const big = writeBuilt(
      dir,
      'big-io.onnx',
      buildModel([1, 64, 512, 512], (b, x) => b.relu(x)),
    );
    const before = process.memoryUsage().arrayBuffers;
    const { code, result } = await verifyJson(big, big);
    assert.equal(code, 0);
    assert.equal(result.exactness.status, 'skipped'); // no mask spec: shapes only
    assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 2 ** 20, 'no tensor came back');
  });
});
