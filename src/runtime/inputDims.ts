import type { ValueType } from '../core/onnx/valueType';
import { setOwn } from '../core/records';

// Types and arithmetic only: the ONNX Runtime worker's bundle takes this file in (through randomFeeds.ts), and a
// model reader here would put protobufjs and the reader in that process (the worker's bundle went from 12 KB to
// 301 KB). What reads a model's declared inputs is declaredInputs.ts.

/**
 * Sizes the user gives symbolic input dims, by the dim's name (a dim_param such as 'height'): the command
 * line's `--dim height=480`, the editor's setting onnxPruner.verify.inputDims. A Map, as the names come from a
 * model.
 */
export type InputDims = ReadonlyMap<string, number>;
export const NO_INPUT_DIMS: InputDims = new Map();

/** The largest size a symbolic dim may be given (random inputs' own limit on elements bounds them together). */
export const MAX_INPUT_DIM = 1 << 20;

type DeclaredShape = { readonly shape?: readonly (number | string | undefined)[] };

/** The names of the symbolic dims the inputs declare. */
export function symbolicDims(inputs: readonly DeclaredShape[]): Set<string> {
  const symbolic = new Set<string>();
  for (const meta of inputs)
    for (const d of meta.shape ?? []) if (typeof d === 'string' && d !== '') symbolic.add(d);
  return symbolic;
}

/**
 * A sentence when `dims` names a dim no input of the model has (a typo would otherwise change nothing,
 * silently), else undefined.
 */
export function unknownDims(inputs: readonly DeclaredShape[], dims: InputDims): string | undefined {
  const symbolic = symbolicDims(inputs);
  const unknown = [...dims.keys()].filter((name) => !symbolic.has(name));
  if (unknown.length === 0) return undefined;
  const known =
    symbolic.size > 0
      ? `its symbolic dims are ${[...symbolic].map((n) => `'${n}'`).join(', ')}`
      : 'it has none';
  return `no input has a symbolic dim named ${unknown.map((n) => `'${n}'`).join(', ')} (${known}).`;
}

/**
 * The shapes of `inputs` with `dims` put in (a symbolic first dim, the batch, 1), those that are then wholly
 * known: what a model's MACs can be counted on.
 */
export function inputShapesWith(inputs: readonly ValueType[], dims: InputDims): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const input of inputs) {
    const shape = input.shape?.map((d, i) =>
      typeof d === 'number' ? d : ((typeof d === 'string' ? dims.get(d) : undefined) ?? (i === 0 ? 1 : NaN)),
    );
    if (shape && shape.every((d) => Number.isSafeInteger(d) && d >= 0)) setOwn(shapes, input.name, shape);
  }
  return shapes;
}
