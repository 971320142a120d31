// Pruning models whose weights are not float32: float16 and bfloat16 weights (sliced as raw 2-byte elements,
// compared bit for bit with the float32 prune of the same model), and int8 weights quantised per output channel
// behind DequantizeLinear (the QDQ form quantisers write), where the scales and zero points slice with the weight
// and the oracle runs in ONNX Runtime.
import assert from 'node:assert/strict';
import Long from 'long';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { DataType } from '../../../src/core/onnx/dataTypes';
import { ModelView } from '../../../src/core/onnx/modelView';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32, readTensorBytes } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { maskModel } from '../../../src/core/prune/mask';
import { pruneFile } from '../../../src/core/prune/prune';
import type { LayerAmount } from '../../../src/core/prune/select';
import { type FixtureName, buildFixture } from '../../builder/fixtures';
import { writeBuilt } from '../../builder/model-builder';
import { randomInputs, runModel } from '../../builder/runtime';
import { everyOtherUnit as everyOtherUnitOf } from '../../support/analysis';
import { tempDir } from '../../support/tempDir';

const root = tempDir();
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits of a float (round to nearest even; the test's own converter, independent of the core's). */
function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  return sign | ((exp << 10) + ((mant + 0x1000) >> 13));
}

function toBfloat(value: number): number {
  f32[0] = value;
  return u32[0] >>> 16;
}

function decode(path: string): onnx.ModelProto {
  return onnx.ModelProto.decode(readFileSync(path));
}

/** Rewrites every float32 initializer as float16 or bfloat16 raw data (the rest of the graph is left alone). */
function convertWeights(source: string, target: string, convert: (v: number) => number, type: number): void {
  const model = decode(source);
  for (const tensor of model.graph?.initializer ?? []) {
    const raw = tensor.raw_data;
    if (tensor.data_type !== DataType.FLOAT || !raw) continue;
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const half = new Uint8Array(values.length * 2);
    const view = new DataView(half.buffer);
    values.forEach((v, i) => view.setUint16(i * 2, convert(v), true));
    tensor.data_type = type;
    tensor.raw_data = half;
  }
  writeFileSync(target, onnx.ModelProto.encode(model).finish());
}

/** Every other unit of every prunable group, on its first root: the same channels whatever the weight type. */
function everyOtherUnit(path: string): Record<string, LayerAmount> {
  const file = openModel(path);
  const analysis = analyzeModel(new ModelView(file));
  file.close();
  return everyOtherUnitOf(analysis);
}

function prune(path: string, out: string, layers: Record<string, LayerAmount>) {
  return pruneFile(path, out, { ratio: 0, criterion: 'l1', roundTo: 1, seed: 0, layers });
}

const HALF_TYPES: [string, number, (v: number) => number][] = [
  ['float16', DataType.FLOAT16, toHalf],
  ['bfloat16', DataType.BFLOAT16, toBfloat],
];

describe('16-bit weights slice exactly as float32 ones do', () => {
  for (const name of ['conv-bn-relu', 'd2s-crd', 'edsr-x4'] as FixtureName[]) {
    for (const [typeName, type, convert] of HALF_TYPES) {
      test(`${name} with ${typeName} weights`, () => {
        const dir = join(root, `${name}-${typeName}`);
        const original = writeBuilt(dir, 'model.onnx', buildFixture(name));
        const half = join(dir, 'half.onnx');
        convertWeights(original, half, convert, type);
        const layers = everyOtherUnit(original);
        assert.ok(Object.keys(layers).length > 0, 'something to prune');
        const out32 = prune(original, join(dir, 'pruned32.onnx'), layers);
        const out16 = prune(half, join(dir, 'pruned16.onnx'), layers);
        assert.ok(out32.removedChannels > 0);
        assert.equal(out16.removedChannels, out32.removedChannels, 'the same channels removed');
        assert.equal(out16.tensorsSliced, out32.tensorsSliced, 'the same tensors sliced');

        const a = openModel(join(dir, 'pruned32.onnx'));
        const b = openModel(join(dir, 'pruned16.onnx'));
        try {
          const byName = new Map((b.proto.graph?.initializer ?? []).map((t) => [t.name, t]));
          let compared = 0;
          for (const t32 of a.proto.graph?.initializer ?? []) {
            if (t32.data_type !== DataType.FLOAT) continue;
            const t16 = byName.get(t32.name)!;
            assert.equal(t16.data_type, type, `${t32.name} keeps its type`);
            assert.deepEqual(t16.dims?.map(Number), t32.dims?.map(Number), `${t32.name} has the same shape`);
            const expected = readTensorAsFloat32(a, t32);
            const bytes = readTensorBytes(b, t16);
            const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
            assert.equal(bytes.length, expected.length * 2);
            for (let i = 0; i < expected.length; i++) {
              assert.equal(view.getUint16(i * 2, true), convert(expected[i]), `${t32.name}[${i}]`);
            }
            compared++;
          }
          assert.ok(compared > 0);
        } finally {
          a.close();
          b.close();
        }
      });
    }
  }
});

/**
 * The QDQ form: each Conv weight W becomes W_q with a per-output-channel scale and zero point, dequantised by
 * DequantizeLinear(axis 0) in front of the Conv: int8 symmetric (zero point 0, what ORT's quantiser writes for
 * weights) or uint8 asymmetric (a zero point per channel, so masking must store it rather than 0).
 */
function quantizeConvWeights(source: string, target: string, kind: 'int8' | 'uint8'): string[] {
  const model = decode(source);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const weights = new Set(nodes.filter((n) => n.op_type === 'Conv').map((n) => n.input?.[1] ?? undefined));
  const dequantize: onnx.INodeProto[] = [];
  const initializer: onnx.ITensorProto[] = [];
  const quantized: string[] = [];
  for (const tensor of graph.initializer ?? []) {
    const raw = tensor.raw_data;
    if (
      !weights.has(tensor.name ?? undefined) ||
      tensor.data_type !== DataType.FLOAT ||
      !raw ||
      !tensor.dims
    ) {
      initializer.push(tensor);
      continue;
    }
    const dims = tensor.dims.map(Number);
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const per = values.length / dims[0];
    const scales = new Float32Array(dims[0]);
    const q = kind === 'int8' ? new Int8Array(values.length) : new Uint8Array(values.length);
    const zeroPoints = kind === 'int8' ? new Int8Array(dims[0]) : new Uint8Array(dims[0]);
    for (let o = 0; o < dims[0]; o++) {
      const row = values.subarray(o * per, (o + 1) * per);
      if (kind === 'int8') {
        scales[o] = Math.max(1e-8, ...row.map(Math.abs)) / 127;
      } else {
        const low = Math.min(0, ...row);
        scales[o] = Math.max(1e-8, Math.max(0, ...row) - low) / 255;
        zeroPoints[o] = Math.round(-low / scales[o]);
      }
      for (let i = 0; i < per; i++) q[o * per + i] = Math.round(row[i] / scales[o]) + zeroPoints[o];
    }
    const type = kind === 'int8' ? DataType.INT8 : DataType.UINT8;
    const name = tensor.name ?? '';
    initializer.push(
      { name: `${name}_q`, dims: tensor.dims, data_type: type, raw_data: new Uint8Array(q.buffer) },
      {
        name: `${name}_scale`,
        dims: [tensor.dims[0]],
        data_type: DataType.FLOAT,
        raw_data: new Uint8Array(scales.buffer),
      },
      {
        name: `${name}_zp`,
        dims: [tensor.dims[0]],
        data_type: type,
        raw_data: new Uint8Array(zeroPoints.buffer),
      },
    );
    dequantize.push({
      op_type: 'DequantizeLinear',
      name: `${name}_DequantizeLinear`,
      input: [`${name}_q`, `${name}_scale`, `${name}_zp`],
      output: [name],
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: Long.fromNumber(0) }],
    });
    quantized.push(name);
  }
  graph.initializer = initializer.map((t) => onnx.TensorProto.create(t));
  graph.node = [...dequantize.map((n) => onnx.NodeProto.create(n)), ...nodes];
  writeFileSync(target, onnx.ModelProto.encode(model).finish());
  return quantized;
}

describe('8-bit weights quantised per channel (QDQ)', () => {
  const cases = ['conv-bn-relu', 'd2s-crd', 'd2s-dcr', 'edsr-x4'].flatMap((name) =>
    (['int8', 'uint8'] as const).map((kind) => [name as FixtureName, kind] as const),
  );
  for (const [name, kind] of cases) {
    test(`${name}, ${kind}: scales and zero points slice with the weight; pruned = masked in ONNX Runtime`, async () => {
      const dir = join(root, `${name}-qdq-${kind}`);
      const built = buildFixture(name);
      const original = writeBuilt(dir, 'model.onnx', built);
      const qdq = join(dir, 'qdq.onnx');
      const quantized = quantizeConvWeights(original, qdq, kind);
      assert.ok(quantized.length > 0);
      const pruned = join(dir, 'pruned.onnx');
      const outcome = pruneFile(qdq, pruned, {
        ratio: 0.5,
        criterion: 'l1',
        roundTo: 1,
        seed: 0,
        layers: {},
      });
      assert.ok(outcome.removedChannels > 0, 'groups pruned through the DequantizeLinear weights');

      const file = openModel(pruned);
      const sliced = new Map(
        (file.proto.graph?.initializer ?? []).map((t) => [t.name, (t.dims ?? []).map(Number)]),
      );
      file.close();
      let shrunk = 0;
      for (const weight of quantized) {
        const [outChannels] = sliced.get(`${weight}_q`)!;
        assert.deepEqual(sliced.get(`${weight}_scale`), [outChannels], `${weight}: scale follows the weight`);
        assert.deepEqual(
          sliced.get(`${weight}_zp`),
          [outChannels],
          `${weight}: zero point follows the weight`,
        );
        const before = built.model.graph!.initializer!.find((t) => t.name === weight)!.dims![0];
        if (outChannels < Number(before)) shrunk++;
      }
      assert.ok(shrunk > 0, 'some quantised weight lost output channels');

      const source = openModel(qdq);
      const masked = join(dir, 'masked.onnx');
      writeModel(source, maskModel(source, outcome.mask), masked);
      source.close();
      const feeds = randomInputs(built, 3);
      const expected = await runModel(masked, feeds);
      const actual = await runModel(pruned, feeds);
      for (const [output, value] of Object.entries(expected)) {
        assert.deepEqual(actual[output].dims, value.dims);
        let worst = 0;
        let scale = 1e-6;
        for (let i = 0; i < value.data.length; i++) {
          scale = Math.max(scale, Math.abs(value.data[i]));
          worst = Math.max(worst, Math.abs(actual[output].data[i] - value.data[i]));
        }
        assert.ok(worst <= 1e-5 + 1e-4 * scale, `${output}: max error ${worst}`);
      }
    });
  }
});
