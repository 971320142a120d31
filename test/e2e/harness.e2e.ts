// The harness's own helpers, checked on VS Code's built-in features so the extension's suites can rely on
// them: the Problems panel, a quick fix applied by its title, notifications, opening files, process cleanup.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep } from './harness/sleep';
import { VsCode } from './harness/vscode';

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({
    name: 'harness',
    files: {
      'style.css': 'a {\n  colr: red;\n}\n',
      'notes.txt': 'plain text\n',
    },
  });
});
after(async () => {
  if (!vs) return; // start failed and said why
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
  assert.deepEqual(vs.outboundRequests, [], 'the browser sent nothing beyond 127.0.0.1');
});

test('Problems rows, and a quick fix applied by its title', () =>
  vs.check('problems-quickfix', async () => {
    await vs.openFile('style.css');
    const rows = await vs.waitForProblem(/colr/);
    assert.ok(
      rows.includes("Unknown property: 'colr' css(unknownProperties) [Ln 2, Col 3]"),
      `the Problems row for colr: ${JSON.stringify(rows)}`,
    );
    await vs.openFile('style.css');
    await vs.goToLine(2, 3);
    await vs.applyQuickFix("Rename to 'color'");
    await vs.runCommand('File: Save');
    const path = join(vs.server.workspace, 'style.css');
    for (let i = 0; i < 50 && !readFileSync(path, 'utf8').includes('color: red'); i++) await sleep(100);
    assert.equal(readFileSync(path, 'utf8'), 'a {\n  color: red;\n}\n');
  }));

test('notifications and dialogs', () =>
  vs.check('notifications', async () => {
    // A save conflict raises an error toast: edit the file, change it on disk, save.
    await vs.openFile('notes.txt');
    await vs.typeInEditor('typed ');
    await sleep(300);
    writeFileSync(join(vs.server.workspace, 'notes.txt'), 'changed on disk\n');
    await sleep(1000);
    await vs.runCommand('File: Save');
    const toast = await vs.waitForNotification(/Failed to save 'notes\.txt'/);
    assert.equal(toast.severity, 'error');
    assert.deepEqual(toast.actions, ['Compare', 'Overwrite']);
    await vs.screenshot('notification');
    await vs.runCommand('File: Revert File');
    // "Format Document" with no formatter is a modal dialog in VS Code 1.139.
    await vs.runCommand('Format Document');
    let dialog;
    for (let i = 0; i < 50 && !dialog; i++) {
      dialog = await vs.dialog();
      if (!dialog) await sleep(100);
    }
    assert.match(dialog?.detail ?? '', /There is no formatter for 'plaintext' files installed/);
    await vs.dismissDialog();
    assert.equal(await vs.dialog(), undefined);
  }));
