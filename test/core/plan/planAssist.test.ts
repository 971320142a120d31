import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { completeLayers, hoverLayer } from '../../../src/core/plan';
import { analyzeBytes } from '../../support/analysis';
import { buildModel, conv3 } from '../../builder/fixture-kit';

// The bundled sample: 8 groups, G6 and G7 feed DepthToSpace CRD r = 2, G8 is locked by the graph output.
const analysis = analyzeBytes(readFileSync(join(process.cwd(), 'media/sample/edsr-x4.onnx')));
const { roots } = analysis;

const PLAN = `{
  "model": "edsr-x4.onnx",
  "layers": {
    "/tail/tail.0/tail.0.0/Conv": { "prune": 8 },
    ""
  }
}`;

describe('layer-name completion in plans', () => {
  test('inside layers, offers every root layer not given yet, locked ones last, replacing the typed key', () => {
    const offset = PLAN.indexOf('""') + 1;
    const items = completeLayers(PLAN, offset, roots);
    assert.equal(items.length, roots.size - 1, 'every root but the one already in the plan');
    assert.ok(!items.some((i) => i.label === '/tail/tail.0/tail.0.0/Conv'));
    assert.equal(items.at(-1)!.label, '/tail/tail.1/Conv');
    assert.equal(items.at(-1)!.locked, true);
    const tail2 = items.find((i) => i.label === '/tail/tail.0/tail.0.2/Conv')!;
    assert.equal(tail2.detail, 'Conv, 128 output channels, in blocks of 4, group G7');
    assert.equal(tail2.insertText, '"/tail/tail.0/tail.0.2/Conv": { "ratio": 0.5 }');
    assert.deepEqual(tail2.range, { start: { line: 4, character: 4 }, end: { line: 4, character: 6 } });
  });

  test('nothing outside layers keys', () => {
    assert.deepEqual(completeLayers(PLAN, PLAN.indexOf('edsr-x4.onnx'), roots), []);
    assert.deepEqual(completeLayers(PLAN, PLAN.indexOf('8 }'), roots), []);
  });
});

describe('layer hover in plans', () => {
  test('a pixel-shuffle layer: its group, channels, blocks and the shuffle that sets them', () => {
    const hover = hoverLayer(PLAN, PLAN.indexOf('/tail/tail.0/tail.0.0') + 3, roots, analysis.report.groups)!;
    assert.match(
      hover.markdown,
      /^\*\*\/tail\/tail\.0\/tail\.0\.0\/Conv\*\* · Conv, 128 output channels, in blocks of 4, group G6/,
    );
    assert.match(
      hover.markdown,
      /DepthToSpace CRD, r = 2\) at `\/tail\/tail\.0\/tail\.0\.1\/DepthToSpace`: channels go in whole blocks of 4/,
    );
    assert.deepEqual(hover.range, { start: { line: 3, character: 4 }, end: { line: 3, character: 32 } });
  });

  test('a layer pruned with others names them; a locked layer says why; an unknown one says so', () => {
    const text =
      '{ "model": "m.onnx", "layers": { "/head/head.0/Conv": {}, "/tail/tail.1/Conv": {}, "nope": {} } }';
    const head = hoverLayer(text, text.indexOf('/head') + 1, roots, analysis.report.groups)!;
    assert.match(head.markdown, /Pruned together with `/);
    const locked = hoverLayer(text, text.indexOf('/tail/tail.1') + 1, roots, analysis.report.groups)!;
    assert.match(locked.markdown, /Locked: .*graph output 'output'/);
    const unknown = hoverLayer(text, text.indexOf('nope') + 1, roots, analysis.report.groups)!;
    assert.match(unknown.markdown, /is not a prunable layer of this model/);
    assert.equal(hoverLayer(text, text.indexOf('m.onnx'), roots, analysis.report.groups), undefined);
  });

  test("a layer of a residual stream names ten of the group's other roots and counts the rest", () => {
    // Fourteen convs summed into one stream: one group of fourteen roots.
    const built = buildModel([1, 2, 4, 4], (b, x) => {
      let y = conv3(b, x, 4, '/r0/Conv');
      for (let i = 1; i < 14; i++) y = b.add(y, conv3(b, b.relu(y), 4, `/r${i}/Conv`));
      return b.relu(conv3(b, y, 2, '/head/Conv'));
    });
    const residual = analyzeBytes(built.bytes);
    const text = '{ "model": "m.onnx", "layers": { "/r0/Conv": {} } }';
    const hover = hoverLayer(text, text.indexOf('/r0') + 1, residual.roots, residual.report.groups)!;
    assert.match(hover.markdown, /Pruned together with `\/r1\/Conv`, .*`\/r10\/Conv`, 3 more\./);
    assert.doesNotMatch(hover.markdown, /\/r11\/Conv/);
  });
});
