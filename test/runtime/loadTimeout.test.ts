// Loading a model in ONNX Runtime may take longer the larger its graph: the step's limit once per 10,000
// nodes of the main graph. Against the real worker: a large graph's load is given the longer limit.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import Long from 'long';
import { loadTimeoutMs, mainGraphNodes, NODES_PER_LIMIT } from '../../src/runtime/loadTimeout';
import { OrtClient } from '../../src/runtime/ortClient';
import { OrtRuntimeError } from '../../src/runtime/ortErrors';
import type { onnx } from '../../src/core/onnx/proto/onnx.js';
import { encodeModel, tensorInfo } from '../support/minimalModels';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

const workerPath = useFreshWorker();
const dir = tempDir();
const SAMPLE = resolve('media/sample/edsr-x4.onnx');

/** A chain of `count` Relu nodes: a large graph that costs nothing to build. */
function reluChain(count: number): string {
  const node: onnx.NodeProto.$Properties[] = [];
  for (let i = 0; i < count; i++)
    node.push({ op_type: 'Relu', name: `/r${i}`, input: [i === 0 ? 'x' : `v${i}`], output: [`v${i + 1}`] });
  const model: onnx.ModelProto.$Properties = {
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: { name: 'g', node, input: [tensorInfo('x', [1, 4])], output: [tensorInfo(`v${count}`, [1, 4])] },
  };
  const path = join(dir, `relu-${count}.onnx`);
  writeFileSync(path, encodeModel(model));
  return path;
}

describe('the time limit of loading a model', () => {
  test('is the step limit up to 10,000 nodes, and grows in proportion past that', () => {
    assert.equal(NODES_PER_LIMIT, 10_000);
    assert.equal(loadTimeoutMs(120_000, 0), 120_000);
    assert.equal(loadTimeoutMs(120_000, 24), 120_000);
    assert.equal(loadTimeoutMs(120_000, 10_000), 120_000);
    assert.equal(loadTimeoutMs(120_000, 50_000), 600_000);
    assert.equal(loadTimeoutMs(2, 25_000), 5);
  });

  test('counts the main graph of a model, and nothing for a file that is not one', () => {
    assert.equal(mainGraphNodes(SAMPLE), 24);
    assert.equal(mainGraphNodes(reluChain(300)), 300);
    assert.equal(mainGraphNodes(join(dir, 'missing.onnx')), 0);
    const text = join(dir, 'text.onnx');
    writeFileSync(text, 'hello');
    assert.equal(mainGraphNodes(text), 0);
  });

  describe('in the ONNX Runtime client', () => {
    const client = new OrtClient({ workerPath, timeoutMs: 2 });
    after(() => client.close());

    test('a load of 25,000 nodes is given 2.5 times the step limit', async () => {
      // No load finishes in 5 ms: what is checked is the limit it was given, not how long it took.
      await assert.rejects(client.load(reluChain(25_000)), (error: unknown) => {
        assert.ok(error instanceof OrtRuntimeError, String(error));
        assert.equal(error.reason, 'timeout', error.message);
        assert.match(error.message, /did not finish loading .*relu-25000\.onnx within 5 ms/);
        return true;
      });
    });
  });
});
