// What the inspector shows of one node: attributes, inputs and outputs with shapes, each weight's statistics
// (computed here, next to the file, so no tensor bytes travel to the page), and for a group root the L1 norm
// of each output channel's weights with the prunable units (pixel-shuffle blocks) it removes together.
import type { Analysis } from '../analyze/analyze';
import { dataTypeName } from '../onnx/dataTypes';
import { toSafeNumber } from '../onnx/int64';
import { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorAsNumbers } from '../onnx/tensorData';

/** Criteria the chart can show per output channel of the root's own weight (or its BatchNorm). */
export type ChartCriterion = 'l1' | 'l2' | 'bn';

export interface WeightStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Share of exact zeros. */
  sparsity: number;
}

export interface PortDetails {
  name: string;
  shape: string | null;
  dtype: string | null;
  /** For an initializer: its dims, size and statistics (statistics only up to STATS_LIMIT elements). */
  weight?: { dims: number[]; bytes: number; stats?: WeightStats; why?: string };
}

export interface NodeDetails {
  name: string;
  op: string;
  domain: string;
  attributes: { name: string; value: string }[];
  inputs: PortDetails[];
  outputs: PortDetails[];
  group?: string;
  /** For a group root with a weight: per output channel, the L1 norm of its weights. */
  importance?: { criterion: ChartCriterion; channels: number[]; blocks: number[][]; unit: number };
}

/** Statistics are skipped for tensors over this many elements (the page says so). */
const STATS_LIMIT = 64 << 20;

const TEXT = new TextDecoder();

export function formatAttribute(a: onnx.AttributeProto.$Properties): string {
  const list = (xs: unknown[] | null | undefined) => `[${(xs ?? []).join(', ')}]`;
  switch (a.type) {
    case 1:
      return String(a.f ?? 0);
    case 2:
      return String(toSafeNumber(a.i ?? 0));
    case 3:
      return JSON.stringify(TEXT.decode(a.s ?? new Uint8Array()));
    case 4:
      return `tensor ${dataTypeName(a.t?.data_type ?? 0)} [${(a.t?.dims ?? []).map((d) => toSafeNumber(d)).join(', ')}]`;
    case 5:
      return `graph (${a.g?.node?.length ?? 0} nodes)`;
    case 6:
      return list(a.floats);
    case 7:
      return list((a.ints ?? []).map((i) => toSafeNumber(i)));
    case 8:
      return list((a.strings ?? []).map((s) => JSON.stringify(TEXT.decode(s))));
    default:
      return `(attribute type ${a.type ?? 0})`;
  }
}

function stats(values: number[]): WeightStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let zeros = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  const n = values.length || 1;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return { min, max, mean, std: Math.sqrt(sq / n), sparsity: zeros / n };
}

export function nodeDetails(
  analysis: Analysis,
  file: ModelFile,
  name: string,
  criterion: ChartCriterion = 'l1',
): NodeDetails | undefined {
  const graph = analysis.state.graph;
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) return undefined;
  const numbers = new Map<string, number[]>();
  // A tensor's data is found through the file that read it. `file` may be the analysis' own structure read
  // again (ModelFile.reopened: its tensors are the analysis' own), or the model opened afresh, whose weights
  // are then looked up in it by name (an index of every one of them, made only then).
  const own = file.proto === graph.model.file.proto;
  let byName: Map<string, onnx.TensorProto.$Properties> | undefined;
  const weight = (value: string): onnx.TensorProto.$Properties | undefined => {
    if (own) return graph.initializer(value);
    byName ??= new Map((file.proto.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    return graph.initializer(value) && byName.get(value);
  };

  const port = (value: string): PortDetails => {
    const facts = analysis.state.fact(value);
    const details: PortDetails = {
      name: value,
      shape: facts?.shape
        ? `[${facts.shape.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]`
        : null,
      dtype: facts?.dtype !== undefined ? dataTypeName(facts.dtype) : null,
    };
    const tensor = weight(value);
    if (!tensor) return details;
    const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
    const count = ModelFile.elementCount(tensor);
    details.weight = { dims, bytes: count * bytesPerElement(tensor.data_type ?? 0) };
    if (count > STATS_LIMIT) details.weight.why = `statistics skipped: over ${STATS_LIMIT} elements`;
    else {
      try {
        const values = readTensorAsNumbers(file, tensor);
        numbers.set(value, values);
        details.weight.stats = stats(values);
      } catch (error) {
        details.weight.why = `statistics unavailable: ${(error as Error).message}`;
      }
    }
    return details;
  };

  const inputs = node.inputs.filter(Boolean).map(port);
  const outputs = node.outputs.filter(Boolean).map(port);
  const root = analysis.roots.get(node.name);
  const weights = node.inputs[1] ? numbers.get(node.inputs[1]) : undefined;
  let importance: NodeDetails['importance'];
  if (root && weights && root.channels > 0 && weights.length % root.channels === 0) {
    // Conv weights, and Gemm's with transB, have the output channel first (ConvTranspose's is second).
    const per = weights.length / root.channels;
    const norm = (c: number) => {
      let sum = 0;
      for (let k = c * per; k < (c + 1) * per; k++)
        sum += criterion === 'l2' ? weights[k] * weights[k] : Math.abs(weights[k]);
      return criterion === 'l2' ? Math.sqrt(sum) : sum;
    };
    // bn: |scale| of the BatchNormalization right after the root, where there is one.
    const bn = graph.consumers(node.outputs[0]).find((n) => n.opType === 'BatchNormalization');
    const scaleTensor = bn?.inputs[1] ? weight(bn.inputs[1]) : undefined;
    const scale = criterion === 'bn' && scaleTensor ? readTensorAsNumbers(file, scaleTensor) : undefined;
    const channels =
      criterion === 'bn'
        ? scale?.length === root.channels
          ? scale.map(Math.abs)
          : undefined
        : Array.from({ length: root.channels }, (_, c) => norm(c));
    if (
      channels &&
      (node.opType === 'Conv' || (node.opType === 'Gemm' && node.attributes.int('transB', 0) === 1))
    )
      importance = { criterion, channels, blocks: root.blocks, unit: root.unit };
  }
  const group =
    root?.group ?? analysis.report.groups.find((g) => g.members.some((m) => m.node === node.name))?.id;
  return {
    name: node.name,
    op: node.opType,
    domain: node.domain,
    attributes: node.attributeList.map((a) => ({ name: a.name ?? '', value: formatAttribute(a) })),
    inputs,
    outputs,
    ...(group ? { group } : {}),
    ...(importance ? { importance } : {}),
  };
}

function bytesPerElement(type: number): number {
  return [0, 4, 1, 1, 2, 2, 4, 8, 0, 1, 2, 8, 4, 8, 8, 16, 2][type] ?? 0;
}
