import type { GraphView, ModelView, NodeView } from './modelView';
import type { onnx } from './proto/onnx.js';

/** Where a weight comes from: the inspector shows it, the pruner needs to know what to slice. */
export type WeightOrigin =
  'initializer' | 'initializer-input' | 'constant-node' | 'constant-of-shape' | 'sparse-initializer';

export interface Weight {
  readonly name: string;
  readonly origin: WeightOrigin;
  readonly tensor: onnx.TensorProto.$Properties | undefined;
  /** For Constant and ConstantOfShape nodes, the node. */
  readonly node: NodeView | undefined;
  readonly graph: GraphView;
}

/** Every weight in the model and where it comes from. */
export function modelWeights(view: ModelView): Weight[] {
  const out: Weight[] = [];
  forEachWeight(view, (origin, tensor, name, node, graph) => out.push({ name, origin, tensor, node, graph }));
  return out;
}

/**
 * `modelWeights` one by one, without an object for each: a large graph has tens of thousands of weights, and
 * counting parameters reads each once.
 */
export function forEachWeight(
  view: ModelView,
  visit: (
    origin: WeightOrigin,
    tensor: onnx.TensorProto.$Properties | undefined,
    name: string,
    node: NodeView | undefined,
    graph: GraphView,
  ) => void,
): void {
  for (const graph of view.graph.allGraphs()) {
    const inputs = graph.proto.input ?? [];
    const listedAsInput = inputs.length > 0 ? new Set(inputs.map((v) => v.name ?? '')) : undefined;
    graph.forEachInitializer((tensor, name) =>
      visit(listedAsInput?.has(name) ? 'initializer-input' : 'initializer', tensor, name, undefined, graph),
    );
    for (const sparse of graph.proto.sparse_initializer ?? [])
      visit('sparse-initializer', sparse.values ?? undefined, sparse.values?.name ?? '', undefined, graph);
    for (const node of graph.nodes) {
      if (node.domain !== '') continue;
      if (node.opType === 'Constant' && node.attributes.tensor('value'))
        visit('constant-node', node.attributes.tensor('value'), node.outputs[0] ?? '', node, graph);
      else if (node.opType === 'ConstantOfShape')
        visit('constant-of-shape', node.attributes.tensor('value'), node.outputs[0] ?? '', node, graph);
    }
  }
}
