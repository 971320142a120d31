// The graph skeleton as sent to the model editor's page: columns instead of an object per node and value,
// names front-coded against the previous one (exporters' names share long scope prefixes), and repeated
// strings (ops, shapes, types) as indices into one table. A 50,000-node model's skeleton is 22 MB as plain
// JSON and under 10 MB this way. The host packs, the page unpacks; both import this file (src/shared).
import type {
  GraphSkeleton,
  SkeletonBodies,
  SkeletonBox,
  SkeletonGroup,
  SkeletonNode,
  SkeletonValue,
} from '../core/inspect/graphSkeleton';

interface FrontCoded {
  /** Characters shared with the previous string. */
  keep: number[];
  rest: string[];
}

export interface PackedSkeleton {
  packed: 1;
  strings: string[];
  nodes: {
    name: FrontCoded;
    op: number[];
    /** How many inputs (outputs) each node has, then all of them in a row. */
    inputCount: number[];
    inputs: number[];
    outputCount: number[];
    outputs: number[];
    /** -1 where absent. */
    channels: number[];
    group: number[];
    box: number[];
  };
  values: {
    name: FrontCoded;
    /** String indices, -1 for null. */
    shape: number[];
    dtype: number[];
    producer: number[];
    weight: number[];
  };
  inputs: number[];
  outputs: number[];
  groups: SkeletonGroup[];
  boxes: SkeletonBox[];
  /** Body nodes are in the node columns after the graph's own; absent when there are none. */
  bodies?: SkeletonBodies;
}

function frontCode(list: readonly string[]): FrontCoded {
  const keep: number[] = [];
  const rest: string[] = [];
  let previous = '';
  for (const s of list) {
    let k = 0;
    const max = Math.min(s.length, previous.length);
    while (k < max && s.charCodeAt(k) === previous.charCodeAt(k)) k++;
    keep.push(k);
    rest.push(s.slice(k));
    previous = s;
  }
  return { keep, rest };
}

function frontDecode(coded: FrontCoded, count: number): string[] {
  const out: string[] = [];
  let previous = '';
  for (let i = 0; i < count; i++) {
    const keep = Math.min(Math.max(0, coded.keep[i] | 0), previous.length);
    previous = previous.slice(0, keep) + String(coded.rest[i] ?? '');
    out.push(previous);
  }
  return out;
}

export function packSkeleton(s: GraphSkeleton): PackedSkeleton {
  const strings: string[] = [];
  const table = new Map<string, number>();
  const intern = (value: string | null | undefined): number => {
    if (value === null || value === undefined) return -1;
    let k = table.get(value);
    if (k === undefined) {
      k = strings.length;
      strings.push(value);
      table.set(value, k);
    }
    return k;
  };
  const groupIndex = new Map(s.groups.map((g, k) => [g.id, k]));
  // One pass over the nodes and one over the values, each column made at its length (a 50,000-node model
  // has ~180,000 values: a pass per column, and flatMap's lists, were most of the packing).
  const n = s.nodes.length;
  const nodes: PackedSkeleton['nodes'] = {
    name: frontCode(s.nodes.map((node) => node.name)),
    op: new Array<number>(n),
    inputCount: new Array<number>(n),
    inputs: [],
    outputCount: new Array<number>(n),
    outputs: [],
    channels: new Array<number>(n),
    group: new Array<number>(n),
    box: new Array<number>(n),
  };
  for (let i = 0; i < n; i++) {
    const node = s.nodes[i];
    nodes.op[i] = intern(node.op);
    nodes.inputCount[i] = node.inputs.length;
    for (const v of node.inputs) nodes.inputs.push(v);
    nodes.outputCount[i] = node.outputs.length;
    for (const v of node.outputs) nodes.outputs.push(v);
    nodes.channels[i] = node.channels ?? -1;
    nodes.group[i] = node.group !== undefined ? (groupIndex.get(node.group) ?? -1) : -1;
    nodes.box[i] = node.box ?? -1;
  }
  const m = s.values.length;
  const values: PackedSkeleton['values'] = {
    name: frontCode(s.values.map((v) => v.name)),
    shape: new Array<number>(m),
    dtype: new Array<number>(m),
    producer: new Array<number>(m),
    weight: new Array<number>(m),
  };
  for (let k = 0; k < m; k++) {
    const v = s.values[k];
    values.shape[k] = intern(v.shape);
    values.producer[k] = v.producer;
    values.weight[k] = v.weight ? 1 : 0;
  }
  // The string table in the order it always had: the ops, then the shapes, then the types.
  for (let k = 0; k < m; k++) values.dtype[k] = intern(s.values[k].dtype);
  return {
    packed: 1,
    strings,
    nodes,
    values,
    inputs: s.inputs,
    outputs: s.outputs,
    groups: s.groups,
    boxes: s.boxes,
    ...(s.bodies ? { bodies: s.bodies } : {}),
  };
}

/** The skeleton back from its columns (the page checks nothing more: the host built it). */
export function unpackSkeleton(p: PackedSkeleton): GraphSkeleton {
  const n = p.nodes.op.length;
  const names = frontDecode(p.nodes.name, n);
  const str = (k: number): string | null => (k >= 0 && k < p.strings.length ? p.strings[k] : null);
  let inAt = 0;
  let outAt = 0;
  const nodes: SkeletonNode[] = names.map((name, i) => {
    const inputs = p.nodes.inputs.slice(inAt, (inAt += p.nodes.inputCount[i]));
    const outputs = p.nodes.outputs.slice(outAt, (outAt += p.nodes.outputCount[i]));
    const node: SkeletonNode = { name, op: str(p.nodes.op[i]) ?? '?', inputs, outputs };
    if (p.nodes.channels[i] >= 0) node.channels = p.nodes.channels[i];
    const group = p.groups[p.nodes.group[i]];
    if (group) node.group = group.id;
    if (p.nodes.box[i] >= 0) node.box = p.nodes.box[i];
    return node;
  });
  const count = p.values.producer.length;
  const valueNames = frontDecode(p.values.name, count);
  const values: SkeletonValue[] = valueNames.map((name, k) => ({
    name,
    shape: str(p.values.shape[k]),
    dtype: str(p.values.dtype[k]),
    producer: p.values.producer[k],
    weight: p.values.weight[k] === 1,
  }));
  return {
    nodes,
    values,
    inputs: p.inputs,
    outputs: p.outputs,
    groups: p.groups,
    boxes: p.boxes,
    ...(p.bodies ? { bodies: p.bodies } : {}),
  };
}
