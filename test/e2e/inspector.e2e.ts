// The graph inspector in a real VS Code: the sample's graph is drawn in the model editor (layout worker and
// all, under the editor's CSP); selecting the conv before a pixel shuffle shows its group and block structure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VsCode } from './harness/vscode';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({ name: 'inspector', files: { 'edsr-x4.onnx': readFileSync(SAMPLE) } });
});
after(async () => {
  if (!vs) return;
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
});

test('the sample graph is drawn; selecting the conv before a pixel shuffle shows its group and blocks', () =>
  vs.check('graph-group', async () => {
    await vs.openFile('edsr-x4.onnx');
    const frame = await vs.webviewFrame();
    await frame.locator('#inspector[data-painted="true"]').waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('#graph-status').innerText(), /24 nodes · \d+ groups/);
    await frame.locator('#search').fill('tail.0.0/Conv');
    await frame.locator('#search').press('Enter');
    await frame.locator('#inspector[data-selected="/tail/tail.0/tail.0.0/Conv"]').waitFor();
    const details = frame.locator('#details');
    await details.locator('h3', { hasText: 'Importance' }).waitFor({ timeout: 20_000 });
    const text = await details.innerText();
    assert.match(text, /Channel group G\d+/);
    assert.match(text, /pixel shuffle: DepthToSpace CRD r=2/);
    assert.match(text, /128 channels in 32 units of 4/);
    const violations = vs.console.filter((l) => /Content Security Policy/.test(l) && !/gallery/.test(l));
    assert.deepEqual(violations, [], 'the worker and the page run under the CSP');
    await vs.screenshot('graph-group');
  }));

test('the pruning panel writes the plan, follows a per-layer override, applies it, and shows the compare view', () =>
  vs.check('prune-panel', async () => {
    const planPath = join(vs.server.workspace, 'edsr-x4.prune.json');
    const frame = await vs.webviewFrame();
    await frame.locator('#prune-status', { hasText: 'No plan yet' }).waitFor({ timeout: 20_000 });
    await frame.locator('#prune-value input').fill('0.25');
    await frame.locator('#prune-write').click();
    await frame.locator('#prune[data-plan="edsr-x4.prune.json"]').waitFor({ timeout: 30_000 });
    const status = await frame.locator('#prune-status').innerText();
    assert.equal(
      await frame.locator('#prune-preview table').count(),
      1,
      `a preview table (status: ${status})`,
    );
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    assert.equal(plan.ratio, 0.25);
    assert.deepEqual(plan.layers['/tail/tail.0/tail.0.0/Conv'], { prune: 32 });
    assert.match(await frame.locator('#prune-preview .totals').innerText(), /Parameters .* → .* · MACs/);
    // A per-layer override in the preview table rewrites the plan's layers entry.
    const keep = frame.locator('#prune-preview input[data-root="/tail/tail.0/tail.0.0/Conv"]');
    await keep.fill('64');
    await keep.press('Enter');
    await keep.blur();
    const deadline = Date.now() + 15_000;
    while (JSON.parse(readFileSync(planPath, 'utf8')).layers['/tail/tail.0/tail.0.0/Conv'].prune !== 64) {
      assert.ok(Date.now() < deadline, 'the plan file follows the override');
      await new Promise((r) => setTimeout(r, 200));
    }
    await vs.screenshot('prune-panel');
    await frame.locator('#prune-apply').click();
    await vs.waitForNotification(/Plan applied to edsr-x4\.onnx/, 90_000);
    // Applying changes the document, so the editor renders its page anew: read whichever frame shows it.
    const { text, applied } = await vs.readWebviewShowing('#compare-table table', async (f) => {
      await f.locator('#compare').scrollIntoViewIfNeeded();
      return {
        text: await f.locator('#compare-table').innerText(),
        applied: await f.locator('#prune-status').innerText(),
      };
    });
    assert.match(text, /\/tail\/tail\.0\/tail\.0\.0\/Conv\s+Conv\s+128 → 64\s+64/);
    assert.match(text, /Parameters 158\.98K → /);
    assert.match(applied, /This plan is applied to the model/);
    await vs.screenshot('compare');
  }));
