import { sameElements } from '../lists';
import type { onnx } from './proto/onnx.js';

/**
 * Whether an edited copy of `graph`, with these nodes and initializers, keeps its wiring: every node in its
 * place with the same inputs and outputs (an edit changes attributes and tensors), none with a subgraph it
 * did not have, and every weight's name in its place (new weights after them). A view of such a copy can
 * share the original's indexes by name and its edges (GraphView's `like`).
 */
export function keepsWiring(
  graph: onnx.GraphProto.$Properties,
  nodes: readonly onnx.NodeProto.$Properties[],
  initializers: readonly onnx.TensorProto.$Properties[],
): boolean {
  const ownNodes = graph.node ?? [];
  const ownWeights = graph.initializer ?? [];
  if (nodes.length !== ownNodes.length || initializers.length < ownWeights.length) return false;
  for (let i = 0; i < ownWeights.length; i++)
    if ((initializers[i].name ?? '') !== (ownWeights[i].name ?? '')) return false;
  for (let i = 0; i < nodes.length; i++) {
    const before = ownNodes[i];
    const after = nodes[i];
    if (after === before) continue;
    if (!sameElements(after.input ?? [], before.input ?? [])) return false;
    if (!sameElements(after.output ?? [], before.output ?? [])) return false;
    if (after.attribute?.some((a) => a.g || a.graphs?.length)) return false;
  }
  return true;
}
