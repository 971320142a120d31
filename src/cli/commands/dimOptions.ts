import { withModelErrors } from '../../core/onnx/errors';
import { type InputDims, MAX_INPUT_DIM, inputShapesWith, unknownDims } from '../../runtime/inputDims';
import { declaredInputs } from '../../runtime/declaredInputs';
import { CliError } from '../exit';
import type { ValueType } from '../../core/onnx/valueType';

/** Commander's collector for a repeatable `--dim NAME=SIZE`: each use adds to the list. */
export function collectDims(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The sizes `--dim NAME=SIZE` gives symbolic input dims (`--dim height=480 --dim width=640`, or
 * `--dim height=480,width=640`): a name at most once, sizes whole numbers from 1 to 2^20.
 */
export function inputDimsOption(values: readonly string[] | undefined): InputDims {
  const dims = new Map<string, number>();
  for (const value of values ?? []) {
    for (const part of value.split(',')) {
      const match = /^\s*([^=\s][^=]*?)\s*=\s*(\d+)\s*$/.exec(part);
      const size = match ? Number(match[2]) : NaN;
      if (!match || !Number.isSafeInteger(size) || size < 1 || size > MAX_INPUT_DIM)
        throw new CliError(`--dim must be NAME=SIZE with a size from 1 to ${MAX_INPUT_DIM}, not '${part}'.`);
      if (dims.has(match[1])) throw new CliError(`--dim gives '${match[1]}' twice.`);
      dims.set(match[1], size);
    }
  }
  return dims;
}

/**
 * `--dim` for `model`, checked against the symbolic dims its graph inputs declare before anything runs (a
 * misspelt name would otherwise size nothing, silently), and the inputs' shapes with those sizes put in (see
 * inputShapesWith; undefined without `--dim`), from one read of the model's inputs.
 */
export function inputSizesFor(
  model: string,
  values: readonly string[] | undefined,
): { dims: InputDims; inputShapes: Record<string, number[]> | undefined } {
  const dims = inputDimsOption(values);
  if (dims.size === 0) return { dims, inputShapes: undefined };
  return checkedSizes(
    model,
    withModelErrors(model, () => declaredInputs(model)),
    dims,
  );
}

/**
 * `dims` (inputDimsOption's) checked against the symbolic dims of `inputs`, the inputs of `model` at hand (a
 * command that opens the model anyway), and their shapes with those sizes put in (undefined without any).
 */
export function checkedSizes(
  model: string,
  inputs: readonly ValueType[],
  dims: InputDims,
): { dims: InputDims; inputShapes: Record<string, number[]> | undefined } {
  if (dims.size === 0) return { dims, inputShapes: undefined };
  const unknown = unknownDims(inputs, dims);
  if (unknown) throw new CliError(`${model}: ${unknown}`);
  return { dims, inputShapes: inputShapesWith(inputs, dims) };
}

/** `--dim` for `model`, checked (see inputSizesFor). */
export function inputDimsFor(model: string, values: readonly string[] | undefined): InputDims {
  return inputSizesFor(model, values).dims;
}
