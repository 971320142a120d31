import { topologicalOrder } from '../graph/topology';
import { appendTo } from '../lists';
import { DataType } from '../onnx/dataTypes';
import { toSafeNumber } from '../onnx/int64';
import type { GraphView, ModelView, NodeView } from '../onnx/modelView';
import type { RemovedSlice } from '../prune/apply';
import type { LayerGeometry } from './patches';

/**
 * A layer whose weights reconstruction refits: a consumer of removed channels (Conv with group 1, Gemm,
 * MatMul with a 2-D float weight), as it is in the pruned model.
 */
export interface RefitLayer {
  node: string;
  opType: 'Conv' | 'Gemm' | 'MatMul';
  /** The data input and the output (same names in the original and the pruned model). */
  input: string;
  output: string;
  weight: string;
  /** A bias initializer refitted with the weight (Conv's B; Gemm's C when it is one value per output). */
  bias?: string;
  geometry: LayerGeometry;
  /** The weight's layout: [Cout, Cin, kh, kw], [K, N] (MatMul, Gemm) or [N, K] (Gemm with transB). */
  layout: 'conv' | 'kn' | 'nk';
  /** Gemm's alpha and beta (1 otherwise): the fitted product is alpha·W, the fitted bias beta·C. */
  alpha: number;
  beta: number;
  /** The original's output channels this layer still has, in its order. */
  keptOutputs: number[];
  /** Output channels of the original layer. */
  originalOutputs: number;
}

export interface SkippedLayer {
  node: string;
  reason: string;
}

/**
 * The consumers of removed channels, in topological order: every node whose weight lost input channels or
 * features. Those reconstruction cannot refit (grouped convs, non-float weights, weights made at run time)
 * are listed with the reason.
 */
export function refitLayers(
  pruned: ModelView,
  slices: readonly RemovedSlice[],
): { layers: RefitLayer[]; skipped: SkippedLayer[] } {
  const graph = pruned.graph;
  const byNode = new Map<string, RemovedSlice[]>();
  for (const s of slices) appendTo(byNode, s.node, s);
  const layers: RefitLayer[] = [];
  const skipped: SkippedLayer[] = [];
  for (const node of topologicalOrder(graph)) {
    const own = byNode.get(node.name);
    if (!own) continue;
    const weightName = node.inputs[1];
    const axes = axesOf(node);
    if (!axes) continue;
    const weightSlices = own.filter((s) => s.tensor === weightName);
    if (!weightSlices.some((s) => s.axis === axes.in)) continue; // a producer only: nothing to refit
    const why = refusal(node, graph);
    if (why) {
      skipped.push({ node: node.name, reason: why });
      continue;
    }
    const weight = graph.initializers.get(weightName)!;
    const dims = (weight.dims ?? []).map((d) => toSafeNumber(d));
    const removedOut = new Set(weightSlices.filter((s) => s.axis === axes.out).flatMap((s) => s.indices));
    const keptCount = dims[axes.out];
    const originalOutputs = keptCount + removedOut.size;
    const keptOutputs = Array.from({ length: originalOutputs }, (_, i) => i).filter(
      (i) => !removedOut.has(i),
    );
    const a = node.attributes;
    const biasName = node.opType === 'MatMul' ? undefined : node.inputs[2];
    const biasTensor = biasName ? graph.initializers.get(biasName) : undefined;
    const biasDims = (biasTensor?.dims ?? []).map((d) => toSafeNumber(d));
    const biasUsable =
      biasTensor &&
      biasTensor.data_type === DataType.FLOAT &&
      biasDims.reduce((x, y) => x * y, 1) === keptCount &&
      biasDims[biasDims.length - 1] === keptCount &&
      graph.consumers(biasName!).length === 1;
    if (biasName && !biasUsable) {
      skipped.push({ node: node.name, reason: 'its bias is not a float vector of its own' });
      continue;
    }
    layers.push({
      node: node.name,
      opType: node.opType as RefitLayer['opType'],
      input: node.inputs[0],
      output: node.outputs[0],
      weight: weightName,
      bias: biasUsable ? biasName : undefined,
      geometry: node.opType === 'Conv' ? convGeometry(node, dims) : { kind: 'dense' },
      layout: node.opType === 'Conv' ? 'conv' : axes.in === 0 ? 'kn' : 'nk',
      alpha: node.opType === 'Gemm' ? a.float('alpha', 1) : 1,
      beta: node.opType === 'Gemm' ? a.float('beta', 1) : 1,
      keptOutputs,
      originalOutputs,
    });
  }
  return { layers, skipped };
}

/** The weight's input and output axes for the op types reconstruction knows. */
export function axesOf(node: NodeView): { in: number; out: number } | undefined {
  if (node.domain !== '') return undefined;
  if (node.opType === 'Conv') return { in: 1, out: 0 };
  if (node.opType === 'MatMul') return { in: 0, out: 1 };
  if (node.opType === 'Gemm')
    return node.attributes.int('transB', 0) === 1 ? { in: 1, out: 0 } : { in: 0, out: 1 };
  return undefined;
}

/** Why a consumer cannot be refitted, or undefined when it can. */
export function refusal(node: NodeView, graph: GraphView): string | undefined {
  const weight = graph.initializers.get(node.inputs[1]);
  if (!weight) return 'its weight is not an initializer';
  if (weight.data_type !== DataType.FLOAT) return 'its weight is not float32';
  if (graph.consumers(node.inputs[1]).length !== 1) return 'its weight is shared with other nodes';
  const rank = (weight.dims ?? []).length;
  if (node.opType === 'Conv') {
    if (node.attributes.int('group', 1) !== 1) return 'it is a grouped convolution';
    if (rank !== 4) return 'only 2-D convolutions are refitted';
  } else if (rank !== 2) return 'its weight is not a matrix';
  if (node.opType === 'Gemm' && node.attributes.int('transA', 0) !== 0)
    return 'it transposes its input (transA)';
  return undefined;
}

export function convGeometry(node: NodeView, dims: number[]): LayerGeometry {
  const a = node.attributes;
  const kernel = a.ints('kernel_shape') ?? dims.slice(2);
  const pads = a.ints('pads') ?? [0, 0, 0, 0];
  const autoPad = a.string('auto_pad', 'NOTSET');
  return {
    kind: 'conv',
    kernel: [kernel[0], kernel[1]],
    strides: (a.ints('strides') ?? [1, 1]) as [number, number],
    dilations: (a.ints('dilations') ?? [1, 1]) as [number, number],
    pads: [pads[0], pads[1], pads[2], pads[3]],
    autoPad: (['SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad) ? autoPad : 'NOTSET') as 'NOTSET',
  };
}
