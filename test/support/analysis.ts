import { type Analysis, analyzeModel } from '../../src/core/analyze/analyze';
import type { ChannelGroup } from '../../src/core/analyze/types';
import type { LayerAmount } from '../../src/core/prune/select';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModelBytes } from '../../src/core/onnx/reader';
import type { onnx } from '../../src/core/onnx/proto/onnx.js';
import { onnx as proto } from '../../src/core/onnx/proto/onnx.js';

/** Analyses model bytes (a builder fixture, a hand-made model). */
export function analyzeBytes(bytes: Uint8Array, name = 'model.onnx'): Analysis {
  return analyzeModel(new ModelView(openModelBytes(bytes, name)));
}

export function analyzeProto(model: onnx.ModelProto.$Properties): Analysis {
  return analyzeBytes(proto.ModelProto.encode(model).finish());
}

/** The group a root node belongs to. */
export function groupOf(analysis: Analysis, root: string): ChannelGroup {
  const group = analysis.report.groups.find((g) => g.roots.includes(root));
  if (!group)
    throw new Error(
      `no group has root ${root}; groups: ${analysis.report.groups.map((g) => g.roots.join('+')).join(', ')}`,
    );
  return group;
}

/** A compact, comparable description of a group. */
export function shapeOf(group: ChannelGroup) {
  return {
    roots: group.roots,
    channels: group.channels,
    unit: group.unit,
    prunable: group.prunable,
    shuffles: group.pixelShuffle.map((p) => `${p.form}${p.mode ? `/${p.mode}` : ''}/r${p.blocksize}`),
  };
}

export function codes(analysis: Analysis): string[] {
  return analysis.report.diagnostics.map((d) => d.code);
}

/** Explicit indices for a prune: every other unit of each group (all prunable ones by default), on its first root. */
export function everyOtherUnit(
  analysis: Analysis,
  groups: readonly ChannelGroup[] = analysis.report.groups.filter((g) => g.prunable),
): Record<string, LayerAmount> {
  const layers: Record<string, LayerAmount> = {};
  for (const group of groups) {
    const chosen = analysis.roots
      .get(group.roots[0])!
      .blocks.filter((_, i) => i % 2 === 1)
      .flat();
    if (chosen.length > 0) layers[group.roots[0]] = { indices: chosen };
  }
  return layers;
}
