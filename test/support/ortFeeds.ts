import Long from 'long';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { openModelBytes } from '../../src/core/onnx/reader';
import { readTensorBytes } from '../../src/core/onnx/tensorData';
import { onnx } from '../../src/core/onnx/proto/onnx.js';

const ORT_TYPES: Record<number, ort.Tensor.Type> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'float64',
};

/** A TensorProto file (`input_0.pb` of the ONNX backend tests) as an ORT tensor. */
function tensorFromPb(path: string): ort.Tensor {
  const tensor = onnx.TensorProto.decode(readFileSync(path));
  // Reuse the core's conversion (raw_data or typed fields → raw little-endian bytes) through a tiny model.
  const model = openModelBytes(
    onnx.ModelProto.encode({ graph: { initializer: [tensor] }, ir_version: Long.fromNumber(8) }).finish(),
  );
  const bytes = Uint8Array.from(readTensorBytes(model, model.proto.graph!.initializer![0])); // own buffer, exact size
  const type = ORT_TYPES[tensor.data_type];
  if (!type) throw new Error(`unsupported input type ${tensor.data_type} in ${path}`);
  const dims = tensor.dims.map(Number);
  const data =
    type === 'float32'
      ? new Float32Array(bytes.buffer)
      : type === 'float64'
        ? new Float64Array(bytes.buffer)
        : type === 'int64'
          ? new BigInt64Array(bytes.buffer)
          : type === 'int32'
            ? new Int32Array(bytes.buffer)
            : type === 'int8'
              ? new Int8Array(bytes.buffer)
              : type === 'bool'
                ? new Uint8Array(bytes.buffer)
                : new Uint8Array(bytes.buffer);
  return new ort.Tensor(type, data as ort.Tensor.DataType, dims);
}

/** The reference inputs beside a backend-test model (`test_data_set_0/input_*.pb`), when there are any. */
export function referenceInputs(
  modelPath: string,
  names: readonly string[],
): Record<string, ort.Tensor> | undefined {
  const dir = join(modelPath, '..', 'test_data_set_0');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /^input_\d+\.pb$/.test(f))
      .sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
  } catch {
    return undefined;
  }
  if (files.length !== names.length) return undefined;
  return Object.fromEntries(files.map((f, i) => [names[i], tensorFromPb(join(dir, f))]));
}

/** Seeded random inputs from a session's metadata: symbolic dims become 1 (batch) or 16 (spatial). */
export function randomFeeds(session: ort.InferenceSession, seed = 1): Record<string, ort.Tensor> {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state / 2 ** 32;
  };
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`input ${meta.name} is not a tensor`);
    const dims = meta.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : 16));
    const count = dims.reduce((a, b) => a * b, 1);
    switch (meta.type) {
      case 'float32':
        feeds[meta.name] = new ort.Tensor(
          'float32',
          Float32Array.from({ length: count }, () => next() * 2 - 1),
          dims,
        );
        break;
      case 'uint8':
        feeds[meta.name] = new ort.Tensor(
          'uint8',
          Uint8Array.from({ length: count }, () => Math.floor(next() * 256)),
          dims,
        );
        break;
      case 'int64':
        feeds[meta.name] = new ort.Tensor('int64', new BigInt64Array(count), dims);
        break;
      default:
        throw new Error(`input ${meta.name} has type ${meta.type}`);
    }
  }
  return feeds;
}

/** Runs a model file and returns every output as plain arrays (comparable with deepEqual). */
export async function runFile(
  path: string,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, unknown>> {
  const session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
  try {
    const results = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(results).map(([name, t]) => [
        name,
        { dims: [...t.dims], data: Array.from(t.data as ArrayLike<number>) },
      ]),
    );
  } finally {
    await session.release();
  }
}
