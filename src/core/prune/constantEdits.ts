import type { GraphView, NodeView } from '../onnx/modelView';
import { DataType, isRewritableInteger } from '../onnx/dataTypes';
import { withChanges } from '../onnx/edit';
import { appendTo } from '../lists';
import { toLong } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorAsNumbers } from '../onnx/tensorData';
import type { NameSet } from './staleValues';

type Tensor = onnx.TensorProto.$Properties;
type NodeProto = onnx.NodeProto.$Properties;

/** One node input that reads an integer constant (a Reshape target, Resize sizes, a Slice bound…). */
interface Reader {
  node: NodeView;
  input: number;
}

/** Where a constant lives: an initializer, or the output of a Constant node. */
interface Constant {
  name: string;
  initializer?: Tensor;
  node?: NodeView;
  values: number[];
}

/**
 * What the new model needs: constants rewritten in place, copies for readers that need other values, and
 * the node inputs that now read a copy.
 */
export interface ConstantChanges {
  /** New values of initializers, by name. */
  initializers: Map<string, Tensor>;
  /** New Constant nodes, by the original node (rewritten in place). */
  constantNodes: Map<NodeProto, NodeProto>;
  /** Copies: initializers to add, and Constant nodes to insert right after the node they copy. */
  addedInitializers: Tensor[];
  addedAfter: Map<NodeProto, NodeProto[]>;
  /** Per node, inputs that now read a copy. */
  rewired: Map<NodeProto, Map<number, string>>;
  /** Initializers listed as graph inputs (IR < 4) whose copies must be listed too. */
  copiesOf: Map<string, string[]>;
}

/**
 * Edits of the integer constants nodes read (shape targets, sizes, bounds), per reading node input. A constant
 * is rewritten in place only when every reader wants the same values; otherwise each reader gets the value it
 * needs (copy on write), or one shared Reshape target holds -1 where the readers differ. Readers that need no
 * change (consumers of a shared shape constant with nothing removed) keep the original: they count as readers
 * too, so a constant is never edited for one of them alone.
 */
export class ConstantEdits {
  private readonly edits = new Map<NodeView, Map<number, Map<number, number>>>();
  /** Per value: the constant it is, or null when it is none. */
  private readonly constants = new Map<string, Constant | null>();

  constructor(
    private readonly graph: GraphView,
    private readonly file: ModelFile,
  ) {}

  /** Reader `node`'s input `input` needs `value` at `position`. */
  set(node: NodeView, input: number, position: number, value: number): void {
    const byInput = this.edits.get(node) ?? new Map<number, Map<number, number>>();
    this.edits.set(node, byInput);
    const positions = byInput.get(input) ?? new Map<number, number>();
    byInput.set(input, positions);
    const before = positions.get(position);
    if (before !== undefined && before !== value)
      throw new Error(`internal: input ${input} of '${node.name}' needs two values at ${position}`);
    positions.set(position, value);
  }

  /** Nodes with an edited input, for value_info: their outputs may change shape. */
  editedNodes(): Iterable<NodeView> {
    return this.edits.keys();
  }

  build(takenNames: NameSet): ConstantChanges {
    const changes: ConstantChanges = {
      initializers: new Map(),
      constantNodes: new Map(),
      addedInitializers: [],
      addedAfter: new Map(),
      rewired: new Map(),
      copiesOf: new Map(),
    };
    // The constants edited readers read; each is rewritten once, for all its readers.
    const edited = new Set<Constant>();
    for (const [node, inputs] of this.edits) {
      for (const input of inputs.keys()) {
        const constant = this.constantOf(node.inputs[input]);
        // The rules make members only of constants (computed shapes that follow need no edit).
        if (!constant) throw new Error(`internal: input ${input} of '${node.name}' is not a constant`);
        edited.add(constant);
      }
    }
    // Their readers, asked together (most are weights: one pass over the inputs, not an index of every weight).
    const readersOf = this.graph.consumersOfEach([...edited].map((c) => c.name));
    for (const constant of edited) this.rewrite(constant, readersOf.get(constant.name)!, changes, takenNames);
    return changes;
  }

  /** The values one reader needs: the constant's with its edits (a Reshape's -1, and 0 that copies, stay). */
  private wanted(constant: Constant, reader: Reader): number[] {
    const values = constant.values.slice();
    const edits = this.edits.get(reader.node)?.get(reader.input);
    if (!edits) return values;
    const reshape = reader.node.opType === 'Reshape' && reader.input === 1;
    const copiesZero = reshape && reader.node.attributes.int('allowzero', 0) === 0;
    for (const [position, value] of edits) {
      const was = values[position];
      if (reshape && (was === -1 || (was === 0 && copiesZero))) continue; // follows the input by itself
      values[position] = value;
    }
    return values;
  }

  private rewrite(
    constant: Constant,
    consumers: readonly NodeView[],
    changes: ConstantChanges,
    takenNames: NameSet,
  ): void {
    // Every reader of the constant, edited or not; a constant read inside a subgraph or as a graph output is
    // pinned to its original values.
    const readers: Reader[] = [];
    for (const node of new Set(consumers))
      node.inputs.forEach((v, input) => (v === constant.name ? readers.push({ node, input }) : undefined));
    const pinned = this.graph.isGraphOutput(constant.name) || readInSubgraph(this.graph, constant.name);
    const wants = readers.map((r) => this.wanted(constant, r));
    const key = (values: number[]) => values.join(',');
    const distinct = new Map<string, number[]>();
    if (pinned) distinct.set(key(constant.values), constant.values);
    for (const values of wants) distinct.set(key(values), values);
    // Readers that reach the constant through an Identity read it indirectly: they always get their own copy.
    const indirect = [...this.edits].flatMap(([node, inputs]) =>
      [...inputs.keys()]
        .filter(
          (input) => node.inputs[input] !== constant.name && this.constantOf(node.inputs[input]) === constant,
        )
        .map((input) => ({ node, input })),
    );
    if (distinct.size === 1 && indirect.length === 0) {
      const [values] = distinct.values();
      if (key(values) !== key(constant.values)) this.replace(constant, values, changes);
      return;
    }
    const merged = !pinned && indirect.length === 0 ? minusOneTarget(readers, wants) : undefined;
    if (merged) {
      this.replace(constant, merged, changes);
      return;
    }
    const copies = new Map<string, string>();
    const copyFor = (values: number[]): string => {
      let name = copies.get(key(values));
      if (!name) {
        name = freshName(`${constant.name}_pruned`, takenNames);
        copies.set(key(values), name);
        this.copy(constant, values, name, changes, takenNames);
      }
      return name;
    };
    readers.forEach((reader, i) => {
      if (key(wants[i]) !== key(constant.values)) rewire(changes, reader, copyFor(wants[i]));
    });
    for (const reader of indirect) {
      const values = this.wanted(constant, reader);
      if (key(values) !== key(constant.values)) rewire(changes, reader, copyFor(values));
    }
  }

  private replace(constant: Constant, values: number[], changes: ConstantChanges): void {
    if (constant.initializer) {
      changes.initializers.set(constant.name, this.tensorWith(constant.initializer, values, constant.name));
    } else if (constant.node) {
      changes.constantNodes.set(constant.node.proto, this.constantNodeWith(constant.node.proto, values));
    }
  }

  private copy(
    constant: Constant,
    values: number[],
    name: string,
    changes: ConstantChanges,
    taken: NameSet,
  ): void {
    if (constant.initializer) {
      changes.addedInitializers.push(this.tensorWith(constant.initializer, values, name));
      appendTo(changes.copiesOf, constant.name, name);
    } else if (constant.node) {
      const proto = constant.node.proto;
      const copy = withChanges(this.constantNodeWith(proto, values), {
        name: proto.name ? freshName(`${proto.name}_pruned`, taken) : '',
        output: [name],
      });
      appendTo(changes.addedAfter, proto, copy);
    }
  }

  /** An integer tensor like `tensor` holding `values` (its data given to the writer). */
  private tensorWith(tensor: Tensor, values: number[], name: string): Tensor {
    const result = withChanges(tensor, { name, dims: [toLong(values.length)] });
    this.file.setTensorData(result, [intBytes(values, tensor.data_type ?? DataType.INT64)]);
    return result;
  }

  private constantNodeWith(proto: NodeProto, values: number[]): NodeProto {
    const attribute = (proto.attribute ?? []).map((a) => {
      if (a.name === 'value' && a.t)
        return withChanges(a, { t: this.tensorWith(a.t, values, a.t.name ?? '') });
      if (a.name === 'value_ints') return withChanges(a, { ints: values.map((v) => toLong(v)) });
      return a;
    });
    return withChanges(proto, { attribute });
  }

  /** The constant a value is (an initializer or a Constant node's output, through Identity), if it is one. */
  private constantOf(value: string | undefined, depth = 0): Constant | undefined {
    if (!value || depth > 8) return undefined;
    const cached = this.constants.get(value);
    if (cached !== undefined) return cached ?? undefined;
    let found: Constant | undefined;
    const initializer = this.graph.ownInitializer(value);
    const producer = this.graph.producer(value);
    if (initializer && isRewritableInteger(initializer.data_type)) {
      const values = readTensorAsNumbers(this.file, initializer);
      found = { name: value, initializer, values };
    } else if (producer?.opType === 'Constant' && producer.domain === '') {
      const t = producer.attributes.get('value')?.t;
      const ints = producer.attributes.ints('value_ints');
      if (t && isRewritableInteger(t.data_type))
        found = {
          name: value,
          node: producer,
          values: readTensorAsNumbers(this.file, t),
        };
      else if (ints) found = { name: value, node: producer, values: ints };
    } else if (producer?.opType === 'Identity' && producer.domain === '') {
      found = this.constantOf(producer.inputs[0], depth + 1);
    }
    this.constants.set(value, found ?? null);
    return found;
  }
}

/**
 * Reshape targets that differ in one element only: one shared target with -1 there serves them all (Reshape
 * infers it from each input's size), unless a target already has a -1 or, with allowzero, a 0.
 */
function minusOneTarget(readers: Reader[], wants: number[][]): number[] | undefined {
  if (!readers.every((r) => r.node.opType === 'Reshape' && r.input === 1)) return undefined;
  const length = wants[0].length;
  if (wants.some((w) => w.length !== length)) return undefined;
  const differ: number[] = [];
  for (let i = 0; i < length; i++) if (wants.some((w) => w[i] !== wants[0][i])) differ.push(i);
  if (differ.length !== 1) return undefined;
  const at = differ[0];
  const allowZero = readers.some((r) => r.node.attributes.int('allowzero', 0) === 1);
  if (wants.some((w) => w.some((v, i) => i !== at && (v === -1 || (allowZero && v === 0))))) return undefined;
  return wants[0].map((v, i) => (i === at ? -1 : v));
}

function rewire(changes: ConstantChanges, reader: Reader, name: string): void {
  const proto = reader.node.proto;
  const inputs = changes.rewired.get(proto) ?? new Map<number, string>();
  changes.rewired.set(proto, inputs);
  inputs.set(reader.input, name);
}

function freshName(base: string, taken: NameSet): string {
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}

/** Whether a value of the outer graph is read by a node of one of its subgraphs. */
function readInSubgraph(graph: GraphView, value: string): boolean {
  for (const { graph: sub } of graph.subgraphs)
    for (const g of sub.allGraphs()) for (const n of g.nodes) if (n.inputs.includes(value)) return true;
  return false;
}

function intBytes(values: number[], type: number): Uint8Array {
  if (type === DataType.INT32) return new Uint8Array(Int32Array.from(values).buffer);
  return new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
}
