import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Long from 'long';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { ModelView } from '../../src/core/onnx/modelView';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../src/core/onnx/reader';
import { measureActivations, readCalibrationTensor } from '../../src/runtime/calibration';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { writeBuilt } from '../builder/model-builder';
import { runModel } from '../builder/runtime';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from './workerBundle';

const dir = tempDir();
useFreshWorker();

/** A .npy file (format 1.0, little-endian float32, C order). */
function npy(dims: number[], data: Float32Array): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return out;
}

function input(seed: number): Float32Array {
  return Float32Array.from({ length: 3 * 6 * 6 }, (_, i) => Math.sin(i * 0.37 + seed));
}

describe('the activation criterion', () => {
  const built = buildModel([1, 3, 6, 6], (b, x) => conv3(b, b.relu(conv3(b, x, 8, '/a/Conv')), 4, '/b/Conv'));
  const path = writeBuilt(join(dir, 'model'), 'model.onnx', built);
  const calib = join(dir, 'calib');
  mkdirSync(calib);
  writeFileSync(join(calib, '0.npy'), npy([1, 3, 6, 6], input(0)));
  const proto = onnx.TensorProto.encode({
    dims: [1, 3, 6, 6].map((d) => Long.fromNumber(d)),
    data_type: 1,
    raw_data: new Uint8Array(input(1).buffer),
  }).finish();
  writeFileSync(join(calib, '1.pb'), proto);

  test('.npy and .pb calibration files are read', () => {
    assert.deepEqual(Array.from(readCalibrationTensor(join(calib, '0.npy')).data), Array.from(input(0)));
    assert.deepEqual(readCalibrationTensor(join(calib, '1.pb')).dims, [1, 3, 6, 6]);
  });

  test('mean |activation| per channel matches the root output ONNX Runtime computes', async () => {
    const file = openModel(path);
    const stats = await measureActivations(file, analyzeModel(new ModelView(file)), { calibDir: calib });
    file.close();
    // Reference: /a/Conv's output as a graph output of a second model run directly.
    const expected = new Float64Array(8);
    for (const seed of [0, 1]) {
      const tapped = buildModel([1, 3, 6, 6], (b, x) => conv3(b, x, 8, '/a/Conv'));
      const out = (await runModel(tapped.bytes, { input: { dims: [1, 3, 6, 6], data: input(seed) } })).output;
      for (let c = 0; c < 8; c++) {
        let sum = 0;
        for (let i = 0; i < 36; i++) sum += Math.abs(out.data[c * 36 + i]);
        expected[c] += sum / 36 / 2;
      }
    }
    const measured = [...stats.values()][0];
    for (let c = 0; c < 8; c++)
      assert.ok(Math.abs(measured[c] - expected[c]) < 1e-5, `channel ${c}: ${measured[c]} vs ${expected[c]}`);
  });

  test('prune --criterion activation --calib DIR prunes and verifies', async () => {
    const run = await cli(
      'prune',
      path,
      '-o',
      join(dir, 'pruned.onnx'),
      '--ratio',
      '0.5',
      '--criterion',
      'activation',
      '--calib',
      calib,
      '--verify',
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /PASS/);
  });
});
