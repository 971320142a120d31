// ONNX Runtime runs in a child of the language server: when it crashes (here a worker that aborts, as a native
// crash would) or hangs, the request that needed it fails with a message and the server keeps serving.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { modelStateRequest, verifyRequest } from '../../src/protocol/server';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

const dir = tempDir();
let server: TestServer;

before(async () => {
  // A worker that starts as the real one does, then dies the moment it is asked anything, like ONNX Runtime
  // crashing in native code.
  const crashing = join(dir, 'crashingWorker.js');
  writeFileSync(
    crashing,
    "process.send({ kind: 'ready', ortVersion: 'test' });\nprocess.on('message', () => process.abort());\n",
  );
  server = await startTestServer(dir, { ...process.env, ONNX_PRUNER_ORT_WORKER: crashing });
});
after(() => server?.stop());

test('a crash of ONNX Runtime during Verify is a message; the server keeps serving', async () => {
  const model = pathToFileURL(writeBuilt(dir, 'model.onnx', buildFixture('d2s-crd'))).href;
  const result = await server.connection.sendRequest(verifyRequest, { originalUri: model, prunedUri: model });
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? '' : result.message,
    /cannot verify: the ONNX Runtime process was killed \(SIGABRT\) while loading .*model\.onnx/,
  );
  assert.equal(server.child.exitCode, null, 'the language server is still running');
  const state = await server.connection.sendRequest(modelStateRequest, { uri: model, edits: [] });
  assert.ok(state.ok, 'and answers the next request');
});
