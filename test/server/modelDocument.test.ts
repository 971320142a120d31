// The model editor's document as the language server keeps it: edits (prunes, model fixes) materialised per
// prefix, Undo as a shorter edit list, Save through the core writer with a backup, refused edits changing
// nothing. Real server process, real ONNX Runtime.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  type ModelEdit,
  type ModelStateResult,
  compareModelsRequest,
  makePlanRequest,
  modelClosed,
  modelOpened,
  modelStateRequest,
} from '../../src/protocol/server';
import { buildFixture } from '../builder/fixtures';
import { computedClassifierWeight } from '../builder/fixtures-shapes';
import { writeBuilt } from '../builder/model-builder';
import { runModel } from '../builder/runtime';
import { useFreshWorker } from '../runtime/workerBundle';
import { tempDir } from '../support/tempDir';
import { type TestServer, saveModel, startTestServer } from './serverHarness';

const dir = tempDir();
useFreshWorker();

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function ok(result: ModelStateResult): Extract<ModelStateResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result;
}

describe('model editor documents in the language server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(dir);
  });
  after(() => server?.stop());

  const state = (uri: string, edits: ModelEdit[], verifyLast = false) =>
    server.connection.sendRequest(modelStateRequest, { uri, edits, verifyLast });
  /** Saves the model with `edits` to `target` (Save As), which must succeed. */
  const saveAs = (uri: string, edits: ModelEdit[], target: string) =>
    saveModel(server.connection, { uri, edits, target: pathToFileURL(target).href, backup: true });

  describe('a prune edit', () => {
    const modelPath = join(dir, 'sr.onnx');
    const uri = pathToFileURL(modelPath).href;
    let prune: Extract<ModelEdit, { kind: 'prune' }>;
    let originalParameters = 0;
    let originalSha = '';

    before(async () => {
      writeBuilt(dir, 'sr.onnx', buildFixture('d2s-crd'));
      originalSha = sha(modelPath);
      await server.connection.sendNotification(modelOpened, { uri });
      const plan = await server.connection.sendRequest(makePlanRequest, {
        modelUri: uri,
        criterion: 'l1',
        ratio: 0.5,
        // The fixture's 16-channel convs are one channel block: aligned, they would keep every channel.
        align: false,
      });
      assert.ok(plan.ok);
      prune = {
        kind: 'prune',
        label: 'Prune channels (sr.prune.json)',
        planUri: plan.planUri,
        planText: plan.text,
      };
    });

    test('the unedited document is the file: summary, groups and findings', async () => {
      const s = ok(await state(uri, []));
      originalParameters = s.summary.parameters;
      assert.equal(s.summary.path, modelPath);
      assert.ok(s.groups.some((g) => g.pixelShuffles.some((p) => /DepthToSpace CRD r=2/.test(p))));
      assert.ok(s.findings.some((f) => f.code === 'PS001'));
    });

    test('applied, it prunes the state, verifies it against the state before, and republishes findings', async () => {
      const published = server.nextDiagnostics(uri);
      const s = ok(await state(uri, [prune], true));
      assert.ok(s.summary.parameters < originalParameters);
      assert.equal(s.summary.path, modelPath, 'the editor names the model, not the temporary state');
      assert.equal(s.verification?.passed, true, s.verification?.text);
      assert.ok((s.verification?.maxAbsError ?? 1) < 1e-4);
      await published;
      assert.equal(sha(modelPath), originalSha, 'nothing is written to the model before Save');
    });

    test('undone (an empty edit list), the document is the original again', async () => {
      const s = ok(await state(uri, []));
      assert.equal(s.summary.parameters, originalParameters);
    });

    test('Save writes the pruned model through the writer and keeps the previous file as .bak', async () => {
      const saved = await saveModel(server.connection, { uri, edits: [prune], target: uri, backup: true });
      assert.equal(saved.backupUri, pathToFileURL(`${modelPath}.bak`).href);
      assert.equal(sha(`${modelPath}.bak`), originalSha);
      const before = await runModel(`${modelPath}.bak`);
      const afterSave = await runModel(modelPath);
      for (const [name, value] of Object.entries(before))
        assert.deepEqual(afterSave[name].dims, value.dims, `output ${name} keeps its shape`);
      // The edits still apply to the version that was opened: Undo after Save gives the original back.
      assert.equal(ok(await state(uri, [])).summary.parameters, originalParameters);
      assert.ok(ok(await state(uri, [prune])).summary.parameters < originalParameters);
    });

    test('Compare Models: the previous file against the saved one, layer by layer', async () => {
      const result = await server.connection.sendRequest(compareModelsRequest, {
        originalUri: pathToFileURL(`${modelPath}.bak`).href,
        otherUri: uri,
      });
      assert.ok(result.ok, result.ok ? '' : result.message);
      const conv = result.rows.find((r) => r.root === '/up/up.0/Conv');
      assert.ok(conv && conv.after < conv.before && conv.after % 4 === 0, JSON.stringify(conv));
      assert.equal(result.parameters.before, originalParameters);
      assert.ok(result.macs.after < result.macs.before);
    });

    test('an edit that cannot be made is refused with the reason and changes nothing', async () => {
      const bad: ModelEdit = {
        ...prune,
        planText: JSON.stringify({
          model: 'sr.onnx',
          criterion: 'l1',
          layers: { '/up/up.0/Conv': { prune: 3 } },
        }),
      };
      const before = sha(modelPath);
      const s = await state(uri, [prune, bad]);
      assert.equal(s.ok, false);
      assert.match(s.ok ? '' : s.message, /PL001/);
      assert.equal(sha(modelPath), before);
    });

    after(() => server.connection.sendNotification(modelClosed, { uri }));
  });

  describe('a model fix', () => {
    const modelPath = join(dir, 'rtr.onnx');
    const uri = pathToFileURL(modelPath).href;

    test('a CRD shuffle at opset 9 gets PS002 without a fix: DepthToSpace has no CRD before opset 11', async () => {
      const old = pathToFileURL(writeBuilt(dir, 'rtr9.onnx', buildFixture('rtr-crd-static'))).href;
      const finding = ok(await state(old, [])).findings.find((f) => f.code === 'PS002');
      assert.ok(finding);
      assert.equal(finding.fix, undefined);
    });

    test('PS002 is offered with its fix; applying it rewrites the shuffle as DepthToSpace, outputs equal', async () => {
      writeBuilt(dir, 'rtr.onnx', buildFixture('rtr-crd-dynamic'));
      await server.connection.sendNotification(modelOpened, { uri });
      const before = ok(await state(uri, []));
      const finding = before.findings.find((f) => f.code === 'PS002');
      assert.ok(finding?.fix, `PS002 with a fix among ${before.findings.map((f) => f.code).join(', ')}`);
      assert.equal(finding.fix.code, 'PS002');
      const fix: ModelEdit = { kind: 'fix', label: finding.fix.title, code: 'PS002', node: finding.fix.node };
      const fixed = ok(await state(uri, [fix]));
      assert.equal(fixed.findings.filter((f) => f.code === 'PS002').length, 0);
      assert.equal(fixed.summary.ops.DepthToSpace, 1);
      assert.equal(fixed.summary.ops.Transpose ?? 0, 0);
      assert.ok((fixed.summary.ops.Shape ?? 0) < (before.summary.ops.Shape ?? 0), 'its shape chain goes too');

      const target = join(dir, 'rtr-fixed.onnx');
      const saved = await saveAs(uri, [fix], target);
      assert.equal(saved.backupUri, undefined, 'nothing to back up: Save As to a new file');
      const [a, b] = [await runModel(modelPath), await runModel(target)];
      for (const [name, value] of Object.entries(a)) assert.deepEqual(b[name].data, value.data);
    });

    test('a fix with nothing to fix is refused', async () => {
      const s = await state(uri, [{ kind: 'fix', label: 'x', code: 'PS003' }]);
      assert.equal(s.ok, false);
      assert.match(s.ok ? '' : s.message, /rtr\.onnx: no PS003 finding to fix/);
      assert.doesNotMatch(s.ok ? '' : s.message, /onnx-pruner-states/, 'the message names the model');
    });
  });

  test('PR001 is offered with its fold where a weight is reshaped at run time; the fold unlocks the conv', async () => {
    const modelPath = writeBuilt(join(dir, 'fold'), 'model.onnx', computedClassifierWeight('reshaped'));
    const uri = pathToFileURL(modelPath).href;
    const before = ok(await state(uri, []));
    const finding = before.findings.find((f) => f.code === 'PR001');
    assert.deepEqual(finding?.fix, {
      code: 'PR001',
      title: "Fold Reshape '/classifier/w_reshape' into an initializer",
      node: '/classifier/MatMul',
    });
    const conv = (s: typeof before) => s.groups.find((g) => g.roots.includes('/features/Conv'))!;
    assert.equal(conv(before).prunable, false);
    const fix: ModelEdit = { kind: 'fix', label: finding.fix.title, code: 'PR001', node: finding.fix.node };
    const fixed = ok(await state(uri, [fix]));
    assert.equal(fixed.findings.filter((f) => f.code === 'PR001').length, 0);
    assert.equal(fixed.summary.ops.Reshape ?? 0, 0);
    assert.equal(conv(fixed).prunable, true);
    const target = join(dir, 'fold', 'fixed.onnx');
    await saveAs(uri, [fix], target);
    assert.deepEqual(await runModel(target), await runModel(modelPath));
    // A weight cast at run time is said the same way, with no fold on offer.
    const cast = writeBuilt(join(dir, 'fold'), 'cast.onnx', computedClassifierWeight('cast'));
    const other = ok(await state(pathToFileURL(cast).href, [])).findings.find((f) => f.code === 'PR001');
    assert.ok(other);
    assert.equal(other.fix, undefined);
  });

  test('a model with external data is not edited in place, with a clear message', async () => {
    const modelPath = writeBuilt(join(dir, 'ext'), 'model.onnx', buildFixture('external-data'));
    const uri = pathToFileURL(modelPath).href;
    assert.ok(ok(await state(uri, [])).summary.parameters > 0);
    const s = await state(uri, [{ kind: 'fix', label: 'x', code: 'PS003' }]);
    assert.equal(s.ok, false);
    assert.match(s.ok ? '' : s.message, /keeps its weights in external data files.*<model>\.pruned\.onnx/);
    assert.ok(!existsSync(`${modelPath}.bak`));
  });
});
