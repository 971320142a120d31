// Opening a model in the editor starts the prune worker ahead of the first preview or prune, which then does not
// wait for the thread to start and load its bundle (~0.2 s): the preview runs on that worker, no other starts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { modelStateRequest, previewRequest } from '../../src/protocol/server';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

const dir = tempDir();
const starts = join(dir, 'worker-starts.log');
let server: TestServer;

before(async () => {
  writeSynthetic(convChain(20, 16), join(dir, 'model.onnx'));
  // Each prune worker notes its start, then runs the real worker bundle.
  server = await startTestServer(dir, process.env, undefined, (bundle) => {
    const wrapper = join(dir, 'counted-worker.js');
    writeFileSync(
      wrapper,
      `require('node:fs').appendFileSync(${JSON.stringify(starts)}, 'start\\n');\nrequire(${JSON.stringify(bundle)});\n`,
    );
    return wrapper;
  });
});
after(() => server?.stop());

const started = () =>
  existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').filter(Boolean).length : 0;

test('a model opened in the editor has a prune worker started; the first preview runs on it', async () => {
  const uri = pathToFileURL(join(dir, 'model.onnx')).href;
  assert.equal(started(), 0);
  const state = await server.connection.sendRequest(modelStateRequest, { uri, edits: [] });
  assert.ok(state.ok);
  for (let i = 0; i < 200 && started() === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(started(), 1, 'a worker started when the model was opened');
  const planUri = pathToFileURL(join(dir, 'model.prune.json')).href;
  const planText = JSON.stringify({ model: 'model.onnx', ratio: 0.5, criterion: 'l1' });
  const preview = await server.connection.sendRequest(previewRequest, { uri, edits: [], planUri, planText });
  assert.ok(preview.ok, preview.ok ? '' : preview.message);
  // Opening the model again (the editor asks for its state after each edit) starts none either.
  assert.ok((await server.connection.sendRequest(modelStateRequest, { uri, edits: [] })).ok);
  assert.equal(started(), 1, 'the preview ran on the worker started ahead of it');
});
