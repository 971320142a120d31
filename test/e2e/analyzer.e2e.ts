// The analyzer language server in a real VS Code: an open model's pixel-shuffle findings reach the Problems
// panel under the .onnx file; a plan's PL001 sits on the bad count, and its quick-fix makes it go away.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VsCode } from './harness/vscode';

const PLAN = `{
  "model": "edsr-x4.onnx",
  "criterion": "l1",
  "layers": {
    "/tail/tail.0/tail.0.0/Conv": { "prune": 3 }
  }
}
`;

let vs: VsCode;
before(async () => {
  vs = await VsCode.start({ name: 'analyzer', files: { 'edsr-x4.prune.json': PLAN } });
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
  }));
