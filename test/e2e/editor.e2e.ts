// The ONNX model editor in a real VS Code: opening a .onnx file opens our custom editor (not the text
// editor's binary-file warning) and its webview shows the model summary; a file that is not a model shows
// the reader's message; strings from the model are shown as text, never as markup.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ModelBuilder } from '../builder';
import { LOG_CHANNEL } from './harness/extensionUnderTest';
import { paths } from './harness/paths';
import { sleep } from './harness/sleep';
import { VsCode } from './harness/vscode';

const HOSTILE = '<img src=x onerror="document.title=1">';

function hostileModel(): Uint8Array {
  const b = new ModelBuilder({
    opset: 17,
    producerName: HOSTILE,
    producerVersion: '<b>1</b>',
    metadata: { '<script>alert(1)</script>': '& "quoted" \'text\'' },
  });
  b.output(b.relu(b.input('<i>x</i>', [1, 'N<&>', 4])), 'y');
  return b.build().bytes;
}

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({
    name: 'editor',
    files: {
      'not-a-model.onnx': 'hello, this is text\n',
      'models/hostile.onnx': hostileModel(),
    },
  });
});
after(async () => {
  if (!vs) return; // start failed and said why
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
  assert.deepEqual(vs.outboundRequests, [], 'the browser sent nothing beyond 127.0.0.1');
});

test('opening the sample model opens the ONNX Pruner editor with the model summary', () =>
  vs.check('open-sample', async () => {
    await vs.openFile('edsr-x4.onnx');
    const [active] = await vs.tabs();
    assert.match(active ?? '', /^edsr-x4\.onnx/);
    const frame = await vs.webviewFrame();
    await frame.locator('h1', { hasText: 'edsr-x4.onnx' }).waitFor();
    const text = await frame.locator('body').innerText();
    for (const expected of [
      'IR version',
      'ai.onnx 17',
      'onnx-pruner-sample 0.1.0',
      '158,979',
      'DepthToSpace',
      'Conv',
    ])
      assert.ok(text.includes(expected), `the summary shows ${expected}`);
    assert.match(text, /input\s+float\s+\[N, 3, 32, 32\]/);
    assert.match(text, /output\s+float\s+\[N, 3, 128, 128\]/);
    const editorArea = await vs.page.locator('.part.editor').innerText();
    assert.doesNotMatch(editorArea, /binary|unsupported text encoding/i, 'not the binary-file warning');
    assert.match(vs.channelLog() ?? '', /Opened .*edsr-x4\.onnx: 24 nodes/);
    await vs.screenshot('editor');
  }));

test('a file that is not a model shows why, and the extension keeps working', () =>
  vs.check('not-a-model', async () => {
    await vs.openFile('not-a-model.onnx');
    const frame = await vs.webviewFrame();
    const alert = frame.locator('[role=alert]');
    await alert.waitFor();
    assert.match(
      await alert.innerText(),
      /not-a-model\.onnx is not an ONNX model: it looks like a text file/,
    );
    assert.match(vs.channelLog() ?? '', /\[error\] Cannot open .*not-a-model\.onnx/);
    await vs.screenshot('not-a-model');
    // The extension host is fine: the sample still opens.
    await vs.openFile('edsr-x4.onnx');
    // Its operator table names DepthToSpace (the first mention may sit in a closed finding group).
    await vs.webviewShowing('td:has-text("DepthToSpace")');
  }));

test('strings from the model are shown as text, never as markup', () =>
  vs.check('hostile', async () => {
    await vs.openFile('models/hostile.onnx');
    const frame = await vs.webviewFrame();
    await frame.locator('h1', { hasText: 'hostile.onnx' }).waitFor();
    const text = await frame.locator('body').innerText();
    for (const literal of [
      HOSTILE,
      '<b>1</b>',
      '<script>alert(1)</script>',
      '& "quoted" \'text\'',
      '<i>x</i>',
      'N<&>',
    ])
      assert.ok(text.includes(literal), `shows ${literal} literally`);
    const injected = await frame.locator('img, b, i').count();
    assert.equal(injected, 0, 'no element came from the model');
    // The page's scripts are ours (dist/webview.js) and VS Code's own (acquireVsCodeApi): none from the model.
    const fromModel = await frame
      .locator('script')
      .evaluateAll((scripts) => scripts.filter((s) => (s.textContent ?? '').includes('alert(1)')).length);
    assert.equal(fromModel, 0, 'no script came from the model');
  }));

test('the editor reloads when the file changes on disk', () =>
  vs.check('reload', async () => {
    await vs.openFile('not-a-model.onnx');
    await (await vs.webviewFrame()).locator('[role=alert]').waitFor();
    copyFileSync(paths().sample, join(vs.server.workspace, 'not-a-model.onnx'));
    const deadline = Date.now() + 15_000;
    while (!(await vs.webviewText()).includes('DepthToSpace')) {
      assert.ok(Date.now() < deadline, 'the summary replaced the error after the file changed');
      await sleep(200);
    }
    assert.match(vs.channelLog() ?? '', /not-a-model\.onnx changed on disk: reloading/);
  }));

test(`the ${LOG_CHANNEL} log records what the editor opened`, () =>
  vs.check('log', async () => {
    const log = vs.channelLog() ?? '';
    assert.match(log, /Opened .*hostile\.onnx/);
  }));
