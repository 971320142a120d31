import type { Analysis } from '../analyze/analyze';
import { firstMappedIndex } from '../deps/channelSpace';
import type { SpaceMember } from '../deps/state';
import { toSafeNumber } from '../onnx/int64';
import { axesOf, convGeometry, refusal } from './layers';
import type { LayerGeometry } from './patches';

/** A layer of the ORIGINAL model that reads a prunable group's channels and could be refitted. */
export interface GroupConsumer {
  node: string;
  input: string;
  output: string;
  geometry: LayerGeometry;
  /** Whether the layer has a bias (its refit can absorb a constant). */
  bias: boolean;
  /** Groups whose channels it reads, with the feature indices (of its least-squares rows) of each unit. */
  blocks: Map<string, Map<number, number[]>>;
}

/**
 * The refittable consumers (Conv with group 1, Gemm, MatMul with a float weight of its own) of every prunable
 * group's channels, from the analysis' members: the member slicing a consumer's weight on its input axis says
 * which weight rows each channel feeds (a Flatten before a Gemm maps one channel to H·W features), and a conv
 * feature row is a weight input index times the kernel area.
 */
export function groupConsumers(analysis: Analysis): GroupConsumer[] {
  const graph = analysis.state.graph;
  const prunable = new Set(analysis.report.groups.filter((g) => g.prunable).map((g) => g.id));
  const byNode = new Map<string, GroupConsumer>();
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  for (const member of analysis.state.members) {
    if (member.axis < 0) continue;
    const node = nodes.get(member.node);
    if (!node || member.tensor !== node.inputs[1]) continue;
    const axes = axesOf(node);
    if (!axes || member.axis !== axes.in || refusal(node, graph)) continue;
    const groups = analysis.index.groupsOf(member.space).filter((g) => prunable.has(g.id));
    if (groups.length === 0) continue;
    let consumer = byNode.get(node.name);
    if (!consumer) {
      const dims = (graph.initializers.get(node.inputs[1])!.dims ?? []).map((d) => toSafeNumber(d));
      const hasBias = node.opType !== 'MatMul' && node.inputs[2] !== undefined && node.inputs[2] !== '';
      consumer = {
        node: node.name,
        input: node.inputs[0],
        output: node.outputs[0],
        geometry: node.opType === 'Conv' ? convGeometry(node, dims) : { kind: 'dense' },
        bias: hasBias,
        blocks: new Map(),
      };
      byNode.set(node.name, consumer);
    }
    const area =
      consumer.geometry.kind === 'conv' ? consumer.geometry.kernel[0] * consumer.geometry.kernel[1] : 1;
    for (const group of groups) addBlocks(analysis, consumer, group.id, member, area);
  }
  return [...byNode.values()];
}

function addBlocks(
  analysis: Analysis,
  consumer: GroupConsumer,
  group: string,
  member: SpaceMember,
  area: number,
): void {
  const blocks = consumer.blocks.get(group) ?? new Map<number, number[]>();
  consumer.blocks.set(group, blocks);
  const classes = analysis.index.classesOf(member.space);
  for (let c = 0; c < classes.length; c++) {
    const list = blocks.get(classes[c]) ?? [];
    blocks.set(classes[c], list);
    const from = firstMappedIndex(member.map, c);
    for (let j = 0; j < member.map.width; j++)
      for (let a = 0; a < area; a++) list.push((from + j) * area + a);
  }
}
