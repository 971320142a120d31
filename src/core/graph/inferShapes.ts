import { DataType } from '../onnx/dataTypes';
import type { ModelFile } from '../onnx/modelFile';
import type { Dim, GraphView, NodeView } from '../onnx/modelView';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorAsNumbers } from '../onnx/tensorData';
import { MAX_RANK, SMALL_CONSTANT, type ValueFacts } from './facts';
import { FoldBudget } from './fold';
import type { Facts, InputFacts } from './facts';
import type { ShapeRuleSource } from './shapeRules';
import { tensorShape, weightShape } from './tensorShape';
import { OPS } from '../ops/registry';
import { topologicalOrder } from './topology';
import { sameElements } from '../lists';

/**
 * Static shape inference over one graph: shapes (a symbolic batch allowed), element types and the values of
 * small constants, from inputs, initializers, Constant nodes and per-op rules; `value_info` fills what the
 * rules cannot know. A dim that cannot be known stays undefined: the channel analysis then says so.
 */
export function inferShapes(
  graph: GraphView,
  file: ModelFile,
  rules: ShapeRuleSource = OPS,
  earlier?: Facts,
): FactTable {
  // `earlier`: the facts of the graph this one's view shares its layout with (GraphView's `like`), reused for
  // every node whose message and inputs' facts are the ones it had there (`reused`).
  const reuse =
    earlier instanceof FactTable && graph.sharedWith === earlier.graph && earlier.reusableWith(rules)
      ? earlier
      : undefined;
  const facts = new FactTable(graph, file, rules, reuse);
  for (const input of graph.inputs)
    facts.set(input.name, facts.same(input.name, -1, { shape: input.shape, dtype: input.dtype }));
  const order = topologicalOrder(graph);
  const pass: Pass = {
    graph,
    file,
    facts,
    clashes: graph.initializerOutputs(),
    // Reusing, the budget starts where the earlier inference's ended (see the end).
    budget: new FoldBudget(reuse?.foldedElements ?? 0),
    rules,
  };
  current.facts = facts;
  try {
    for (let n = 0; n < order.length; n++) {
      if (reuse && reused(pass, order[n], reuse)) continue;
      current.node = order[n];
      current.inputs = order[n].inputs;
      inferNode(pass, order[n]);
    }
  } finally {
    current.facts = undefined; // not kept past the analysis
    current.node = undefined;
    current.inputs = NO_INPUTS;
  }
  // A whole inference would fold the reused values again, no more than the earlier one folded in all: a value
  // refused here might not be refused there. Exactness first.
  if (reuse && pass.budget.refusals > 0) return inferShapes(graph, file, rules);
  facts.foldedElements = pass.budget.used;
  facts.refused = pass.budget.refusals > 0;
  return facts;
}

/**
 * Sets a node's outputs to the earlier inference's when the node has the same message there and each of its
 * inputs has the very facts (the same object) it had: the rules are functions of a node and its inputs' facts.
 * A prune of one group (sensitivity measures hundreds) then infers only the nodes whose inputs it changed. The
 * two graphs share their layout: a node, its edges and its values' slots are the same in both.
 */
function reused({ graph, facts, clashes }: Pass, node: NodeView, earlier: FactTable): boolean {
  const before = earlier.graph.nodes[node.index];
  if (before.proto !== node.proto) return false;
  const { start } = graph.edges();
  const places = earlier.graph.inputWeightPlaces();
  const weights = graph.proto.initializer ?? [];
  const earlierWeights = earlier.graph.proto.initializer ?? [];
  const inputs = node.inputs;
  for (let i = 0; i < inputs.length; i++) {
    if (!inputs[i]) continue;
    const slot = graph.inputSlot(node, i);
    if (slot >= 0) {
      if (facts.at(slot) !== earlier.at(slot)) return false;
      continue;
    }
    const place = places[start[node.index] + i];
    if (place >= 0) {
      if (weights[place] !== earlierWeights[place]) return false; // a sliced weight
    } else if (facts.input(node, i, inputs[i]) !== earlier.input(before, i, inputs[i])) return false;
  }
  const names = node.outputs;
  for (let o = 0; o < names.length; o++) {
    const name = names[o];
    if (!name || (clashes.size > 0 && clashes.has(name))) continue;
    // value_info fills in what the rules leave unknown: a prune drops the entries of what it changes.
    if (graph.valueInfo.has(name) !== earlier.graph.valueInfo.has(name)) return false;
    if (!earlier.at(graph.outputSlot(node, o))) return false;
  }
  for (let o = 0; o < names.length; o++) {
    const name = names[o];
    if (name && !(clashes.size > 0 && clashes.has(name)))
      facts.setOutput(node, o, earlier.at(graph.outputSlot(node, o))!);
  }
  return true;
}

interface Pass {
  graph: GraphView;
  file: ModelFile;
  facts: FactTable;
  /** Node outputs named like initializers. */
  clashes: ReadonlySet<string>;
  budget: FoldBudget;
  rules: ShapeRuleSource;
}

const NO_INPUTS: readonly string[] = [];

/**
 * What the rules' input accessor reads: the facts of the inference under way and the inputs of its node
 * (rules call it synchronously). One accessor for every inference (docs/performance.md).
 */
const current: { facts: FactTable | undefined; node: NodeView | undefined; inputs: readonly string[] } = {
  facts: undefined,
  node: undefined,
  inputs: NO_INPUTS,
};

const input: InputFacts = (i) =>
  current.inputs[i] ? current.facts!.input(current.node!, i, current.inputs[i]) : undefined;

/** Sets the facts of a node's outputs (a function of its own: docs/performance.md). */
function inferNode({ graph, file, facts, clashes, budget, rules }: Pass, node: NodeView): void {
  const refusals = budget.refusals;
  const outputs = nodeFacts(node, file, input, budget, rules);
  // A value left unknown because folding it (or what it is computed from) passed the limits is marked, so
  // the channel analysis can say why the channels that depend on it are locked.
  const overLimit = budget.refusals !== refusals || facts.readsOverLimit(node);
  const names = node.outputs;
  for (let i = 0; i < names.length; i++) {
    // A node writing an initializer's name is a broken graph: the tensor's own shape stays the fact.
    if (names[i] && !(clashes.size > 0 && clashes.has(names[i]))) {
      const fact = facts.same(
        names[i],
        graph.outputSlot(node, i),
        merge(outputs[i], graph.outputValueInfo(node, i)),
      );
      facts.setOutput(node, i, fact);
      if (overLimit && fact.value === undefined) facts.overLimit.add(names[i]);
    }
  }
}

const NONE: ValueFacts[] = [];

/**
 * Facts by value name. Initializers get theirs when first asked: a model with thousands of weights pays only
 * for the few whose shapes or values a rule reads.
 */
export class FactTable implements Facts {
  /** Facts of the values nodes produce, by value slot (GraphView.valueSlot)… */
  private readonly produced: (ValueFacts | undefined)[];
  /** …of the graph's own initializers, by their place (GraphView.weightPlace)… */
  private readonly weights: (ValueFacts | undefined)[];
  /** …and of the others (graph inputs, outer-scope values), by name. */
  private readonly others = new Map<string, ValueFacts>();
  /** Values whose folding was refused by the limits (MAX_FOLDED_ELEMENTS, MAX_FOLDED_TOTAL) or that depend on one. */
  readonly overLimit = new Set<string>();

  /** Elements the inference folded into values, and whether it refused any (FoldBudget). */
  foldedElements = 0;
  refused = false;

  constructor(
    readonly graph: GraphView,
    private readonly file: ModelFile,
    private readonly rules: ShapeRuleSource = OPS,
    /** The facts of the graph `graph` shares its layout with, being reused (inferShapes). */
    private readonly earlier?: FactTable,
  ) {
    this.produced = new Array<ValueFacts | undefined>(graph.valueSlots).fill(undefined);
    this.weights = new Array<ValueFacts | undefined>(graph.weightCount).fill(undefined);
  }

  /** Whether a later inference with these rules may reuse these facts: made by them, with nothing refused. */
  reusableWith(rules: ShapeRuleSource): boolean {
    return rules === this.rules && !this.refused && this.overLimit.size === 0;
  }

  /** The facts of the value with this slot (GraphView.valueSlot). */
  at(slot: number): ValueFacts | undefined {
    return this.produced[slot];
  }

  /**
   * The earlier inference's facts of a value (by its slot, or by name for one no node produces) when they
   * equal `facts`, else `facts`: the same object, so that the nodes that read it can be reused.
   */
  same(name: string, slot: number, facts: ValueFacts): ValueFacts {
    if (!this.earlier) return facts;
    const known = slot >= 0 ? this.earlier.at(slot) : this.earlier.get(name);
    return known && sameFacts(known, facts) ? known : facts;
  }

  get(name: string): ValueFacts | undefined {
    return this.find(name, this.graph.valueSlot(name));
  }

  /**
   * The facts of input i (named `name`) of a node of this graph: the value's slot is found by the graph's
   * edges, with no lookup by name.
   */
  input(node: NodeView, i: number, name: string): ValueFacts | undefined {
    return this.find(name, this.graph.inputSlot(node, i), node, i);
  }

  output(node: NodeView, o: number): ValueFacts | undefined {
    const name = node.outputs[o];
    return name ? this.find(name, this.graph.outputSlot(node, o)) : undefined;
  }

  /**
   * The facts of a value with the given slot, an initializer's worked out when first asked for (found by
   * the node input it is, when it is one: GraphView.inputInitializer).
   */
  private find(name: string, slot: number, node?: NodeView, i = -1): ValueFacts | undefined {
    let place = -1; // of the graph's own weight, for a value no node produces
    if (slot >= 0) {
      const known = this.produced[slot];
      if (known) return known;
    } else {
      place = node ? this.graph.inputWeightPlace(node, i) : this.graph.weightPlace(name);
      const known = place >= 0 ? this.weights[place] : this.others.get(name);
      if (known) return known;
    }
    const tensor =
      place >= 0
        ? this.graph.weightAt(place)
        : node
          ? this.graph.inputInitializer(node, i)
          : this.graph.initializer(name);
    if (!tensor) return undefined;
    const facts = bounded(tensorFacts(this.file, tensor));
    this.keepAt(name, slot, place, facts);
    return facts;
  }

  /**
   * The shape of a value. An initializer's comes from its dims (checked as its facts would check them)
   * without working out and keeping its facts: the channel rules check the shapes of thousands of weights
   * (a layer's bias and BatchNorm parameters) whose values they never read.
   */
  shape(name: string): Dim[] | undefined {
    // An initializer's facts, when worked out, have its dims for shape: no need to look for them.
    const tensor = this.graph.initializer(name);
    if (!tensor) return this.known(name)?.shape;
    return weightShape(tensor);
  }

  set(name: string, facts: ValueFacts): void {
    this.keep(name, this.graph.valueSlot(name), bounded(facts));
  }

  /** Sets the facts of output i of a node of this graph (named: an unnamed output has none). */
  setOutput(node: NodeView, i: number, facts: ValueFacts): void {
    this.keep(node.outputs[i], this.graph.outputSlot(node, i), bounded(facts));
  }

  /** The facts kept for a value, if any (an initializer's only once worked out). */
  private known(name: string): ValueFacts | undefined {
    const slot = this.graph.valueSlot(name);
    if (slot >= 0) return this.produced[slot];
    const place = this.graph.weightPlace(name);
    return place >= 0 ? this.weights[place] : this.others.get(name);
  }

  private keep(name: string, slot: number, facts: ValueFacts): void {
    this.keepAt(name, slot, slot >= 0 ? -1 : this.graph.weightPlace(name), facts);
  }

  /** keep, the value's weight place found already (−1 for a value that is not one of the graph's weights). */
  private keepAt(name: string, slot: number, place: number, facts: ValueFacts): void {
    if (slot >= 0) this.produced[slot] = facts;
    else if (place >= 0) this.weights[place] = facts;
    else this.others.set(name, facts);
  }

  /** The first input of the node whose folding passed the limits, if any (no work while none did). */
  overLimitInput(node: NodeView): string | undefined {
    if (this.overLimit.size === 0) return undefined;
    return node.inputs.find((v) => this.overLimit.has(v));
  }

  readsOverLimit(node: NodeView): boolean {
    return this.overLimitInput(node) !== undefined;
  }
}

function sameFacts(a: ValueFacts, b: ValueFacts): boolean {
  return a.dtype === b.dtype && sameList(a.shape, b.shape) && sameList(a.value, b.value);
}

/** Lists equal element by element; an absent one (an unknown shape, no value) equals only an absent one. */
function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameElements(a, b);
}

/** The facts as kept: a shape of more than MAX_RANK dims is unknown. */
function bounded(facts: ValueFacts): ValueFacts {
  const shape = facts.shape;
  if (!shape) return facts;
  if (shape.length > MAX_RANK) return { dtype: facts.dtype, value: facts.value };
  // A dim worked out of a damaged file's attributes (a division by zero, a negative size) is unknown: a rule
  // that read it as a count would allocate by it.
  for (let i = 0; i < shape.length; i++)
    if (notCount(shape[i])) return { ...facts, shape: shape.map((d) => (notCount(d) ? undefined : d)) };
  return facts;
}

/** A numeric dim that is not a count (negative, fractional, infinite, past 2^53). */
function notCount(d: Dim): boolean {
  return typeof d === 'number' && !(Number.isSafeInteger(d) && d >= 0);
}

function nodeFacts(
  node: NodeView,
  file: ModelFile,
  input: (i: number) => ValueFacts | undefined,
  budget: FoldBudget,
  rules: ShapeRuleSource,
): ValueFacts[] {
  if (node.opType === 'Constant' && node.domain === '') return [constantFacts(node, file)];
  const rule = rules.shapeRule(node.domain, node.opType);
  if (!rule) return NONE;
  try {
    return rule(node, input, budget);
  } catch {
    // A malformed attribute (say) makes the shape unknown; the channel analysis reports what it needs.
    return [];
  }
}

/** Facts of a tensor: shape, type, and the values when it is a small numeric constant. */
function tensorFacts(file: ModelFile, tensor: onnx.TensorProto.$Properties): ValueFacts {
  const shape = tensorShape(tensor);
  const dtype = tensor.data_type ?? undefined;
  let value: (number | undefined)[] | undefined;
  // Values matter for shapes, axes, pads, split sizes (integers) and Resize scales (a few floats); reading
  // every small float weight (BatchNorm parameters…) would cost a read each for nothing.
  const count = shape.reduce((n, d) => n * d, 1); // ModelFile.elementCount, from the dims read already
  const integer = dtype === DataType.INT64 || dtype === DataType.INT32;
  if (count <= (integer ? SMALL_CONSTANT : 8) && dtype !== DataType.STRING) {
    try {
      value = readTensorAsNumbers(file, tensor);
    } catch {
      value = undefined;
    }
  }
  return { shape, dtype, value };
}

function constantFacts(node: NodeView, file: ModelFile): ValueFacts {
  const a = node.attributes;
  const tensor = a.tensor('value');
  if (tensor) return tensorFacts(file, tensor);
  if (a.has('value_int')) return { shape: [], dtype: DataType.INT64, value: [a.int('value_int', 0)] };
  const ints = a.ints('value_ints');
  if (ints) return { shape: [ints.length], dtype: DataType.INT64, value: ints };
  if (a.has('value_float')) return { shape: [], dtype: DataType.FLOAT, value: [a.float('value_float', 0)] };
  const floats = a.floats('value_floats');
  if (floats) return { shape: [floats.length], dtype: DataType.FLOAT, value: floats };
  return {};
}

/** Inferred facts, with unknown parts taken from the model's value_info. */
function merge(
  inferred: ValueFacts | undefined,
  declared: { shape?: Dim[]; dtype?: number } | undefined,
): ValueFacts {
  if (!declared) return inferred ?? {};
  if (!inferred) return { shape: declared.shape, dtype: declared.dtype };
  let shape = inferred.shape ?? declared.shape;
  if (inferred.shape && declared.shape && inferred.shape.length === declared.shape.length) {
    shape = inferred.shape.map((d, i) => (d === undefined ? declared.shape![i] : d));
  }
  return { shape, dtype: inferred.dtype ?? declared.dtype, value: inferred.value };
}
