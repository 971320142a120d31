// The fidelity section of `prune --verify --report-md`: an output named like a command link, with a backtick,
// a table bar, HTML and a line break, stays one code span in one cell of its table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { buildFixture } from '../builder';
import { pruneReportOf } from '../support/cli';
import { useFreshWorker } from './workerBundle';

useFreshWorker();

const EVIL = '[click](command:workbench.action.terminal.new)`|<img src=x>\n# FORGED';

test('prune --verify --report-md: an output named like a link is a code span in its cell', async () => {
  const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes);
  const graph = model.graph!;
  const old = graph.output![0].name!;
  graph.output![0].name = EVIL;
  for (const node of graph.node!) node.output = node.output!.map((o) => (o === old ? EVIL : o));
  const markdown = await pruneReportOf(onnx.ModelProto.encode(model).finish(), '--verify');
  const fidelity = markdown.slice(markdown.indexOf('## Fidelity to the original'));
  assert.ok(fidelity.length > 30, markdown);
  assert.doesNotMatch(markdown, /^# FORGED/m, 'a forged line');
  const code = '``[click](command:workbench.action.terminal.new)`\\|<img src=x>\\x0a# FORGED``';
  const rows = fidelity
    .split('\n')
    .filter((line) => line.includes('held-out') || line.includes('calibration'));
  assert.ok(
    rows.some((line) => line.startsWith('| ')),
    fidelity,
  );
  for (const row of rows.filter((line) => line.startsWith('| '))) {
    assert.ok(row.includes(` | ${code} | `), row);
    assert.equal(row.split(/(?<!\\)\|/).length, 11, `ten cells: ${row}`);
  }
});
