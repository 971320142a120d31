import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { refuseRuntimeHazard } from './runtimeGuard';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Analysis } from '../core/analyze/analyze';
import { OnnxError } from '../core/onnx/errors';
import type { ModelFile } from '../core/onnx/modelFile';
import { openModelBytes } from '../core/onnx/reader';
import { onnx } from '../core/onnx/proto/onnx.js';
import { readTensorAsFloat32 } from '../core/onnx/tensorData';
import { writeModel } from '../core/onnx/writer';
import { accumulateChannelMeans, withActivationTaps } from '../core/prune/activationTaps';
import type { ActivationStats } from '../core/prune/importance';
import type { Feeds, ValueMeta } from '../protocol/runtime';
import {
  IMAGE_FILE,
  type ImageFeedOptions,
  describeImageChoices,
  imageChoices,
  imageFeed,
} from './calibImages';
import { OrtClient } from './ortClient';
import { DEFAULT_SYMBOLIC_DIM, feedSpecs, generateFeeds, guessedDims, rangeText } from './randomFeeds';
import { type InputDims, NO_INPUT_DIMS, unknownDims } from './inputDims';

export interface CalibrationOptions {
  /**
   * A folder of pictures (PNG, JPEG) or of `.pb` (TensorProto) / `.npy` files, one input tensor each
   * (single-input models).
   */
  calibDir?: string;
  /** How pictures become inputs (defaults from the model's declared input). */
  image?: ImageFeedOptions;
  /** Random samples when there is no folder. Default 4. */
  samples?: number;
  seed?: number;
  /** Sizes of symbolic input dims for random samples (see inputDims.ts). */
  dims?: InputDims;
  client?: OrtClient;
  /** Timeout of each ONNX Runtime request of a client started here, in ms (ORT_TIMEOUT_SECONDS). */
  timeoutMs?: number;
}

/** One calibration input: its name (the file, or `random #i`) and the feeds. */
export interface CalibrationSample {
  name: string;
  feeds: Feeds;
}

export interface CalibrationSet {
  samples: CalibrationSample[];
  /** Files from a folder, or seeded random inputs (a weak estimate of fidelity). */
  source: 'files' | 'random';
  /** What the inputs are, for the report (how pictures were converted, or that they are random). */
  description: string;
}

/** The default held-out share: a third of the inputs, at least one when there are two or more. */
function defaultHoldout(count: number): number {
  return count >= 3 ? Math.floor(count / 3) : count === 2 ? 1 : 0;
}

/**
 * The inputs fitted on (selection, reconstruction) and the held-out ones fidelity is also measured on: the
 * last `holdout` by name (default a third), never all of them.
 */
export function splitCalibration(
  samples: readonly CalibrationSample[],
  holdout?: number,
): { fit: CalibrationSample[]; held: CalibrationSample[] } {
  const count = Math.min(holdout ?? defaultHoldout(samples.length), Math.max(samples.length - 1, 0));
  return { fit: samples.slice(0, samples.length - count), held: samples.slice(samples.length - count) };
}

/** The calibration inputs of a model: the folder's files (sorted by name) or seeded random inputs. */
export function calibrationSet(inputs: readonly ValueMeta[], options: CalibrationOptions): CalibrationSet {
  if (options.calibDir) return calibrationFeeds(options.calibDir, inputs, options.image ?? {});
  const unknown = options.dims && unknownDims(inputs, options.dims);
  if (unknown) throw new Error(unknown);
  const count = options.samples ?? 4;
  const seed = options.seed ?? 0;
  const dims = options.dims ?? NO_INPUT_DIMS;
  const specs = feedSpecs(inputs, [], dims);
  const shapes = specs.map((s) => `${s.name} [${s.dims.join(', ')}] in ${rangeText(s)}`).join(', ');
  const guessed = guessedDims(inputs, [], dims);
  return {
    source: 'random',
    samples: Array.from({ length: count }, (_, i) => ({
      name: `random #${i + 1}`,
      feeds: generateFeeds(specs, seed + i),
    })),
    // What the inputs are, as the verification says it: a 4-D float input (an image) is in [0, 1), not [-1, 1).
    description:
      `${count} seeded random inputs (${shapes || 'none'}; seed ${seed})` +
      (guessed.length > 0
        ? `, symbolic dims ${guessed.map((n) => `'${n}'`).join(', ')} given ${DEFAULT_SYMBOLIC_DIM}`
        : '') +
      ': a weak estimate, real inputs (--calib DIR) say far more',
  };
}

/**
 * Runs the model in ONNX Runtime (in its child process) on calibration inputs with every prunable root's
 * output tapped, and returns the mean |activation| of each of their channels: the `activation` criterion.
 */
export async function measureActivations(
  file: ModelFile,
  analysis: Analysis,
  options: CalibrationOptions = {},
): Promise<ActivationStats> {
  refuseRuntimeHazard(file, file.name, analysis.state);
  const { proto, taps } = withActivationTaps(file, analysis);
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-calib-'));
  const client = options.client ?? new OrtClient({ timeoutMs: options.timeoutMs });
  try {
    const path = join(dir, 'tapped.onnx');
    writeModel(file, proto, path);
    const model = await client.load(path);
    const batches = calibrationSet(model.inputs, options).samples.map((s) => s.feeds);
    const stats = new Map(taps.map((t) => [t.value, new Float64Array(t.channels)]));
    for (const feeds of batches) {
      const outputs = await client.run(model, feeds, { outputs: taps.map((t) => t.value) });
      for (const tap of taps) {
        const out = outputs[tap.value];
        if (!out || !(out.data instanceof Float32Array)) continue;
        accumulateChannelMeans(out.data, out.dims, tap.axis, stats.get(tap.value)!);
      }
    }
    for (const values of stats.values()) for (let i = 0; i < values.length; i++) values[i] /= batches.length;
    await client.release(model);
    return stats;
  } finally {
    if (!options.client) await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One feed per file of the folder (sorted), for a model with one input. */
function calibrationFeeds(
  dir: string,
  inputs: readonly ValueMeta[],
  image: ImageFeedOptions,
): CalibrationSet {
  if (inputs.length !== 1) {
    throw new OnnxError(
      'unsupported',
      `${dir}: calibration files feed models with one input; this one has ${inputs.length}.`,
      dir,
    );
  }
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.(pb|npy)$/i.test(f) || IMAGE_FILE.test(f))
      .sort();
  } catch {
    throw new OnnxError('unreadable', `${dir}: the calibration folder cannot be read.`, dir);
  }
  if (files.length === 0)
    throw new OnnxError('unreadable', `${dir}: no PNG, JPEG, .pb or .npy calibration files.`, dir);
  const pictures = files.filter((f) => IMAGE_FILE.test(f));
  const choices = pictures.length > 0 ? imageChoices(inputs[0], image, dir) : undefined;
  const samples = files.map((f) => {
    const path = join(dir, f);
    const tensor = IMAGE_FILE.test(f)
      ? imageFeed(readFileSync(path), path, choices!)
      : readCalibrationTensor(path);
    return { name: f, feeds: { [inputs[0].name]: tensor } };
  });
  const tensors = files.length - pictures.length;
  const description = [
    pictures.length > 0 ? `${pictures.length} pictures from ${dir}: ${describeImageChoices(choices!)}` : '',
    tensors > 0 ? `${tensors} tensor files (.pb, .npy) from ${dir}, fed as they are` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { source: 'files', samples, description };
}

/** A float32 tensor from a TensorProto (.pb) or NumPy (.npy, little-endian float32, C order) file. */
export function readCalibrationTensor(path: string): { type: 'float32'; dims: number[]; data: Float32Array } {
  const bytes = readFileSync(path);
  if (path.toLowerCase().endsWith('.npy')) return readNpy(bytes, path);
  try {
    const tensor = onnx.TensorProto.decode(bytes);
    const model = openModelBytes(onnx.ModelProto.encode({ graph: { initializer: [tensor] } }).finish(), path);
    const decoded = model.proto.graph!.initializer![0];
    return {
      type: 'float32',
      dims: (tensor.dims ?? []).map(Number),
      data: readTensorAsFloat32(model, decoded),
    };
  } catch (error) {
    throw new OnnxError('not-onnx', `${path} is not a TensorProto file (${(error as Error).message}).`, path);
  }
}

function readNpy(bytes: Uint8Array, path: string): { type: 'float32'; dims: number[]; data: Float32Array } {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY')
    throw new OnnxError('not-onnx', `${path} is not a .npy file.`, path);
  const major = bytes[6];
  const headerLength =
    major >= 2
      ? bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)
      : bytes[8] | (bytes[9] << 8);
  const start = major >= 2 ? 12 : 10;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' || fortran || shape === undefined) {
    throw new OnnxError(
      'unsupported',
      `${path}: only little-endian float32 C-order .npy files are read (found ${descr}${fortran ? ', Fortran order' : ''}).`,
      path,
    );
  }
  const dims = shape
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map(Number);
  const offset = start + headerLength;
  const data = new Float32Array(
    new Uint8Array(bytes.subarray(offset)).buffer, // a copy: a Buffer's slice() is a view of a shared pool
    0,
    dims.reduce((a, b) => a * b, 1),
  );
  return { type: 'float32', dims, data };
}
