import type { Facts } from '../graph/facts';
import { inferShapes } from '../graph/inferShapes';
import { DataType } from '../onnx/dataTypes';
import { withChanges } from '../onnx/edit';
import { toLong } from '../onnx/int64';
import { ModelFile } from '../onnx/modelFile';
import { GraphView, type ModelView, type NodeView } from '../onnx/modelView';
import { forEachWeight } from '../onnx/modelWeights';
import type { onnx } from '../onnx/proto/onnx.js';
import { ownValue } from '../records';
import { nodeMacs } from './macs';

/** Parameters and MACs of one node of the main graph. */
export interface NodeMetrics {
  /** Node name, or `#<index>` for unnamed nodes (the plan file's key). */
  node: string;
  opType: string;
  /** Elements of the floating-point weights the node reads (initializers and Constant-node tensors). */
  params: number;
  /** Multiply-accumulates per inference at batch 1 (see macs.ts); null when its shapes are not static. */
  macs: number | null;
}

export interface ModelMetrics {
  /**
   * Elements of all floating-point weights, every graph included (the same count as `inspect`'s
   * `parameters`: integer tensors such as shapes and indices are not parameters).
   */
  parameters: number;
  /** Multiply-accumulates per inference at batch 1 over the main graph's counted nodes (see macs.ts). */
  macs: number;
  /** Nodes that do multiply-accumulates but whose shapes are not static: `macs` leaves them out. */
  uncounted: string[];
  /** Every node of the main graph, in graph order. */
  nodes: NodeMetrics[];
}

export interface MetricsOptions {
  /**
   * Concrete shapes for graph inputs, by name, e.g. the shapes a verification run feeds. Without them a
   * symbolic leading dim counts as batch 1 and other symbolic dims leave MACs unknown.
   */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /**
   * The main graph's facts when they are already worked out (an analysis of this very model infers them
   * first): a large graph's shapes are not inferred twice. Not with `inputShapes`, which change them.
   */
  facts?: Facts;
}

/** Integer tensors (shapes, indices, masks) are not parameters; the same rule as `inspect`. */
const NOT_PARAMETERS = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.BOOL,
  DataType.STRING,
  DataType.UINT64,
]);

/**
 * Parameters and MACs per node and in total, from the static shapes `inferShapes` gives. Subgraphs (If,
 * Loop, Scan bodies) add their weights to `parameters` but not their MACs: how often they run is not
 * known statically.
 */
export function computeMetrics(view: ModelView, options: MetricsOptions = {}): ModelMetrics {
  return metricsOf(view, options, true);
}

/**
 * The totals of computeMetrics (parameters and MACs) without the per-node table: what a prune reports for
 * the model before and after, without looking up every input of every node among the weights.
 */
export function computeTotals(view: ModelView, options: MetricsOptions = {}): ModelTotals {
  const { parameters, macs, uncounted } = metricsOf(view, options, false);
  return { parameters, macs, macsUncounted: uncounted.length };
}

export interface ModelTotals extends Pick<ModelMetrics, 'parameters' | 'macs'> {
  /** Nodes whose MACs are not in `macs` (shapes not static: symbolic input dims): `macs` is a lower bound. */
  macsUncounted: number;
}

function metricsOf(view: ModelView, options: MetricsOptions, perNode: boolean): ModelMetrics {
  const graph = options.inputShapes ? withInputShapes(view, options.inputShapes) : view.graph;
  const facts = (!options.inputShapes && options.facts) || inferShapes(graph, view.file);
  // A weight's shape from its dims, without working out (and keeping) the rest of its facts.
  const shapeOf = (value: string) => facts.shape(value);
  let macs = 0;
  const uncounted: string[] = [];
  // A node output named like an initializer (a broken graph) is looked up among the initializers first.
  const shadowed = perNode && graph.initializerOutputs().size > 0;
  const nodes: NodeMetrics[] = [];
  for (const node of graph.nodes) {
    const count = nodeMacs(node, shapeOf);
    if (count === undefined) uncounted.push(node.name);
    else macs += count;
    if (!perNode) continue;
    let params = 0;
    const inputs = node.inputs;
    // Each weight once, however many of the node's inputs name it (a set for a long list of inputs).
    const seen = inputs.length > 8 ? new Set<string>() : undefined;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (!input) continue;
      if (seen) {
        if (seen.has(input)) continue;
        seen.add(input);
      } else if (inputs.indexOf(input) !== i) continue;
      params += weightElements(graph, node, i, shadowed);
    }
    nodes.push({ node: node.name, opType: node.opType, params, macs: count ?? null });
  }
  let parameters = 0;
  forEachWeight(view, (origin, tensor, name, _node, weightGraph) => {
    if (origin === 'constant-of-shape') {
      // ConstantOfShape makes a weight at run time: its size is its output's, when the shape is constant.
      const dims = weightGraph === view.graph ? shapeOf(name) : undefined;
      if (dims?.every((d) => typeof d === 'number'))
        parameters += (dims as number[]).reduce((a, b) => a * b, 1);
    } else if (tensor && !NOT_PARAMETERS.has(tensor.data_type ?? 0)) {
      parameters += ModelFile.elementCount(tensor);
    }
  });
  return { parameters, macs, uncounted, nodes };
}

/**
 * Elements of the floating-point weight input i of a node names (initializer or Constant node), else 0,
 * found by the graph's edges and the input's id, not by its name (a large graph has ~130,000 inputs). A value
 * a node makes is no initializer unless `shadowed` says some are (most inputs are activations: one lookup,
 * not two).
 */
function weightElements(graph: GraphView, node: NodeView, i: number, shadowed: boolean): number {
  const producer = graph.inputProducer(node, i);
  let tensor = producer && !shadowed ? undefined : graph.inputInitializer(node, i);
  if (!tensor && producer?.opType === 'Constant' && producer.domain === '')
    tensor = producer.attributes.tensor('value');
  if (!tensor || NOT_PARAMETERS.has(tensor.data_type ?? 0)) return 0;
  return ModelFile.elementCount(tensor);
}

/**
 * The main graph's facts (shapes, constants) with its inputs given these concrete shapes: what a model with
 * symbolic input dims is at the sizes a user gives them.
 */
export function factsWithInputShapes(
  view: ModelView,
  shapes: Readonly<Record<string, readonly number[]>>,
): Facts {
  return inferShapes(withInputShapes(view, shapes), view.file);
}

/**
 * The main graph with the given inputs' dims fixed. Shape inference reads input shapes from the graph,
 * so this is a view of a copy of the graph message whose input value infos say the concrete dims; the
 * nodes and tensors are the model's own objects.
 */
function withInputShapes(view: ModelView, shapes: Readonly<Record<string, readonly number[]>>): GraphView {
  const proto = view.graph.proto;
  const input = (proto.input ?? []).map((info) => {
    const dims = ownValue(shapes, info.name ?? '');
    const tensorType = info.type?.tensor_type;
    if (!dims || !tensorType) return info;
    const shape: onnx.TensorShapeProto.$Properties = { dim: dims.map((d) => ({ dim_value: toLong(d) })) };
    return withChanges(info, {
      type: withChanges(info.type!, { tensor_type: withChanges(tensorType, { shape }) }),
    });
  });
  return new GraphView(withChanges(proto, { input }), view, 'main');
}
