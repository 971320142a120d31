import type { Analysis } from '../analyze/analyze';
import type { ChannelSpace } from '../deps/channelSpace';
import { withChanges } from '../onnx/edit';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';

/** A value whose activations the `activation` criterion measures: a root's output, with its channel axis. */
export interface Tap {
  value: string;
  axis: number;
  channels: number;
}

/**
 * The model with every prunable root's output made a graph output too, so one ONNX Runtime run yields the
 * activations the `activation` criterion needs (mean |activation| per channel).
 */
export function withActivationTaps(
  file: ModelFile,
  analysis: Analysis,
): { proto: onnx.ModelProto.$Properties; taps: Tap[] } {
  const prunable = new Set(analysis.report.groups.filter((g) => g.prunable).flatMap((g) => g.roots));
  const taps: Tap[] = [];
  const seen = new Set<ChannelSpace>();
  for (const root of analysis.state.roots) {
    if (!prunable.has(root.node.name) || seen.has(root.space)) continue;
    seen.add(root.space);
    taps.push({ value: root.node.outputs[0], axis: root.space.axis, channels: root.space.size });
  }
  const proto = withGraphOutputs(
    file.proto as onnx.ModelProto.$Properties,
    taps.map((t) => t.value),
  );
  return { proto, taps };
}

/** The model with the given (float) values made graph outputs too, so ONNX Runtime can return them. */
export function withGraphOutputs(
  model: onnx.ModelProto.$Properties,
  values: readonly string[],
): onnx.ModelProto.$Properties {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const added = [...new Set(values)]
    .filter((v) => !existing.has(v))
    .map((v) => ({ name: v, type: { tensor_type: { elem_type: 1 } } }));
  return withChanges(model, { graph: withChanges(graph, { output: [...(graph.output ?? []), ...added] }) });
}

/** Mean |x| of each channel (along `axis`) of a dense float tensor, summed into `into`. */
export function accumulateChannelMeans(
  data: Float32Array,
  dims: number[],
  axis: number,
  into: Float64Array,
): void {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const per = data.length / channels;
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = data[i];
    into[c] += (v < 0 ? -v : v) / per;
  }
}
