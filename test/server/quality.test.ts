// The editor's sensitivity and fidelity requests, in the language server with the real ONNX Runtime child:
// sensitivity measures every prunable group at every ratio and a cancel stops the child at once with no result;
// fidelity compares the document now with the model as opened (metrics, pictures, paired latency).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancellationTokenSource, WorkDoneProgress } from 'vscode-languageserver-protocol/node';
import {
  type ModelEdit,
  fidelityRequest,
  makePlanRequest,
  modelStateRequest,
  sensitivityRequest,
} from '../../src/protocol/server';
import { cli } from '../support/cli';
import { buildEdsrX4 } from '../builder/edsr';
import { writeBuilt } from '../builder/model-builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { tempDir } from '../support/tempDir';
import { type TestServer, saveModel, startTestServer } from './serverHarness';

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
    // From the third variant on, how long the rest may take.
    assert.ok(
      messages.some((m) => /^Sensitivity: .* \(\d+ of 10\), about \d+ (s|min) left$/.test(m)),
      messages.join('\n'),
    );
    const second = await server.connection.sendRequest(sensitivityRequest, {
      ...params,
      workDoneToken: undefined,
    });
    assert.deepEqual(second, first);
    assert.deepEqual(first.report.coverage, { measured: 5, prunable: 5, macsShare: 1 });
    // The setting's limit: the groups whose layers hold the most MACs, with the figures of the full run.
    const two = await server.connection.sendRequest(sensitivityRequest, { ...params, maxGroups: 2 });
    assert.ok(two.ok, two.ok ? '' : two.message);
    const measured = new Set(two.report.rows.map((r) => r.group));
    assert.equal(measured.size, 2);
    assert.equal(two.report.coverage.measured, 2);
    assert.ok(two.report.coverage.macsShare! > 0 && two.report.coverage.macsShare! < 1);
    assert.deepEqual(
      two.report.rows,
      first.report.rows.filter((r) => measured.has(r.group)),
    );
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

describe('data-aware prunes and the refit in the editor', () => {
  let server: TestServer;
  const calib = resolve('media/sample/calib');
  const sub = join(dir, 'editor');
  mkdirSync(sub, { recursive: true });
  const model = writeBuilt(sub, 'sr.onnx', buildEdsrX4({ channels: 16, blocks: 2, inputSize: 24 }));
  const uri = pathToFileURL(model).href;
  const planUri = pathToFileURL(join(sub, 'sr.prune.json')).href;
  before(async () => {
    server = await startTestServer(sub);
  });
  after(() => server?.stop());

  test('a greedy plan made in the editor and applied there removes what `prune --plan --calib` removes', async () => {
    const made = await server.connection.sendRequest(makePlanRequest, {
      modelUri: uri,
      criterion: 'greedy',
      ratio: 0.5,
      calibDir: calib,
      align: false,
    });
    assert.ok(made.ok, made.ok ? '' : made.message);
    assert.equal(JSON.parse(made.text).criterion, 'greedy');
    writeFileSync(fileURLToPath(planUri), made.text);
    const edits: ModelEdit[] = [
      { kind: 'prune', label: 'Prune', planUri, planText: made.text, calibDir: calib },
    ];
    const saved = join(sub, 'editor.onnx');
    await saveModel(server.connection, { uri, edits, target: pathToFileURL(saved).href, backup: false });
    const cliOut = join(sub, 'cli.onnx');
    const run = await cli('prune', model, '--plan', fileURLToPath(planUri), '--calib', calib, '-o', cliOut);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(readFileSync(saved).equals(readFileSync(cliOut)), 'the same bytes as the CLI');
    // Without the calibration scores the same plan would fall back to l1's choice: a different model.
    const l1 = join(sub, 'l1.onnx');
    const plain = made.text.replace('"greedy"', '"l1"');
    writeFileSync(join(sub, 'l1.prune.json'), plain);
    assert.equal((await cli('prune', model, '--plan', join(sub, 'l1.prune.json'), '-o', l1)).code, 0);
    assert.ok(!readFileSync(l1).equals(readFileSync(saved)), 'greedy chose other channels than l1');
  });

  test('Reconstruct: the refitted state is closer to the original; its plain prune is what is verified', async () => {
    const planText = JSON.stringify({ model: 'sr.onnx', ratio: 0.3 });
    const plainEdit: ModelEdit = { kind: 'prune', label: 'Prune', planUri, planText, calibDir: calib };
    const refit: ModelEdit = { ...plainEdit, reconstruct: true };
    const state = await server.connection.sendRequest(modelStateRequest, {
      uri,
      edits: [refit],
      verifyLast: true,
    });
    assert.ok(state.ok, state.ok ? '' : state.message);
    assert.equal(state.verification?.plainPrune, true);
    assert.equal(state.verification?.passed, true, state.verification?.text);
    const fidelity = async (edit: ModelEdit) => {
      const result = await server.connection.sendRequest(fidelityRequest, {
        uri,
        edits: [edit],
        calibDir: calib,
      });
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.equal(result.source, 'files');
      return result.outputs[0].psnr!;
    };
    const [plain, refitted] = [await fidelity(plainEdit), await fidelity(refit)];
    assert.ok(refitted > plain + 3, `refitted ${refitted} dB vs plain ${plain} dB`);
    console.log(
      `editor refit at ratio 0.3 (small EDSR, the sample's pictures): PSNR ${plain.toFixed(1)} → ${refitted.toFixed(1)} dB`,
    );
  });

  test('a latency target in the panel: the plan holds the ratio the measured search came to', async () => {
    const made = await server.connection.sendRequest(makePlanRequest, {
      modelUri: uri,
      criterion: 'l1',
      targetLatency: 0.8,
    });
    assert.ok(made.ok, made.ok ? '' : made.message);
    assert.match(made.note ?? '', /^Latency target 0\.8(: global ratio| is out of reach)/);
    assert.match(made.note ?? '', /median of 20 paired runs per step/);
    const plan = JSON.parse(made.text);
    assert.ok(plan.ratio > 0 && plan.ratio < 1);
    assert.ok(Object.values(plan.layers as Record<string, { prune: number }>).some((l) => l.prune > 0));
  });
});
