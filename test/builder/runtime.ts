// Runs models in real onnxruntime-node: the ground truth every builder fixture (and later every pruned
// model) is checked against. Models with external data are run from a file, because ORT resolves the
// external locations relative to the model's path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeBuilt } from './model-builder';
import { uniformFloats } from './prng';
import type { Built } from './serialize';
import type { Shape, ValueDescription } from './types';

export interface TensorValue {
  readonly dims: readonly number[];
  /** Float data; integer outputs (shape subgraphs) are converted to float for convenience. */
  readonly data: Float32Array;
}

export type Feeds = Readonly<Record<string, TensorValue>>;

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };

/** Concrete dims for a declared shape: symbolic dims (a dynamic batch) become `symbolic`. */
export function concreteDims(shape: Shape, symbolic = 1): number[] {
  return shape.map((d) => (typeof d === 'number' ? d : symbolic));
}

/** Seeded uniform [-1, 1) data for every float input of a built model. */
export function randomInputs(built: { readonly inputs: readonly ValueDescription[] }, seed = 0): Feeds {
  const feeds: Record<string, TensorValue> = {};
  for (const input of built.inputs) {
    if (input.dtype !== 'float32') throw new Error(`randomInputs: input '${input.name}' is ${input.dtype}`);
    const dims = concreteDims(input.shape);
    feeds[input.name] = { dims, data: uniformFloats(seed, `input:${input.name}`, count(dims)) };
  }
  return feeds;
}

/** An NCHW input whose every element holds its channel index: shows where each channel ends up. */
export function channelIndexInput(dims: readonly number[]): TensorValue {
  const [n, c, h, w] = dims;
  const data = new Float32Array(n * c * h * w);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / (h * w)) % c;
  return { dims, data };
}

/**
 * Runs a model file (a path) or model bytes. Without `inputs`, feeds seeded random data shaped from the
 * session's input metadata (symbolic dims as 1).
 */
export async function runModel(
  model: string | Uint8Array,
  inputs?: Feeds,
  seed = 0,
): Promise<Record<string, TensorValue>> {
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, SESSION_OPTIONS)
      : await ort.InferenceSession.create(model, SESSION_OPTIONS);
  try {
    const feeds = inputs ?? randomInputs({ inputs: session.inputMetadata.map(describeInput) }, seed);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(feeds))
      ortFeeds[name] = new ort.Tensor('float32', value.data, value.dims);
    const results = await session.run(ortFeeds);
    const outputs: Record<string, TensorValue> = {};
    for (const [name, tensor] of Object.entries(results)) {
      const data =
        tensor.data instanceof Float32Array
          ? tensor.data
          : Float32Array.from(tensor.data as ArrayLike<number>, Number);
      outputs[name] = { dims: [...tensor.dims], data };
    }
    return outputs;
  } finally {
    await session.release();
  }
}

/** Runs a built model, through a temporary directory when it has external data files. */
export async function runBuilt(built: Built, inputs?: Feeds, seed = 0): Promise<Record<string, TensorValue>> {
  const feeds = inputs ?? randomInputs(built, seed);
  if (Object.keys(built.files).length === 0) return runModel(built.bytes, feeds);
  const dir = mkdtempSync(join(tmpdir(), 'onnx-builder-'));
  try {
    return await runModel(writeBuilt(dir, 'model.onnx', built), feeds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeInput(meta: ort.InferenceSession.ValueMetadata): ValueDescription {
  if (!meta.isTensor || meta.type !== 'float32')
    throw new Error(`runModel: input '${meta.name}' is not float32`);
  return { name: meta.name, shape: meta.shape, dtype: 'float32' };
}

function count(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}
