// The model editor's page as the host renders it: what comes from the model is escaped, fixable findings get a
// Fix button that carries the fix, the page's only script is ours (CSP nonce).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeModel } from '../../src/core/inspect/summary';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModelBytes } from '../../src/core/onnx/reader';
import { renderEditorPage } from '../../src/extension/editorPage';
import type { ModelStateResult } from '../../src/protocol/server';
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

test('strings from the model are escaped everywhere on the page', () => {
  const html = renderEditorPage({ state: state(), edits: [], dirty: false }, HOSTILE, options);
  assert.ok(!html.includes('<img'), 'no element made from a model string');
  const escaped = '&#60;img src=x onerror=&#34;alert(1)&#34;&#62;';
  for (const where of ['<h1>', 'locked: ', 'at ', '<code>'])
    assert.ok(html.includes(`${where}${escaped}`), `escaped after ${where}`);
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
