import { mkdtempSync, rmSync } from 'node:fs';
import { refuseRuntimeHazard } from './runtimeGuard';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withChanges } from '../core/onnx/edit';
import type { ModelFile } from '../core/onnx/modelFile';
import { ModelView } from '../core/onnx/modelView';
import type { onnx } from '../core/onnx/proto/onnx.js';
import { openModel } from '../core/onnx/reader';
import { writeModel } from '../core/onnx/writer';
import type { RemovedSlice } from '../core/prune/apply';
import { withGraphOutputs } from '../core/prune/activationTaps';
import { type RefitLayer, type SkippedLayer, refitLayers } from '../core/reconstruct/layers';
import {
  featureCount,
  layerFeatures,
  layerTargets,
  positionCount,
  samplePositions,
} from '../core/reconstruct/patches';
import { refittedTensors, solutionOf } from '../core/reconstruct/refit';
import { NormalEquations, fitRidgeCv, residual } from '../core/reconstruct/ridge';
import { readTensorAsFloat32 } from '../core/onnx/tensorData';
import { mulberry32 } from '../core/random';
import type { TensorPayload } from '../protocol/runtime';
import type { CalibrationSample } from './calibration';
import type { OrtClient } from './ortClient';

/** Sampled output positions per layer over all calibration inputs (the issue's ~20k: memory stays bounded). */
export const DEFAULT_POSITIONS = 20_000;
/** Cross-validation folds (calibration inputs are dealt to them in turn). */
const MAX_FOLDS = 4;
/** Metadata key a reconstructed model carries: its weights no longer equal the masked original's. */
export const RECONSTRUCTED_METADATA_KEY = 'onnx_pruner.reconstructed';

export interface ReconstructOptions {
  positions?: number;
  seed?: number;
  /** Hears of each layer as its refit starts. */
  onLayer?: (index: number, count: number, node: string) => void;
}

/** What the refit of one layer found, for the report. */
export interface RefitReport {
  node: string;
  opType: string;
  features: number;
  outputs: number;
  rows: number;
  /** Ridge strength chosen, relative to the mean diagonal of XᵀX. */
  relativeLambda: number;
  /** Cross-validated and training residual shares (Σ‖y − ŷ‖² / Σ‖y‖²). */
  validationError: number;
  trainingError: number;
  /** The plain prune's residual share on the same rows, and whether it won (the layer was left as pruned). */
  plainError: number;
  keptPlain: boolean;
}

export interface ReconstructOutcome {
  layers: RefitReport[];
  skipped: SkippedLayer[];
  positions: number;
  samples: string[];
}

/**
 * Refits the consumers of removed channels of a plainly pruned model (He et al. 2017; ThiNet), writing the
 * result to `output` (atomically). Layers go in topological order; each is fitted to reproduce the
 * ORIGINAL layer's output (kept output channels) from the inputs it receives in the pruned model whose
 * earlier layers are already refitted, so errors do not accumulate. Ridge-regularised normal equations in
 * Float64, the ridge strength per layer by cross-validation over the calibration inputs, biases refitted too.
 * ONNX Runtime runs in the client's child process; the least squares are src/core/reconstruct.
 */
export async function reconstructModel(
  client: OrtClient,
  original: string,
  plain: string,
  output: string,
  slices: readonly RemovedSlice[],
  samples: readonly CalibrationSample[],
  options: ReconstructOptions = {},
): Promise<ReconstructOutcome> {
  const file = openModel(plain);
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-refit-'));
  try {
    file.preload(256 << 20);
    const { layers, skipped } = refitLayers(new ModelView(file), slices);
    const perSample = Math.max(1, Math.ceil((options.positions ?? DEFAULT_POSITIONS) / samples.length));
    const targets = await originalTargets(
      client,
      original,
      layers,
      samples,
      perSample,
      options.seed ?? 0,
      dir,
    );
    let proto = file.proto as onnx.ModelProto.$Properties;
    const reports: RefitReport[] = [];
    for (let li = 0; li < layers.length; li++) {
      const layer = layers[li];
      options.onLayer?.(li, layers.length, layer.node);
      const tapped = join(dir, `step-${li}.onnx`);
      writeModel(file, withGraphOutputs(proto, [layer.input]), tapped);
      const model = await client.load(tapped);
      const folds: NormalEquations[] = [];
      let rows = 0;
      let p = 0;
      const m = layer.keptOutputs.length;
      try {
        for (let s = 0; s < samples.length; s++) {
          const x = (await client.run(model, samples[s].feeds, { outputs: [layer.input] }))[layer.input];
          const target = targets[li][s];
          p = featureCount(layer.geometry, x.dims, layer.bias !== undefined);
          const features = layerFeatures(
            layer.geometry,
            floats(x),
            x.dims,
            target.outDims,
            target.positions,
            layer.bias !== undefined,
          );
          const count = target.positions.length;
          // Folds by calibration input; one input alone is split into its first and second half of rows.
          if (samples.length >= 2) {
            const f = s % Math.min(MAX_FOLDS, samples.length);
            folds[f] ??= new NormalEquations(p, m);
            folds[f].addRows(features, target.rows, count);
          } else {
            const half = Math.floor(count / 2);
            folds[0] ??= new NormalEquations(p, m);
            folds[1] ??= new NormalEquations(p, m);
            folds[0].addRows(features, target.rows, half);
            folds[1].addRows(features.subarray(half * p), target.rows.subarray(half * m), count - half);
          }
          rows += count;
        }
      } finally {
        await client.release(model);
        rmSync(tapped, { force: true });
      }
      // The ridge pulls towards the plain prune's own weights (a strong one keeps them, a weak one fits the
      // data), and those weights are a candidate on their own too: never fitted to these rows, their residual
      // on all of them is as honest as the refit's cross-validated one. Where they do better (channels that
      // were nearly dead, say), the layer keeps them.
      const plainWeights = solutionOf(layer, currentTensors(file, proto, layer), p, m);
      const fit = fitRidgeCv(folds, (i) => !(layer.bias && i === p - 1), undefined, plainWeights);
      const plainError =
        folds.reduce((n, f) => n + residual(f, plainWeights), 0) / (folds.reduce((n, f) => n + f.yy, 0) || 1);
      const keptPlain = plainError <= fit.validationError;
      if (!keptPlain) proto = withRefit(file, proto, layer, refittedTensors(layer, fit.weights, p, m));
      reports.push({
        keptPlain,
        plainError,
        node: layer.node,
        opType: layer.opType,
        features: p,
        outputs: m,
        rows,
        relativeLambda: fit.relativeLambda,
        validationError: fit.validationError,
        trainingError: fit.trainingError,
      });
    }
    const note = {
      key: RECONSTRUCTED_METADATA_KEY,
      value: JSON.stringify({
        layers: reports.map((r) => r.node),
        samples: samples.map((s) => s.name),
        note: 'weights refitted by least squares on calibration inputs: this model does not equal the masked original',
      }),
    };
    proto = withChanges(proto, {
      metadata_props: [...(proto.metadata_props ?? []).filter((e) => e.key !== note.key), note],
    });
    writeModel(file, proto, output);
    return { layers: reports, skipped, positions: perSample, samples: samples.map((s) => s.name) };
  } finally {
    file.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface LayerTarget {
  positions: Int32Array;
  outDims: number[];
  /** positions × kept outputs, the original layer's values there. */
  rows: Float64Array;
}

/** The original's output of every layer at sampled positions, for every calibration input. */
async function originalTargets(
  client: OrtClient,
  original: string,
  layers: readonly RefitLayer[],
  samples: readonly CalibrationSample[],
  perSample: number,
  seed: number,
  dir: string,
): Promise<LayerTarget[][]> {
  if (layers.length === 0) return [];
  const file = openModel(original);
  const path = join(dir, 'original-taps.onnx');
  try {
    refuseRuntimeHazard(file, original);
    writeModel(
      file,
      withGraphOutputs(
        file.proto as onnx.ModelProto.$Properties,
        layers.map((l) => l.output),
      ),
      path,
    );
  } finally {
    file.close();
  }
  const model = await client.load(path);
  try {
    const targets: LayerTarget[][] = layers.map(() => []);
    for (let s = 0; s < samples.length; s++) {
      const outputs = await client.run(model, samples[s].feeds, { outputs: layers.map((l) => l.output) });
      layers.forEach((layer, li) => {
        const y = outputs[layer.output];
        const random = mulberry32((seed * 7919 + li * 104729 + s * 15485863) >>> 0);
        const positions = samplePositions(positionCount(layer.geometry, y.dims), perSample, random);
        targets[li][s] = {
          positions,
          outDims: y.dims,
          rows: layerTargets(layer.geometry, floats(y), y.dims, positions, layer.keptOutputs),
        };
      });
    }
    return targets;
  } finally {
    await client.release(model);
  }
}

/** The model with the layer's weight (and bias) replaced by refitted values. */
function withRefit(
  file: ModelFile,
  proto: onnx.ModelProto.$Properties,
  layer: RefitLayer,
  tensors: { weight: Float32Array; bias?: Float32Array },
): onnx.ModelProto.$Properties {
  const graph = proto.graph!;
  const initializer = (graph.initializer ?? []).map((t) => {
    const values =
      t.name === layer.weight ? tensors.weight : t.name === layer.bias ? tensors.bias : undefined;
    if (!values) return t;
    const changed = withChanges(t, {});
    file.setTensorData(changed, [new Uint8Array(values.buffer, values.byteOffset, values.byteLength)]);
    return changed;
  });
  return withChanges(proto, { graph: withChanges(graph, { initializer }) });
}

/** The layer's weight and bias as they are in the model being refitted. */
function currentTensors(
  file: ModelFile,
  proto: onnx.ModelProto.$Properties,
  layer: RefitLayer,
): { weight: Float32Array; bias?: Float32Array } {
  const find = (name: string) => (proto.graph!.initializer ?? []).find((t) => t.name === name)!;
  return {
    weight: readTensorAsFloat32(file, find(layer.weight)),
    bias: layer.bias ? readTensorAsFloat32(file, find(layer.bias)) : undefined,
  };
}

function floats(t: TensorPayload): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new Error(`a layer's activations are ${t.type}, not float32`);
  return t.data;
}
