// The editor's sizes of symbolic input dims (setting onnxPruner.verify.inputDims): one list for every model, so
// the names a model lacks and the values that are not sizes are left out rather than refused; the verification
// the editor asks for runs on those sizes, and says when it guessed instead (and which setting sizes them).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  applyPlanRequest,
  fidelityRequest,
  modelStateRequest,
  verifyRequest,
} from '../../src/protocol/server';
import { inputDimsForModel } from '../../src/server/inputDimsSetting';
import { useFreshWorker } from '../runtime/workerBundle';
import { writeSymbolicSpatial } from '../support/symbolicModel';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

const dir = tempDir();
useFreshWorker();
const model = writeSymbolicSpatial(dir, 'model.onnx');

test("the setting's entries that apply: sizes from 1 to 2^20 of dims the model declares", () => {
  const setting = { height: 480, width: 2 ** 20 + 1, N: 2, depth: 3, other: 'x', neg: -1, frac: 2.5 };
  assert.deepEqual([...inputDimsForModel(setting, model)], [['height', 480]]);
  for (const junk of [undefined, null, 7, 'height=4', [['height', 4]]])
    assert.equal(inputDimsForModel(junk, model).size, 0);
  // An unreadable model gets none: the verification itself says why it cannot read it.
  const notModel = join(dir, 'not.onnx');
  writeFileSync(notModel, 'not a model');
  assert.equal(inputDimsForModel({ height: 4 }, notModel).size, 0);
  const manifest = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
  const declared = manifest.contributes.configuration.properties['onnxPruner.verify.inputDims'];
  assert.deepEqual(declared.additionalProperties, { type: 'integer', minimum: 1, maximum: 2 ** 20 });
});

describe('the language server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(dir);
  });
  after(() => server?.stop());
  const uri = pathToFileURL(model).href;

  test('verify runs on the sizes the setting gives, or says it guessed and which setting sizes them', async () => {
    const sized = await server.connection.sendRequest(verifyRequest, {
      originalUri: uri,
      prunedUri: uri,
      inputDims: { height: 24, width: 20, channels: 3 }, // 'channels' is some other model's
    });
    assert.ok(sized.ok && sized.passed, sized.ok ? sized.text : sized.message);
    assert.match(sized.text, /Inputs {4}input float32 \[1, 3, 24, 20\]/);
    assert.doesNotMatch(sized.text, /were given 16/);
    const guessed = await server.connection.sendRequest(verifyRequest, { originalUri: uri, prunedUri: uri });
    assert.ok(guessed.ok && guessed.passed, guessed.ok ? guessed.text : guessed.message);
    assert.match(
      guessed.text,
      /symbolic dims 'height', 'width' were given 16 \(nothing sizes them; the setting onnxPruner\.verify\.inputDims does\)/,
    );
  });

  test('the fidelity view runs on them too: its pictures are of outputs that size', async () => {
    const sized = await server.connection.sendRequest(fidelityRequest, {
      uri,
      edits: [],
      inputDims: { height: 24, width: 20 },
    });
    assert.ok(sized.ok, sized.ok ? '' : sized.message);
    assert.deepEqual(
      sized.pictures.map((p) => [p.height, p.width]),
      [[24, 20]],
    );
    const guessed = await server.connection.sendRequest(fidelityRequest, { uri, edits: [] });
    assert.ok(guessed.ok, guessed.ok ? '' : guessed.message);
    assert.deepEqual(
      guessed.pictures.map((p) => [p.height, p.width]),
      [[16, 16]],
    );
  });

  test("a plan's prune is verified on them too, and its report says when it guessed", async () => {
    const planUri = pathToFileURL(join(dir, 'model.prune.json')).href;
    const text = JSON.stringify({ model: 'model.onnx', ratio: 0.5 });
    const guessed = await server.connection.sendRequest(applyPlanRequest, { planUri, text, verify: true });
    assert.ok(guessed.ok, guessed.ok ? '' : guessed.message);
    assert.match(
      guessed.report,
      /were given 16 \(nothing sizes them; the setting `onnxPruner\.verify\.inputDims` does\)/,
    );
    const sized = await server.connection.sendRequest(applyPlanRequest, {
      planUri,
      text,
      verify: true,
      inputDims: { height: 12, width: 10 },
    });
    assert.ok(sized.ok && sized.verification?.passed, sized.ok ? sized.report : sized.message);
    assert.doesNotMatch(sized.report, /were given 16/);
    // The prune's MACs: left uncounted on symbolic dims (and said so), counted on the sizes the setting gives.
    assert.ok(guessed.ok);
    assert.deepEqual(guessed.macs, { before: 0, after: 0, uncounted: 3 });
    assert.equal(sized.macs.uncounted, undefined);
    assert.equal(sized.macs.before, ((3 * 8 + 8 * 16 + 16 * 4) * 9 + (8 + 16 + 4)) * 120);
    assert.ok(sized.macs.after < sized.macs.before);
  });

  test("the editor's summary (its MACs, the status bar's) is counted on them too", async () => {
    const declared = await server.connection.sendRequest(modelStateRequest, { uri, edits: [] });
    assert.ok(declared.ok, declared.ok ? '' : declared.message);
    assert.equal(declared.summary.macs, 0);
    assert.equal(declared.summary.macsUncounted.length, 3);
    assert.equal(declared.summary.macsInputShapes, undefined);
    const sized = await server.connection.sendRequest(modelStateRequest, {
      uri,
      edits: [],
      inputDims: { height: 12, width: 10, channels: 3 },
    });
    assert.ok(sized.ok, sized.ok ? '' : sized.message);
    assert.deepEqual(sized.summary.macsInputShapes, { input: [1, 3, 12, 10] });
    assert.deepEqual(sized.summary.macsUncounted, []);
    assert.equal(sized.summary.macs, ((3 * 8 + 8 * 16 + 16 * 4) * 9 + (8 + 16 + 4)) * 120);
  });
});
