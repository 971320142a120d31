// The graph as the inspector draws it: nodes, the values between them with shapes, and the channel groups as
// node indices. No weight bytes: a 10,000-node graph is a few hundred kilobytes of JSON.
import type { Analysis } from '../analyze/analyze';
import { dataTypeName } from '../onnx/dataTypes';
import type { Dim, NodeView } from '../onnx/modelView';
import { weightShape } from '../graph/tensorShape';
import { addBodies } from './bodies';
import { buildHierarchy } from './hierarchy';
import type { GraphSkeleton, SkeletonBox, SkeletonGroup, SkeletonNode, SkeletonValue } from './skeletonTypes';

export type {
  GraphSkeleton,
  SkeletonBodies,
  SkeletonBox,
  SkeletonGroup,
  SkeletonNode,
  SkeletonValue,
} from './skeletonTypes';

function formatShape(shape: Dim[] | undefined): string | null {
  return shape ? `[${shape.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]` : null;
}

export function graphSkeleton(analysis: Analysis): GraphSkeleton {
  const { graph, facts } = analysis.state;
  const values = new SkeletonValues(analysis);
  const nodeIndex = new Map<string, number>();
  graph.nodes.forEach((node, i) => nodeIndex.set(node.name, i));

  const nodes: SkeletonNode[] = graph.nodes.map((node) => {
    const outputs: number[] = [];
    for (let o = 0; o < node.outputs.length; o++) if (node.outputs[o]) outputs.push(values.output(node, o));
    const shape = values.plain ? facts.output(node, 0)?.shape : analysis.state.fact(node.outputs[0])?.shape;
    const channels = node.opType === 'Constant' ? undefined : shape?.[1];
    return {
      name: node.name,
      op: node.domain ? `${node.domain}::${node.opType}` : node.opType,
      inputs: [],
      outputs,
      ...(typeof channels === 'number' ? { channels } : {}),
    };
  });
  graph.nodes.forEach((node, i) => {
    const inputs: number[] = [];
    for (let k = 0; k < node.inputs.length; k++) if (node.inputs[k]) inputs.push(values.input(node, k));
    nodes[i].inputs = inputs;
    // Constant nodes hold weights: their outputs are drawn like initializers.
    if (node.opType === 'Constant') for (const v of nodes[i].outputs) values.list[v].weight = true;
  });

  const indexOf = (name: string) => nodeIndex.get(name);
  const defined = (i: number | undefined): i is number => i !== undefined;
  const groups: SkeletonGroup[] = analysis.report.groups.map((g) => {
    const roots = g.roots.map(indexOf).filter(defined);
    const members = [...new Set([...roots, ...g.members.map((m) => indexOf(m.node)).filter(defined)])];
    const shuffles = g.pixelShuffle.flatMap((s) => (s.nodes ?? [s.node]).map(indexOf).filter(defined));
    return {
      id: g.id,
      roots,
      members,
      shuffles,
      shuffleLabels: g.pixelShuffle.map(
        (s) => `${s.form}${s.mode ? ` ${s.mode}` : ''} r=${s.blocksize} at ${s.node}`,
      ),
      channels: g.channels,
      unit: g.unit,
      prunable: g.prunable,
      locked: g.locked,
    };
  });
  // A conv is the root of its output group and a member of its input's: it shows as the first.
  for (const g of groups) for (const i of g.roots) nodes[i].group ??= g.id;
  for (const g of groups) for (const i of g.members) nodes[i].group ??= g.id;
  const hierarchy = buildHierarchy(
    nodes.map((n) => n.name),
    nodes.map((n) => n.op),
  );
  hierarchy.nodeBox.forEach((b, i) => {
    if (b >= 0) nodes[i].box = b;
  });
  const boxes: SkeletonBox[] = hierarchy.boxes.map((b) => ({ ...b, groups: [] }));
  const skeleton: GraphSkeleton = {
    boxes,
    nodes,
    values: values.list,
    inputs: graph.inputs.map((v) => values.named(v.name, -1)),
    outputs: graph.outputs.map((v) => values.named(v.name, -1)),
    groups,
  };
  // After the graph's own nodes and values, so their indices are the same with or without bodies.
  addBodies(skeleton, graph);
  // A call's box holds its calling node: a group with that node as a member crosses the box.
  groups.forEach((g, k) => {
    const holding = new Set<number>();
    for (const i of g.members)
      for (let b = nodes[i].box ?? -1; b >= 0 && !holding.has(b); b = boxes[b].parent) holding.add(b);
    for (const b of holding) boxes[b].groups.push(k);
  });
  return skeleton;
}

/**
 * The skeleton's values, each once, numbered in the order first met. A value is known by what identifies it
 * in the graph: its slot when a node makes it, its place among the graph's weights, else its name (graph
 * inputs, outer-scope values); a well-formed graph's node inputs and outputs are found by the slots and
 * places the view's edges and ids give, with no name hashed (a 50,000-node graph has ~180,000 of them). A
 * broken graph's (outputs that share a name, or that have a weight's) are found and described by name, as
 * any value can be.
 */
class SkeletonValues {
  readonly list: SkeletonValue[] = [];
  /** No two node outputs share a name and none has a weight's: slots and places say all. */
  readonly plain: boolean;
  private readonly bySlot: Int32Array;
  private readonly byPlace: Int32Array;
  private readonly byName = new Map<string, number>();

  constructor(private readonly analysis: Analysis) {
    const graph = analysis.state.graph;
    this.plain = graph.outputsUnique && graph.initializerOutputs().size === 0;
    this.bySlot = new Int32Array(graph.valueSlots).fill(-1);
    this.byPlace = new Int32Array(graph.weightCount).fill(-1);
  }

  /** Output o of a node of the graph (named), met in node order before any input. */
  output(node: NodeView, o: number): number {
    if (!this.plain) return this.named(node.outputs[o], node.index);
    // Unique: met here first and only here.
    const facts = this.analysis.state.facts.output(node, o);
    const index = this.add(node.outputs[o], node.index, false, facts?.shape, facts?.dtype);
    this.bySlot[this.analysis.state.graph.outputSlot(node, o)] = index;
    return index;
  }

  /** Input k of a node of the graph (named), after every node's outputs. */
  input(node: NodeView, k: number): number {
    const graph = this.analysis.state.graph;
    if (!this.plain) return this.named(node.inputs[k], -1);
    const slot = graph.inputSlot(node, k);
    if (slot >= 0) return this.bySlot[slot]; // made with its producer's outputs
    const place = graph.inputWeightPlace(node, k);
    if (place < 0) return this.named(node.inputs[k], -1);
    if (this.byPlace[place] < 0) {
      const tensor = graph.weightAt(place)!;
      this.byPlace[place] = this.add(node.inputs[k], -1, true, weightShape(tensor), tensor.data_type);
    }
    return this.byPlace[place];
  }

  /**
   * Any value, by name. A weight's shape and type are read from its initializer: asking for its facts would
   * work them out (seconds on a 50,000-node model), and the view needs neither its values nor more.
   */
  named(name: string, producer: number): number {
    const { graph, facts } = this.analysis.state;
    const slot = graph.valueSlot(name);
    const place = slot >= 0 ? -1 : graph.weightPlace(name);
    const known =
      slot >= 0 ? this.bySlot[slot] : place >= 0 ? this.byPlace[place] : (this.byName.get(name) ?? -1);
    if (known >= 0) {
      if (producer >= 0) this.list[known].producer = producer;
      return known;
    }
    const initializer = graph.initializer(name);
    const dtype = initializer ? initializer.data_type : facts.get(name)?.dtype;
    const index = this.add(name, producer, initializer !== undefined, facts.shape(name), dtype);
    if (slot >= 0) this.bySlot[slot] = index;
    else if (place >= 0) this.byPlace[place] = index;
    else this.byName.set(name, index);
    return index;
  }

  private add(
    name: string,
    producer: number,
    weight: boolean,
    shape: Dim[] | undefined,
    dtype: number | null | undefined,
  ): number {
    this.list.push({
      name,
      shape: formatShape(shape),
      dtype: dtype !== undefined && dtype !== null ? dataTypeName(dtype) : null,
      producer,
      weight,
    });
    return this.list.length - 1;
  }
}
