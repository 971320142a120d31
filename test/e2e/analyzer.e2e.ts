// The analyzer language server in a real VS Code: an open model's pixel-shuffle findings reach the Problems
// panel under the .onnx file; a plan's PL001 sits on the bad count, and its quick-fix makes it go away;
// "Prune Channels" writes a plan beside the model and opens it; "Apply Pruning Plan" prunes and verifies.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runModel } from '../builder/runtime';
import { sleep } from './harness/sleep';
import { VsCode } from './harness/vscode';

const PLAN = `{
  "model": "edsr-x4.onnx",
  "criterion": "l1",
  "layers": {
    "/tail/tail.0/tail.0.0/Conv": { "prune": 3 }
  }
}
`;

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({
    name: 'analyzer',
    files: {
      'edsr-x4.prune.json': PLAN,
      'models/small.onnx': readFileSync(SAMPLE),
      'broken.onnx': '<!doctype html><html><body>404 Not Found</body></html>',
    },
  });
});
after(async () => {
  if (!vs) return; // start failed and said why
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
});

test('an open model lists its pixel-shuffle findings in the Problems panel', () =>
  vs.check('model-problems', async () => {
    await vs.openFile('edsr-x4.onnx');
    const rows = await vs.waitForProblem(/PS001/, 30_000);
    const row = rows.find((r) => /PS001/.test(r) && r.includes('/tail/tail.0/tail.0.0/Conv'));
    assert.ok(row, `a PS001 row names the conv: ${JSON.stringify(rows)}`);
    assert.match(row, /blocks of 4/);
    assert.match(row, /onnx-pruner/);
    await vs.screenshot('model-problems');
  }));

test('a plan count that is not whole pixel-shuffle blocks gets PL001; the quick-fix rounds it', () =>
  vs.check('plan-quick-fix', async () => {
    await vs.openFile('edsr-x4.prune.json');
    const rows = await vs.waitForProblem(/PL001/, 30_000);
    const row = rows.find((r) => /PL001/.test(r))!;
    assert.match(row, /\[Ln 5, Col 46\]/, `PL001 sits on the count: ${row}`);
    await vs.screenshot('plan-pl001');
    await vs.goToLine(5, 46);
    await vs.applyQuickFix('Round');
    const deadline = Date.now() + 15_000;
    let after = await vs.problems();
    while (after.some((r) => /PL001/.test(r))) {
      assert.ok(Date.now() < deadline, `PL001 went away after the fix: ${JSON.stringify(after)}`);
      after = await vs.problems();
    }
    await vs.screenshot('plan-fixed');
    await vs.runCommand('File: Save'); // the suites run with auto save off, as desktop VS Code does
    await vs.page.locator('.tabs-container .tab.active:not(.dirty)').waitFor();
  }));

test('Prune Channels asks for a criterion and an amount, then writes the plan beside the model and opens it', () =>
  vs.check('prune-channels', async () => {
    await vs.openFile('models/small.onnx');
    await vs.startCommand('ONNX Pruner: Prune Channels');
    await vs.quickInput.locator('.quick-input-title', { hasText: /rank channels by/ }).waitFor();
    await sleep(400); // the quick input fades in
    await vs.screenshot('prune-criterion');
    await vs.answerQuickInput(/rank channels by/, { label: 'l1' });
    await vs.answerQuickInput(/how much/, { label: 'Ratio' });
    await vs.answerQuickInput(/ratio of channels to remove/, { text: '0.5' });
    const planPath = join(vs.server.workspace, 'models/small.prune.json');
    const deadline = Date.now() + 20_000;
    while (!existsSync(planPath)) {
      assert.ok(Date.now() < deadline, 'the plan file was written');
      await sleep(200);
    }
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    assert.equal(plan.model, 'small.onnx');
    assert.equal(plan.criterion, 'l1');
    assert.equal(plan.ratio, 0.5);
    assert.match(plan.modelSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      plan.layers['/tail/tail.0/tail.0.0/Conv'],
      { prune: 64 },
      'whole blocks of 4 (128 × 0.5)',
    );
    await vs.page.locator('.tabs-container .tab[aria-label^="small.prune.json"]').waitFor();
    const note = await vs.waitForNotification(/Plan written: 7 groups/);
    assert.match(note.message, /parameters 158\.98K → [\d.]+K, MACs 289\.75M → [\d.]+M \(estimated\)/);
    await vs.screenshot('prune-channels');
  }));

test('Apply Pruning Plan, its model not open, writes the pruned model beside it, verified in ONNX Runtime', () =>
  vs.check('apply-plan', async () => {
    // With its model open in the editor, the plan would become an edit of it (document.e2e.ts).
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('models/small.prune.json');
    assert.ok(
      (await vs.paletteLabels('ONNX Pruner: Apply Pruning Plan')).includes('ONNX Pruner: Apply Pruning Plan'),
      'offered in the palette while a plan is open',
    );
    await vs.page.locator('.codelens-decoration', { hasText: 'Apply pruning plan' }).waitFor();
    await vs.runCommand('ONNX Pruner: Apply Pruning Plan');
    const note = await vs.waitForNotification(/Pruned model written: small\.pruned\.onnx/, 60_000);
    assert.match(note.message, /verified in ONNX Runtime/);
    const pruned = join(vs.server.workspace, 'models/small.pruned.onnx');
    assert.ok(existsSync(pruned));
    assert.ok(existsSync(join(vs.server.workspace, 'models/small.pruned.report.md')));
    const output = await runModel(pruned, {
      input: { dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).fill(0.5) },
    });
    assert.deepEqual(
      output.output.dims,
      [1, 3, 128, 128],
      'the pruned model runs with the original output shape',
    );
    await vs.screenshot('apply-plan');
  }));

test('the status bar shows the active model; Verify Pruned Model checks <model>.pruned.onnx against it', () =>
  vs.check('verify', async () => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('models/small.onnx');
    await (await vs.webviewFrame()).locator('h1', { hasText: 'small.onnx' }).waitFor();
    const status = vs.page.locator('.statusbar-item', { hasText: 'params' });
    await status.waitFor();
    assert.match(await status.innerText(), /158\.98K params · 289\.75M MACs/);
    await vs.runCommand('ONNX Pruner: Verify Pruned Model');
    const note = await vs.waitForNotification(/small\.pruned\.onnx verified/, 60_000);
    assert.match(note.message, /equal to the masked original/);
    assert.match(vs.channelLog() ?? '', /Verify:[\s\S]*Exactness/i);
    await vs.screenshot('verify');
  }));

test('an invalid model shows its error in the editor and in the Problems panel; the extension keeps working', () =>
  vs.check('invalid-model', async () => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('broken.onnx');
    const alert = (await vs.webviewFrame()).locator('[role=alert]');
    await alert.waitFor();
    assert.match(
      await alert.innerText(),
      /broken\.onnx is not an ONNX model: it looks like a text file \(an HTML page\)/,
    );
    const rows = await vs.waitForProblem(/broken\.onnx is not an ONNX model/, 30_000);
    assert.ok(rows.some((r) => /an HTML page/.test(r)));
    await vs.screenshot('invalid-model');
    await vs.openFile('edsr-x4.onnx');
    await vs.webviewShowing('h1:has-text("edsr-x4.onnx")');
  }));
