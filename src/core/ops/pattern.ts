import type { ChannelState } from '../deps/state';
import type { NodeView } from '../onnx/modelView';

/**
 * A channel rule over several nodes (a Reshape→Transpose→Reshape that is a pixel shuffle). The walk offers
 * each node first to the patterns that start at its op, in topological order: a pattern that matches takes its
 * nodes, which no other rule then sees; otherwise the node's own (one-node) rule runs.
 */
export interface ChannelPattern {
  /** For messages and the registry's checks. */
  readonly name: string;
  /** The op of the node the pattern starts at. */
  readonly domain: string;
  readonly opType: string;
  /**
   * Whether the pattern starts at `node`, reading the state without changing it. A match names the nodes it
   * takes and applies itself (it may throw: the walk then locks what the first node touches, as for a rule).
   */
  match(state: ChannelState, node: NodeView): PatternMatch | undefined;
}

export interface PatternMatch {
  readonly nodes: readonly NodeView[];
  apply(state: ChannelState): void;
}
