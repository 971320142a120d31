import type { Analysis } from '../analyze/analyze';
import type { ChannelSpace } from '../deps/channelSpace';
import type { ModelMetrics } from '../metrics/metrics';
import type { NodeView } from '../onnx/modelView';

/**
 * The share of a node's weights and multiply-accumulates that stays after removing the given classes: a Conv,
 * ConvTranspose, Gemm or MatMul costs in proportion to its output channels times its input channels per group
 * (a depthwise conv to its output channels alone). Exact for these ops but for biases.
 */
export function keptShare(analysis: Analysis, node: NodeView, removed: ReadonlySet<number>): number {
  const { state, index } = analysis;
  const kept = (space: ChannelSpace | undefined): number => {
    if (!space) return 1;
    let gone = 0;
    for (const cls of index.classesOf(space)) if (removed.has(cls)) gone++;
    return 1 - gone / space.size;
  };
  const out = kept(state.space(node.outputs[0]));
  const input = state.space(node.inputs[0]);
  const group = node.attributes.int('group', 1);
  const depthwise = group > 1 && input !== undefined && group === input.size;
  return out * (depthwise ? 1 : kept(input));
}

/**
 * MACs after removing the given classes, estimated from the original per-node MACs (keptShare); used to search
 * a ratio that meets a MACs target without writing a model per try.
 */
export function estimateMacs(
  analysis: Analysis,
  metrics: ModelMetrics,
  removed: ReadonlySet<number>,
): number {
  const nodes = new Map(analysis.state.graph.nodes.map((n) => [n.name, n]));
  let total = 0;
  for (const m of metrics.nodes) {
    if (!m.macs) continue;
    const node = nodes.get(m.node);
    total += node ? m.macs * keptShare(analysis, node, removed) : m.macs;
  }
  return total;
}
