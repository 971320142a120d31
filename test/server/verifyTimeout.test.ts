// One time limit for every ONNX Runtime step (issue 12 item 7): ORT_TIMEOUT_SECONDS is the default of the CLI's
// --timeout, of verify, and of the editor's setting onnxPruner.verify.timeoutSeconds, which the language server
// enforces on the verifications the editor asks for.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { ORT_TIMEOUT_SECONDS } from '../../src/protocol/runtime';
import { applyPlanRequest, verifyRequest } from '../../src/protocol/server';
import { VERIFY_DEFAULTS } from '../../src/runtime/verify/verifyModels';
import { buildFixture, writeBuilt } from '../builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

const dir = tempDir();
useFreshWorker();

describe('one ONNX Runtime time limit', () => {
  test('the setting, verify and the CLI share ORT_TIMEOUT_SECONDS as their default', async () => {
    const manifest = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
    const setting = manifest.contributes.configuration.properties['onnxPruner.verify.timeoutSeconds'];
    assert.equal(setting.default, ORT_TIMEOUT_SECONDS);
    assert.equal(VERIFY_DEFAULTS.timeoutMs, ORT_TIMEOUT_SECONDS * 1000);
    for (const command of ['verify', 'prune']) {
      const help = await cli(command, '--help');
      const text = help.stdout.replace(/\s+/g, ' '); // commander wraps the help to the terminal's width
      assert.match(text, new RegExp(`--timeout <seconds> [^"]*\\(default: "${ORT_TIMEOUT_SECONDS}"\\)`));
    }
  });

  test('verify --timeout stops a step that takes longer, and says how to give it longer', async () => {
    const model = writeBuilt(dir, 'verify.onnx', buildFixture('edsr-x4'));
    const run = await cli('verify', model, model, '--timeout', '0.001');
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^onnx-pruner: cannot verify: ONNX Runtime did not finish .* within 1 ms; its process was stopped \(--timeout gives each step longer\)\.\n$/,
    );
  });

  test('prune --verify --timeout stops a step that takes longer, and says the model is not verified', async () => {
    const model = writeBuilt(dir, 'cli.onnx', buildFixture('edsr-x4'));
    const out = join(dir, 'cli.pruned.onnx');
    const run = await cli('prune', model, '--ratio', '0.5', '-o', out, '--verify', '--timeout', '0.001');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^onnx-pruner: cannot verify: ONNX Runtime did not finish .* within 1 ms; its process was stopped \(--timeout gives each step longer\); the pruned model was written to .*cli\.pruned\.onnx, but it is not verified\.\n$/,
    );
  });

  describe('the language server', () => {
    let server: TestServer;
    let connection: ProtocolConnection;
    before(async () => {
      server = await startTestServer(dir);
      ({ connection } = server);
    });
    after(() => server?.stop());

    const model = writeBuilt(dir, 'model.onnx', buildFixture('edsr-x4'));
    const planUri = pathToFileURL(join(dir, 'model.prune.json')).href;
    const planText = JSON.stringify({ model: 'model.onnx', ratio: 0.5 });

    test('verify honours the time limit the editor sends', async () => {
      const uri = pathToFileURL(model).href;
      const quick = await connection.sendRequest(verifyRequest, {
        originalUri: uri,
        prunedUri: uri,
        timeoutSeconds: 0.001,
      });
      assert.equal(quick.ok, false);
      assert.match(
        quick.ok ? '' : quick.message,
        /did not finish .* within 1 ms; its process was stopped \(the setting onnxPruner\.verify\.timeoutSeconds gives each step longer\)\.$/,
      );
      const normal = await connection.sendRequest(verifyRequest, { originalUri: uri, prunedUri: uri });
      assert.ok(normal.ok && normal.passed, normal.ok ? normal.text : normal.message);
    });

    test('applyPlan too: the pruned model is written, and not verified', async () => {
      const result = await connection.sendRequest(applyPlanRequest, {
        planUri,
        text: planText,
        verify: true,
        timeoutSeconds: 0.001,
      });
      assert.equal(result.ok, false);
      assert.match(
        result.ok ? '' : result.message,
        /within 1 ms; its process was stopped \(the setting onnxPruner\.verify\.timeoutSeconds gives each step longer\); the pruned model was written to .*model\.pruned\.onnx, but it is not verified\.$/,
      );
    });
  });
});
