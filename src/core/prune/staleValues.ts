import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState } from '../deps/state';
import { topologicalOrder } from '../graph/topology';
import type { GraphView, NodeView } from '../onnx/modelView';

/** Ops whose output's shape never depends on their input's (its value may: it travels on). */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/**
 * The values whose shapes a prune may change: channel spaces that lose channels, the tensors it slices or
 * rewrites (`seeds`), and whatever is computed from those without a channel space of its own (the inside of a
 * channel shuffle, a ConstantOfShape weight, a Reshape with a new target, anything fed by a shape that
 * changed). A space that keeps its channels stops the spread: its shape, and so every shape read from it, stays.
 * This over-approximates on purpose: dropping a value_info entry loses a hint, keeping a stale one makes ONNX
 * Runtime plan buffers for the wrong shape.
 */
export function staleValues(
  state: ChannelState,
  spaceChanged: (space: ChannelSpace) => boolean,
  seeds: readonly (string | NodeView)[],
): Set<string> {
  const touched = new Set<string>();
  const stale = new Set<string>();
  const seedNodes = new Set<NodeView>();
  for (const seed of seeds) {
    if (typeof seed === 'string') {
      touched.add(seed);
      stale.add(seed);
    } else seedNodes.add(seed);
  }
  for (const [value, space] of state.spaces) {
    if (!spaceChanged(space)) continue;
    touched.add(value);
    stale.add(value);
  }
  for (const node of topologicalOrder(state.graph)) {
    if (!seedNodes.has(node) && !node.inputs.some((v) => touched.has(v))) continue;
    for (const output of node.outputs) {
      const space = state.space(output);
      if (!output || (space && !spaceChanged(space))) continue;
      touched.add(output);
      if (!SHAPE_READERS.has(node.opType)) stale.add(output);
    }
  }
  return stale;
}

/** The names a new value must not take; it takes one with `add`. */
export interface NameSet {
  has(name: string): boolean;
  add(name: string): unknown;
}

/**
 * Every name a graph and its subgraphs use for a value: a new constant must take none of them. Gathered on
 * first use: most prunes add no constant and never ask, and on a 50,000-node graph the set costs as much as
 * the rest of the edit.
 */
export function takenNames(graph: GraphView): NameSet {
  let names: Set<string> | undefined;
  const all = (): Set<string> => {
    if (names) return names;
    names = new Set<string>();
    for (const g of graph.allGraphs()) {
      g.forEachInitializer((_, name) => names!.add(name));
      for (const name of g.valueInfo.keys()) names.add(name);
      for (const node of g.nodes) {
        for (const v of node.inputs) names.add(v);
        for (const v of node.outputs) names.add(v);
      }
    }
    return names;
  };
  return { has: (name) => all().has(name), add: (name) => all().add(name) };
}
