// The bodies of calls as boxes of the graph view (issue 17 §1): a node that calls a model-local function
// (ModelProto.functions, matched by domain, op type and overload) and a node with graph attributes (If's
// then_branch and else_branch, Loop's and Scan's body) becomes a collapsible box holding the node itself and
// its body's nodes (an If's branches as two boxes inside it). Body nodes are view only: they are not in the
// channel analysis. They are appended to the skeleton's nodes after the graph's own, so every index the
// analysis gives (groups, reveal, details by name) stays what it was; `GraphSkeleton.bodies.start` says where
// they begin. Each body has its own values: a value a body reads but does not make (a formal input, an
// outer-scope capture) is drawn as made by the calling node, so every edge into a body comes from its call,
// and no node of the graph gains a consumer. A function instance is drawn per call. A body's own name scopes
// are boxes inside its box (core/inspect/hierarchy.ts), as the graph's are.
//
// Hostile models: a function may call itself (directly or through others) and calls may nest thousands deep or
// fan out exponentially. A call on the current chain of functions is not expanded, nor one nested deeper than
// BODY_LIMITS.depth, nor one whose body would take the body nodes past BODY_LIMITS.nodes; such calls stay plain
// nodes and are counted in `bodies.cut`.
import type { GraphView, NodeView } from '../onnx/modelView';
import { GraphView as Graph } from '../onnx/modelView';
import { dataTypeName } from '../onnx/dataTypes';
import type { onnx } from '../onnx/proto/onnx.js';
import { buildHierarchy } from './hierarchy';
import { formatAttribute } from './nodeDetails';
import type { GraphSkeleton, SkeletonBox, SkeletonValue } from './skeletonTypes';

/** How deep calls nest, and how many body nodes a skeleton holds in all (SECURITY.md, Limits). */
export const BODY_LIMITS = { depth: 16, nodes: 50_000 } as const;
/** A body node's attributes as the details panel lists them: at most this many, each value cut to this length. */
const ATTRIBUTE_LIMIT = { count: 32, length: 200 } as const;

/** One body of a call: a graph attribute's graph, or a function's nodes. */
interface Body {
  /** The attribute's name for a node with several graphs (If's then_branch); undefined for one. */
  label: string | undefined;
  graph: GraphView;
}

interface Call {
  bodies: Body[];
  /** The function's key when the call is a function's, for the recursion check. */
  fn: string | undefined;
  title: string;
}

const key = (domain: string, name: string, overload: string) => `${domain}\u0000${name}\u0000${overload}`;
const normalise = (domain: string) => (domain === 'ai.onnx' ? '' : domain);

function shapeText(graph: GraphView, name: string): { shape: string | null; dtype: string | null } {
  const info = graph.valueInfo.get(name);
  const shape = info?.shape
    ? `[${info.shape.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]`
    : null;
  return { shape, dtype: info?.dtype !== undefined ? dataTypeName(info.dtype) : null };
}

function attributesOf(node: NodeView): [string, string][] {
  const list = node.attributeList;
  const out: [string, string][] = list.slice(0, ATTRIBUTE_LIMIT.count).map((a) => {
    const value = formatAttribute(a);
    return [
      a.name ?? '',
      value.length > ATTRIBUTE_LIMIT.length ? `${value.slice(0, ATTRIBUTE_LIMIT.length - 1)}…` : value,
    ];
  });
  if (list.length > ATTRIBUTE_LIMIT.count) out.push(['…', `${list.length - ATTRIBUTE_LIMIT.count} more`]);
  return out;
}

/** Appends the bodies of the skeleton's calls (nodes, values, boxes) to it, within BODY_LIMITS. */
export function addBodies(skeleton: GraphSkeleton, graph: GraphView): void {
  // Most models have neither: nothing to look at per node.
  if (graph.subgraphs.length === 0 && (graph.model.proto.functions ?? []).length === 0) return;
  const functions = new Map<string, GraphView>();
  const protos = new Map<string, onnx.FunctionProto.$Properties>();
  for (const f of graph.model.proto.functions ?? [])
    protos.set(key(normalise(f.domain ?? ''), f.name ?? '', f.overload ?? ''), f);
  // Graph attributes per node, found once per graph (GraphView lists them per graph, not per node).
  const attributeGraphs = new Map<GraphView, Map<NodeView, Body[]>>();
  const graphsOf = (node: NodeView): Body[] => {
    let byNode = attributeGraphs.get(node.graph);
    if (!byNode) {
      byNode = new Map();
      for (const s of node.graph.subgraphs) {
        const list = byNode.get(s.node) ?? [];
        list.push({ label: s.attribute, graph: s.graph });
        byNode.set(s.node, list);
      }
      attributeGraphs.set(node.graph, byNode);
    }
    return byNode.get(node) ?? [];
  };
  const functionGraph = (k: string): GraphView | undefined => {
    const proto = protos.get(k);
    if (!proto) return undefined;
    let view = functions.get(k);
    if (!view) {
      // A function as a graph: its formal inputs and outputs are values, its nodes the body.
      const values = (names: string[] | null | undefined) => (names ?? []).map((name) => ({ name }));
      view = new Graph(
        {
          node: proto.node ?? [],
          input: values(proto.input),
          output: values(proto.output),
          value_info: proto.value_info ?? [],
        },
        graph.model,
        `function ${proto.name ?? ''}`,
      );
      functions.set(k, view);
    }
    return view;
  };
  const callOf = (node: NodeView): Call | undefined => {
    const op = node.domain ? `${node.domain}::${node.opType}` : node.opType;
    const fn = key(node.domain, node.opType, node.overload);
    const body = protos.has(fn) ? functionGraph(fn) : undefined;
    if (body) return { bodies: [{ label: undefined, graph: body }], fn, title: `${op} (local function)` };
    const graphs = graphsOf(node);
    if (graphs.length === 0) return undefined;
    return {
      bodies: graphs.length === 1 ? [{ ...graphs[0], label: undefined }] : graphs,
      fn: undefined,
      title: op,
    };
  };

  // Paths name boxes for the view's saved state: unique, and as long as a node's name, not a nesting's.
  // A function's instances repeat its node names: the second `p [If]` is `p [If] #2` (a counter per name, so
  // thousands of instances cost no search).
  const paths = new Set(skeleton.boxes.map((b) => b.path));
  const next = new Map<string, number>();
  const unique = (path: string): string => {
    let out = path;
    let k = next.get(path) ?? 2;
    while (paths.has(out)) out = `${path} #${k++}`;
    next.set(path, k);
    paths.add(out);
    return out;
  };
  const start = skeleton.nodes.length;
  const attributes: [string, string][][] = [];
  let cut = 0;
  const { nodes, values, boxes } = skeleton;

  /** Expands node `call` (a skeleton index) drawn as `node`, inside box `parent`. */
  const expand = (call: number, node: NodeView, parent: number, depth: number, chain: string[]) => {
    const found = callOf(node);
    if (!found) return;
    const size = found.bodies.reduce((s, b) => s + b.graph.nodes.length, 0);
    if (size === 0) return;
    if (
      depth > BODY_LIMITS.depth ||
      (found.fn !== undefined && chain.includes(found.fn)) ||
      nodes.length - start + size > BODY_LIMITS.nodes
    ) {
      cut++;
      return;
    }
    const box = boxes.length;
    const boxPath = unique(`${node.name} [${found.title}]`);
    boxes.push({ label: found.title, path: boxPath, parent, nodes: 0, ops: [], groups: [], call });
    nodes[call].box = box;
    const first = nodes.length;
    const parts: string[] = [];
    const inner = found.fn !== undefined ? [...chain, found.fn] : chain;
    for (const body of found.bodies) {
      if (body.graph.nodes.length === 0) {
        if (body.label !== undefined) parts.push(`${body.label.replace(/_branch$/, '')} 0`);
        continue;
      }
      let home = box;
      if (body.label !== undefined) {
        home = boxes.length;
        boxes.push({
          label: body.label,
          path: unique(`${boxPath}/${body.label}`),
          parent: box,
          nodes: 0,
          ops: [],
          groups: [],
        });
      }
      const from = nodes.length;
      drawBody(call, body.graph, home, depth, inner);
      const count = nodes.length - from;
      if (body.label !== undefined) {
        summarise(boxes[home], from);
        parts.push(`${body.label.replace(/_branch$/, '')} ${count}`);
      } else parts.push(`${found.fn !== undefined ? '' : 'body '}${count}`);
    }
    const own = boxes[box];
    summarise(own, first);
    own.label =
      found.fn !== undefined
        ? `${found.title} · ${thousands(own.nodes)} nodes`
        : `${found.title} · ${parts.join(', ')} nodes`;
  };

  /** Counts and op histogram of the body nodes appended since `from`. */
  const summarise = (box: SkeletonBox, from: number) => {
    const histogram = new Map<string, number>();
    for (let i = from; i < nodes.length; i++)
      histogram.set(nodes[i].op, (histogram.get(nodes[i].op) ?? 0) + 1);
    box.nodes = nodes.length - from;
    box.ops = [...histogram].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  };

  /** Appends one body's nodes and values, then expands the calls among them. */
  const drawBody = (call: number, body: GraphView, home: number, depth: number, chain: string[]) => {
    const scope = new Map<string, number>();
    const valueOf = (name: string, producer: number): number => {
      const known = scope.get(name);
      if (known !== undefined) {
        if (producer >= 0) values[known].producer = producer;
        return known;
      }
      const index = values.length;
      const value: SkeletonValue = {
        name,
        ...shapeText(body, name),
        // Not made here: a formal input or a capture, drawn as coming from the call.
        producer: producer >= 0 ? producer : call,
        weight: body.initializer(name) !== undefined,
      };
      values.push(value);
      scope.set(name, index);
      return index;
    };
    const first = nodes.length;
    body.nodes.forEach((node, k) => {
      const index = first + k;
      nodes.push({
        name: node.name,
        op: node.domain ? `${node.domain}::${node.opType}` : node.opType,
        inputs: [],
        outputs: node.outputs.filter(Boolean).map((name) => valueOf(name, index)),
        box: home,
      });
      attributes.push(attributesOf(node));
    });
    body.nodes.forEach((node, k) => {
      const own = nodes[first + k];
      own.inputs = node.inputs.filter(Boolean).map((name) => valueOf(name, -1));
      if (node.opType === 'Constant') for (const v of own.outputs) values[v].weight = true;
    });
    // A large body (a transformer layer exported as a function, a TF while body) has name scopes of its own:
    // boxes inside the body's box, so opening it lays out its scopes, not thousands of nodes.
    const scopes = buildHierarchy(
      body.nodes.map((n) => n.name),
      body.nodes.map((_, k) => nodes[first + k].op),
    );
    const offset = boxes.length;
    for (const b of scopes.boxes)
      boxes.push({
        ...b,
        path: unique(`${boxes[home].path} › ${b.path}`),
        parent: b.parent < 0 ? home : offset + b.parent,
        groups: [],
      });
    scopes.nodeBox.forEach((b, k) => {
      if (b >= 0) nodes[first + k].box = offset + b;
    });
    body.nodes.forEach((node, k) => expand(first + k, node, nodes[first + k].box ?? home, depth + 1, chain));
  };

  const top = graph.nodes;
  for (let i = 0; i < top.length; i++) expand(i, top[i], nodes[i].box ?? -1, 1, []);
  if (nodes.length > start || cut > 0) skeleton.bodies = { start, attributes, cut };
}

/** 12345 → "12,345". */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
