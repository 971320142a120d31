// What a prune with given settings would do, without writing anything: per group the channels kept, and the
// parameters and MACs of its first root before and after; in total, parameters and MACs before and after
// (estimated per node from the channels kept, see keptShare). The editor's pruning panel shows it live.
import type { Analysis } from '../analyze/analyze';
import { computeMetrics, type ModelMetrics } from '../metrics/metrics';
import type { ModelFile } from '../onnx/modelFile';
import { keptShare } from './macsEstimate';
import { chooseUnits } from './prune';
import type { PruneSettings } from './select';

export interface Amounts {
  before: number;
  after: number;
}

export interface PreviewRow {
  group: string;
  root: string;
  channels: number;
  kept: number;
  skipped?: string;
  params: Amounts;
  macs: Amounts;
}

export interface PrunePreview {
  /** The ratio applied (the one a MACs target came to). */
  ratio: number;
  rows: PreviewRow[];
  parameters: Amounts;
  macs: Amounts;
}

export function previewPrune(
  analysis: Analysis,
  file: ModelFile,
  settings: PruneSettings,
  chosen: ReturnType<typeof chooseUnits> = chooseUnits(analysis, file, settings),
  /** The model's metrics, when the caller has them (a model previewed again). */
  metrics: ModelMetrics = computeMetrics(analysis.state.graph.model, { facts: analysis.state.facts }),
): PrunePreview {
  const { removed, groups, ratio } = chosen;
  const nodes = new Map(analysis.state.graph.nodes.map((n) => [n.name, n]));
  const perNode = new Map(
    metrics.nodes.map((m) => {
      const node = nodes.get(m.node);
      const share = node ? keptShare(analysis, node, removed) : 1;
      return [
        m.node,
        {
          params: { before: m.params, after: m.params * share },
          macs: { before: m.macs ?? 0, after: (m.macs ?? 0) * share },
        },
      ];
    }),
  );
  const sum = (pick: 'params' | 'macs'): Amounts => {
    let before = 0;
    let after = 0;
    for (const v of perNode.values()) {
      before += v[pick].before;
      after += v[pick].after;
    }
    return { before, after };
  };
  // Weights outside the main graph's nodes (subgraphs) are not pruned: they count on both sides.
  const nodeParams = sum('params');
  const outside = metrics.parameters - nodeParams.before;
  const none = { before: 0, after: 0 };
  return {
    ratio,
    rows: groups.map((g) => ({
      group: g.group,
      root: g.roots[0],
      channels: g.channels,
      kept: g.keptChannels,
      ...(g.skipped ? { skipped: g.skipped } : {}),
      params: perNode.get(g.roots[0])?.params ?? none,
      macs: perNode.get(g.roots[0])?.macs ?? none,
    })),
    parameters: { before: metrics.parameters, after: Math.round(nodeParams.after + outside) },
    macs: { ...sum('macs'), after: Math.round(sum('macs').after) },
  };
}
