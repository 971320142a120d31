// The codes whose fix rewrites the model: the page's Fix buttons post them, and a message from the page (which
// the host treats as untrusted) is accepted only with one of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPageMessage } from '../../src/protocol/webview';
import { MODEL_FIX_CODES, isModelFixCode } from '../../src/shared/modelFixCodes';

test('a fix message from the page carries a model fix code, a title and at most a node name', () => {
  for (const code of MODEL_FIX_CODES) {
    assert.ok(isModelFixCode(code));
    assert.ok(isPageMessage({ type: 'fix', code, title: 'Fix', node: '/classifier/MatMul' }), code);
  }
  for (const code of ['PL001', 'PR002', 'pr001', '', undefined, 1, {}])
    assert.equal(isPageMessage({ type: 'fix', code, title: 'Fix' }), false, String(code));
  assert.equal(isPageMessage({ type: 'fix', code: 'PR001' }), false, 'no title');
  assert.equal(
    isPageMessage({ type: 'fix', code: 'PR001', title: 'Fix', node: 3 }),
    false,
    'a node not named',
  );
});
