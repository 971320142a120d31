// The exactness check on intermediate tensors (design §6, issue 13 item 7): every channel-carrying tensor
// of the masked original against its pruned counterpart, on the kept channels. Outputs alone prove nothing
// for a model whose outputs do not depend on its inputs, and they hide a wrong channel that a later layer
// happens to ignore.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type Analysis, analyzeModel } from '../../src/core/analyze/analyze';
import { DataType } from '../../src/core/onnx/dataTypes';
import { withChanges } from '../../src/core/onnx/edit';
import type { ModelFile } from '../../src/core/onnx/modelFile';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { readTensorBytes } from '../../src/core/onnx/tensorData';
import type { onnx } from '../../src/core/onnx/proto/onnx.js';
import { writeModel } from '../../src/core/onnx/writer';
import { mulberry32 } from '../../src/core/random';

/** How far a tensor's tolerance sits above its noise floor (as verify's NOISE_FLOOR_FACTOR). */
const FLOOR_FACTOR = 4;
const ATOL = 1e-5;
const RTOL = 1e-4;

export interface TensorCheck {
  value: string;
  /** Channels compared (the kept ones) of how many, on `axis`. */
  kept: number;
  channels: number;
  axis: number;
  maxAbsError: number;
  /** max |masked − masked with every weight and input moved by one float32 ulp|: the tensor's own noise. */
  noiseFloor: number;
  tolerance: number;
}

export interface IntermediateReport {
  checked: TensorCheck[];
  /** One sentence per tensor that differs beyond tolerance, is missing or has another shape. */
  failures: string[];
}

/**
 * Runs the masked original and the pruned model with every channel-carrying value of the original made a
 * graph output (ONNX Runtime's optimisations off in both, so the taps change nothing), and compares each on
 * the kept channels. `removed` is PruneOutcome.removed (classes of the original's analysis). The tolerance
 * of a tensor is max(ATOL + RTOL × max|tensor|, FLOOR_FACTOR × its noise floor), the noise floor being how
 * far the tensor moves when every float weight and input of the masked original moves by one ulp in a
 * random direction: rounding of that size happens at every layer, and deep or gated models amplify it.
 */
export async function checkIntermediates(
  paths: { original: string; masked: string; pruned: string; dir: string },
  removed: ReadonlySet<number>,
  feeds: Record<string, ort.Tensor>,
): Promise<IntermediateReport> {
  const taps = channelTaps(paths.original, removed);
  const tapped = (source: string, name: string, perturb = false) => {
    const file = openModel(source);
    try {
      const path = join(paths.dir, name);
      writeModel(file, withOutputs(file, taps, perturb), path);
      return path;
    } finally {
      file.close();
    }
  };
  const names = taps.map((t) => t.value);
  const masked = await runTapped(tapped(paths.masked, 'masked.tapped.onnx'), feeds, names);
  const noisy = await runTapped(tapped(paths.masked, 'masked.ulp.onnx', true), perturbFeeds(feeds), names);
  const pruned = await runTapped(tapped(paths.pruned, 'pruned.tapped.onnx'), feeds, names);
  const report: IntermediateReport = { checked: [], failures: [] };
  for (const tap of taps) {
    const m = masked[tap.value];
    const p = pruned[tap.value];
    if (!m || !p || !noisy[tap.value]) {
      report.failures.push(
        `'${tap.value}' is missing from ${!m ? 'the masked original' : 'the pruned model'}`,
      );
      continue;
    }
    const expected = keptChannels(m, tap.axis, tap.kept);
    const floorOf = keptChannels(noisy[tap.value], tap.axis, tap.kept);
    const dims = [...m.dims];
    if (tap.kept) dims[tap.axis] = tap.kept.length;
    if (p.dims.join(',') !== dims.join(',')) {
      report.failures.push(
        `'${tap.value}' is [${p.dims.join(', ')}] in the pruned model, not [${dims.join(', ')}]`,
      );
      continue;
    }
    const actual = p.data as Float32Array;
    let error = 0;
    let floor = 0;
    let magnitude = 0;
    for (let i = 0; i < expected.length; i++) {
      error = Math.max(error, Math.abs(actual[i] - expected[i]));
      floor = Math.max(floor, Math.abs(floorOf[i] - expected[i]));
      magnitude = Math.max(magnitude, Math.abs(expected[i]));
    }
    if (Number.isNaN(error)) error = Infinity;
    const tolerance = Math.max(ATOL + RTOL * magnitude, FLOOR_FACTOR * floor);
    const kept = tap.kept?.length ?? dims[tap.axis];
    const channels = tap.kept ? tap.channels : dims[tap.axis];
    const check = {
      value: tap.value,
      kept,
      channels,
      axis: tap.axis,
      maxAbsError: error,
      noiseFloor: floor,
      tolerance,
    };
    report.checked.push(check);
    if (!(error <= tolerance))
      report.failures.push(
        `'${tap.value}' (${kept} of ${channels} channels kept): max error ${error.toExponential(2)} ` +
          `beyond ${tolerance.toExponential(2)} (noise floor ${floor.toExponential(2)}, max ${magnitude.toExponential(2)})`,
      );
  }
  return report;
}

interface Tap {
  value: string;
  axis: number;
  channels: number;
  /** Indices of the channels the prune kept, ascending; undefined: a graph output without channels, whole. */
  kept?: number[];
}

/** Every float value of the main graph that carries channels, with the channels kept. */
function channelTaps(original: string, removed: ReadonlySet<number>): Tap[] {
  const file = openModel(original);
  try {
    const analysis: Analysis = analyzeModel(new ModelView(file));
    const { state, index } = analysis;
    const produced = new Set(state.graph.nodes.flatMap((n) => n.outputs));
    const taps: Tap[] = [];
    for (const [value, space] of state.spaces) {
      if (!produced.has(value) || state.fact(value)?.dtype !== DataType.FLOAT) continue;
      const classes = index.classesOf(space);
      const kept: number[] = [];
      for (let c = 0; c < classes.length; c++) if (!removed.has(classes[c])) kept.push(c);
      taps.push({ value, axis: space.axis, channels: space.size, kept });
    }
    const tapped = new Set(taps.map((t) => t.value));
    for (const output of state.graph.outputs)
      if (!tapped.has(output.name) && state.fact(output.name)?.dtype === DataType.FLOAT)
        taps.push({ value: output.name, axis: 0, channels: 0 });
    return taps;
  } finally {
    file.close();
  }
}

/** The model with the taps as extra graph outputs; with `perturb`, every float weight moved by one ulp. */
function withOutputs(file: ModelFile, taps: readonly Tap[], perturb: boolean): onnx.ModelProto.$Properties {
  const graph = file.proto.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const added = taps
    .filter((t) => !existing.has(t.value))
    .map((t) => ({ name: t.value, type: { tensor_type: { elem_type: DataType.FLOAT } } }));
  const next = mulberry32(7);
  const moved = (tensor: onnx.TensorProto.$Properties) => {
    if (!perturb || tensor.data_type !== DataType.FLOAT) return tensor;
    const bytes = Uint8Array.from(readTensorBytes(file, tensor));
    const values = new Float32Array(bytes.buffer);
    // Whole numbers are scales (Resize, Upsample), factors or counts, not learnt weights: moved, a scale
    // of 1 or 2 would change a shape.
    if (values.every((v) => Number.isInteger(v))) return tensor;
    nudge(values, next);
    const copy = withChanges(tensor, {});
    file.setTensorData(copy, [bytes]);
    return copy;
  };
  const node = (graph.node ?? []).map((n) =>
    n.op_type === 'Constant' && perturb
      ? withChanges(n, {
          attribute: (n.attribute ?? []).map((a) =>
            a.name === 'value' && a.t ? withChanges(a, { t: moved(a.t) }) : a,
          ),
        })
      : n,
  );
  return withChanges(file.proto as onnx.ModelProto.$Properties, {
    graph: withChanges(graph, {
      initializer: (graph.initializer ?? []).map(moved),
      node,
      output: [...(graph.output ?? []), ...added],
    }),
  });
}

/** Moves every element by one float32 ulp up or down (seeded), zeros to the smallest normal of either sign. */
function nudge(data: Float32Array, next: () => number): void {
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) continue;
    if (data[i] === 0) continue; // a zeroed (masked) slice stays zero: it is exact, not noise
    bits[i] += next() < 0.5 ? -1 : 1;
  }
}

function perturbFeeds(feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const next = mulberry32(11);
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    if (t.type !== 'float32') {
      out[name] = t;
      continue;
    }
    const data = Float32Array.from(t.data as Float32Array);
    nudge(data, next);
    out[name] = new ort.Tensor('float32', data, t.dims);
  }
  return out;
}

async function runTapped(
  path: string,
  feeds: Record<string, ort.Tensor>,
  names: readonly string[],
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(path, {
    logSeverityLevel: 3,
    graphOptimizationLevel: 'disabled',
  });
  try {
    const wanted = names.filter((n) => session.outputNames.includes(n));
    return wanted.length > 0 ? await session.run(feeds, wanted) : {};
  } finally {
    await session.release();
  }
}

/** The kept channels of a dense tensor along `axis`, in order. */
function keptChannels(tensor: ort.Tensor, axis: number, kept: readonly number[] | undefined): Float32Array {
  const data = tensor.data as Float32Array;
  if (!kept) return data;
  const dims = tensor.dims;
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const size = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * kept.length * inner);
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (const c of kept) {
      const start = (o * size + c) * inner;
      out.set(data.subarray(start, start + inner), at);
      at += inner;
    }
  return out;
}

/** The builder's float feeds (test/builder/runtime.ts) as ONNX Runtime tensors. */
export function ortFeeds(
  feeds: Readonly<Record<string, { dims: readonly number[]; data: Float32Array }>>,
): Record<string, ort.Tensor> {
  return Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, [...t.dims])]),
  );
}
