import {
  type InputDims,
  MAX_INPUT_DIM,
  declaredInputs,
  inputShapesWith,
  unknownDims,
} from '../runtime/inputDims';
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
  return applicable(setting, path)?.dims ?? new Map();
}

/**
 * The shapes of the model's inputs with the setting's sizes put in (see inputShapesWith), for a prune's MACs;
 * undefined when the setting sizes none of its dims.
 */
export function inputShapesForModel(setting: unknown, path: string): Record<string, number[]> | undefined {
  const found = applicable(setting, path);
  return found && found.dims.size > 0 ? inputShapesWith(found.inputs, found.dims) : undefined;
}

function applicable(setting: unknown, path: string): { dims: InputDims; inputs: ValueType[] } | undefined {
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return undefined;
  const entries = Object.entries(setting).filter(
    (entry): entry is [string, number] =>
      Number.isSafeInteger(entry[1]) && entry[1] >= 1 && entry[1] <= MAX_INPUT_DIM,
  );
  if (entries.length === 0) return undefined;
  let inputs: ValueType[];
  try {
    inputs = declaredInputs(path);
  } catch {
    return undefined;
  }
  const dims = new Map<string, number>();
  for (const [name, size] of entries)
    if (unknownDims(inputs, new Map([[name, size]])) === undefined) dims.set(name, size);
  return { dims, inputs };
}
