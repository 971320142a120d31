import { openModel } from '../core/onnx/reader';
import { valueType } from '../core/onnx/valueType';
import type { InputDims } from '../runtime/randomFeeds';

/** Where the editor's sizes of symbolic input dims come from (said in a verification's note). */
export const INPUT_DIMS_SETTING = 'the setting onnxPruner.verify.inputDims';
export const INPUT_DIMS_SETTING_MARKDOWN = 'the setting `onnxPruner.verify.inputDims`';

/** The largest size the setting takes (package.json's maximum; the value is checked again here). */
const MAX_DIM = 1 << 20;

/**
 * The setting onnxPruner.verify.inputDims as it applies to the model at `path`: its entries that are whole
 * numbers from 1 to 2^20 and name a symbolic dim the model's inputs declare. The setting holds one list for
 * every model (the command line's --dim is for one, and refuses a name it lacks), and its JSON may hold
 * anything. A model that cannot be read gets none: the verification reports why it cannot be read.
 */
export function inputDimsForModel(setting: unknown, path: string): InputDims {
  const dims = new Map<string, number>();
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return dims;
  const entries = Object.entries(setting).filter(
    ([, size]) => Number.isSafeInteger(size) && (size as number) >= 1 && (size as number) <= MAX_DIM,
  );
  if (entries.length === 0) return dims;
  let declared: Set<string>;
  try {
    const file = openModel(path);
    try {
      declared = new Set(
        (file.proto.graph?.input ?? []).flatMap((input) =>
          (valueType(input).shape ?? []).filter((d): d is string => typeof d === 'string'),
        ),
      );
    } finally {
      file.close();
    }
  } catch {
    return dims;
  }
  for (const [name, size] of entries) if (declared.has(name)) dims.set(name, size as number);
  return dims;
}
