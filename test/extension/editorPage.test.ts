// The model editor's page as the host renders it: what comes from the model is escaped, fixable findings get a
// Fix button that carries the fix, the page's only script is ours (CSP nonce).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeModel } from '../../src/core/inspect/summary';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModelBytes } from '../../src/core/onnx/reader';
import { renderEditorPage } from '../../src/extension/editorPage';
import type { FindingRow, ModelStateResult } from '../../src/protocol/server';
import { buildFixture } from '../builder/fixtures';

const HOSTILE = '<img src=x onerror="alert(1)">';

function state(): Extract<ModelStateResult, { ok: true }> {
  const file = openModelBytes(buildFixture('d2s-crd').bytes, 'sr.onnx');
  const summary = summarizeModel(new ModelView(file));
  return {
    ok: true,
    summary: { ...summary, metadata: { [HOSTILE]: HOSTILE } },
    groups: [
      {
        id: 'G1',
        roots: [HOSTILE],
        channels: 16,
        unit: 4,
        prunable: false,
        locked: `${HOSTILE} locks it`,
        pixelShuffles: [`DepthToSpace CRD r=2 at ${HOSTILE}`],
        members: 3,
      },
    ],
    findings: [
      {
        code: 'PS002',
        severity: 'warning',
        message: `${HOSTILE} is a pixel shuffle`,
        node: HOSTILE,
        fix: { code: 'PS002', node: HOSTILE, title: 'Rewrite as DepthToSpace (mode CRD)' },
      },
      { code: 'PS001', severity: 'info', message: 'blocks of 4' },
    ],
  };
}

const options = {
  nonce: 'N0NCE',
  script: { uri: 'https://webview/dist/webview.js', cspSource: 'https://webview' },
};

/** The page with the graph: the editor's layout with its side bar. */
const withGraph = {
  nonce: 'N0NCE',
  script: { ...options.script, worker: 'https://webview/dist/layoutWorker.js' },
};

test('strings from the model are escaped everywhere on the page, with and without the graph', () => {
  for (const opts of [options, withGraph]) {
    const html = renderEditorPage({ state: state(), edits: [], dirty: false }, HOSTILE, opts);
    assert.ok(!html.includes('<img'), 'no element made from a model string');
    const escaped = '&#60;img src=x onerror=&#34;alert(1)&#34;&#62;';
    for (const where of ['<h1>', 'locked: ', 'at ', '<code>', 'data-reveal="'])
      assert.ok(html.includes(`${where}${escaped}`), `escaped after ${where}`);
  }
});

test('a fixable finding has a Fix button carrying its fix; the others have none', () => {
  const html = renderEditorPage({ state: state(), edits: [], dirty: false }, 'sr.onnx', options);
  const buttons = html.match(/<vscode-button[^>]*>Fix<\/vscode-button>/g) ?? [];
  assert.equal(buttons.length, 1);
  assert.match(buttons[0], /data-fix="PS002"/);
  assert.match(buttons[0], /data-node="&#60;img src=x onerror=&#34;alert\(1\)&#34;&#62;"/);
  assert.match(html, /Channel groups <vscode-badge>0 of 1 prunable<\/vscode-badge>/);
});

test('the CSP allows only our nonce-carrying script', () => {
  const html = renderEditorPage({ state: state(), edits: [], dirty: false }, 'sr.onnx', options);
  assert.match(html, /script-src 'nonce-N0NCE'/);
  assert.match(html, /<script nonce="N0NCE" src="https:\/\/webview\/dist\/webview\.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('unsaved edits are named at the top of the page', () => {
  const edits = [
    { kind: 'fix' as const, label: 'Rewrite as DepthToSpace (mode CRD) at /up', code: 'PS002' as const },
  ];
  const dirty = renderEditorPage({ state: state(), edits, dirty: true }, 'sr.onnx', options);
  assert.match(dirty, /Unsaved edits .*Rewrite as DepthToSpace \(mode CRD\) at \/up/);
  const saved = renderEditorPage({ state: state(), edits, dirty: false }, 'sr.onnx', options);
  assert.match(saved, /Edits saved/);
});

test('the Compare Models page escapes layer names and states the totals', async () => {
  const { renderComparePage } = await import('../../src/extension/compareHtml');
  const html = renderComparePage(
    {
      ok: true,
      rows: [{ root: HOSTILE, op: 'Conv', before: 64, after: 32 }],
      parameters: { before: 1000, after: 500 },
      macs: { before: 4000, after: 1000 },
    },
    'a.onnx',
    'b.onnx',
    { nonce: 'N' },
  );
  assert.ok(!html.includes('<img'));
  assert.match(html, /Parameters 1K → 500 \(2\.00×\) · MACs 4K → 1K \(4\.00×\)/);
  assert.match(html, /64 → 32<\/td><td class="num">32</);
});

function finding(code: FindingRow['code'], severity: FindingRow['severity'], i: number): FindingRow {
  return { code, severity, message: `finding ${i}`, node: `/node${i}` };
}

test('findings are grouped by code, most severe first, each closed with its count and what the code means', () => {
  const findings = [
    ...Array.from({ length: 3 }, (_, i) => finding('PS001', 'info', i)),
    ...Array.from({ length: 2 }, (_, i) => finding('PS002', 'warning', 10 + i)),
  ];
  const html = renderEditorPage(
    { state: { ...state(), findings }, edits: [], dirty: false },
    'sr.onnx',
    withGraph,
  );
  const groups = [
    ...html.matchAll(/<details class="finding-group" data-code="(\w+)">\s*<summary>(.*?)<\/summary>/g),
  ];
  assert.deepEqual(
    groups.map((g) => g[1]),
    ['PS002', 'PS001'],
  );
  assert.match(
    groups[0][2],
    /<vscode-tag>PS002<\/vscode-tag> <span class="sev-warning">warning<\/span> <vscode-badge>2<\/vscode-badge>/,
  );
  assert.match(groups[0][2], /written as Reshape→Transpose→Reshape/, "the code's summary");
  assert.match(groups[1][2], /<vscode-badge>3<\/vscode-badge>/);
  assert.match(html, /<h2>Findings <vscode-badge>5<\/vscode-badge><\/h2>/);
  assert.equal(
    (html.match(/<li><span class="message"><code>\/node\d+<\/code>: finding \d+/g) ?? []).length,
    5,
  );
});

test('a long list shows its first 50 items and a Show all button; a short one shows all', () => {
  const findings = Array.from({ length: 60 }, (_, i) => finding('PS001', 'info', i));
  const html = renderEditorPage(
    { state: { ...state(), findings }, edits: [], dirty: false },
    'sr.onnx',
    withGraph,
  );
  assert.equal((html.match(/<li hidden>/g) ?? []).length, 10);
  assert.match(html, /<\/ul>\n<button type="button" class="show-all" data-show-all>Show all 60<\/button>/);
  const short = renderEditorPage({ state: state(), edits: [], dirty: false }, 'sr.onnx', withGraph);
  assert.doesNotMatch(short, /<li hidden>|data-show-all/);
  // The summary's tables of inputs and outputs too: a model with 60 outputs shows 50 rows and Show all.
  const s = state();
  const outputs = Array.from({ length: 60 }, (_, i) => ({ name: `out${i}`, dtype: 'float', shape: [1, 3] }));
  const many = renderEditorPage(
    { state: { ...s, summary: { ...s.summary, outputs } }, edits: [], dirty: false },
    'sr.onnx',
    withGraph,
  );
  assert.equal((many.match(/<tr hidden>/g) ?? []).length, 10);
  assert.match(many, /<\/table>\n<button type="button" class="show-all" data-show-all>Show all 60<\/button>/);
});

test('with the graph, the page is the graph beside a side bar of collapsible sections', () => {
  const html = renderEditorPage({ state: state(), edits: [], dirty: false }, 'sr.onnx', withGraph);
  const panes = [...html.matchAll(/<details class="pane" id="pane-(\w+)" data-pane="\w+" open>/g)].map(
    (m) => m[1],
  );
  assert.deepEqual(panes, ['findings', 'details', 'pruning', 'model', 'groups']);
  const sidebar = html.slice(html.indexOf('<aside id="sidebar"'));
  for (const part of ['<div id="details">', 'id="prune"', '<dt>IR version</dt>', 'Channel groups'])
    assert.ok(sidebar.includes(part), `${part} is in the side bar`);
  assert.ok(
    html.indexOf('<canvas id="graph"') < html.indexOf('<aside id="sidebar"'),
    'the graph comes first',
  );
  assert.match(
    html,
    /<button type="button" id="toggle-sidebar"[^>]*aria-controls="sidebar" aria-expanded="true"/,
  );
  assert.match(html, /<div id="sash" role="separator" aria-orientation="vertical"/);
  // Without the graph (no layout worker), the same parts are one plain page.
  const plain = renderEditorPage({ state: state(), edits: [], dirty: false }, 'sr.onnx', options);
  assert.doesNotMatch(plain, /id="sidebar"|id="inspector"/);
  assert.match(plain, /<dt>IR version<\/dt>/);
});
