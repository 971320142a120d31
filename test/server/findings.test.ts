// The Problems panel gets at most MAX_PROBLEMS findings of one model: a file can be made to have hundreds of
// thousands, which the panel cannot show usefully and every update would carry.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { MAX_PROBLEMS, modelFindings } from '../../src/server/findings';
import { ModelCache } from '../../src/server/modelCache';
import { ModelBuilder } from '../builder/model-builder';
import { tempDir } from '../support/tempDir';

const dir = tempDir();

/** `count` convs that read the input, all of one name (each a PR001 finding of a broken graph). */
function manyFindings(count: number): string {
  const b = new ModelBuilder({ opset: 17 });
  const x = b.input('x', [1, 2, 4, 4]);
  const convs = Array.from({ length: count }, (_, i) => b.conv(x, 2, { kernel: 1, name: `conv${i}` }));
  b.output(b.concat(convs));
  const model = b.build().model;
  for (const node of model.graph!.node!) if (node.op_type === 'Conv') node.name = 'conv';
  const path = join(dir, `many-${count}.onnx`);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

describe('findings in the Problems panel', () => {
  test('up to MAX_PROBLEMS as they are; beyond, the first ones and one that counts the rest', () => {
    const models = new ModelCache();
    const few = modelFindings(manyFindings(10), models);
    assert.equal(few.length, 10);
    assert.ok(few.every((d) => d.code === 'PR001'));
    const count = MAX_PROBLEMS + 500;
    const many = modelFindings(manyFindings(count), models);
    assert.equal(many.length, MAX_PROBLEMS);
    assert.ok(many.slice(0, -1).every((d) => d.code === 'PR001'));
    assert.equal(
      many.at(-1)!.message,
      `… and ${(count - MAX_PROBLEMS + 1).toLocaleString('en-US')} more findings: the model editor lists every one, grouped by code.`,
    );
  });
});

test('a broken model is named as the document, `$&` and all', () => {
  const path = join(dir, 'broken.onnx');
  writeFileSync(path, new Uint8Array([0xff, 0xff, 0xff]));
  const shownAs = "/models/a$&b$'c.onnx";
  const [finding] = modelFindings(path, new ModelCache(), shownAs);
  assert.ok(finding.message.includes(shownAs), finding.message);
  assert.ok(!finding.message.includes(path), finding.message);
});
