// Control flow and local functions: If with two branches, Loop with a body, and calls of model-local functions
// (ModelProto.functions). A body is built by a builder of its own (`body`), which reads the enclosing graph's
// values through `outer()`; its returned values become the body's outputs.
import type { ModelOptions } from './core';
import { ShuffleOps } from './shuffle-ops';
import type { DType, NodeOptions, Shape, SubgraphSpec, Value } from './types';

/** A body's formal input. */
export interface BodyInput {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype?: DType;
}

/** A local function as `call` uses it. */
export interface LocalFunction {
  readonly domain: string;
  readonly name: string;
  readonly outputs: readonly { shape: Shape; dtype: DType }[];
}

export class ControlOps extends ShuffleOps {
  /**
   * A body built by `build` with a fresh builder (same options) whose graph inputs are `inputs`; the values
   * `build` returns are its outputs. Name its nodes apart from the enclosing graph's (ONNX forbids shadowing).
   */
  body(
    name: string,
    inputs: readonly BodyInput[],
    build: (g: ControlOps, inputs: Value[]) => readonly Value[],
  ): SubgraphSpec {
    const Builder = this.constructor as new (options: ModelOptions) => ControlOps;
    const g = new Builder(this.options);
    const formals = inputs.map((i) => g.input(i.name, i.shape, i.dtype));
    for (const v of build(g, formals)) g.output(v);
    return g.subgraphSpec(name);
  }

  /** If: `cond` picks a branch; the outputs have the then branch's shapes. */
  ifElse(
    cond: Value,
    thenBranch: SubgraphSpec,
    elseBranch: SubgraphSpec,
    options: NodeOptions = {},
  ): Value[] {
    return this.op(
      'If',
      [cond],
      thenBranch.outputs.map((v) => ({ shape: v.shape, dtype: v.dtype })),
      {
        ...options,
        attributes: {
          then_branch: { type: 'graph', value: thenBranch },
          else_branch: { type: 'graph', value: elseBranch },
        },
      },
    );
  }

  /**
   * Loop(M, cond, v_initial…): the body takes (iteration, cond, v…) and returns (cond, v…, scan outputs…);
   * the outputs are the final v… then the scan outputs stacked over an unknown count of iterations.
   */
  loop(
    trip: Value | null,
    cond: Value | null,
    carried: readonly Value[],
    body: SubgraphSpec,
    options: NodeOptions = {},
  ): Value[] {
    const outs = body.outputs.slice(1);
    return this.op(
      'Loop',
      [trip, cond, ...carried],
      outs.map((v, k) => ({
        shape: k < carried.length ? v.shape : ['iterations', ...v.shape],
        dtype: v.dtype,
      })),
      { ...options, attributes: { body: { type: 'graph', value: body } } },
    );
  }

  /** Declares a model-local function of domain `domain` whose body is `body` (its inputs are the parameters). */
  localFunction(domain: string, name: string, body: SubgraphSpec): LocalFunction {
    this.addFunction({ domain, name, body });
    return { domain, name, outputs: body.outputs.map((v) => ({ shape: v.shape, dtype: v.dtype })) };
  }

  /** A node calling a local function. */
  call(fn: LocalFunction, inputs: readonly Value[], options: NodeOptions = {}): Value[] {
    return this.op(fn.name, inputs, fn.outputs, { ...options, domain: fn.domain });
  }
}
