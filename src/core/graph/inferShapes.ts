import { DataType } from '../onnx/dataTypes';
import type { ModelFile } from '../onnx/modelFile';
import type { Dim, GraphView, NodeView } from '../onnx/modelView';
import type { onnx } from '../onnx/proto/onnx.js';
import { readTensorAsNumbers } from '../onnx/tensorData';
import { MAX_RANK, SMALL_CONSTANT, type ValueFacts } from './facts';
import { FoldBudget } from './fold';
import type { Facts, InputFacts } from './facts';
import type { ShapeRuleSource } from './shapeRules';
import { tensorShape } from './tensorShape';
import { OPS } from '../ops/registry';
import { topologicalOrder } from './topology';

/**
 * Static shape inference over one graph: shapes (a symbolic batch allowed), element types and the values of
 * small constants, from inputs, initializers, Constant nodes and per-op rules; `value_info` fills what the
 * rules cannot know. A dim that cannot be known stays undefined: the channel analysis then says so.
 */
export function inferShapes(graph: GraphView, file: ModelFile, rules: ShapeRuleSource = OPS): FactTable {
  const facts = new FactTable(graph, file);
  for (const input of graph.inputs) facts.set(input.name, { shape: input.shape, dtype: input.dtype });
  const order = topologicalOrder(graph);
  const pass: Pass = {
    graph,
    file,
    facts,
    clashes: graph.initializerOutputs(),
    budget: new FoldBudget(),
    rules,
  };
  current.facts = facts;
  try {
    for (let n = 0; n < order.length; n++) {
      current.node = order[n];
      current.inputs = order[n].inputs;
      inferNode(pass, order[n]);
    }
  } finally {
    current.facts = undefined; // not kept past the analysis
    current.node = undefined;
    current.inputs = NO_INPUTS;
  }
  return facts;
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
      const fact = merge(outputs[i], graph.valueInfo.get(names[i]));
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
  /** …and of the others (graph inputs, initializers, outer-scope values), by name. */
  private readonly others = new Map<string, ValueFacts>();
  /** Values whose folding was refused by the limits (MAX_FOLDED_ELEMENTS, MAX_FOLDED_TOTAL) or that depend on one. */
  readonly overLimit = new Set<string>();

  constructor(
    private readonly graph: GraphView,
    private readonly file: ModelFile,
  ) {
    this.produced = new Array<ValueFacts | undefined>(graph.valueSlots).fill(undefined);
  }

  get(name: string): ValueFacts | undefined {
    return this.find(name, this.graph.valueSlot(name));
  }

  /**
   * The facts of input i (named `name`) of a node of this graph: the value's slot is found by the graph's
   * edges, with no lookup by name.
   */
  input(node: NodeView, i: number, name: string): ValueFacts | undefined {
    return this.find(name, this.graph.inputSlot(node, i));
  }

  /** The facts of a value with the given slot, an initializer's worked out when first asked for. */
  private find(name: string, slot: number): ValueFacts | undefined {
    const known = slot >= 0 ? this.produced[slot] : this.others.get(name);
    if (known) return known;
    const tensor = this.graph.initializer(name);
    if (!tensor) return undefined;
    const facts = bounded(tensorFacts(this.file, tensor));
    this.keep(name, slot, facts);
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
    return (tensor.dims?.length ?? 0) > MAX_RANK ? undefined : tensorShape(tensor);
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
    return slot >= 0 ? this.produced[slot] : this.others.get(name);
  }

  private keep(name: string, slot: number, facts: ValueFacts): void {
    if (slot >= 0) this.produced[slot] = facts;
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

/** The facts as kept: a shape of more than MAX_RANK dims is unknown. */
function bounded(facts: ValueFacts): ValueFacts {
  return facts.shape && facts.shape.length > MAX_RANK ? { dtype: facts.dtype, value: facts.value } : facts;
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
