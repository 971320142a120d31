import { GraphEdges } from './graphEdges';
import { toSafeNumber } from './int64';
import { type ValueType, valueType } from './valueType';
import { keepsWiring } from './wiring';
import { IdIndex } from './idIndex';
import { NodeTable, nodeTableOf } from './nodeTable';
import { OutputPlaces } from './outputPlaces';
import { NodeRow, normaliseDomain } from './nodeRow';
import type { ModelFile } from './modelFile';
import type { onnx } from './proto/onnx.js';

export type { Dim, ValueType } from './valueType';

/** A node of a graph view: a row of the graph's node table (nodeRow.ts), its graph typed as the view. */
export class NodeView extends NodeRow {
  declare readonly graph: GraphView;
}

export class GraphView {
  readonly nodes: NodeView[];
  readonly inputs: ValueType[];
  readonly outputs: ValueType[];
  readonly valueInfo = new Map<string, ValueType>();
  readonly subgraphs: { node: NodeView; attribute: string; graph: GraphView }[] = [];
  /** The initializers by name (what `initializers` is made from) and the nodes that produce values. */
  private readonly weightIndex: IdIndex<onnx.TensorProto.$Properties>;
  private readonly producers: IdIndex<NodeView>;
  private initializerMap: Map<string, onnx.TensorProto.$Properties> | undefined;
  /** Node n's outputs have the value slots outputStart[n] … outputStart[n + 1] − 1 (see valueSlot). */
  private readonly outputStart: Int32Array;
  /** No two node outputs share a name (as ONNX requires): output o of node n then has slot outputStart[n] + o. */
  readonly outputsUnique: boolean;
  private edgeIndex: GraphEdges<NodeView> | undefined;
  private readonly outputPlaces = new OutputPlaces();
  private initializerOutputSet: Set<string> | undefined;
  private inputWeights: Int32Array | undefined;
  /** The view whose indexes and edges this one shares (see `like`), if it does. */
  readonly sharedWith: GraphView | undefined;
  private outputNames: Set<string> | undefined;
  /** The ids of the node inputs, flat (NodeTable.valueIds), when this view indexed its values by them. */
  private inputIds: Int32Array | undefined;
  /** The value slots that have an entry in valueInfo (see outputValueInfo). */
  private infoSlots: Uint8Array | undefined;
  /** The value valueSlot was last asked for, and its slot. */
  private lastValue: string | undefined;
  private lastSlot = -1;

  constructor(
    readonly proto: onnx.GraphProto.$Properties,
    readonly model: ModelView,
    /** 'main', or a path like `main/If_0.then_branch` for subgraphs. */
    readonly path: string,
    readonly parent?: GraphView,
    /**
     * The view of a graph this one is an edited copy of (a prune's): when every node keeps its place, inputs
     * and outputs, and every weight its name and place (new ones after them), its indexes by name and its
     * edges are reused, not built anew (`sharesLayoutWith`). Ignored otherwise.
     */
    like?: GraphView,
  ) {
    // Indexed loops: a constructor runs once per graph, mostly unoptimised, where for…of allocates an
    // iterator result per element (tens of thousands on a large graph).
    const initializers = proto.initializer ?? [];
    // A graph read from a file has its nodes as a table already; any other's are made into one.
    const table = nodeTableOf(proto) ?? NodeTable.of(proto.node ?? []);
    const nodeCount = table.count;
    const same = like !== undefined && parent === undefined && like.sharesLayoutWith(proto, initializers);
    this.sharedWith = same ? like : undefined;
    const kept = same ? like.weightIndex.size : 0;
    this.weightIndex = same
      ? like.weightIndex.withValues(initializers.slice(0, kept))
      : new IdIndex(table.strings, initializers.length);
    // By the ids the walk found for a graph read from a file (no name hashed here), else by name.
    const weightIds = !same && table.weightIds?.length === initializers.length ? table.weightIds : undefined;
    for (let i = kept; i < initializers.length; i++)
      if (weightIds) this.weightIndex.setById(weightIds[i], initializers[i].name ?? '', initializers[i]);
      else this.weightIndex.set(initializers[i].name ?? '', initializers[i]);
    // Before IR 4 initializers had to be listed as graph inputs too; they are weights, not inputs.
    const allInputs = (proto.input ?? []).map(valueType);
    this.inputs = allInputs.filter((v) => !this.weightIndex.has(v.name));
    this.outputs = (proto.output ?? []).map(valueType);
    for (const v of [...allInputs, ...this.outputs, ...(proto.value_info ?? []).map(valueType)])
      this.valueInfo.set(v.name, v);
    this.nodes = new Array<NodeView>(nodeCount);
    if (same) {
      // Each named output's producer, in the order `like` indexed them (its outputs are all distinct).
      const producers: NodeView[] = [];
      for (let i = 0; i < nodeCount; i++) {
        const node = (this.nodes[i] = new NodeView(table, i, this));
        const outputs = node.outputs;
        for (let o = 0; o < outputs.length; o++) if (outputs[o]) producers.push(node);
      }
      this.producers = like.producers.withValues(producers);
      this.outputStart = like.outputStart;
      this.outputsUnique = true;
      if (like.edgeIndex) this.edgeIndex = new GraphEdges(this.nodes, this.producers, like.edgeIndex);
      // The same node outputs and, with no weight added, the same weight names.
      if (kept === initializers.length) this.initializerOutputSet = like.initializerOutputSet;
      return;
    }
    // The values by their ids in the model's strings, which the walk found: no name is hashed here.
    const ids = table.valueIds();
    this.producers = new IdIndex(table.strings, nodeCount); // most nodes have one output
    this.outputStart = new Int32Array(nodeCount + 1);
    let named = 0;
    for (let i = 0; i < nodeCount; i++) {
      const node = (this.nodes[i] = this.addNode(table, i, ids.outputs, this.outputStart[i]));
      const outputs = node.outputs;
      this.outputStart[i + 1] = this.outputStart[i] + outputs.length;
      for (let o = 0; o < outputs.length; o++) if (outputs[o]) named++;
    }
    // Each named output added a producer unless its name was met before.
    this.outputsUnique = this.producers.size === named;
    this.inputIds = ids.inputs;
  }

  /**
   * Whether a graph with these nodes and initializers may share this view's indexes: a main graph with no
   * subgraphs and distinct node outputs and weight names, whose wiring the other keeps (`keepsWiring`).
   */
  private sharesLayoutWith(
    other: onnx.GraphProto.$Properties,
    initializers: readonly onnx.TensorProto.$Properties[],
  ): boolean {
    if (this.parent || this.subgraphs.length > 0 || !this.outputsUnique) return false;
    const own = this.proto.initializer ?? [];
    if (this.weightIndex.size !== own.length) return false;
    if (!keepsWiring(this.proto, other.node ?? [], initializers)) return false;
    // A new weight named like an old one would stand for it (the last of a name wins): not the same places.
    for (let i = own.length; i < initializers.length; i++)
      if (this.weightIndex.has(initializers[i].name ?? '')) return false;
    return true;
  }

  /**
   * The view of a node, its outputs indexed: their ids are outputIds[at …] (a method called per node: soon
   * optimised, unlike a loop body here).
   */
  private addNode(table: NodeTable, index: number, outputIds: Int32Array, at: number): NodeView {
    const node = new NodeView(table, index, this);
    const outputs = node.outputs;
    for (let o = 0; o < outputs.length; o++)
      if (outputs[o]) this.producers.setById(outputIds[at + o], outputs[o], node);
    const attributes = table.attributes[index];
    if (attributes && attributes.length > 0 && table.mayHoldGraphs(index))
      this.addSubgraphs(node, attributes);
    return node;
  }

  private addSubgraphs(node: NodeView, attributes: readonly onnx.AttributeProto.$Properties[]): void {
    for (let a = 0; a < attributes.length; a++) {
      const attribute = attributes[a];
      if (!attribute.g && !attribute.graphs?.length) continue;
      const graphs = attribute.g ? [attribute.g] : (attribute.graphs ?? []);
      graphs.forEach((g, i) => {
        const suffix = attribute.g ? '' : `[${i}]`;
        this.subgraphs.push({
          node,
          attribute: attribute.name ?? '',
          graph: new GraphView(g, this.model, `${this.path}/${node.name}.${attribute.name}${suffix}`, this),
        });
      });
    }
  }

  /** The initializers of this graph by name, in file order (a name met twice: the last one's tensor). */
  get initializers(): Map<string, onnx.TensorProto.$Properties> {
    return (this.initializerMap ??= this.weightIndex.toMap());
  }

  /**
   * `initializers.get(name)` and `initializers.forEach`, without making that Map: a large graph's Map of
   * tens of thousands of weights costs more than the work that reads a few of them, or each once.
   */
  ownInitializer(name: string): onnx.TensorProto.$Properties | undefined {
    return this.weightIndex.get(name);
  }

  forEachInitializer(visit: (tensor: onnx.TensorProto.$Properties, name: string) => void): void {
    this.weightIndex.forEach(visit);
  }

  /** The node that produces a value in this graph (undefined for inputs, initializers, outer-scope values). */
  producer(value: string): NodeView | undefined {
    return this.producers.get(value);
  }

  /**
   * A number for each value a node of this graph produces (0 … valueSlots − 1), −1 for any other value: one
   * lookup of the name in a map built already, so the analysis keeps what it learns of the values nodes
   * produce in arrays, not in maps of its own that grow by tens of thousands of names. A name produced twice
   * (a broken graph) has one slot, as it has one producer.
   */
  valueSlot(value: string): number {
    // The rules ask for a value's slot several times in a row (its space, then its shape, then its facts):
    // the last answer is kept, a name being hashed for each lookup.
    if (value === this.lastValue) return this.lastSlot;
    const node = this.producers.get(value);
    const o = node ? this.outputPlaces.of(node, value) : -1;
    const slot = o < 0 ? -1 : this.outputStart[node!.index] + o;
    this.lastValue = value;
    this.lastSlot = slot;
    return slot;
  }

  /** The value slot of input i of a node of this graph (as valueSlot of its name), found by the graph's edges. */
  inputSlot(node: NodeView, i: number): number {
    const edges = this.edges();
    const p = edges.producer[edges.start[node.index] + i];
    if (p < 0) return -1;
    const o = this.outputPlaces.of(this.nodes[p], node.inputs[i]);
    return o < 0 ? -1 : this.outputStart[p] + o;
  }

  /** The value slot of output o of a node of this graph (as valueSlot of its name; −1 for an unnamed one). */
  outputSlot(node: NodeView, o: number): number {
    const value = node.outputs[o];
    if (!value) return -1;
    return this.outputsUnique ? this.outputStart[node.index] + o : this.valueSlot(value);
  }

  /**
   * `valueInfo.get(node.outputs[o])` for a node of this graph: by the output's slot, marked for the few values
   * that have an entry (on first use), so the inference of every node's outputs hashes no name for it.
   */
  outputValueInfo(node: NodeView, o: number): ValueType | undefined {
    if (!this.infoSlots) {
      this.infoSlots = new Uint8Array(this.valueSlots);
      for (const name of this.valueInfo.keys()) {
        const slot = this.valueSlot(name);
        if (slot >= 0) this.infoSlots[slot] = 1;
      }
    }
    const slot = this.outputSlot(node, o);
    return slot >= 0 && this.infoSlots[slot] ? this.valueInfo.get(node.outputs[o]) : undefined;
  }

  /** How many value slots there are (see valueSlot). */
  get valueSlots(): number {
    return this.outputStart[this.nodes.length];
  }

  /** The nodes that read a value, in node order. */
  consumers(value: string): readonly NodeView[] {
    return this.edges().consumers(value, this.producers.get(value));
  }

  /** `consumers` of each of `values`, asked together (see GraphEdges.consumersOfEach). */
  consumersOfEach(values: Iterable<string>): Map<string, readonly NodeView[]> {
    return this.edges().consumersOfEach(values, this.producers);
  }

  /** The producer of every node input, and the readers of every produced value (built on first use). */
  edges(): GraphEdges<NodeView> {
    return (this.edgeIndex ??= new GraphEdges(this.nodes, this.producers, undefined, this.inputProducers()));
  }

  /** The index of the node that produces each node input (flat, as the edges number them), by the inputs' ids. */
  private inputProducers(): Int32Array | undefined {
    const ids = this.inputIds;
    if (!ids) return undefined;
    const producer = new Int32Array(ids.length);
    for (let k = 0; k < ids.length; k++) producer[k] = this.producers.getById(ids[k])?.index ?? -1;
    return producer;
  }

  /**
   * For every node input, in the order of the edges' flat inputs, the place in `proto.initializer` of the
   * weight it names when no node produces it, else −1 (made on first use). A view that shares this one's
   * layout has its weights in the same places: comparing two views' weights then takes no lookup by name.
   */
  inputWeightPlaces(): Int32Array {
    if (!this.inputWeights) {
      const { start, producer } = this.edges();
      const places = new Int32Array(producer.length).fill(-1);
      // Places are indexes of the list only when no name is met twice (the last one's tensor wins).
      const distinct = this.weightIndex.size === (this.proto.initializer ?? []).length;
      for (let n = 0; distinct && n < this.nodes.length; n++) {
        const inputs = this.nodes[n].inputs;
        for (let i = 0; i < inputs.length; i++)
          if (inputs[i] && producer[start[n] + i] < 0)
            places[start[n] + i] = this.weightIndex.indexOf(inputs[i]);
      }
      this.inputWeights = places;
    }
    return this.inputWeights;
  }

  /** An initializer of this graph or of an enclosing graph (subgraphs may use outer-scope weights). */
  initializer(name: string): onnx.TensorProto.$Properties | undefined {
    return this.weightIndex.get(name) ?? this.parent?.initializer(name);
  }

  /** How many initializers this graph has of its own (an outer graph's are not counted). */
  get weightCount(): number {
    return this.weightIndex.size;
  }

  /** The place (0 … weightCount − 1) of this graph's own initializer of that name, −1 for none. */
  weightPlace(name: string): number {
    return this.weightIndex.indexOf(name);
  }

  /** This graph's own initializer at a place (see weightPlace); undefined for −1. */
  weightAt(place: number): onnx.TensorProto.$Properties | undefined {
    return this.weightIndex.at(place);
  }

  /** weightPlace(node.inputs[i]) for a node of this graph, found by the input's id when the view has them. */
  inputWeightPlace(node: NodeView, i: number): number {
    const ids = this.inputIds;
    if (ids && node.graph === this) return this.weightIndex.placeOf(ids[this.edges().start[node.index] + i]);
    return this.weightIndex.indexOf(node.inputs[i]);
  }

  /**
   * `initializer(node.inputs[i])` for a node of this graph with a named input i, found by the input's id when
   * the view has them (the rules ask for the weights of tens of thousands of node inputs).
   */
  inputInitializer(node: NodeView, i: number): onnx.TensorProto.$Properties | undefined {
    return this.weightAt(this.inputWeightPlace(node, i)) ?? this.parent?.initializer(node.inputs[i]);
  }

  /** `producer(node.inputs[i])` for a node of this graph, found by the graph's edges. */
  inputProducer(node: NodeView, i: number): NodeView | undefined {
    if (node.graph !== this) return this.producer(node.inputs[i]);
    const edges = this.edges();
    const p = edges.producer[edges.start[node.index] + i];
    return p < 0 ? undefined : this.nodes[p];
  }

  /**
   * Node outputs that have an initializer's name: a broken graph, so nearly always none. Found once, for
   * analyses that would otherwise look every output up among the initializers.
   */
  initializerOutputs(): ReadonlySet<string> {
    if (!this.initializerOutputSet) {
      // The main graph's: names both of its indexes hold, found from the hashes they keep.
      if (!this.parent) this.initializerOutputSet = this.producers.commonNames(this.weightIndex);
      else {
        const found = new Set<string>();
        for (let n = 0; n < this.nodes.length; n++) {
          const outputs = this.nodes[n].outputs;
          for (let i = 0; i < outputs.length; i++)
            if (outputs[i] && this.initializer(outputs[i])) found.add(outputs[i]);
        }
        this.initializerOutputSet = found;
      }
    }
    return this.initializerOutputSet;
  }

  /** Whether a value is an output of this graph (by a set of their names, made on first use). */
  isGraphOutput(value: string): boolean {
    this.outputNames ??= new Set(this.outputs.map((o) => o.name));
    return this.outputNames.has(value);
  }

  /** This graph and all graphs nested in it. */
  *allGraphs(): Generator<GraphView> {
    yield this;
    for (const s of this.subgraphs) yield* s.graph.allGraphs();
  }
}

/**
 * The typed view of a model that the rest of the core uses: graphs with producers and consumers, opsets
 * resolved per domain, typed attributes, and where every weight comes from.
 */
export class ModelView {
  readonly opsets = new Map<string, number>();
  readonly graph: GraphView;

  /** `like`: the view of a model this one is an edited copy of (see GraphView's `like`). */
  constructor(
    readonly file: ModelFile,
    like?: ModelView,
  ) {
    const proto = file.proto;
    for (const entry of proto.opset_import ?? []) {
      this.opsets.set(normaliseDomain(entry.domain ?? ''), toSafeNumber(entry.version, 'an opset version'));
    }
    // IR version 1-2 models had no opset_import; they meant opset 1 of the default domain.
    if (!this.opsets.has('') && (proto.opset_import ?? []).length === 0) this.opsets.set('', 1);
    this.graph = new GraphView(proto.graph ?? {}, this, 'main', undefined, like?.graph);
  }

  get proto(): onnx.ModelProto {
    return this.file.proto;
  }

  get irVersion(): number {
    return toSafeNumber(this.proto.ir_version, 'the IR version');
  }
}
