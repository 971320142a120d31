import { type MetricsOptions, computeMetrics } from '../metrics/metrics';
import { DataType, dataTypeName } from '../onnx/dataTypes';
import { toSafeNumber } from '../onnx/int64';
import { ModelFile } from '../onnx/modelFile';
import type { GraphView, ModelView, ValueType } from '../onnx/modelView';
import { type WeightOrigin, modelWeights } from '../onnx/modelWeights';
import { readTensorAsNumbers } from '../onnx/tensorData';
import { collectTensors } from '../onnx/walk';
import { recordOf } from '../records';

export interface ValueSummary {
  name: string;
  dtype: string | null;
  /** Numbers for fixed dims, strings for symbolic ones, null for unknown; null when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

export interface ModelSummary {
  path: string;
  fileBytes: number;
  irVersion: number;
  /** Domain → version; '' is the default ONNX domain. */
  opsets: Record<string, number>;
  producer: { name: string; version: string };
  domain: string;
  modelVersion: number;
  metadata: Record<string, string>;
  /** Nodes in the main graph. */
  nodes: number;
  /** Nodes including subgraphs (If/Loop/Scan bodies). */
  nodesTotal: number;
  subgraphs: number;
  functions: number;
  /** Op type → count over all graphs; ops of other domains are written `domain::Op`. */
  ops: Record<string, number>;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  /** Elements of all floating-point weights (integer tensors such as shapes are not parameters). */
  parameters: number;
  /** Multiply-accumulates per inference at batch 1: Conv, ConvTranspose, Gemm, MatMul (core/metrics/macs.ts). */
  macs: number;
  /** Nodes that do multiply-accumulates on shapes that are not static: `macs` leaves them out. */
  macsUncounted: string[];
  /**
   * The input shapes the MACs were counted on, when symbolic input dims were given sizes (`inspect --dim`, the
   * editor's setting onnxPruner.verify.inputDims); absent: the shapes the model declares.
   */
  macsInputShapes?: Record<string, number[]>;
  /** Bytes of initializer data as stored (in the file or in external files). */
  initializerBytes: number;
  /** How many weights come from each source. */
  weightOrigins: Partial<Record<WeightOrigin, number>>;
  /** How many tensors keep their data in each form. */
  storage: { rawData: number; typedFields: number; external: number; empty: number };
  /** External-data files referenced (locations relative to the model's folder). */
  externalData: string[];
}

const INTEGER_TYPES = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.BOOL,
  DataType.STRING,
  DataType.UINT64,
]);

/**
 * `inputShapes`: concrete shapes for inputs with symbolic dims, which the MACs are then counted on. `facts`: the
 * main graph's facts from an analysis of this very model, so its shapes are not inferred again (see
 * MetricsOptions).
 */
export function summarizeModel(
  view: ModelView,
  options: Pick<MetricsOptions, 'inputShapes' | 'facts'> = {},
): ModelSummary {
  const file = view.file;
  const proto = view.proto;
  const opCounts = new Map<string, number>(); // op types are the model's: `constructor` is one as any other
  let nodesTotal = 0;
  let subgraphs = -1;
  for (const graph of view.graph.allGraphs()) {
    subgraphs++;
    for (const node of graph.nodes) {
      nodesTotal++;
      const key = node.domain ? `${node.domain}::${node.opType}` : node.opType;
      opCounts.set(key, (opCounts.get(key) ?? 0) + 1);
    }
  }
  let parameters = 0;
  const weightOrigins: Partial<Record<WeightOrigin, number>> = {};
  for (const weight of modelWeights(view)) {
    weightOrigins[weight.origin] = (weightOrigins[weight.origin] ?? 0) + 1;
    if (weight.origin === 'constant-of-shape' && weight.node) {
      parameters += constantOfShapeElements(view, weight.node.inputs[0], weight.graph);
    } else if (weight.tensor && !INTEGER_TYPES.has(weight.tensor.data_type ?? 0)) {
      parameters += ModelFile.elementCount(weight.tensor);
    }
  }
  let initializerBytes = 0;
  for (const graph of view.graph.allGraphs()) {
    graph.forEachInitializer((tensor) => (initializerBytes += file.storedBytes(tensor)));
  }
  const storage = { rawData: 0, typedFields: 0, external: 0, empty: 0 };
  const externalData = new Set<string>();
  for (const tensor of collectTensors(proto)) {
    const location = file.locate(tensor);
    if (location.kind === 'raw') storage.rawData++;
    else if (location.kind === 'typed' || location.kind === 'inline') storage.typedFields++;
    else if (location.kind === 'external') {
      storage.external++;
      externalData.add(location.ref.location);
    } else storage.empty++;
  }
  const metrics = computeMetrics(view, { inputShapes: options.inputShapes, facts: options.facts });
  return {
    path: file.name,
    fileBytes: file.size,
    irVersion: view.irVersion,
    opsets: Object.fromEntries(view.opsets),
    producer: { name: proto.producer_name ?? '', version: proto.producer_version ?? '' },
    domain: proto.domain ?? '',
    modelVersion: toSafeNumber(proto.model_version, 'the model version'),
    metadata: Object.fromEntries((proto.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
    nodes: view.graph.nodes.length,
    nodesTotal,
    subgraphs,
    functions: (proto.functions ?? []).length,
    ops: recordOf(opCounts),
    inputs: view.graph.inputs.map(summarizeValue),
    outputs: view.graph.outputs.map(summarizeValue),
    parameters,
    macs: metrics.macs,
    macsUncounted: metrics.uncounted,
    // Shapes only for inputs every symbolic dim of which was sized (inputShapesWith): none, none to say.
    ...(options.inputShapes && Object.keys(options.inputShapes).length > 0
      ? { macsInputShapes: copyShapes(options.inputShapes) }
      : {}),
    initializerBytes,
    weightOrigins,
    storage,
    externalData: [...externalData].sort(),
  };
}

function copyShapes(shapes: Readonly<Record<string, readonly number[]>>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, [...shape]]));
}

function summarizeValue(value: ValueType): ValueSummary {
  return {
    name: value.name,
    dtype: value.dtype === undefined ? null : dataTypeName(value.dtype),
    shape: value.shape ? value.shape.map((d) => (d === undefined ? null : d)) : null,
  };
}

/** ConstantOfShape makes a weight at run time; its size is the product of its shape input when constant. */
function constantOfShapeElements(view: ModelView, shapeName: string | undefined, graph: GraphView): number {
  if (!shapeName) return 0;
  let tensor = graph.initializer(shapeName);
  if (!tensor) {
    const producer = graph.producer(shapeName);
    if (producer?.opType === 'Constant') tensor = producer.attributes.tensor('value');
  }
  if (!tensor) return 0;
  try {
    return readTensorAsNumbers(view.file, tensor).reduce((n, d) => n * toSafeNumber(d), 1);
  } catch {
    return 0;
  }
}
