// The language server dying does not take the extension with it: the client starts it again, the open model's
// findings come back in the Problems panel and its editor keeps working.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep } from './harness/codeServer';
import { VsCode } from './harness/vscode';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({ name: 'resilience', files: { 'model.onnx': readFileSync(SAMPLE) } });
});
after(async () => {
  if (!vs) return;
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
});

/** The pid of this VS Code's language server (dist/server.js of the extension installed in its run folder). */
function serverPid(): number | undefined {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  const line = lines.find((l) => l.includes(vs.server.extensionsDir) && l.includes('dist/server.js'));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

test('a killed language server is restarted and the findings come back', () =>
  vs.check('server-restart', async () => {
    await vs.openFile('model.onnx');
    await vs.waitForProblem(/PS001/, 30_000);
    const pid = serverPid();
    assert.ok(pid, 'the language server runs');
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!/Analyzer restarted/.test(vs.channelLog() ?? '')) {
      assert.ok(Date.now() < deadline, `the client restarts the server:\n${vs.channelLog()}`);
      await sleep(200);
    }
    const again = serverPid();
    assert.ok(again && again !== pid, 'a new server process');
    const rows = await vs.waitForProblem(/PS001/, 30_000);
    assert.ok(rows.some((r) => /PS001/.test(r)));
    const frame = await vs.webviewFrame();
    await frame.locator('#inspector[data-painted="true"]').waitFor({ timeout: 30_000 });
    await vs.screenshot('restarted');
  }));
