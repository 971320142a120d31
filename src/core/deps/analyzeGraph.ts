import { MAX_FOLDED_ELEMENTS, MAX_FOLDED_TOTAL } from '../graph/fold';
import { inferShapes } from '../graph/inferShapes';
import { topologicalOrder } from '../graph/topology';
import type { ModelFile } from '../onnx/modelFile';
import type { GraphView, NodeView } from '../onnx/modelView';
import { OPS, type OpRegistry } from '../ops/registry';
import { describe, lockInputs } from '../ops/types';
import { brokenNodes } from './brokenNodes';
import { ChannelState } from './state';

/**
 * Walks a graph in topological order and applies each node's channel rule, building the union-find of
 * coupled channels. Graph inputs and outputs keep their shapes, so their channels are locked; an op without
 * a rule, control flow, or a rule that fails locks what it touches (fail closed, never guess).
 */
export function analyzeGraph(graph: GraphView, file: ModelFile, ops: OpRegistry = OPS): ChannelState {
  const facts = inferShapes(graph, file, ops);
  const state = new ChannelState(graph, file, facts);
  for (const input of graph.inputs) {
    const shape = input.shape;
    if (shape && shape.length >= 2 && typeof shape[1] === 'number') {
      state.lock(
        state.define(input.name, 1, shape[1], undefined),
        `it reaches the graph input '${input.name}'`,
      );
    }
  }
  const outerRefs = outerReferences(graph);
  const order = topologicalOrder(graph);
  // The work per node is a function of its own (docs/performance.md).
  const walk: Walk = { state, ops, outerRefs, taken: new Set(), broken: brokenNodes(graph) };
  for (let n = 0; n < order.length; n++) analyzeNode(walk, order[n]);
  for (const output of graph.outputs) {
    const space = state.space(output.name);
    if (space) state.outputs.push(space);
    state.lock(space, `it reaches the graph output '${output.name}'`);
  }
  return state;
}

interface Walk {
  state: ChannelState;
  ops: OpRegistry;
  outerRefs: Map<NodeView, Set<string>>;
  /** Nodes a pattern took (the Transpose and last Reshape of a pixel shuffle): no rule sees them again. */
  taken: Set<NodeView>;
  /** Nodes of a broken graph the analysis cannot tell from others, with why (see brokenNodes). */
  broken: Map<NodeView, string>;
}

/**
 * Applies the pattern that starts at the node, else the node's channel rule; locks what it touches when it has
 * neither, is control flow or fails.
 */
function analyzeNode({ state, ops, outerRefs, taken, broken }: Walk, node: NodeView): void {
  // No lookup per node in the set and map that are empty but for the rare pattern or control-flow node.
  if (taken.size > 0 && taken.has(node)) return;
  const refs = outerRefs.size > 0 ? outerRefs.get(node) : undefined;
  if (refs) {
    const reason = `${describe(node)} uses it inside a subgraph (control flow is not analysed)`;
    lockInputs(state, node, reason);
    for (const ref of refs) state.lock(state.space(ref), reason);
    reportUnknown(state, node, 'is control flow, whose subgraphs are not analysed');
    return;
  }
  const tooLarge = state.facts.overLimitInput(node);
  if (tooLarge !== undefined && node.inputs.some((v) => state.space(v))) {
    // Treated as an op without a rule: what it does with a value the analysis does not know is not followed.
    const why = `reads '${tooLarge}', a value computed from constants that is too large to fold (over ${MAX_FOLDED_ELEMENTS} elements, or ${MAX_FOLDED_TOTAL} in all)`;
    reportUnknown(state, node, why);
    lockInputs(state, node, `${describe(node)} ${why}`);
    return;
  }
  const why = broken.size > 0 ? broken.get(node) : undefined;
  if (why !== undefined) {
    reportUnknown(state, node, why, true);
    lockInputs(state, node, `${describe(node)} ${why}`);
    return;
  }
  const clash = initializerWritten(state.graph, node);
  if (clash) {
    reportUnknown(state, node, `writes '${clash}', which is an initializer`, true);
    lockInputs(state, node, `${describe(node)} writes '${clash}', which is an initializer (a broken graph)`);
    return;
  }
  const patterns = ops.patternsAt(node.domain, node.opType);
  const rule = ops.channelRule(node.domain, node.opType);
  if (!rule && patterns.length === 0) return noRule(state, node);
  try {
    for (let p = 0; p < patterns.length; p++) {
      const match = patterns[p].match(state, node);
      if (!match) continue;
      const part = broken.size > 0 ? match.nodes.find((n) => broken.has(n)) : undefined;
      if (part) {
        // A pattern edits its nodes by name: one of a broken graph's is not followed, as that node alone is not.
        const why = `is followed by ${describe(part)}, which ${broken.get(part)!}`;
        reportUnknown(state, node, why);
        lockInputs(state, node, `${describe(node)} ${why}`);
        return;
      }
      for (const n of match.nodes) taken.add(n);
      match.apply(state);
      return;
    }
    if (rule) rule(state, node);
    else noRule(state, node);
  } catch (error) {
    const reason = `${describe(node)} could not be analysed (${(error as Error).message})`;
    reportUnknown(state, node, `could not be analysed (${(error as Error).message})`);
    lockInputs(state, node, reason);
  }
}

/** An op without a rule fails closed: what it touches is locked. */
function noRule(state: ChannelState, node: NodeView): void {
  reportUnknown(state, node, 'has no channel rule (unknown or custom op)');
  lockInputs(state, node, `${describe(node)} has no channel rule`);
}

/** An output of the node that has an initializer's name (a broken graph), if any. */
function initializerWritten(graph: GraphView, node: NodeView): string | undefined {
  const clashes = graph.initializerOutputs();
  if (clashes.size === 0) return undefined;
  const outputs = node.outputs;
  for (let i = 0; i < outputs.length; i++) if (clashes.has(outputs[i])) return outputs[i];
  return undefined;
}

function reportUnknown(state: ChannelState, node: NodeView, why: string, brokenGraph = false): void {
  const space = node.inputs.map((v) => state.space(v)).find((s) => s !== undefined);
  if (!space) return; // not on a channel path: nothing is locked, nothing to say
  state.finding({
    code: 'PR001',
    message: `${describe(node)} ${why}: the channels it touches are locked. Exclude the layers that feed it, or prune around it.`,
    node: node.name,
    space,
    fixes: [{ id: 'PR001.exclude', title: 'Exclude the layer', kind: 'plan' }],
    ...(brokenGraph ? { brokenGraph: true as const } : {}),
  });
}

/** For nodes with subgraphs, the outer values their subgraphs read (implicit inputs). */
function outerReferences(graph: GraphView): Map<NodeView, Set<string>> {
  const out = new Map<NodeView, Set<string>>();
  for (const { node, graph: sub } of graph.subgraphs) {
    const refs = out.get(node) ?? new Set<string>();
    for (const g of sub.allGraphs()) {
      const local = new Set([
        ...g.inputs.map((v) => v.name),
        ...g.initializers.keys(),
        ...g.nodes.flatMap((n) => n.outputs),
      ]);
      for (const n of g.nodes) for (const v of n.inputs) if (v && !local.has(v)) refs.add(v);
      // A body may also return an outer value as it is (an If branch that passes a tensor through).
      for (const v of g.outputs) if (v.name && !local.has(v.name)) refs.add(v.name);
    }
    out.set(node, refs);
  }
  return out;
}
