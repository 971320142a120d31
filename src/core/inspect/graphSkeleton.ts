// The graph as the inspector draws it: nodes, the values between them with shapes, and the channel groups as
// node indices. No weight bytes: a 10,000-node graph is a few hundred kilobytes of JSON.
import type { Analysis } from '../analyze/analyze';
import { dataTypeName } from '../onnx/dataTypes';
import type { Dim } from '../onnx/modelView';
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
  const graph = analysis.state.graph;
  const values: SkeletonValue[] = [];
  const valueIndex = new Map<string, number>();
  const nodeIndex = new Map<string, number>();
  graph.nodes.forEach((node, i) => nodeIndex.set(node.name, i));

  const valueOf = (name: string, producer: number): number => {
    const known = valueIndex.get(name);
    if (known !== undefined) {
      if (producer >= 0) values[known].producer = producer;
      return known;
    }
    // A weight's shape and type are read from its initializer: asking for its facts would work them out
    // (seconds on a 50,000-node model), and the view needs neither its values nor more.
    const initializer = graph.initializer(name);
    const dtype = initializer ? initializer.data_type : analysis.state.fact(name)?.dtype;
    const index = values.length;
    values.push({
      name,
      shape: formatShape(analysis.state.shape(name)),
      dtype: dtype !== undefined && dtype !== null ? dataTypeName(dtype) : null,
      producer,
      weight: initializer !== undefined,
    });
    valueIndex.set(name, index);
    return index;
  };

  const nodes: SkeletonNode[] = graph.nodes.map((node, i) => {
    const outputs = node.outputs.filter(Boolean).map((name) => valueOf(name, i));
    const shape = analysis.state.fact(node.outputs[0])?.shape;
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
    nodes[i].inputs = node.inputs.filter(Boolean).map((name) => valueOf(name, -1));
    // Constant nodes hold weights: their outputs are drawn like initializers.
    if (node.opType === 'Constant') for (const v of nodes[i].outputs) values[v].weight = true;
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
    values,
    inputs: graph.inputs.map((v) => valueOf(v.name, -1)),
    outputs: graph.outputs.map((v) => valueOf(v.name, -1)),
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
