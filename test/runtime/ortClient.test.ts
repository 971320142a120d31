// The ONNX Runtime client against the real worker and real onnxruntime-node (built fresh for the tests):
// answers, refusals, timeouts and crashes, and that no worker outlives its client.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { OrtClient } from '../../src/runtime/ortClient';
import { OrtRuntimeError } from '../../src/runtime/ortErrors';
import { generateFeeds } from '../../src/runtime/randomFeeds';
import type { TensorPayload } from '../../src/protocol/runtime';
import { writeBuilt } from '../builder';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { runModel } from '../builder/runtime';
import { addBiasModel, encodeModel, tensorInfo } from '../support/minimalModels';
import { tempDir } from '../support/tempDir';
import { loadEsbuild } from '../support/nodeBundle';
import { useFreshWorker } from './workerBundle';

const workerPath = useFreshWorker();
const dir = tempDir();
const SAMPLE = resolve('media/sample/edsr-x4.onnx');

function sampleInput(): TensorPayload {
  const data = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i));
  return { type: 'float32', dims: [1, 3, 32, 32], data };
}

function writeModel(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A model ONNX Runtime refuses at load: an op no opset has. */
const unknownOp = () => {
  const model = addBiasModel();
  model.graph!.node = [{ op_type: 'NoSuchOp', name: '/NoSuchOp', input: ['x', 'bias'], output: ['y'] }];
  return writeModel('unknown-op.onnx', encodeModel(model));
};

/** About 600 M MACs a run: slow enough that a few thousand runs outlast any test timeout. */
const heavy = () =>
  writeBuilt(
    dir,
    'heavy.onnx',
    buildModel([1, 32, 256, 256], (b, x) => conv3(b, x, 32, '/conv/Conv')),
  );

function int64Info(name: string, dims: number[]) {
  const info = tensorInfo(name, dims);
  info.type!.tensor_type!.elem_type = 7;
  return info;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isAlive(pid), false, `worker ${pid} is gone`);
}

async function rejectsWith(promise: Promise<unknown>, reason: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OrtRuntimeError, `an OrtRuntimeError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('OrtClient', () => {
  const client = new OrtClient({ workerPath });
  after(() => client.close());

  test('loads a model, reports its inputs and outputs, and runs it like onnxruntime-node in process', async () => {
    const model = await client.load(SAMPLE);
    assert.deepEqual(model.inputs, [
      { name: 'input', isTensor: true, type: 'float32', shape: ['N', 3, 32, 32] },
    ]);
    assert.deepEqual(model.outputs, [
      { name: 'output', isTensor: true, type: 'float32', shape: ['N', 3, 128, 128] },
    ]);
    assert.match(client.ortVersion ?? '', /^\d+\.\d+/);
    const input = sampleInput();
    const outputs = await client.run(model, { input });
    const direct = await runModel(SAMPLE, { input: { dims: input.dims, data: input.data as Float32Array } });
    assert.deepEqual(outputs.output.dims, [1, 3, 128, 128]);
    assert.ok(outputs.output.data instanceof Float32Array, 'typed arrays cross the channel as typed arrays');
    assert.deepEqual(Array.from(outputs.output.data as Float32Array), Array.from(direct.output.data));
    await client.release(model);
  });

  test('times paired runs of two models and runs int64 tensors through', async () => {
    const a = await client.load(SAMPLE);
    const b = await client.load(SAMPLE);
    const feeds = { input: sampleInput() };
    const times = await client.time(
      [
        { model: a, feeds },
        { model: b, feeds },
      ],
      { runs: 3, warmup: 1 },
    );
    assert.equal(times.length, 2);
    for (const series of times) {
      assert.equal(series.length, 3);
      for (const ms of series) assert.ok(ms > 0 && ms < 10_000, `plausible latency ${ms}`);
    }
    await client.release(a);
    await client.release(b);
    // y = Shape(x) + offset: int64 in and out, as BigInt64Array both ways.
    const model = addBiasModel();
    model.graph!.node = [
      { op_type: 'Shape', name: '/Shape', input: ['x'], output: ['s'] },
      { op_type: 'Add', name: '/Add', input: ['s', 'offset'], output: ['y'] },
    ];
    model.graph!.initializer = [];
    model.graph!.input = [...model.graph!.input!, int64Info('offset', [2])];
    model.graph!.output = [int64Info('y', [2])];
    const shapes = await client.load(writeModel('int64.onnx', encodeModel(model)));
    const out = await client.run(shapes, {
      x: { type: 'float32', dims: [1, 4], data: new Float32Array(4) },
      offset: { type: 'int64', dims: [2], data: BigInt64Array.from([10n, 20n]) },
    });
    assert.equal(out.y.type, 'int64');
    assert.deepEqual(Array.from(out.y.data as BigInt64Array), [11n, 24n]);
    await client.release(shapes);
  });

  test('a model ONNX Runtime refuses fails its request, and the worker lives on', async () => {
    const pid = client.pid;
    await rejectsWith(client.load(unknownOp()), 'failed', /unknown-op\.onnx.*NoSuchOp/s);
    await rejectsWith(
      client.load(writeModel('not-onnx.onnx', new TextEncoder().encode('hello'))),
      'failed',
      /not-onnx/,
    );
    await rejectsWith(client.load(join(dir, 'missing.onnx')), 'failed', /missing\.onnx/);
    const model = await client.load(SAMPLE);
    assert.equal(client.pid, pid, 'same worker');
    await rejectsWith(client.run(model, { nope: sampleInput() }), 'failed', /nope|input/i);
    await client.release(model);
    await rejectsWith(client.run(model, { input: sampleInput() }), 'failed', /no model is loaded as session/);
  });

  test('a request that outlives its timeout kills the worker; the next request starts a fresh one', async () => {
    const model = await client.load(heavy());
    const pid = client.pid!;
    const input: TensorPayload = {
      type: 'float32',
      dims: [1, 32, 256, 256],
      data: new Float32Array(32 * 256 * 256),
    };
    const started = Date.now();
    await rejectsWith(
      client.time([{ model, feeds: { input } }], { runs: 100_000, timeoutMs: 300 }),
      'timeout',
      /did not finish timing .*heavy\.onnx within 300 ms; its process was stopped/,
    );
    assert.ok(Date.now() - started < 5000, 'the timeout fires on time');
    await waitForExit(pid);
    await rejectsWith(client.run(model, { input }), 'stale-session', /load the model again/);
    const again = await client.load(SAMPLE);
    assert.notEqual(client.pid, pid, 'a new worker');
    assert.equal((await client.run(again, { input: sampleInput() })).output.dims.length, 4);
  });

  test('a worker that dies mid-request fails the request with a clear error', async () => {
    const model = await client.load(heavy());
    const pid = client.pid!;
    const input: TensorPayload = {
      type: 'float32',
      dims: [1, 32, 256, 256],
      data: new Float32Array(32 * 256 * 256),
    };
    const pending = client.time([{ model, feeds: { input } }], { runs: 100_000 });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
    await rejectsWith(pending, 'crashed', /was killed \(SIGKILL\) while timing .*heavy\.onnx/);
    await rejectsWith(
      client.release(model).then(() => client.run(model, { input })),
      'stale-session',
      /has stopped/,
    );
    assert.ok(await client.load(SAMPLE));
  });
});

describe('OrtClient: tensors kept in the worker, and its memory limit', () => {
  test('random inputs and outputs stay in the worker; only shapes and differences come back', async () => {
    const client = new OrtClient({ workerPath });
    try {
      const model = await client.load(SAMPLE);
      const spec = { name: 'input', type: 'float32', dims: [1, 3, 32, 32], range: 'unit' as const };
      const feeds = await client.makeFeeds([spec], 1);
      const a = await client.runKept(model, feeds);
      const b = await client.runKept(model, feeds);
      assert.deepEqual(a.outputs.output, { type: 'float32', dims: [1, 3, 128, 128] });
      const [same] = await client.compare(a, b);
      assert.equal(same.maxAbsError, 0);
      assert.ok(same.maxMagnitude > 0);
      // The same seed makes the same inputs: the run matches one with the tensors sent from here.
      const sent = await client.run(model, { input: generateFeeds([spec], 1).input });
      const other = await client.makeFeeds([{ ...spec, range: 'symmetric' }], 1);
      const [differs] = await client.compare(a, await client.runKept(model, other));
      assert.ok(differs.maxAbsError! > 0);
      assert.equal(sent.output.dims.join(), '1,3,128,128');
      await client.drop([a, b, feeds, other]);
      await rejectsWith(client.compare(a, b), 'failed', /no tensors are kept as stash/);
      await rejectsWith(
        client.makeFeeds([{ ...spec, dims: [1, 1, 30000, 30000] }], 1),
        'failed',
        /input 'input' of shape \[1, 1, 30000, 30000\] would need 900,000,000 random elements/,
      );
    } finally {
      await client.close();
    }
  });

  const noProc = !existsSync('/proc/self/status') && 'the memory limit reads /proc (Linux)';
  test(
    'a worker that outgrows its memory limit is stopped; the request fails and the next one works',
    { skip: noProc },
    async () => {
      const client = new OrtClient({ workerPath, memoryLimitBytes: 256 * 2 ** 20 });
      try {
        // A 1x1 conv to 1024 channels of 512 x 512: a 1 GiB output.
        const wide = writeBuilt(
          dir,
          'wide.onnx',
          buildModel([1, 1, 512, 512], (b, x) => b.conv(x, 1024, { kernel: 1, name: '/wide/Conv' })),
        );
        const model = await client.load(wide);
        const pid = client.pid!;
        const feeds = await client.makeFeeds(
          [{ name: 'input', type: 'float32', dims: [1, 1, 512, 512], range: 'unit' }],
          1,
        );
        await rejectsWith(
          client.runKept(model, feeds),
          'memory',
          /ONNX Runtime used more than 256 MiB of memory while running .*wide\.onnx; its process was stopped/,
        );
        await waitForExit(pid);
        assert.ok(await client.load(SAMPLE), 'a fresh worker');
      } finally {
        await client.close();
      }
    },
  );
});

describe('OrtClient lifecycle', () => {
  test('close() stops the worker; later requests fail with closed', async () => {
    const client = new OrtClient({ workerPath });
    await client.load(SAMPLE);
    const pid = client.pid!;
    await client.close();
    await waitForExit(pid);
    assert.equal(client.pid, undefined);
    await rejectsWith(client.load(SAMPLE), 'closed', /closed/);
  });

  test('a missing worker bundle is a start error naming it', async () => {
    const client = new OrtClient({ workerPath: join(dir, 'no-worker.js') });
    await rejectsWith(client.load(SAMPLE), 'start', /no-worker\.js is missing/);
    await client.close();
  });

  test('a worker that cannot start reports its last words', async () => {
    const broken = join(dir, 'broken-worker.js');
    writeFileSync(broken, 'process.stderr.write("boom: no runtime here\\n"); process.exit(3);\n');
    const client = new OrtClient({ workerPath: broken });
    await rejectsWith(
      client.load(SAMPLE),
      'start',
      /exited with code 3 while starting: boom: no runtime here/,
    );
    await client.close();
  });

  test('an idle client does not keep Node alive, and its worker exits with its parent', () => {
    // A child script loads a model and returns without close(): it must exit on its own, worker included.
    const entry = join(dir, 'client-entry.js');
    loadEsbuild().buildSync({
      stdin: {
        contents: `
          import { OrtClient } from ${JSON.stringify(resolve('src/runtime/ortClient.ts'))};
          const client = new OrtClient({ workerPath: ${JSON.stringify(workerPath)} });
          client.load(${JSON.stringify(SAMPLE)}).then(() => console.log(client.pid));
        `,
        resolveDir: resolve('.'),
        loader: 'ts',
      },
      outfile: entry,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'warning',
    });
    const run = spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 0, run.stderr);
    const pid = Number(run.stdout.trim());
    assert.ok(pid > 0, run.stdout);
    return waitForExit(pid);
  });
});
