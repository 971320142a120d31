// The state and bookkeeping shared by every op family: named values with static shapes, exporter-like
// node and tensor names, seeded weights, and graph inputs/outputs. The op families are layered on top of
// this class one file each (conv-ops -> elementwise-ops -> tensor-ops -> spatial-ops -> shuffle-ops ->
// control-ops -> ModelBuilder in model-builder.ts), so the fluent API stays one object while no file holds every op.
import { elementCount, floatTensor, initFloats, int64Tensor } from './tensors';
import type {
  AttributeValue,
  DType,
  FunctionSpec,
  Init,
  NodeSpec,
  Shape,
  SubgraphSpec,
  TensorData,
  Value,
  WeightSource,
} from './types';
import { attr } from './types';

export interface ModelOptions {
  /** Default-domain opset; op encodings that changed across opsets (Split, Slice, Clip...) follow it. */
  readonly opset?: number;
  /** Seed of every weight; weights are keyed by (seed, tensor name). */
  readonly seed?: number;
  /** Defaults to the IR version the ONNX release that introduced `opset` writes. */
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly graphName?: string;
  readonly docString?: string;
  readonly graphDocString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export type ResolvedModelOptions = Required<Omit<ModelOptions, 'docString' | 'graphDocString' | 'metadata'>> &
  Pick<ModelOptions, 'docString' | 'graphDocString' | 'metadata'>;

/** Everything build() needs, in creation order so that output bytes are deterministic. */
export interface GraphState {
  readonly options: ResolvedModelOptions;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorData[];
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  /** Node outputs that are neither graph inputs nor outputs, for value_info. */
  readonly intermediates: readonly Value[];
  /** Model-local functions (ModelProto.functions). */
  readonly functions: readonly FunctionSpec[];
}

/** IR version per opset as in onnx.helper's VERSION_TABLE (floored at 4: IR 3 needs initializers as inputs). */
function defaultIrVersion(opset: number): number {
  if (opset <= 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

interface OpOptions {
  readonly name?: string;
  /** A name already taken with nodeName() (ops that name their weights before adding the node). */
  readonly reservedName?: string;
  readonly doc?: string;
  /** The op's domain, absent for the default one (a local function's, say). */
  readonly domain?: string;
  /** Module-like stem for default names ('conv' gives '/conv1/Conv'); functional ops get '/Relu_1'. */
  readonly module?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  /** Output names instead of the default '<node>_output_<i>'. */
  readonly outputNames?: readonly string[];
}

/** 'outer': a value of an enclosing graph that a subgraph reads (declared with outer()). */
type ValueKind = 'input' | 'initializer' | 'node' | 'outer';

export class BuilderCore {
  readonly opset: number;
  readonly seed: number;
  protected readonly options: ResolvedModelOptions;
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly inputs: Value[] = [];
  private readonly outputs: Value[] = [];
  private readonly values = new Map<string, { value: Value; kind: ValueKind; producer?: NodeSpec }>();
  private readonly consumed = new Set<string>();
  /** Values renamed by output(), by their former name, so that older handles still resolve. */
  private readonly renamed = new Map<string, Value>();
  private readonly nodeNames = new Set<string>();
  private readonly tensorNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly functions: FunctionSpec[] = [];

  constructor(options: ModelOptions = {}) {
    const opset = options.opset ?? 17;
    this.options = {
      opset,
      seed: options.seed ?? 0,
      irVersion: options.irVersion ?? defaultIrVersion(opset),
      producerName: options.producerName ?? 'onnx-pruner-test-builder',
      producerVersion: options.producerVersion ?? '0.1.0',
      graphName: options.graphName ?? 'main_graph',
      docString: options.docString,
      graphDocString: options.graphDocString,
      metadata: options.metadata,
    };
    this.opset = opset;
    this.seed = this.options.seed;
  }

  /** Declares a graph input. String dims become dim_params (a dynamic batch 'N', say). */
  input(name: string, shape: Shape, dtype: DType = 'float32'): Value {
    const value = this.register({ name, shape: [...shape], dtype }, 'input');
    this.inputs.push(value);
    return value;
  }

  /**
   * Marks a value as a graph output, optionally under another name. Renaming rewrites the producer's output
   * when nothing reads the value yet, as exporters name their outputs (handles to the old name keep working);
   * a graph input, an initializer or a value already read is routed through an Identity instead.
   */
  output(value: Value, name?: string): Value {
    const record = this.record(value);
    let result = record.value;
    if (name !== undefined && name !== result.name) {
      const producer = record.producer;
      if (producer && !this.consumed.has(result.name) && !this.outputs.includes(result)) {
        producer.outputs[producer.outputs.indexOf(result.name)] = name;
        this.values.delete(result.name);
        const renamed = this.register({ ...result, name }, 'node', producer);
        this.renamed.set(result.name, renamed);
        this.renamed.set(value.name, renamed);
        result = renamed;
      } else {
        const outputs = [{ shape: result.shape, dtype: result.dtype }];
        result = this.op('Identity', [result], outputs, { outputNames: [name] })[0];
      }
    }
    this.outputs.push(result);
    return result;
  }

  /** A value of an enclosing graph, for a subgraph's builder to read (an outer-scope capture). */
  outer(value: Value): Value {
    return this.values.get(value.name)?.value ?? this.register({ ...value }, 'outer');
  }

  /** Looks a value up by name (inputs, initializers and node outputs). */
  value(name: string): Value {
    const record = this.values.get(name);
    if (!record) throw new Error(`unknown value '${name}'`);
    return record.value;
  }

  /** An explicit initializer, e.g. a hand-made constant a test wants to control. */
  initializer(
    name: string,
    dims: readonly number[],
    contents: Init | readonly number[],
    dtype: DType = 'float32',
  ): Value {
    const count = elementCount(dims);
    let tensor: TensorData;
    if (dtype === 'int64') {
      if (!Array.isArray(contents)) throw new Error(`int64 initializer ${name} needs explicit values`);
      tensor = int64Tensor(name, dims, contents as readonly number[]);
    } else {
      const init: Init = Array.isArray(contents)
        ? { kind: 'values', values: contents as number[] }
        : (contents as Init);
      tensor = floatTensor(name, dims, initFloats(this.seed, name, count, init));
    }
    return this.addInitializer(tensor);
  }

  /** A Constant node holding `tensor` (how torch exports shape constants and, unfolded, some weights). */
  constantNode(tensor: TensorData, options: { name?: string } = {}): Value {
    return this.op('Constant', [], [{ shape: tensor.dims, dtype: tensor.dtype }], {
      name: options.name,
      attributes: { value: attr.tensor(tensor) },
    })[0];
  }

  /** A seeded weight of a node, stored as an initializer or as a Constant node (or made from one: WeightSource). */
  protected weight(
    nodeName: string,
    role: string,
    dims: readonly number[],
    init: Init,
    source: WeightSource,
  ): Value {
    const name = this.tensorName(nodeName, role);
    if (source === 'constant-of-shape') {
      // One seeded value everywhere: ConstantOfShape(shape, value), its shape an int64 initializer.
      const shape = this.addInitializer(int64Tensor(`${name}.shape`, [dims.length], dims));
      const value = floatTensor(`${name}.value`, [1], initFloats(this.seed, name, 1, init));
      return this.op('ConstantOfShape', [shape], [{ shape: dims, dtype: 'float32' }], {
        outputNames: [name],
        attributes: { value: attr.tensor(value) },
      })[0];
    }
    if (source === 'transposed-initializer' && dims.length >= 2) {
      // Stored with its axes reversed and transposed back at run time (Transpose's default permutation), as an
      // export without constant folding leaves a TensorFlow-layout kernel; a bias (1-D) stays an initializer.
      const stored = [...dims].reverse();
      const tensor = floatTensor(
        `${name}.stored`,
        stored,
        initFloats(this.seed, name, elementCount(dims), init),
      );
      return this.op('Transpose', [this.addInitializer(tensor)], [{ shape: dims, dtype: 'float32' }], {
        outputNames: [name],
      })[0];
    }
    const tensor = floatTensor(name, dims, initFloats(this.seed, name, elementCount(dims), init));
    return source === 'constant-node' ? this.constantNode(tensor) : this.addInitializer(tensor);
  }

  /** An int64 initializer such as a Reshape target, Split sizes or Slice starts. */
  protected int64Initializer(
    nodeName: string,
    role: string,
    values: readonly number[],
    dims?: number[],
  ): Value {
    const name = this.tensorName(nodeName, role);
    return this.addInitializer(int64Tensor(name, dims ?? [values.length], values));
  }

  /** An int64 Constant node, as torch's dynamic-shape exports write their indices and factors. */
  protected int64Constant(values: readonly number[], dims: number[] = [values.length]): Value {
    const name = this.uniqueTensorName(`const_${values.join('_')}`);
    return this.constantNode(int64Tensor(name, dims, values));
  }

  /** Reserves a node name: the explicit one (must be unused) or an exporter-like default. */
  protected nodeName(opType: string, explicit?: string, module?: string): string {
    if (explicit !== undefined) {
      if (this.nodeNames.has(explicit)) throw new Error(`duplicate node name '${explicit}'`);
      this.nodeNames.add(explicit);
      return explicit;
    }
    const key = module ?? opType;
    let count = this.counters.get(key) ?? 0;
    let candidate: string;
    do {
      candidate = module
        ? `/${module}${count + 1}/${opType}`
        : count === 0
          ? `/${opType}`
          : `/${opType}_${count}`;
      count++;
    } while (this.nodeNames.has(candidate));
    this.counters.set(key, count);
    this.nodeNames.add(candidate);
    return candidate;
  }

  /** The first free '<scope>/<OpType>[_k]' name, for the nodes of a composite op such as a pixel shuffle. */
  protected scopedName(scope: string | undefined, opType: string): string | undefined {
    if (scope === undefined) return undefined;
    let candidate = `${scope}/${opType}`;
    for (let k = 1; this.nodeNames.has(candidate); k++) candidate = `${scope}/${opType}_${k}`;
    return candidate;
  }

  /**
   * Names a node's tensor the way torch names parameters: '/conv1/Conv' + 'weight' gives 'conv1.weight' and
   * '/layer1/layer1.0/conv1/Conv' gives 'layer1.0.conv1.weight' (a scope segment that extends the previous
   * one replaces it, as torch writes Sequential children). Falls back to the full node path, then a numeric
   * suffix, when two nodes share a scope.
   */
  protected tensorName(nodeName: string, role: string): string {
    const segments = nodeName.split('/').filter((s) => s.length > 0);
    const scope = segments.length > 1 ? segments.slice(0, -1) : segments;
    const module: string[] = [];
    for (const segment of scope) {
      if (module.length > 0 && segment.startsWith(`${module[module.length - 1]}.`))
        module[module.length - 1] = segment;
      else module.push(segment);
    }
    for (const candidate of [`${module.join('.')}.${role}`, `${segments.join('.')}.${role}`]) {
      if (!this.tensorNames.has(candidate) && !this.values.has(candidate)) {
        this.tensorNames.add(candidate);
        return candidate;
      }
    }
    return this.uniqueTensorName(`${segments.join('.')}.${role}`);
  }

  private uniqueTensorName(base: string): string {
    let name = base;
    for (let k = 1; this.tensorNames.has(name) || this.values.has(name); k++) name = `${base}_${k}`;
    this.tensorNames.add(name);
    return name;
  }

  /**
   * Adds a node. `inputs` may hold null for an omitted optional input (written as ''). Returns the outputs,
   * named like torch's '/conv1/Conv_output_0'.
   */
  protected op(
    opType: string,
    inputs: readonly (Value | null)[],
    outputs: readonly { shape: Shape; dtype: DType }[],
    options: OpOptions,
  ): Value[] {
    const resolved = inputs.map((input) => (input ? this.record(input).value : null));
    const name = options.reservedName ?? this.nodeName(opType, options.name, options.module);
    const node: NodeSpec = {
      opType,
      ...(options.domain ? { domain: options.domain } : {}),
      name,
      inputs: resolved.map((v) => v?.name ?? ''),
      outputs: outputs.map((_, i) => options.outputNames?.[i] ?? `${name}_output_${i}`),
      attributes: options.attributes ?? {},
      docString: options.doc,
    };
    this.nodes.push(node);
    for (const input of resolved) if (input) this.consumed.add(input.name);
    return outputs.map((o, i) =>
      this.register({ name: node.outputs[i], shape: [...o.shape], dtype: o.dtype }, 'node', node),
    );
  }

  protected snapshot(): GraphState {
    const boundary = new Set([...this.inputs, ...this.outputs].map((v) => v.name));
    const intermediates = [...this.values.values()]
      .filter((r) => r.kind === 'node' && !boundary.has(r.value.name))
      .map((r) => r.value);
    return {
      options: this.options,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      intermediates,
      functions: this.functions,
    };
  }

  /** This builder's graph as a subgraph or a function body named `name`. */
  protected subgraphSpec(name: string): SubgraphSpec {
    return {
      name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }

  protected addFunction(spec: FunctionSpec): void {
    this.functions.push(spec);
  }

  private addInitializer(tensor: TensorData): Value {
    this.tensorNames.add(tensor.name);
    this.initializers.push(tensor);
    return this.register({ name: tensor.name, shape: tensor.dims, dtype: tensor.dtype }, 'initializer');
  }

  private register(value: Value, kind: ValueKind, producer?: NodeSpec): Value {
    if (this.values.has(value.name)) throw new Error(`duplicate value name '${value.name}'`);
    this.values.set(value.name, { value, kind, producer });
    return value;
  }

  /** The live record of a handle, following a rename by output(); rejects handles from another builder. */
  private record(value: Value) {
    const current = this.renamed.get(value.name) ?? value;
    const record = this.values.get(current.name);
    if (!record || (record.value !== value && record.value !== current)) {
      throw new Error(`value '${value.name}' does not belong to this builder`);
    }
    return record;
  }
}
