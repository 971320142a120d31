import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Long from 'long';
import { withChanges } from '../../../src/core/onnx/edit';
import { OnnxError } from '../../../src/core/onnx/errors';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32 } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { cli } from '../../support/cli';
import { addBiasModel, encodeModel, floatTensor } from '../../support/minimalModels';
import { tempDir } from '../../support/tempDir';

const root = tempDir();
let folders = 0;

/** A model whose two tensors live in `weights.bin` (scale at offset 0, bias at offset 4096). */
function externalModel(checksum?: string, location = 'weights.bin'): { dir: string; path: string } {
  const dir = join(root, `m${folders++}`);
  mkdirSync(dir);
  const data = new Uint8Array(4096 + 16);
  data.set(new Uint8Array(new Float32Array([0.5, 1, 1.5, 2]).buffer), 0);
  data.set(new Uint8Array(new Float32Array([10, 20, 30, 40]).buffer), 4096);
  writeFileSync(join(dir, location), data);
  const ref = (offset: number): onnx.TensorProto.$Properties => ({
    data_type: 1,
    dims: [Long.fromNumber(4)],
    data_location: 1,
    external_data: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: '16' },
      ...(checksum ? [{ key: 'checksum', value: checksum }] : []),
    ],
  });
  const base = addBiasModel();
  const model: onnx.ModelProto.$Properties = {
    ...base,
    graph: {
      ...base.graph,
      node: [
        { op_type: 'Mul', name: '/Mul', input: ['x', 'scale'], output: ['m'] },
        { op_type: 'Add', name: '/Add', input: ['m', 'bias'], output: ['y'] },
      ],
      initializer: [
        { name: 'scale', ...ref(0) },
        { name: 'bias', ...ref(4096) },
      ],
    },
  };
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeModel(model));
  return { dir, path };
}

function values(path: string): number[][] {
  const model = openModel(path);
  try {
    return model.proto.graph!.initializer!.map((t) => Array.from(readTensorAsFloat32(model, t)));
  } finally {
    model.close();
  }
}

const EXPECTED = [
  [0.5, 1, 1.5, 2],
  [10, 20, 30, 40],
];

describe('external data', () => {
  test('is read lazily and listed by inspect', async () => {
    const { path } = externalModel();
    assert.deepEqual(values(path), EXPECTED);
    const run = await cli('inspect', path, '--json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(summary.externalData, ['weights.bin']);
    assert.equal(summary.storage.external, 2);
  });

  test('an unchanged re-save in the same folder is byte-identical and writes nothing else', () => {
    const { dir, path } = externalModel();
    const before = readdirSync(dir).sort();
    const model = openModel(path);
    const out = join(dir, 'copy.onnx');
    writeModel(model, model.proto, out);
    assert.deepEqual(readFileSync(out), readFileSync(path));
    assert.deepEqual(readdirSync(dir).sort(), [...before, 'copy.onnx'].sort());
  });

  test('an unchanged re-save to another folder writes the data to <output>.data, not under its location', () => {
    const { path } = externalModel();
    const other = join(root, `other${folders++}`);
    mkdirSync(other);
    const model = openModel(path);
    const out = join(other, 'model.onnx');
    const result = writeModel(model, model.proto, out);
    assert.deepEqual(result.externalFiles, [`${out}.data`]);
    assert.deepEqual(result.files, [`${out}.data`, out]);
    assert.deepEqual(readdirSync(other).sort(), ['model.onnx', 'model.onnx.data']);
    assert.deepEqual(values(out), EXPECTED);
  });

  test('an edit moves external tensors to a new aligned data file and leaves the old files alone', () => {
    const { dir, path } = externalModel();
    const originalModel = readFileSync(path);
    const originalData = readFileSync(join(dir, 'weights.bin'));
    const model = openModel(path);
    const [scale, bias] = model.proto.graph!.initializer!;
    const newBias = withChanges(bias, {});
    model.setTensorData(newBias, [new Uint8Array(new Float32Array([7, 8, 9, 10]).buffer)]);
    const edited = withChanges(model.proto, {
      graph: withChanges(model.proto.graph!, { initializer: [scale, newBias] }),
    });
    const out = join(dir, 'pruned.onnx');
    writeModel(model, edited, out, { externalThreshold: 0 });
    assert.deepEqual(values(out), [EXPECTED[0], [7, 8, 9, 10]]);
    const saved = openModel(out);
    const offsets = saved.proto.graph!.initializer!.map((t) => {
      const entries = new Map(t.external_data!.map((e) => [e.key, e.value]));
      assert.equal(entries.get('location'), 'pruned.onnx.data');
      return Number(entries.get('offset'));
    });
    assert.deepEqual(offsets, [0, 4096]);
    saved.close();
    assert.deepEqual(readFileSync(path), originalModel);
    assert.deepEqual(readFileSync(join(dir, 'weights.bin')), originalData);
  });

  test('saving an edit over the model itself, reading and replacing the same data file, keeps the data', () => {
    const { path } = externalModel(undefined, 'model.onnx.data');
    const model = openModel(path);
    const [scale, bias] = model.proto.graph!.initializer!;
    const newScale = withChanges(scale, {});
    model.setTensorData(newScale, [new Uint8Array(new Float32Array([1, 1, 1, 1]).buffer)]);
    const edited = withChanges(model.proto, {
      graph: withChanges(model.proto.graph!, { initializer: [newScale, bias] }),
    });
    writeModel(model, edited, path, { externalThreshold: 0 });
    model.close();
    assert.deepEqual(values(path), [[1, 1, 1, 1], EXPECTED[1]]);
  });

  test('a matching SHA-1 checksum passes; a wrong one fails with IO001 when the data is read', () => {
    const good = externalModel();
    const sha1 = createHash('sha1')
      .update(readFileSync(join(good.dir, 'weights.bin')))
      .digest('hex');
    const withGood = externalModel(sha1);
    assert.deepEqual(values(withGood.path), EXPECTED);
    const withBad = externalModel('0'.repeat(40));
    assert.throws(
      () => values(withBad.path),
      (error: unknown) =>
        error instanceof OnnxError &&
        error.code === 'IO001' &&
        /fails its SHA-1 checksum/.test(error.message),
    );
  });
});

test('externalData moves every tensor at the threshold or above to <output>.data, aligned, and leaves the source alone', () => {
  const dir = join(root, `m${folders++}`);
  mkdirSync(dir);
  const big = Array.from({ length: 3000 }, (_, i) => i / 7);
  const model = addBiasModel();
  model.graph!.initializer = [
    floatTensor('big', [3000], big), // 12,000 bytes: moves
    floatTensor('small', [4], [1, 2, 3, 4]), // 16 bytes: stays in the model
    floatTensor('second', [2, 600], big.slice(0, 1200)), // moves, at the next 4096-byte boundary
  ];
  const path = join(dir, 'model.onnx');
  const bytes = encodeModel(model);
  writeFileSync(path, bytes);
  const source = openModel(path);
  const out = join(dir, 'out.onnx');
  let written;
  try {
    written = writeModel(source, source.proto, out, { externalData: true });
  } finally {
    source.close();
  }
  assert.deepEqual(readFileSync(path), Buffer.from(bytes), 'the source is unchanged');
  assert.deepEqual(written.files, [join(dir, 'out.onnx.data'), out]);
  const again = openModel(out);
  try {
    const [first, small, second] = again.proto.graph!.initializer!;
    const where = (t: onnx.TensorProto.$Properties) =>
      Object.fromEntries((t.external_data ?? []).map((e) => [e.key, e.value]));
    assert.deepEqual(where(first), { location: 'out.onnx.data', offset: '0', length: '12000' });
    assert.deepEqual(where(second), { location: 'out.onnx.data', offset: '12288', length: '4800' });
    assert.equal(small.data_location ?? 0, 0, 'small tensors stay inline');
    assert.deepEqual(Array.from(readTensorAsFloat32(again, first)), big.map(Math.fround));
    assert.deepEqual(Array.from(readTensorAsFloat32(again, small)), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(readTensorAsFloat32(again, second)), big.slice(0, 1200).map(Math.fround));
  } finally {
    again.close();
  }
});
