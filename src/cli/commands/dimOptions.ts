import { withModelErrors } from '../../core/onnx/errors';
import { openModel } from '../../core/onnx/reader';
import { type ValueType, valueType } from '../../core/onnx/valueType';
import { setOwn } from '../../core/records';
import { type InputDims, unknownDims } from '../../runtime/randomFeeds';
import { CliError } from '../exit';

/** The largest size `--dim` takes (the random inputs' own limit on elements bounds what they hold together). */
const MAX_DIM = 1 << 20;

/** Commander's collector for a repeatable `--dim NAME=SIZE`: each use adds to the list. */
export function collectDims(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The sizes `--dim NAME=SIZE` gives symbolic input dims (`--dim height=480 --dim width=640`, or
 * `--dim height=480,width=640`): a name at most once, sizes whole numbers from 1 to 2^20.
 */
function inputDimsOption(values: readonly string[] | undefined): InputDims {
  const dims = new Map<string, number>();
  for (const value of values ?? []) {
    for (const part of value.split(',')) {
      const match = /^\s*([^=\s][^=]*?)\s*=\s*(\d+)\s*$/.exec(part);
      const size = match ? Number(match[2]) : NaN;
      if (!match || !Number.isSafeInteger(size) || size < 1 || size > MAX_DIM)
        throw new CliError(`--dim must be NAME=SIZE with a size from 1 to ${MAX_DIM}, not '${part}'.`);
      if (dims.has(match[1])) throw new CliError(`--dim gives '${match[1]}' twice.`);
      dims.set(match[1], size);
    }
  }
  return dims;
}

/**
 * `--dim` for `model`, checked against the symbolic dims its graph inputs declare before anything runs: a
 * misspelt name would otherwise size nothing, silently.
 */
export function inputDimsFor(model: string, values: readonly string[] | undefined): InputDims {
  const dims = inputDimsOption(values);
  if (dims.size === 0) return dims;
  const unknown = unknownDims(declaredInputs(model), dims);
  if (unknown) throw new CliError(`${model}: ${unknown}`);
  return dims;
}

/**
 * The shapes of `model`'s graph inputs with `dims` put in (a symbolic first dim, the batch, 1), those that are
 * then wholly known: what a prune's MACs are counted on. Undefined without dims.
 */
export function inputShapesFor(model: string, dims: InputDims): Record<string, number[]> | undefined {
  if (dims.size === 0) return undefined;
  const shapes: Record<string, number[]> = {};
  for (const input of declaredInputs(model)) {
    const shape = input.shape?.map((d, i) =>
      typeof d === 'number' ? d : ((typeof d === 'string' ? dims.get(d) : undefined) ?? (i === 0 ? 1 : NaN)),
    );
    if (shape && shape.every((d) => Number.isSafeInteger(d) && d >= 0)) setOwn(shapes, input.name, shape);
  }
  return shapes;
}

/** The graph inputs `model` declares (initializers listed among them included: their dims are fixed). */
function declaredInputs(model: string): ValueType[] {
  const file = withModelErrors(model, () => openModel(model));
  try {
    return (file.proto.graph?.input ?? []).map(valueType);
  } finally {
    file.close();
  }
}
