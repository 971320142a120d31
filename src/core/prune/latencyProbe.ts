// What the latency lookup table times (issue 15 §2): for one prunable group, a small model holding each of the
// group's convolutions alone, on its real input shape, with the group's channels at a given kept width (output
// channels where the conv produces them, input channels where it reads them, both and its `group` for a
// depthwise conv). Weights are zeros: a convolution's time does not depend on their values. Each conv gets its
// own graph input, so the model times the layers, not what lies between them. Names in the probe are ours
// (x0, w0…), never the model's.
import type { Analysis } from '../analyze/analyze';
import type { Facts } from '../graph/facts';
import type { ChannelGroup } from '../analyze/types';
import type { NodeView } from '../onnx/modelView';
import { toLong } from '../onnx/int64';
import { onnx } from '../onnx/proto/onnx.js';
import type { GroupTable } from './groupTable';

/** Largest input and weight (elements) of one conv a probe builds: beyond, the layer is not timed. */
const MAX_PROBE_ELEMENTS = 1 << 24;

/** One of a group's convolutions as a probe builds it. */
export interface ProbeConv {
  /** Its input's shape, batch 1: [1, C, spatial…]. */
  input: number[];
  /** Its weight's shape: [M, C / group, kernel…]. */
  weight: number[];
  group: number;
  bias: boolean;
  /** Which of its dims follow the group's width: output channels, input channels. */
  scalesOut: boolean;
  scalesIn: boolean;
  /** Attributes other than `group` (kernel_shape, strides, pads, dilations, auto_pad), as the model has them. */
  attributes: onnx.IAttributeProto[];
}

/** The float Conv nodes of a model's top graph, by name: what probes can be built from. */
export function convsByName(analysis: Analysis): Map<string, NodeView> {
  const convs = new Map<string, NodeView>();
  for (const node of analysis.state.graph.nodes)
    if (node.opType === 'Conv' && node.domain === '' && node.inputs.length >= 2) convs.set(node.name, node);
  return convs;
}

/**
 * The group's convolutions whose weights it slices, with static shapes (a conv whose input shape is not known
 * to the last spatial dim, or is not float, is left out: it cannot be timed alone; `unshaped` names those
 * left out for their shape). `facts`: the model's shapes, the analysis's unless the caller sized symbolic
 * input dims (factsWithInputShapes).
 */
export function probeConvs(
  analysis: Analysis,
  table: GroupTable,
  group: ChannelGroup,
  convs: ReadonlyMap<string, NodeView>,
  facts: Facts = analysis.state.facts,
): { probes: ProbeConv[]; unshaped: string[] } {
  const axes = new Map<NodeView, Set<number>>();
  for (const member of table.membersOf(group)) {
    const node = convs.get(member.node);
    if (!node || member.tensor !== node.inputs[1] || (member.axis !== 0 && member.axis !== 1)) continue;
    const seen = axes.get(node) ?? new Set<number>();
    seen.add(member.axis);
    axes.set(node, seen);
  }
  const probes: ProbeConv[] = [];
  const unshaped: string[] = [];
  for (const [node, seen] of axes) {
    const input = facts.shape(node.inputs[0]);
    const weight = facts.shape(node.inputs[1]);
    const dtype = facts.get(node.inputs[0])?.dtype;
    if (!input || !weight) {
      unshaped.push(node.name);
      continue;
    }
    if (input.length < 3 || weight.length !== input.length) continue;
    if (dtype !== undefined && dtype !== onnx.TensorProto.DataType.FLOAT) continue;
    const dims = [1, ...input.slice(1)];
    if (!dims.every(isCount) || !weight.every(isCount)) {
      unshaped.push(node.name);
      continue;
    }
    const shape = dims as number[];
    const w = weight as number[];
    if (elements(shape) > MAX_PROBE_ELEMENTS || elements(w) > MAX_PROBE_ELEMENTS) continue;
    const attributes = node.attributes.list.filter((a) => a.name !== 'group');
    probes.push({
      input: shape,
      weight: w,
      group: node.attributes.int('group', 1),
      bias: node.inputs.length > 2 && node.inputs[2] !== '',
      scalesOut: seen.has(0),
      scalesIn: seen.has(1) || node.attributes.int('group', 1) > 1,
      attributes,
    });
  }
  return { probes, unshaped };
}

/**
 * The probe model at `kept` of `channels` (the group's width): every conv's scaled dims become
 * round(dim × kept / channels). A conv whose scaled dims do not divide by its scaled group is left out.
 * Undefined when no conv is left.
 */
export function probeModel(
  convs: readonly ProbeConv[],
  kept: number,
  channels: number,
): Uint8Array | undefined {
  const scale = (n: number) => Math.max(1, Math.round((n * kept) / channels));
  const graph: onnx.IGraphProto = { name: 'probe', node: [], initializer: [], input: [], output: [] };
  let n = 0;
  for (const conv of convs) {
    const grouped = conv.group > 1;
    const outChannels = conv.scalesOut || grouped ? scale(conv.weight[0]) : conv.weight[0];
    const inChannels = conv.scalesIn ? scale(conv.input[1]) : conv.input[1];
    const group = grouped ? scale(conv.group) : 1;
    if (outChannels % group !== 0 || inChannels % group !== 0) continue;
    const x = `x${n}`;
    const w = `w${n}`;
    const y = `y${n}`;
    const weight = [outChannels, inChannels / group, ...conv.weight.slice(2)];
    graph.input!.push(valueInfo(x, [1, inChannels, ...conv.input.slice(2)]));
    graph.initializer!.push(zeros(w, weight));
    const inputs = [x, w];
    if (conv.bias) {
      graph.initializer!.push(zeros(`b${n}`, [outChannels]));
      inputs.push(`b${n}`);
    }
    graph.node!.push({
      op_type: 'Conv',
      name: `conv${n}`,
      input: inputs,
      output: [y],
      attribute: [
        ...conv.attributes,
        { name: 'group', type: onnx.AttributeProto.AttributeType.INT, i: toLong(group) },
      ],
    });
    graph.output!.push({ name: y, type: { tensor_type: { elem_type: onnx.TensorProto.DataType.FLOAT } } });
    n++;
  }
  if (n === 0) return undefined;
  return onnx.ModelProto.encode({
    ir_version: toLong(8),
    opset_import: [{ domain: '', version: toLong(13) }],
    producer_name: 'onnx-pruner latency probe',
    graph,
  }).finish();
}

function valueInfo(name: string, dims: number[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => ({ dim_value: toLong(d) })) },
      },
    },
  };
}

function zeros(name: string, dims: number[]): onnx.ITensorProto {
  return {
    name,
    dims: dims.map((d) => toLong(d)),
    data_type: onnx.TensorProto.DataType.FLOAT,
    raw_data: new Uint8Array(elements(dims) * 4),
  };
}

function isCount(d: unknown): boolean {
  return typeof d === 'number' && Number.isSafeInteger(d) && d > 0;
}

function elements(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}
