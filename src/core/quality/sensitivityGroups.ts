// Which groups a sensitivity run measures. Each measured group costs one pruned model and one ONNX Runtime
// session per ratio: a 50,000-node graph has ~10,000 groups, which would be days of work, while most of its
// compute runs through a few hundred of them. So a run measures at most `maxGroups` groups, those whose layers
// hold the most multiply-accumulates, and says how much of the prunable compute they cover. Allocation cuts
// only measured groups; the others are left alone. Pure.
import type { Analysis } from '../analyze/analyze';
import type { ChannelGroup } from '../analyze/types';
import type { ModelMetrics } from '../metrics/metrics';

/**
 * Groups measured by default: every group of the models people prune whole (the corpus's largest, DenseNet-121,
 * has 120), a bounded run on a transformer export's thousands.
 */
export const DEFAULT_MAX_GROUPS = 128;

/** How much of the model a sensitivity run measured. */
export interface SensitivityCoverage {
  /** Prunable groups measured… */
  measured: number;
  /** …of this many. */
  prunable: number;
  /**
   * The MACs of the layers the measured groups run through (a node counted once), as a share of those of the
   * layers any prunable group runs through; null when no such layer has a MACs count (dynamic shapes).
   */
  macsShare: number | null;
}

/**
 * The prunable groups to measure, in graph order: all of them when they are at most `maxGroups`, else the
 * `maxGroups` whose layers (the nodes they have members in) hold the most MACs, ties to the earlier group.
 */
export function groupsToMeasure(
  analysis: Analysis,
  metrics: ModelMetrics,
  maxGroups: number,
): { groups: ChannelGroup[]; coverage: SensitivityCoverage } {
  const prunable = analysis.report.groups.filter((g) => g.prunable);
  const macsOf = new Map<string, number>();
  for (const n of metrics.nodes) if (n.macs) macsOf.set(n.node, n.macs);
  // Per group (by id), the nodes its channels have members in.
  const nodesOf = new Map<string, Set<string>>();
  for (const member of analysis.state.members) {
    for (const group of analysis.index.groupsOf(member.space)) {
      let nodes = nodesOf.get(group.id);
      if (!nodes) nodesOf.set(group.id, (nodes = new Set()));
      nodes.add(member.node);
    }
  }
  const sumOf = (nodes: Iterable<string>) => {
    let sum = 0;
    for (const node of nodes) sum += macsOf.get(node) ?? 0;
    return sum;
  };
  const weight = new Map(prunable.map((g) => [g, sumOf(nodesOf.get(g.id) ?? [])]));
  const order = new Map(prunable.map((g, i) => [g, i]));
  const chosen =
    prunable.length <= maxGroups
      ? prunable
      : [...prunable]
          .sort((a, b) => weight.get(b)! - weight.get(a)! || order.get(a)! - order.get(b)!)
          .slice(0, maxGroups)
          .sort((a, b) => order.get(a)! - order.get(b)!);
  const union = (groups: readonly ChannelGroup[]) => {
    const nodes = new Set<string>();
    for (const g of groups) for (const node of nodesOf.get(g.id) ?? []) nodes.add(node);
    return sumOf(nodes);
  };
  const reachable = union(prunable);
  return {
    groups: chosen,
    coverage: {
      measured: chosen.length,
      prunable: prunable.length,
      macsShare: reachable > 0 ? union(chosen) / reachable : null,
    },
  };
}

/**
 * The weights a prune of these groups masks, initializers and ConstantOfShape outputs: those that read their
 * channels (the consumers' input slices, which the mask spec zeroes). A sensitivity run makes them inputs of
 * one probe model.
 */
export function maskedWeights(analysis: Analysis, groups: readonly ChannelGroup[]): Set<string> {
  const ids = new Set(groups.map((g) => g.id));
  const names = new Set<string>();
  for (const m of analysis.state.members) {
    const source = m.source ?? 'initializer';
    if (
      m.kind === 'weight-in' &&
      (source === 'initializer' || source === 'constant-of-shape') &&
      analysis.index.groupsOf(m.space).some((g) => ids.has(g.id))
    )
      names.add(m.tensor);
  }
  return names;
}
