// The editor's sensitivity and fidelity requests, in the language server with the real ONNX Runtime child:
// sensitivity measures every prunable group at every ratio and a cancel stops the child at once with no result;
// fidelity compares the document now with the model as opened (metrics, pictures, paired latency).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, WorkDoneProgress } from 'vscode-languageserver-protocol/node';
import {
  type ModelEdit,
  fidelityRequest,
  modelStateRequest,
  sensitivityRequest,
} from '../../src/protocol/server';
import { buildEdsrX4 } from '../builder/edsr';
import { writeBuilt } from '../builder/model-builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

const dir = tempDir();
useFreshWorker();

/** The processes whose parent is `pid` (Linux: /proc/PID/stat's fourth field). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const linux = process.platform === 'linux';

describe('sensitivity and fidelity in the editor', () => {
  let server: TestServer;
  const model = writeBuilt(dir, 'sr.onnx', buildEdsrX4({ channels: 16, blocks: 2, inputSize: 16 }));
  const uri = pathToFileURL(model).href;
  before(async () => {
    server = await startTestServer(dir);
  });
  after(() => server?.stop());

  test('every prunable group at every ratio, deterministic, with progress', async () => {
    const token = 'sensitivity-progress';
    const messages: string[] = [];
    const listening = server.connection.onProgress(WorkDoneProgress.type, token, (v) => {
      if (v.kind !== 'end' && v.message) messages.push(v.message);
    });
    const params = { uri, edits: [], ratios: [0.25, 0.5], workDoneToken: token };
    const first = await server.connection.sendRequest(sensitivityRequest, params);
    listening.dispose();
    assert.ok(first.ok, first.ok ? '' : first.message);
    const groups = new Set(first.report.rows.map((r) => r.group));
    assert.equal(groups.size, 5, 'head/body chain, two body blocks, two upsamplers');
    assert.equal(first.report.rows.length, 10);
    assert.equal(first.report.model, model, 'named as the user knows it, not as the server stores it');
    assert.match(first.report.inputs, /random/);
    for (const row of first.report.rows) assert.ok(row.outputs[0].psnr! > 0);
    assert.ok(
      messages.some((m) => /^Sensitivity: .* \(1 of 10\)$/.test(m)),
      messages.join('\n'),
    );
    const second = await server.connection.sendRequest(sensitivityRequest, {
      ...params,
      workDoneToken: undefined,
    });
    assert.deepEqual(second, first);
  });

  test('Cancel stops the ONNX Runtime child at once and gives no result', async () => {
    const source = new CancellationTokenSource();
    const token = 'sensitivity-cancel';
    let reports = 0;
    const started = new Promise<void>((resolve) =>
      server.connection.onProgress(WorkDoneProgress.type, token, (v) => {
        if (v.kind !== 'end' && ++reports === 2) resolve();
      }),
    );
    const running = server.connection.sendRequest(
      sensitivityRequest,
      { uri, edits: [], ratios: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], workDoneToken: token },
      source.token,
    );
    await started; // a variant is being measured: the child runs
    if (linux) assert.ok(childrenOf(server.child.pid!).length > 0, 'the ONNX Runtime child runs');
    const cancelledAt = performance.now();
    source.cancel();
    const result = await running;
    const ms = performance.now() - cancelledAt;
    assert.deepEqual(result, { ok: false, cancelled: true, message: 'Cancelled.' });
    if (linux) {
      // The child is killed, not left to finish the variant (the prune workers are threads, not processes).
      const deadline = Date.now() + 10_000;
      while (childrenOf(server.child.pid!).length > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(childrenOf(server.child.pid!), [], 'no ONNX Runtime child is left');
    }
    console.log(`sensitivity cancelled: answered ${ms.toFixed(0)} ms after Cancel`);
  });

  test('fidelity of a pruned state against the model as opened: metrics, pictures, paired latency', async () => {
    const planText = JSON.stringify({ model: 'sr.onnx', ratio: 0.5 });
    const edits: ModelEdit[] = [
      { kind: 'prune', label: 'Prune', planUri: pathToFileURL(join(dir, 'sr.prune.json')).href, planText },
    ];
    const state = await server.connection.sendRequest(modelStateRequest, { uri, edits });
    assert.ok(state.ok, state.ok ? '' : state.message);
    const result = await server.connection.sendRequest(fidelityRequest, { uri, edits });
    assert.ok(result.ok, result.ok ? '' : result.message);
    const [output] = result.outputs;
    assert.equal(output.kind, 'image');
    assert.ok(Number.isFinite(output.psnr) && output.ssim! < 1, 'a real prune changes the output');
    assert.equal(result.source, 'random');
    const [picture] = result.pictures;
    assert.deepEqual([picture.channels, picture.height, picture.width], [3, 64, 64]);
    assert.equal(picture.original.length, 3 * 64 * 64);
    assert.notDeepEqual(picture.pruned, picture.original);
    assert.ok(picture.low < picture.high);
    const { latency } = result;
    assert.equal(latency.runs, 20);
    assert.ok(latency.threads >= 1);
    assert.ok(latency.ratio.p25 <= latency.ratio.median && latency.ratio.median <= latency.ratio.p75);
    assert.ok(latency.beforeMs > 0 && latency.afterMs > 0);
    const same = await server.connection.sendRequest(fidelityRequest, { uri, edits: [] });
    assert.ok(same.ok);
    // The model against itself is identical: PSNR Infinity, which JSON carries as null.
    assert.equal(same.outputs[0].psnr, null);
    assert.equal(same.outputs[0].cosine, 1);
  });
});
