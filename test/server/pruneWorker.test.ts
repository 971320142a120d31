// Prunes run on a worker thread of the language server: while one runs the server answers other requests,
// and Cancel stops it at once, leaving no file (not after the prune has finished, as on the server's own thread).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
} from 'vscode-languageserver-protocol/node';
import { applyPlanRequest, modelStateRequest, previewRequest } from '../../src/protocol/server';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

const dir = tempDir();
const planUri = pathToFileURL(join(dir, 'big.prune.json')).href;
const planText = JSON.stringify({ model: 'big.onnx', ratio: 0.5, criterion: 'l1' });
const pruned = join(dir, 'big.pruned.onnx');
let server: TestServer;
let small = '';

before(async () => {
  writeSynthetic(convChain(400, 96), join(dir, 'big.onnx')); // 133 MB: a prune of a few hundred ms at least
  small = pathToFileURL(writeBuilt(dir, 'small.onnx', buildFixture('d2s-crd'))).href;
  server = await startTestServer(dir);
});
after(() => server?.stop());

describe('prunes on a worker thread', () => {
  let fullMs = 0;

  test('while a prune runs, the server answers other requests', async () => {
    const start = performance.now();
    let prunedAt = 0;
    const prune = server.connection
      .sendRequest(applyPlanRequest, { planUri, text: planText, verify: false })
      .then((result) => ((prunedAt = performance.now()), result));
    const state = await server.connection.sendRequest(modelStateRequest, { uri: small, edits: [] });
    const answeredAt = performance.now();
    assert.ok(state.ok);
    const result = await prune;
    fullMs = prunedAt - start;
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.ok(answeredAt < prunedAt, 'the other request was answered before the prune ended');
    assert.ok(existsSync(pruned));
    console.log(
      `prune of a 133 MB model: ${fullMs.toFixed(0)} ms; another request answered after ${(answeredAt - start).toFixed(0)} ms`,
    );
  });

  test('Cancel stops a prune at once and leaves no file', async () => {
    const source = new CancellationTokenSource();
    const start = performance.now();
    const prune = server.connection.sendRequest(
      applyPlanRequest,
      { planUri, text: planText, verify: false, outputSuffix: '.cancelled' },
      source.token,
    );
    setTimeout(() => source.cancel(), 30);
    const result = await prune;
    const ms = performance.now() - start;
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.message, 'Cancelled: nothing was written.');
    assert.ok(
      ms < fullMs,
      `cancelled after ${ms.toFixed(0)} ms, a whole prune takes ${fullMs.toFixed(0)} ms`,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('cancelled')),
      [],
      'no pruned file and no temporary file',
    );
    console.log(
      `cancelled 30 ms into a prune: answered after ${ms.toFixed(0)} ms (whole prune ${fullMs.toFixed(0)} ms)`,
    );
  });

  test("a prune reports how far it is to the request's work-done token", async () => {
    const token = 'prune-progress';
    const values: { kind: string; message?: string; percentage?: number }[] = [];
    const listening = server.connection.onProgress(WorkDoneProgress.type, token, (value) =>
      values.push(value),
    );
    const result = await server.connection.sendRequest(applyPlanRequest, {
      planUri,
      text: planText,
      verify: false,
      outputSuffix: '.progress',
      workDoneToken: token,
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the end notification follows the answer
    listening.dispose();
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.equal(values[0].kind, 'begin');
    assert.equal(values.at(-1)?.kind, 'end');
    const reports = values.slice(0, -1) as (WorkDoneProgressBegin | WorkDoneProgressReport)[];
    const percentages = reports.map((v) => v.percentage ?? 0);
    assert.deepEqual(
      percentages,
      [...percentages].sort((a, b) => a - b),
      'the bar only moves forward',
    );
    assert.ok(reports.some((v) => /^scoring channels, [\d.]+ MB of [\d.]+ MB/.test(v.message ?? '')));
    assert.ok(reports.some((v) => /^writing, [\d.]+ MB of [\d.]+ MB/.test(v.message ?? '')));
    assert.ok(percentages.at(-1)! >= 50);
    console.log(`progress: ${reports.length} reports, ${reports.map((v) => `${v.percentage} %`).join(', ')}`);
  });

  test('the next prune runs on the worker kept warm and writes the same bytes', async () => {
    // The first test's prune left its worker waiting (warmWorkers.ts); cancelled jobs and previews since
    // ran on it too. Nothing of those jobs may reach this one.
    await pruneWritesTheFirstBytes('.again');
  });

  test('a preview is worked out on the worker too, and can be cancelled', async () => {
    const big = pathToFileURL(join(dir, 'big.onnx')).href;
    const params = { uri: big, edits: [], planUri, planText };
    const result = await server.connection.sendRequest(previewRequest, params);
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.equal(result.preview.ratio, 0.5);
    assert.ok(result.preview.parameters.after < result.preview.parameters.before);
    assert.ok(result.preview.rows.length > 0);
    // The worker keeps the model it previewed for the next preview; a file changed since is read afresh (the
    // change time moves with any write), and that long preview is what is cancelled here.
    const later = new Date(Date.now() + 2000);
    utimesSync(join(dir, 'big.onnx'), later, later);
    const source = new CancellationTokenSource();
    const cancelled = server.connection.sendRequest(previewRequest, params, source.token);
    setTimeout(() => source.cancel(), 20);
    assert.deepEqual(await cancelled, { ok: false, message: 'Cancelled.' });
    // A preview again (the worker keeps its model), then a prune, which takes that model over: the same bytes
    // as the first test's prune of a fresh open.
    const again = await server.connection.sendRequest(previewRequest, params);
    assert.deepEqual(again, result);
    await pruneWritesTheFirstBytes('.after-preview');
    // The prune gives the model back to the worker (previewModel.ts): the next preview, and a prune after it,
    // make what fresh opens make.
    assert.deepEqual(await server.connection.sendRequest(previewRequest, params), result);
    await pruneWritesTheFirstBytes('.after-prune');
    await pruneWritesTheFirstBytes('.after-prunes');
  });
});

/** Prunes by the plan again into a file named with `suffix`: byte for byte what the first test's prune wrote. */
async function pruneWritesTheFirstBytes(suffix: string): Promise<void> {
  const result = await server.connection.sendRequest(applyPlanRequest, {
    planUri,
    text: planText,
    verify: false,
    outputSuffix: suffix,
  });
  assert.ok(result.ok, result.ok ? '' : result.message);
  const written = readdirSync(dir).find((f) => f.includes(suffix));
  assert.ok(written, 'a pruned file was written');
  assert.ok(readFileSync(join(dir, written)).equals(readFileSync(pruned)), 'byte for byte the first prune');
}
