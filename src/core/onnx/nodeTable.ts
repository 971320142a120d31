import { onnx } from './proto/onnx.js';
import { StringTable } from './stringTable';

/**
 * A graph's nodes as columns: what the graph view and the analysis read of a node (its name, op type, domain,
 * inputs, outputs and attributes), without a message object per node. The structure walk fills it for the
 * nodes it reads whole as such fields (nearly all of them); a node with anything else (a subgraph, a tensor, a
 * doc string, an unknown field) is decoded as a message, which the table keeps. The graph's `node` list of
 * messages is made from the table on first use (`messages`): an edit or the writer asks for it, opening and
 * analysing never do, and on a graph of 50,000 nodes the messages, their rows and their sealing were most of
 * what opening it cost (docs/performance.md).
 */
export class NodeTable {
  count = 0;
  // The columns have room for more nodes than `count` (see withRoom): a place past it is never read.
  /** Each node's row of its file's span table (−1 for a node of an edit, not read from a file). */
  rows: number[];
  /** A field the node does not hold is undefined (its message then has no own property for it). */
  names: (string | undefined)[];
  opTypes: (string | undefined)[];
  domains: (string | undefined)[];
  inputs: (string[] | undefined)[];
  outputs: (string[] | undefined)[];
  /** Frozen lists, as a decoded node's are. */
  attributes: (readonly onnx.AttributeProto[] | undefined)[];
  /** The node's message, when it has one already (decoded whole by the walk, or made before). */
  protos: (onnx.NodeProto.$Properties | undefined)[];
  private list: readonly onnx.NodeProto.$Properties[] | undefined;
  /**
   * The ids in `strings` of every node's inputs, flat in row order then input order (how the graph's edges
   * number them), and likewise of its outputs: the first `inputIdCount` and `outputIdCount` places. A table the
   * walk read has them as it goes; an edit's gets them when first asked for (`valueIds`).
   */
  private inputIdList = new Int32Array(0);
  private outputIdList = new Int32Array(0);
  private inputIdCount = 0;
  private outputIdCount = 0;
  private idsMade: boolean;
  /**
   * The ids in `strings` of the names of the graph's initializers, in order, as the walk read them (undefined
   * for an edit's graph).
   */
  weightIds: readonly number[] | undefined;
  private stringTable: StringTable | undefined;

  /**
   * `expected`: how many nodes are about to be added, when known (the columns are made that long). `strings`:
   * the strings of the model the walk reads the nodes from, which the ids are of.
   */
  constructor(expected = 0, strings?: StringTable) {
    this.stringTable = strings;
    this.idsMade = strings !== undefined;
    this.rows = new Array<number>(expected);
    this.names = new Array<string | undefined>(expected);
    this.opTypes = new Array<string | undefined>(expected);
    this.domains = new Array<string | undefined>(expected);
    this.inputs = new Array<string[] | undefined>(expected);
    this.outputs = new Array<string[] | undefined>(expected);
    this.attributes = new Array<readonly onnx.AttributeProto[] | undefined>(expected);
    this.protos = new Array<onnx.NodeProto.$Properties | undefined>(expected);
  }

  /** A table of nodes that are messages already (an edit's graph): its columns are their fields. */
  static of(nodes: readonly onnx.NodeProto.$Properties[]): NodeTable {
    const table = new NodeTable(nodes.length);
    for (let i = 0; i < nodes.length; i++) table.addMessage(nodes[i], -1);
    table.list = nodes;
    return table;
  }

  add(
    row: number,
    name: string | undefined,
    opType: string | undefined,
    domain: string | undefined,
    inputs: string[] | undefined,
    outputs: string[] | undefined,
    attributes: readonly onnx.AttributeProto[] | undefined,
  ): void {
    const i = this.count++;
    if (i >= this.rows.length) this.grow(i);
    this.rows[i] = row;
    this.names[i] = name;
    this.opTypes[i] = opType;
    this.domains[i] = domain;
    this.inputs[i] = inputs;
    this.outputs[i] = outputs;
    this.attributes[i] = attributes;
    this.protos[i] = undefined;
  }

  /**
   * Room for node `i` in every column: each twice as long (pushing grows a list by half at a time, each time
   * into a new large object), from a few places (a subgraph has a table of its own, often of one node).
   */
  private grow(i: number): void {
    const length = Math.max(8, 2 * i);
    this.rows = longer(this.rows, i, length);
    this.names = longer(this.names, i, length);
    this.opTypes = longer(this.opTypes, i, length);
    this.domains = longer(this.domains, i, length);
    this.inputs = longer(this.inputs, i, length);
    this.outputs = longer(this.outputs, i, length);
    this.attributes = longer(this.attributes, i, length);
    this.protos = longer(this.protos, i, length);
  }

  /**
   * Whether node i's attributes may hold a graph (an If's branches, a Loop's body): only a node with a message
   * may. The walk reads a node into the columns alone only when its attributes hold no container
   * (tableNodes.ts), so the attributes of the many nodes it read that way need not be looked through.
   */
  mayHoldGraphs(i: number): boolean {
    return this.protos[i] !== undefined;
  }

  /** A node decoded as a message (or an edit's), at `row` of its file (−1: none). */
  addMessage(node: onnx.NodeProto.$Properties, row: number): void {
    this.add(
      row,
      node.name ?? undefined,
      node.op_type ?? undefined,
      node.domain ?? undefined,
      (node.input ?? undefined) as string[] | undefined,
      (node.output ?? undefined) as string[] | undefined,
      (node.attribute ?? undefined) as onnx.AttributeProto[] | undefined,
    );
    this.protos[this.count - 1] = node;
    if (this.idsMade) this.addIdsOf(this.count - 1);
  }

  /**
   * The ids of the last node added's inputs and outputs: the first `inputs` of `inputIds` and `outputs` of
   * `outputIds` (ids in `strings`, −1 for a string that has none yet).
   */
  addIds(inputIds: Int32Array, inputs: number, outputIds: Int32Array, outputs: number): void {
    this.addIdsAt(this.count - 1, inputIds, inputs, outputIds, outputs);
  }

  /** addIds for node `row`, the nodes before it given theirs; no ids known (undefined): all looked up by name. */
  private addIdsAt(
    row: number,
    inputIds: Int32Array | undefined,
    inputs: number,
    outputIds: Int32Array | undefined,
    outputs: number,
  ): void {
    this.inputIdList = withRoom(this.inputIdList, this.inputIdCount + inputs);
    this.outputIdList = withRoom(this.outputIdList, this.outputIdCount + outputs);
    const strings = this.strings;
    for (let i = 0; i < inputs; i++) {
      const id = inputIds ? inputIds[i] : -1;
      this.inputIdList[this.inputIdCount++] = id >= 0 ? id : strings.idOf(this.inputs[row]![i]);
    }
    for (let o = 0; o < outputs; o++) {
      const id = outputIds ? outputIds[o] : -1;
      this.outputIdList[this.outputIdCount++] = id >= 0 ? id : strings.idOf(this.outputs[row]![o]);
    }
  }

  /** The ids of node i's inputs and outputs, looked up by name (a node of an edit, or decoded as a message). */
  private addIdsOf(i: number): void {
    this.addIdsAt(i, undefined, this.inputs[i]?.length ?? 0, undefined, this.outputs[i]?.length ?? 0);
  }

  /** The strings the ids are of: the model's (a table the walk read), or the table's own. */
  get strings(): StringTable {
    return (this.stringTable ??= new StringTable());
  }

  /** The ids of every node's inputs and outputs, flat (see inputIdList), made on first use for an edit's table. */
  valueIds(): { readonly inputs: Int32Array; readonly outputs: Int32Array } {
    if (!this.idsMade) {
      this.idsMade = true;
      for (let i = 0; i < this.count; i++) this.addIdsOf(i);
    }
    return {
      inputs: this.inputIdList.subarray(0, this.inputIdCount),
      outputs: this.outputIdList.subarray(0, this.outputIdCount),
    };
  }

  /**
   * The nodes as messages, made once: each as the walk would have decoded it (the fields it held, frozen),
   * and `place` called with it and its row, so the file knows it as the message of that row (the writer then
   * copies it by range while it is unchanged).
   */
  messages(place: (node: object, row: number) => void): readonly onnx.NodeProto.$Properties[] {
    if (!this.list) {
      const list = new Array<onnx.NodeProto.$Properties>(this.count);
      for (let i = 0; i < this.count; i++) list[i] = this.protos[i] ?? this.message(i, place);
      this.list = Object.freeze(list);
    }
    return this.list;
  }

  private message(i: number, place: (node: object, row: number) => void): onnx.NodeProto {
    const node = new onnx.NodeProto();
    const inputs = this.inputs[i];
    const outputs = this.outputs[i];
    const name = this.names[i];
    const opType = this.opTypes[i];
    const attributes = this.attributes[i];
    const domain = this.domains[i];
    if (inputs !== undefined) node.input = inputs;
    if (outputs !== undefined) node.output = outputs;
    if (name !== undefined) node.name = name;
    if (opType !== undefined) node.op_type = opType;
    if (attributes !== undefined) node.attribute = attributes as onnx.AttributeProto[];
    if (domain !== undefined) node.domain = domain;
    place(node, this.rows[i]);
    this.protos[i] = Object.freeze(node);
    return node;
  }
}

/** `list`, or a copy of it twice as long when it has fewer than `length` places. */
function withRoom(list: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  if (length <= list.length) return list;
  const grown = new Int32Array(Math.max(length, 2 * list.length, 64));
  grown.set(list);
  return grown;
}

/** The first `count` elements of `list` in a list of `length` places. */
function longer<T>(list: T[], count: number, length: number): T[] {
  const grown = new Array<T>(length);
  for (let i = 0; i < count; i++) grown[i] = list[i];
  return grown;
}

/** The node table of a graph the walk decoded with one (not carried by an edit's copy: not enumerable). */
const NODE_TABLE = Symbol('node table');

export function nodeTableOf(graph: object): NodeTable | undefined {
  return (graph as { [NODE_TABLE]?: NodeTable })[NODE_TABLE];
}

/**
 * Gives a decoded graph (not yet frozen) its node table, and a `node` field that is the table's messages, made
 * on first read. Enumerable, as a decoded field is: a copy (Object.assign, spread) reads it, so an edit's
 * graph holds the messages themselves.
 */
export function attachNodeTable(
  graph: object,
  table: NodeTable,
  place: (node: object, row: number) => void,
): void {
  Object.defineProperty(graph, NODE_TABLE, { value: table });
  Object.defineProperty(graph, 'node', { get: () => table.messages(place), enumerable: true });
}
