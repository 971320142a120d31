import type { ChannelState } from '../deps/state';
import type { NodeView } from '../onnx/modelView';

/**
 * A channel rule: for one node (and only that node: a rule over several nodes is a pattern, `pattern.ts`), how channel indices map from its inputs to its outputs (coupling slots of
 * their spaces), which tensors are sliced on which axis when channels go (members), whether its outputs root
 * a group, and what it locks. A node whose op has no rule fails closed: the groups it touches are locked.
 */
export type ChannelRule = (state: ChannelState, node: NodeView) => void;

/** Locks the channels of every input that carries them, with a reason naming the node. */
export function lockInputs(state: ChannelState, node: NodeView, reason: string): void {
  for (const input of node.inputs) state.lock(state.space(input), reason);
}

/** The node's description for messages: `Conv '/conv1/Conv'`. */
export function describe(node: NodeView): string {
  return `${node.domain ? `${node.domain}::` : ''}${node.opType} '${node.name}'`;
}
