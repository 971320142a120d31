// Sensitivity's variants as masks on one ONNX Runtime session. A pruned model equals its masked original (the
// original with the weight slices that read removed channels set to zero: the oracle `verify` checks), so a
// variant's fidelity can be measured without writing and loading a pruned model: one *probe* model, the
// original with the weights the groups' masks touch turned into graph inputs, is loaded once; its
// original weights are kept in the worker, and each run sends the variant's masked copies of the few it zeroes.
// On a 50,001-node graph, where loading a model takes 13–55 s, that is one load instead of one per variant.
import { join } from 'node:path';
import { withChanges } from '../core/onnx/edit';
import { DataType } from '../core/onnx/dataTypes';
import { toLong, toSafeNumber } from '../core/onnx/int64';
import { ModelFile } from '../core/onnx/modelFile';
import type { onnx } from '../core/onnx/proto/onnx.js';
import { readTensorAsFloat32 } from '../core/onnx/tensorData';
import { writeModel } from '../core/onnx/writer';
import { ZeroIntervals, filledTensor } from '../core/prune/mask';
import type { MaskSpec } from '../core/prune/maskSpec';
import type { PrunableModel } from '../core/prune/prune';
import { setOwn } from '../core/records';
import type { Feeds, SessionSettings, TensorPayload, ValueMeta } from '../protocol/runtime';
import type { CalibrationSample } from './calibration';
import type { LoadedModel, OrtClient, Stash } from './ortClient';
import { ownBuffer } from './ownBuffer';

type Tensor = onnx.TensorProto.$Properties;

/** The weights are sent to the worker in parts of about this many bytes. */
const KEEP_PART = 64 << 20;
/**
 * Larger weights stay in the probe as they are, and the variants that mask them are written and loaded: a masked
 * copy of VGG-16's 411 MB first Gemm weight, sent for every run, would take more memory and time than that.
 */
const MAX_PROBE_WEIGHT = 64 << 20;

export class MaskedVariants {
  private constructor(
    private readonly client: OrtClient,
    private readonly prunable: PrunableModel,
    private readonly probe: LoadedModel,
    private readonly kept: Stash,
    /** The weights that are the probe's inputs, by name. */
    private readonly weights: ReadonlyMap<string, Tensor>,
  ) {}

  /**
   * Writes the probe into `dir` and loads it: `names` are the initializers to turn into inputs (those that are
   * not float32 initializers of the main graph stay as they are, and variants that mask them are not for this
   * probe). Undefined when there is nothing to turn into an input.
   */
  static async open(
    client: OrtClient,
    prunable: PrunableModel,
    names: ReadonlySet<string>,
    dir: string,
    settings: SessionSettings | undefined,
  ): Promise<MaskedVariants | undefined> {
    const { file } = prunable;
    const graph = file.proto.graph!;
    const weights = new Map<string, Tensor>();
    const fits = (t: Tensor) =>
      t.data_type === DataType.FLOAT && ModelFile.elementCount(t) * 4 <= MAX_PROBE_WEIGHT;
    for (const t of graph.initializer ?? [])
      if (t.name && names.has(t.name) && fits(t)) weights.set(t.name, t);
    // A weight a ConstantOfShape makes (exporters that store constant weights by their shape) is filled here,
    // and the node gives way to an input of the same name.
    const filled = new Set<onnx.NodeProto.$Properties>();
    for (const n of graph.node ?? []) {
      const output = n.output?.[0];
      if (n.op_type !== 'ConstantOfShape' || (n.domain ?? '') !== '' || !output || !names.has(output))
        continue;
      let t: Tensor;
      try {
        t = filledTensor(file, graph, n);
      } catch {
        continue; // a shape that is not a constant, too large: its variants are written and loaded
      }
      if (!fits(t)) continue;
      weights.set(output, t);
      filled.add(n);
    }
    if (weights.size === 0) return undefined;
    // IR 3 and older list every initializer among the inputs already: those keep their entry.
    const listed = new Set((graph.input ?? []).map((v) => v.name));
    const added: onnx.ValueInfoProto.$Properties[] = [];
    for (const [name, t] of weights) {
      if (listed.has(name)) continue;
      const dim = (t.dims ?? []).map((d) => ({ dim_value: toLong(toSafeNumber(d)) }));
      added.push({ name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim } } } });
    }
    const proto = withChanges(file.proto, {
      graph: withChanges(graph, {
        input: [...(graph.input ?? []), ...added],
        initializer: (graph.initializer ?? []).filter((t) => !weights.has(t.name ?? '')),
        node: (graph.node ?? []).filter((n) => !filled.has(n)),
      }),
    });
    const path = join(dir, 'probe.onnx');
    writeModel(file, proto, path);
    const probe = await client.load(path, settings ? { settings } : {});
    let kept: Stash | undefined;
    try {
      // Sent in parts of about KEEP_PART bytes: a 553 MB VGG-16's weights are not all copied at once.
      const what = `the weights of ${file.name}`;
      let part: Feeds = {};
      let bytes = 0;
      for (const [name, t] of weights) {
        const data = ownBuffer(readTensorAsFloat32(file, t));
        setOwn(part, name, payload(t, data));
        bytes += data.byteLength;
        if (bytes >= KEEP_PART) {
          kept = await client.keep(part, what, { into: kept });
          part = {};
          bytes = 0;
        }
      }
      kept = await client.keep(part, what, { into: kept });
      return new MaskedVariants(client, prunable, probe, kept, weights);
    } catch (error) {
      if (kept) await client.drop([kept]);
      await client.release(probe);
      throw error;
    }
  }

  /** The probe's inputs that are the model's own (not weights): what calibration inputs are made for. */
  get inputs(): ValueMeta[] {
    return this.probe.inputs.filter((v) => !this.weights.has(v.name));
  }

  /** Whether this probe can run a variant with this mask: every slice zeroes one of its weights. */
  covers(mask: MaskSpec): boolean {
    if (mask.unmasked?.length) return false;
    return mask.zero.every(
      (s) => (s.source === 'initializer' || s.source === 'constant-of-shape') && this.weights.has(s.tensor),
    );
  }

  /** The outputs of a sample with the weights `mask` zeroes (nothing zeroed: the original's outputs). */
  run(sample: CalibrationSample, masked: Feeds): Promise<Record<string, TensorPayload>> {
    return this.client.run(this.probe, this.kept, { plus: { ...sample.feeds, ...masked } });
  }

  /** The masked copies of the weights `mask` zeroes (read from the model, a variant at a time). */
  masked(mask: MaskSpec): Feeds {
    const feeds: Feeds = {};
    for (const slice of mask.zero) {
      const tensor = this.weights.get(slice.tensor)!;
      // A copy each (a model read whole hands out views of its bytes), zeroed by every slice of it.
      feeds[slice.tensor] ??= payload(tensor, readTensorAsFloat32(this.prunable.file, tensor).slice());
      const { data } = feeds[slice.tensor];
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      new ZeroIntervals(dimsOf(tensor), 4, slice.axis, slice.indices).zero(bytes, 0);
    }
    return feeds;
  }

  async close(): Promise<void> {
    await this.client.drop([this.kept]);
    await this.client.release(this.probe);
  }
}

function dimsOf(t: Tensor): number[] {
  return (t.dims ?? []).map((d) => toSafeNumber(d));
}

function payload(t: Tensor, data: Float32Array): TensorPayload {
  return { type: 'float32', dims: dimsOf(t), data };
}
