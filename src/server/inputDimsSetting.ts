import { type InputDims, MAX_INPUT_DIM, inputShapesWith, symbolicDims } from '../runtime/inputDims';
import { declaredInputs } from '../runtime/declaredInputs';
import type { ValueType } from '../core/onnx/valueType';

/** Where the editor's sizes of symbolic input dims come from (said in a verification's note). */
export const INPUT_DIMS_SETTING = 'the setting onnxPruner.verify.inputDims';
export const INPUT_DIMS_SETTING_MARKDOWN = 'the setting `onnxPruner.verify.inputDims`';

/**
 * The setting onnxPruner.verify.inputDims as it applies to the model at `path`: its entries that are whole
 * numbers from 1 to 2^20 and name a symbolic dim the model's inputs declare. The setting holds one list for
 * every model (the command line's --dim is for one, and refuses a name it lacks), and its JSON may hold
 * anything. A model that cannot be read gets none: the verification reports why it cannot be read.
 */
export function inputDimsForModel(setting: unknown, path: string): InputDims {
  return inputSizesForModel(setting, path).dims;
}

/**
 * The setting's sizes for the model at `path` (inputDimsForModel), and its inputs' shapes with them put in
 * (see inputShapesWith) for a prune's MACs, undefined when the setting sizes none of its dims. One read of the
 * model's structure for both.
 */
export function inputSizesForModel(
  setting: unknown,
  path: string,
): { dims: InputDims; inputShapes: Record<string, number[]> | undefined } {
  if (settingEntries(setting).length === 0) return noSizes();
  let inputs: ValueType[];
  try {
    inputs = declaredInputs(path);
  } catch {
    return noSizes();
  }
  return inputSizesForInputs(setting, inputs);
}

function noSizes(): { dims: InputDims; inputShapes: undefined } {
  return { dims: new Map<string, number>(), inputShapes: undefined };
}

/** The setting's entries that are sizes (whole numbers from 1 to 2^20); its JSON may hold anything. */
function settingEntries(setting: unknown): [string, number][] {
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return [];
  return Object.entries(setting).filter(
    (entry): entry is [string, number] =>
      Number.isSafeInteger(entry[1]) && entry[1] >= 1 && entry[1] <= MAX_INPUT_DIM,
  );
}

/** inputSizesForModel for a model whose inputs are at hand (an open model's graph inputs). */
export function inputSizesForInputs(
  setting: unknown,
  inputs: readonly ValueType[],
): { dims: InputDims; inputShapes: Record<string, number[]> | undefined } {
  const entries = settingEntries(setting);
  if (entries.length === 0) return noSizes();
  const declared = symbolicDims(inputs);
  const dims = new Map(entries.filter(([name]) => declared.has(name)));
  return { dims, inputShapes: dims.size > 0 ? inputShapesWith(inputs, dims) : undefined };
}
