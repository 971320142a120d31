// The analyzer language server as VS Code runs it: its own process (a fresh bundle of src/server/server.ts),
// spoken to over LSP. Models are reported open with the custom notification; plans are text documents.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionRequest,
  type CompletionItem,
  CompletionRequest,
  HoverRequest,
  type MarkupContent,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { applyEdits } from '../../src/core/plan';
import { applyPlanRequest, modelClosed, modelOpened } from '../../src/protocol/server';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { type TestServer, startTestServer } from './serverHarness';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
useFreshWorker(); // the server's ONNX Runtime child runs a fresh worker bundle (ONNX_PRUNER_ORT_WORKER)

describe('analyzer language server', () => {
  let server: TestServer;
  let child: ChildProcess;
  let connection: ProtocolConnection;
  let published: TestServer['published'];
  const nextDiagnostics = (uri: string) => server.nextDiagnostics(uri);

  before(async () => {
    server = await startTestServer(dir);
    ({ child, connection, published } = server);
  });

  after(() => server?.stop());

  const modelPath = join(dir, 'model.onnx');
  const modelUri = pathToFileURL(modelPath).href;
  const planUri = pathToFileURL(join(dir, 'model.prune.json')).href;
  let planText = '';
  let version = 1;

  test('an open model gets its pixel-shuffle findings on its URI, naming the node', async () => {
    writeBuilt(dir, 'model.onnx', buildFixture('d2s-crd'));
    const diagnostics = nextDiagnostics(modelUri);
    await connection.sendNotification(modelOpened, { uri: modelUri });
    const { diagnostics: list } = await diagnostics;
    const ps001 = list.find((d) => d.code === 'PS001');
    assert.ok(ps001, `PS001 among ${list.map((d) => d.code).join(', ')}`);
    assert.match(ps001.message, /\/up\/up\.0\/Conv/);
    assert.match(ps001.message, /4 \(2²\)|blocks of 4/);
    assert.equal(ps001.source, 'onnx-pruner');
  });

  test('a plan with a count that is not whole pixel-shuffle blocks gets PL001 on the count', async () => {
    planText = JSON.stringify(
      { model: 'model.onnx', criterion: 'l1', layers: { '/up/up.0/Conv': { prune: 3 } } },
      null,
      2,
    );
    const diagnostics = nextDiagnostics(planUri);
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: planUri, languageId: 'json', version, text: planText },
    });
    const { diagnostics: list } = await diagnostics;
    const pl001 = list.find((d) => d.code === 'PL001');
    assert.ok(pl001, `PL001 among ${list.map((d) => d.code).join(', ')}`);
    const lines = planText.split('\n');
    assert.equal(
      lines[pl001.range.start.line].slice(pl001.range.start.character, pl001.range.end.character),
      '3',
    );
  });

  test('its quick-fix rounds to whole blocks, and the finding goes away', async () => {
    const list = published.get(planUri)!.at(-1)!.diagnostics;
    const pl001 = list.find((d) => d.code === 'PL001')!;
    const actions = (await connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: planUri },
      range: pl001.range,
      context: { diagnostics: [pl001] },
    })) as CodeAction[];
    assert.ok(actions.length > 0);
    const fix = actions[0];
    assert.match(fix.title, /round/i);
    const edits = fix.edit!.changes![planUri];
    planText = applyEdits(planText, edits);
    const diagnostics = nextDiagnostics(planUri);
    await connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: planUri, version: ++version },
      contentChanges: [{ text: planText }],
    });
    const after = (await diagnostics).diagnostics;
    assert.deepEqual(
      after.filter((d) => d.code === 'PL001'),
      [],
    );
    assert.match(planText, /"prune": 4/);
  });

  test('layer names in a plan complete from the model and hover with their group and pixel shuffle', async () => {
    const lines = planText.split('\n');
    const line = lines.findIndex((l) => l.includes('/up/up.0/Conv'));
    const character = lines[line].indexOf('/up') + 1;
    const completion = (await connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: planUri },
      position: { line, character },
    })) as CompletionItem[];
    const labels = completion.map((c) => c.label);
    for (const name of ['/head/Conv', '/up/up.0/Conv', '/tail/Conv']) assert.ok(labels.includes(name), name);
    const hover = await connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: planUri },
      position: { line, character },
    });
    const markdown = (hover?.contents as MarkupContent).value;
    assert.match(markdown, /16 output channels, in blocks of 4/);
    assert.match(markdown, /DepthToSpace CRD, r = 2/);
  });

  test('applying the plan writes <model>.pruned.onnx and verifies it in ONNX Runtime', async () => {
    const result = await connection.sendRequest(applyPlanRequest, { planUri, text: planText, verify: true });
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.equal(result.prunedUri, pathToFileURL(join(dir, 'model.pruned.onnx')).href);
    assert.ok(existsSync(join(dir, 'model.pruned.onnx')));
    assert.ok(result.parameters.after < result.parameters.before);
    assert.ok(result.macs.after < result.macs.before);
    assert.equal(result.verification?.passed, true);
    assert.ok((result.verification?.maxAbsError ?? 1) < 1e-4);
    assert.match(result.report, /\/up\/up\.0\/Conv/);
  });

  test('a plan with an error is refused with its finding, and nothing is written', async () => {
    const bad = planText.replace('"prune": 4', '"prune": 6');
    const out = join(dir, 'model.pruned.onnx');
    rmSync(out);
    const result = await connection.sendRequest(applyPlanRequest, { planUri, text: bad, verify: false });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /PL001 .*whole blocks.*\(line \d+\)/);
    assert.equal(existsSync(out), false);
  });

  test('when the model changes on disk, the model and the plans that point at it are checked again', async () => {
    writeBuilt(dir, 'model.onnx', buildFixture('plain-chain'));
    const model = nextDiagnostics(modelUri);
    const plan = nextDiagnostics(planUri);
    await connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: modelUri, type: FileChangeType.Changed }],
    });
    assert.equal((await model).diagnostics.filter((d) => d.code === 'PS001').length, 0);
    const codes = (await plan).diagnostics.map((d) => d.code);
    assert.ok(codes.includes('PL002'), `the plan's layer is gone from the model: ${codes.join(', ')}`);
  });

  test('a file that is not a model gets one clear error, and the server keeps serving', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, '<!doctype html><html>404</html>');
    const uri = pathToFileURL(bad).href;
    const diagnostics = nextDiagnostics(uri);
    await connection.sendNotification(modelOpened, { uri });
    const list = (await diagnostics).diagnostics;
    assert.equal(list.length, 1);
    assert.match(
      list[0].message,
      /bad\.onnx is not an ONNX model: it looks like a text file \(an HTML page\)/,
    );
    const cleared = nextDiagnostics(uri);
    await connection.sendNotification(modelClosed, { uri });
    assert.deepEqual((await cleared).diagnostics, []);
    assert.equal(child.exitCode, null, 'the server is still running');
  });
});
