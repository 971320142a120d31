// The model editor as a document in a real VS Code: a plan applied to an open model is an undoable edit (the
// editor turns dirty, Undo brings the original summary back, Redo prunes again); Save writes a model that runs
// in ONNX Runtime with the original output shape and fewer MACs, keeping the previous file as .bak; a
// Reshape→Transpose→Reshape pixel shuffle's Fix button rewrites it as DepthToSpace, undoably.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { summarizeModel } from '../../src/core/inspect/summary';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { buildFixture } from '../builder/fixtures';
import { runModel } from '../builder/runtime';
import { sleep } from './harness/sleep';
import { VsCode } from './harness/vscode';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');
const PLAN = JSON.stringify({ model: 'edsr-x4.onnx', criterion: 'l1', ratio: 0.5 }, null, 2);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({
    name: 'document',
    files: {
      'edsr-x4.onnx': readFileSync(SAMPLE),
      'edsr-x4.prune.json': `${PLAN}\n`,
      'rtr.onnx': buildFixture('rtr-crd-dynamic').bytes,
    },
  });
});
after(async () => {
  if (!vs) return;
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
});

/** Waits until the visible webview's text matches (the page is rendered anew on every change). */
async function pageText(pattern: RegExp | ((text: string) => boolean), timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const matches = typeof pattern === 'function' ? pattern : (text: string) => pattern.test(text);
  let text = '';
  while (Date.now() < deadline) {
    const frame = await vs.webviewFrame().catch(() => undefined);
    text =
      (await frame
        ?.locator('body')
        .innerText({ timeout: 1_000 })
        .catch(() => '')) ?? '';
    if (matches(text)) return text;
    await sleep(200);
  }
  throw new Error(`the editor page never showed ${pattern}; it shows:\n${text.slice(0, 2000)}`);
}

/**
 * The PS002 Fix button. The editor's findings are grouped by code and each group is closed until the user opens
 * it: open PS002's group first, as a user would.
 */
async function ps002Fix(frame: Frame) {
  const group = frame.locator('details.finding-group[data-code="PS002"]');
  if (!(await group.evaluate((d) => (d as HTMLDetailsElement).open))) await group.locator('summary').click();
  return frame.locator('vscode-button[data-fix="PS002"]');
}

function tab(name: string) {
  return vs.page.locator(`.tabs-container .tab[aria-label^="${name}"]`);
}

async function waitForDirty(name: string, dirty: boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await tab(name).first().getAttribute('class'))?.includes('dirty') !== dirty) {
    assert.ok(Date.now() < deadline, `${name} is ${dirty ? '' : 'not '}dirty`);
    await sleep(100);
  }
}

/** Undo or Redo in the model editor: its tab focused, then the keyboard (as a user does). */
async function undoRedo(name: string, key: 'Control+Z' | 'Control+Shift+Z'): Promise<void> {
  await tab(name).first().click();
  await sleep(300);
  await vs.page.keyboard.press(key);
}

/** The summary's parameter count (the pruning panel's "Parameters 158.98K → …" line is not it). */
const parameters = (text: string) => Number(/Parameters\s+([\d,]+)\s*\n/.exec(text)?.[1].replaceAll(',', ''));

test('applying a plan to the open model is an undoable edit; Save writes it and keeps the previous file', () =>
  vs.check('apply-undo-save', async () => {
    const modelPath = join(vs.server.workspace, 'edsr-x4.onnx');
    const originalSha = sha(readFileSync(modelPath));
    await vs.openFile('edsr-x4.onnx');
    // Section headings are upper-cased by the side bar's CSS, and innerText reads them as shown.
    const original = await pageText(/Channel groups[\s\S]*G1/i);
    assert.match(original, /Findings[\s\S]*PS001/i);
    const originalParameters = parameters(original);
    assert.equal(originalParameters, 158_979);
    await vs.screenshot('editor-groups-findings');

    await vs.openFile('edsr-x4.prune.json');
    await vs.runCommand('ONNX Pruner: Apply Pruning Plan');
    const note = await vs.waitForNotification(/Plan applied to edsr-x4\.onnx/, 90_000);
    assert.match(note.message, /verified in ONNX Runtime/);
    assert.match(note.message, /Save to write the model/);
    await waitForDirty('edsr-x4.onnx', true);
    const pruned = await pageText(/Unsaved edits[\s\S]*Prune channels \(edsr-x4\.prune\.json\)/);
    assert.ok(parameters(pruned) < originalParameters, `fewer parameters: ${parameters(pruned)}`);
    assert.equal(sha(readFileSync(modelPath)), originalSha, 'nothing written before Save');
    await vs.screenshot('applied-dirty');

    await undoRedo('edsr-x4.onnx', 'Control+Z');
    await waitForDirty('edsr-x4.onnx', false);
    // Undo restores the original summary.
    const undone = await pageText((text) => parameters(text) === originalParameters);
    assert.doesNotMatch(undone, /Unsaved edits/);
    await vs.screenshot('undone');

    await undoRedo('edsr-x4.onnx', 'Control+Shift+Z');
    await pageText(/Unsaved edits/);
    await waitForDirty('edsr-x4.onnx', true);
    assert.equal(parameters(await pageText(/Unsaved edits/)), parameters(pruned), 'Redo prunes again');

    await tab('edsr-x4.onnx').first().click();
    await vs.runCommand('File: Save');
    await waitForDirty('edsr-x4.onnx', false);
    await pageText(/Edits saved/);
    const backup = `${modelPath}.bak`;
    assert.ok(existsSync(backup), 'the previous file is kept beside it');
    assert.equal(sha(readFileSync(backup)), originalSha);
    const file = openModel(modelPath);
    const [before, after] = [
      summarizeModel(new ModelView(openModel(backup))),
      summarizeModel(new ModelView(file)),
    ];
    file.close();
    assert.ok(after.macs < before.macs, `fewer MACs: ${after.macs} < ${before.macs}`);
    assert.equal(after.parameters, parameters(pruned));
    const output = await runModel(modelPath, {
      input: { dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).fill(0.5) },
    });
    assert.deepEqual(
      output.output.dims,
      [1, 3, 128, 128],
      'the saved model runs with the original output shape',
    );
    await vs.screenshot('saved');
  }));

test('a Reshape→Transpose→Reshape pixel shuffle shows PS002; its Fix button rewrites it, undoably', () =>
  vs.check('fix-button', async () => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('rtr.onnx');
    const rows = await vs.waitForProblem(/PS002/, 30_000);
    assert.ok(
      rows.some((r) => /PS002/.test(r) && /Reshape→Transpose→Reshape/.test(r)),
      JSON.stringify(rows),
    );
    await pageText(/PS002/);
    await vs.screenshot('ps002-fix-button');
    const frame = await vs.webviewFrame();
    await (await ps002Fix(frame)).click();
    const fixed = await pageText(/Unsaved edits[\s\S]*Rewrite as DepthToSpace/);
    assert.match(fixed, /DepthToSpace\s+1/, 'the operator table counts one DepthToSpace');
    assert.doesNotMatch(fixed, /PS002/);
    await waitForDirty('rtr.onnx', true);
    const deadline = Date.now() + 20_000;
    while ((await vs.problems()).some((r) => /PS002/.test(r))) {
      assert.ok(Date.now() < deadline, 'PS002 leaves the Problems panel');
      await sleep(300);
    }
    await vs.screenshot('ps002-fixed');
    await undoRedo('rtr.onnx', 'Control+Z');
    await waitForDirty('rtr.onnx', false);
    await pageText((text) => /PS002/.test(text) && !/Unsaved edits/.test(text));
  }));

test('unsaved edits survive a window reload (hot exit backs up the edit list, not the model)', () =>
  vs.check('hot-exit', async () => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('rtr.onnx');
    const frame = await vs.webviewFrame();
    await (await ps002Fix(frame)).click();
    await pageText(/Unsaved edits[\s\S]*Rewrite as DepthToSpace/);
    await waitForDirty('rtr.onnx', true);
    // VS Code backs a dirty editor up about a second after its last change; a browser window cannot wait for
    // a backup while it unloads, so a reload before then asks to save instead.
    await sleep(3_000);
    await vs.runCommand('Developer: Reload Window');
    await vs.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
    await tab('rtr.onnx').first().waitFor({ timeout: 30_000 });
    await tab('rtr.onnx').first().click();
    const restored = await pageText(/Unsaved edits[\s\S]*Rewrite as DepthToSpace/, 60_000);
    assert.match(restored, /DepthToSpace\s+1/);
    await waitForDirty('rtr.onnx', true);
    assert.match(
      vs.channelLog() ?? '',
      /rtr\.onnx: \d+ nodes, \d+ parameters \(\d+ ms, 1 unsaved edit\(s\) restored\)/,
    );
    await vs.screenshot('hot-exit-restored');
    // Revert drops the edit and the file is as it was.
    await vs.runCommand('File: Revert File');
    await waitForDirty('rtr.onnx', false);
    await pageText((text) => /PS002/.test(text) && !/Unsaved edits/.test(text));
  }));

test("the editor page runs under its CSP without violations (the UI kit's elements included)", () =>
  vs.check('csp', async () => {
    await vs.openFile('rtr.onnx');
    const frame = await vs.webviewFrame();
    // The kit's button is a registered custom element with a shadow root: the page script ran.
    await frame.locator('details.finding-group[data-code="PS002"]').waitFor();
    const fix = await ps002Fix(frame);
    await fix.waitFor();
    assert.equal(await fix.evaluate((e) => e.shadowRoot !== null), true);
    const violations = vs.console.filter(
      (line) => /Content Security Policy/.test(line) && !/gallery/.test(line), // the workbench's gallery probe
    );
    assert.deepEqual(violations, []);
  }));
