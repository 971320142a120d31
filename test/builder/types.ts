// Shared types of the test model builder. A value's shape is tracked statically so that every op can size
// its weights and compute its output shape without running anything; a dimension may be symbolic (a
// dim_param such as 'N') when the model declares a dynamic batch.

/** 'bool' only for values (an If's condition), never for the builder's tensors. */
export type DType = 'float32' | 'int64' | 'bool';
export type Dim = number | string;
export type Shape = readonly Dim[];

/** A tensor in the graph under construction: a graph input, an initializer or a node output. */
export interface Value {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Tensor contents as the builder keeps them until build() decides how each one is stored. */
export interface TensorData {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** How a weight is filled: seeded uniform noise, a constant, or explicit values. */
export type Init =
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'values'; readonly values: readonly number[] };

/**
 * Where a weight lives in the file: a graph initializer (what exporters usually write), a Constant node, a
 * ConstantOfShape node filled with one value (the placeholder weights of ONNX's "light" test models), or an
 * initializer with its axes reversed, transposed at run time (an export without constant folding).
 */
export type WeightSource = 'initializer' | 'constant-node' | 'constant-of-shape' | 'transposed-initializer';

export type AttributeValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: TensorData }
  /** A subgraph (If's branches, Loop's and Scan's body), built by ControlOps. */
  | { readonly type: 'graph'; readonly value: SubgraphSpec };

/** A graph nested in an attribute, or a local function's body: nodes, initializers, inputs and outputs. */
export interface SubgraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorData[];
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
}

/** A model-local function (ModelProto.functions): its body's inputs and outputs are its formal parameters. */
export interface FunctionSpec {
  readonly domain: string;
  readonly name: string;
  readonly body: SubgraphSpec;
}

/** A node as the builder records it; attribute tensors are serialised at build() time with the rest. */
export interface NodeSpec {
  readonly opType: string;
  /** Absent for the default ONNX domain. */
  readonly domain?: string;
  readonly name: string;
  readonly inputs: readonly string[];
  outputs: string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly docString?: string;
}

/** Options every op accepts. */
export interface NodeOptions {
  /** Node name; defaults to an exporter-like name such as '/conv1/Conv' or '/Relu_2'. */
  readonly name?: string;
  /** Optional doc_string on the node. */
  readonly doc?: string;
}

/** A graph input or output (or, in Built.values, any tracked value) as tests see it. */
export interface ValueDescription {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

export const attr = {
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  ints: (value: readonly number[]): AttributeValue => ({ type: 'ints', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  floats: (value: readonly number[]): AttributeValue => ({ type: 'floats', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
  tensor: (value: TensorData): AttributeValue => ({ type: 'tensor', value }),
};
