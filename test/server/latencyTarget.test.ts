// A plan with a latency target, applied in the editor: the server searches by timing prunes made on its worker
// threads, with the latency lookup table cached in the folder the extension gives (its global storage).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { applyPlanRequest } from '../../src/protocol/server';
import { ModelBuilder, writeBuilt } from '../builder';
import { useFreshWorker } from '../runtime/workerBundle';
import { tempDir } from '../support/tempDir';
import { type TestServer, startTestServer } from './serverHarness';

useFreshWorker();
const dir = tempDir();
const cacheDir = join(dir, 'global-storage', 'latency-tables');
let server: TestServer;

before(async () => {
  const b = new ModelBuilder({ opset: 17, seed: 9 });
  let y = b.relu(b.conv(b.input('x', [1, 3, 32, 32]), 32, { kernel: 3, pads: 1, name: '/conv1/Conv' }));
  y = b.relu(b.conv(y, 32, { kernel: 3, pads: 1, name: '/conv2/Conv' }));
  b.output(b.conv(y, 4, { kernel: 3, pads: 1, name: '/conv3/Conv' }));
  writeBuilt(dir, 'net.onnx', b.build());
  server = await startTestServer(dir, process.env, { latencyCacheDir: cacheDir });
});
after(() => server?.stop());

describe('applyPlan with targetLatency', () => {
  test('searches by measured prunes, says so in the report, and caches the table in the given folder', async () => {
    const planUri = pathToFileURL(join(dir, 'net.prune.json')).href;
    const text = JSON.stringify({ model: 'net.onnx', targetLatency: 0.8, criterion: 'l1' });
    const result = await server.connection.sendRequest(applyPlanRequest, { planUri, text, verify: false });
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.match(result.report, /Latency target 0\.8\\: /);
    assert.match(result.report, /Channel counts\\: /, 'said in words, not URL-encoded');
    assert.match(result.report, /latency lookup table/);
    assert.ok(existsSync(join(dir, 'net.pruned.onnx')));
    assert.equal(readdirSync(cacheDir).filter((f) => /^latency-[0-9a-f]{64}\.json$/.test(f)).length, 1);
    const again = await server.connection.sendRequest(applyPlanRequest, { planUri, text, verify: false });
    assert.ok(again.ok);
    assert.match(again.report, /latency lookup table \\\(cached\\\)/);
  });
});
