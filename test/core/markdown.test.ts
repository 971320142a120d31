// Model and plan strings reach Markdown (plan hovers, `prune --report-md`, the editor's *.report.md,
// notifications): they must come out as text, never as a link (a `command:` link runs a command in VS Code),
// an image, HTML, a table cell or an extra line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hoverLayer } from '../../src/core/plan';
import { escapeMarkdown, markdownCode, notificationText } from '../../src/core/text';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { buildFixture } from '../builder/fixtures';
import { analyzeBytes } from '../support/analysis';
import { pruneReportOf } from '../support/cli';

const LINK = '[click](command:workbench.action.terminal.new)';
const EVIL = `${LINK}\`|<img src=x>\n# FORGED`;

/** plain-chain with conv1's node named EVIL. */
function evilModel(): Uint8Array {
  const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes);
  model.graph!.node!.find((n) => n.name === '/conv1/Conv')!.name = EVIL;
  return onnx.ModelProto.encode(model).finish();
}

/** Outside code spans: no Markdown link, HTML or heading can come out of text that holds EVIL. */
function assertInert(markdown: string): void {
  assert.doesNotMatch(markdown, /(?<!\\)\]\(/, 'a link');
  assert.doesNotMatch(markdown, /(?<!\\)</, 'HTML');
  assert.doesNotMatch(markdown, /^# FORGED/m, 'a forged line');
}

describe('model strings in Markdown', () => {
  test('escapeMarkdown, markdownCode and notificationText keep a string text', () => {
    assert.equal(escapeMarkdown(LINK), '\\[click\\]\\(command\\:workbench.action.terminal.new\\)');
    assert.equal(escapeMarkdown('a\nb'), 'a\\\\x0ab'); // rendered: a\x0ab
    assert.equal(markdownCode('a`b'), '``a`b``');
    assert.equal(markdownCode('`x'), '`` `x ``');
    assert.equal(markdownCode('a|b', true), '`a\\|b`');
    assert.equal(
      notificationText(`see ${LINK}\nnow`),
      'see [click] (command:workbench.action.terminal.new)\\x0anow',
    );
  });

  test('the plan hover of a layer named like a command link', () => {
    const analysis = analyzeBytes(evilModel());
    const plan = JSON.stringify({ model: 'm.onnx', layers: { [EVIL]: { ratio: 0.5 }, nope: {} } });
    const hover = hoverLayer(plan, plan.indexOf('[click]') + 2, analysis.roots, analysis.report.groups);
    assert.ok(hover, 'a hover');
    assertInert(hover.markdown);
    assert.ok(hover.markdown.startsWith('**\\[click\\]\\(command\\:'), hover.markdown);
    const unknown = JSON.stringify({ layers: { [`x${LINK}`]: {} } });
    assertInert(hoverLayer(unknown, unknown.indexOf('x['), analysis.roots, analysis.report.groups)!.markdown);
  });

  test('prune --report-md', async () => {
    const markdown = await pruneReportOf(evilModel());
    // The name is a code span (inert: it shows its text), one cell of the table, on its line.
    assert.doesNotMatch(markdown, /^# FORGED/m, 'a forged line');
    assert.ok(
      markdown.includes('``[click](command:workbench.action.terminal.new)`\\|<img src=x>\\x0a# FORGED``'),
      markdown,
    );
  });
});

test('a code span of a megabyte name of 500,000 backtick runs (no spread of them as arguments)', () => {
  const name = 'a`'.repeat(500_000);
  assert.equal(markdownCode(name), `\`\` ${name} \`\``); // it ends with a backtick: padded
});
