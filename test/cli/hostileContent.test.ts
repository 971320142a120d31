// Names are the model author's text, shown by the CLI, the reports and the editor's pages. A hostile model
// fills them with HTML, terminal escape sequences or a megabyte of text: they must come out as text (escaped
// in HTML, made visible on a terminal, exact in JSON) and not slow anything down.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { summarizeModel } from '../../src/core/inspect/summary';
import { ModelView } from '../../src/core/onnx/modelView';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../src/core/onnx/reader';
import { renderSummaryPage } from '../../src/extension/summaryHtml';
import { visible } from '../../src/cli/visible';
import { buildFixture } from '../builder/fixtures';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const dir = tempDir();

const HTML = `<script>alert(1)</script><img src=x onerror="alert(2)">&'`;
const TERMINAL = '\x1b]0;owned\x07\x1b[2J\rfake line\u202eevil\x00';
const LONG = 'n'.repeat(1 << 20);

/**
 * plain-chain with hostile names: the graph input, conv2's node, its weight and a metadata entry. The names are
 * replaced everywhere they are used, so the model stays valid and prunable.
 */
function hostileModel(file: string, name: string): string {
  const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes);
  const graph = model.graph!;
  const rename = new Map([
    ['input', `${name}:input`],
    ['conv2.weight', `${name}:weight`],
  ]);
  const renamed = (v: string) => rename.get(v) ?? v;
  graph.input!.forEach((v) => (v.name = renamed(v.name!)));
  graph.initializer!.forEach((t) => (t.name = renamed(t.name!)));
  for (const node of graph.node!) {
    node.input = node.input!.map(renamed);
    if (node.name === '/conv2/Conv') node.name = `${name}:node`;
  }
  model.metadata_props = [{ key: `${name}:key`, value: `${name}:value` }];
  const path = join(dir, file);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

describe('hostile names', () => {
  test('HTML in names is escaped in the editor page and exact in JSON', async () => {
    const path = hostileModel('html.onnx', HTML);
    const file = openModel(path);
    const html = renderSummaryPage(summarizeModel(new ModelView(file)), 'model', { nonce: 'N0NCE' });
    file.close();
    assert.equal((html.match(/<script/g) ?? []).length, 0, 'no script element from the model');
    assert.doesNotMatch(html, /<img/);
    assert.ok(
      html.includes(
        '&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=&#34;alert(2)&#34;&#62;&#38;&#39;:input',
      ),
    );
    const json = JSON.parse((await cli('analyze', path, '--format', 'json')).stdout);
    const members = JSON.stringify(json.groups);
    assert.ok(members.includes(JSON.stringify(`${HTML}:node`).slice(1, -1)), 'the node name, exactly');
    const pruned = join(dir, 'html.pruned.onnx');
    assert.equal((await cli('prune', path, '-o', pruned, '--ratio', '0.5')).code, 0);
    const after = openModel(pruned);
    assert.ok(
      after.proto.graph!.node!.some((n) => n.name === `${HTML}:node`),
      'the pruned model keeps the name',
    );
    after.close();
  });

  test('op types named like Object.prototype properties are counted as any other op type', async () => {
    // A `constructor` op once counted as Object's constructor plus 1 (a string), a `__proto__` op not at all.
    const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes);
    const nodes = model.graph!.node!;
    nodes[0].op_type = 'constructor';
    nodes[1].op_type = '__proto__';
    const path = join(dir, 'prototype-ops.onnx');
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
    const file = openModel(path);
    const { ops } = summarizeModel(new ModelView(file));
    file.close();
    const expected = new Map<string, number>();
    for (const node of nodes) expected.set(node.op_type!, (expected.get(node.op_type!) ?? 0) + 1);
    assert.deepEqual(Object.entries(ops), [...expected]);
    assert.equal(ops.constructor, 1);
    const run = await cli('inspect', path, '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(Object.entries(JSON.parse(run.stdout).ops), Object.entries(ops));
  });

  test('control characters and bidi overrides never reach the terminal raw', async () => {
    const path = hostileModel('terminal.onnx', TERMINAL);
    for (const args of [
      ['inspect', path],
      ['analyze', path],
      ['prune', path, '-o', join(dir, 't.pruned.onnx'), '--ratio', '0.5'],
    ]) {
      const run = await cli(...args);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(
        run.stdout,
        // eslint-disable-next-line no-control-regex
        /[\x00-\x08\x0b-\x1f\x7f\u202e]/,
        `${args[0]} prints a raw control character`,
      );
    }
    assert.ok(
      (await cli('inspect', path)).stdout.includes(
        '\\x1b]0;owned\\x07\\x1b[2J\\x0dfake line\\u202eevil\\x00:input',
      ),
    );
    // JSON escapes them itself, and keeps the name exact.
    const json = JSON.parse((await cli('inspect', path, '--json')).stdout);
    assert.equal(json.inputs[0].name, `${TERMINAL}:input`);
  });

  test('control characters in an error message are made visible too', async () => {
    const model = onnx.ModelProto.decode(buildFixture('plain-chain').bytes);
    const weight = model.graph!.initializer!.find((t) => t.name === 'conv2.weight')!;
    weight.name = `\x1b[31m${weight.name}`;
    weight.dims![0] = weight.dims![0].add(1); // a shape the data does not fill
    model.graph!.node!.forEach(
      (n) => (n.input = n.input!.map((v) => (v === 'conv2.weight' ? weight.name! : v))),
    );
    const path = join(dir, 'bad-data.onnx');
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
    const run = await cli('prune', path, '-o', join(dir, 'bad.pruned.onnx'), '--ratio', '0.5');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /tensor '\\x1b\[31mconv2\.weight' has 4608 bytes of data/);
    assert.ok(!run.stderr.includes('\x1b'));
  });

  test('megabyte names: inspect, analyze and prune finish promptly and keep them', async () => {
    const path = hostileModel('long.onnx', LONG);
    const started = Date.now();
    assert.equal((await cli('inspect', path)).code, 0);
    assert.equal((await cli('analyze', path, '--format', 'json')).code, 0);
    const pruned = join(dir, 'long.pruned.onnx');
    const run = await cli('prune', path, '-o', pruned, '--ratio', '0.5');
    assert.equal(run.code, 0, run.stderr.slice(0, 300));
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    const after = openModel(pruned);
    assert.equal(after.proto.graph!.node!.find((n) => n.name!.length > 1000)?.name, `${LONG}:node`);
    after.close();
  });

  test('visible() keeps text, tabs and newlines, and shows every other control character as its code', () => {
    assert.equal(visible('a\tb\nc ünï 中'), 'a\tb\nc ünï 中');
    assert.equal(visible('\x1b[2J\r\x7f\x9b\u200f\u2066'), '\\x1b[2J\\x0d\\x7f\\x9b\\u200f\\u2066');
  });
});

describe('model strings in JSON and in lines of text', () => {
  const FORGE = 'a\u0085b\u202e\nFORGED: 1 error';

  test('JSON and SARIF stay valid and exact with U+0085 in a name; text output gets no extra line', async () => {
    const path = hostileModel('forge.onnx', FORGE);
    for (const args of [
      ['inspect', path, '--json'],
      ['analyze', path, '--format', 'json'],
      ['analyze', path, '--format', 'sarif'],
    ]) {
      const run = await cli(...args);
      assert.equal(run.code, 0, run.stderr);
      const text = run.stdout;
      assert.doesNotThrow(() => JSON.parse(text), `${args.join(' ')} prints valid JSON`);
      assert.doesNotMatch(text, /[\u0080-\u009f\u202e]/, 'nothing raw for the terminal');
    }
    const json = JSON.parse((await cli('inspect', path, '--json')).stdout);
    assert.equal(json.inputs[0].name, `${FORGE}:input`, 'exact');
    for (const args of [
      ['inspect', path],
      ['analyze', path],
      ['prune', path, '-o', join(dir, 'forge.pruned.onnx'), '--ratio', '0.5'],
    ]) {
      const run = await cli(...args);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /^FORGED/m, `${args[0]} prints a forged line`);
      assert.ok(run.stdout.includes('a\\x85b\\u202e\\x0aFORGED'), `${args[0]} shows the name: ${run.stdout}`);
    }
  });
});
