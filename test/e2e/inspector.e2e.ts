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
