// The language server dying does not take the extension with it: the client starts it again, the open model's
// findings come back in the Problems panel and its editor keeps working.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeSparseBigModel } from '../support/sparseModel';
import { sleep } from './harness/sleep';
import { VsCode } from './harness/vscode';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

let vs: VsCode;
let bigSize = 0;
before(async () => {
  const sample = readFileSync(SAMPLE);
  const copies = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`copy-${i}.onnx`, sample]));
  vs = await VsCode.start({ name: 'resilience', files: { 'model.onnx': sample, ...copies } });
  // Written here, not by start(): a sparse file, so 2 GiB of zeros are never held or written.
  bigSize = writeSparseBigModel(join(vs.server.workspace, 'big.onnx'), 2 ** 31 + (64 << 20));
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

// The measured delay is printed (the README quotes it); the assertion is a bound far from the normal figure
// (~30 ms on an idle machine, up to ~280 ms on a loaded 2-core one): a host that blocks for a second is broken.
test('ten models and a 2 GiB+ model opened at once keep the extension host responsive (no gap of a second)', () =>
  vs.check('load', async () => {
    const size = bigSize;
    await vs.runCommand('View: Close All Editors');
    await vs.runCommand('ONNX Pruner: Show Log'); // starts the measured window
    for (let i = 0; i < 10; i++) await vs.openFromExplorer(`copy-${i}.onnx`);
    await vs.openFromExplorer('big.onnx');
    const frame = await vs.webviewFrame(30_000);
    await frame.locator('#inspector[data-painted="true"]').waitFor({ timeout: 60_000 });
    assert.match(await frame.locator('body').innerText(), /Parameters\s+553,[\d,]+/);
    await vs.runCommand('ONNX Pruner: Show Log');
    const deadline = Date.now() + 10_000;
    let line: RegExpExecArray | null = null;
    while (
      !(line =
        /event loop since the log was last shown: worst delay ([\d.]+) ms, 99th percentile ([\d.]+) ms/.exec(
          vs.channelLog() ?? '',
        ))
    ) {
      assert.ok(Date.now() < deadline, 'the event-loop line is in the log');
      await sleep(200);
    }
    const worst = Number(line[1]);
    console.log(
      `extension host event loop after opening 10 models and a ${(size / 2 ** 30).toFixed(2)} GiB model: worst delay ${worst} ms, p99 ${line[2]} ms`,
    );
    assert.ok(worst <= 1000, `worst event-loop delay ${worst} ms`);
    await vs.screenshot('load');
  }));
