import type { FeedSpec, Feeds, TensorPayload, TensorType, ValueMeta } from '../protocol/runtime';
import { mulberry32 } from '../core/random';
import { setOwn } from '../core/records';
import { type InputDims, NO_INPUT_DIMS } from './inputDims';

/** Size given to a symbolic dim that is not the first and that neither model fixes. */
export const DEFAULT_SYMBOLIC_DIM = 16;

/**
 * The size random inputs give dim `i` of an input (`d` as declared): a fixed dim as it is; a symbolic dim the
 * user sized, that size; else a symbolic first dim is the batch, 1, and another the size the other model
 * declares for it. Undefined when nothing sizes it: DEFAULT_SYMBOLIC_DIM is then a guess.
 */
function sizeOf(
  d: number | string,
  i: number,
  other: ValueMeta | undefined,
  dims: InputDims,
): number | undefined {
  if (typeof d === 'number' && d > 0) return d;
  const given = typeof d === 'string' ? dims.get(d) : undefined;
  if (given !== undefined) return given;
  if (i === 0) return 1;
  const declared = other?.shape[i];
  return typeof declared === 'number' && declared > 0 ? declared : undefined;
}

/** Concrete dims for an input (see sizeOf), DEFAULT_SYMBOLIC_DIM where nothing sizes a dim. */
function concreteDims(meta: ValueMeta, other: ValueMeta | undefined, dims: InputDims): number[] {
  return meta.shape.map((d, i) => sizeOf(d, i, other, dims) ?? DEFAULT_SYMBOLIC_DIM);
}

/**
 * The symbolic dims of `inputs` that random inputs give DEFAULT_SYMBOLIC_DIM (nothing sizes them: not the
 * user, not the other model, and not the batch), by name, each once: what a timing on them is worth depends
 * on that guess, so a report says it.
 */
export function guessedDims(
  inputs: readonly ValueMeta[],
  other: readonly ValueMeta[] = [],
  dims: InputDims = NO_INPUT_DIMS,
): string[] {
  const names = new Set<string>();
  for (const meta of inputs) {
    if (!meta.isTensor) continue;
    const declared = other.find((o) => o.name === meta.name);
    meta.shape.forEach((d, i) => {
      if (sizeOf(d, i, declared, dims) === undefined)
        names.add(typeof d === 'string' && d !== '' ? d : `${meta.name}[${i}]`);
    });
  }
  return [...names];
}

/**
 * The most elements random inputs may hold together (all inputs of a model): 2^26, 256 MiB of float32.
 * Declared input shapes come from the model, so they are hostile: [1, 1, 30000, 30000] would be 3.6 GB.
 */
export const MAX_RANDOM_INPUT_ELEMENTS = 2 ** 26;

/**
 * What random inputs a model gets (names, types, concrete dims, value range), without their data: the
 * ONNX Runtime worker generates the data itself (see FeedSpec). 4-D float inputs are images (NCHW or NHWC)
 * and get [0, 1), the range images are normalised to; other float inputs get [-1, 1). Throws, naming the
 * input and its shape, when the inputs would hold more than `maxElements` elements together.
 */
export function feedSpecs(
  inputs: readonly ValueMeta[],
  other: readonly ValueMeta[] = [],
  dims: InputDims = NO_INPUT_DIMS,
  maxElements = MAX_RANDOM_INPUT_ELEMENTS,
): FeedSpec[] {
  let total = 0;
  return inputs.map((meta) => {
    if (!meta.isTensor)
      throw new Error(`input '${meta.name}' is not a tensor; only tensor inputs can be fed.`);
    const concrete = concreteDims(
      meta,
      other.find((o) => o.name === meta.name),
      dims,
    );
    total += concrete.reduce((a, b) => a * b, 1);
    if (total > maxElements) throw new Error(tooLarge(meta.name, concrete, total, maxElements));
    return {
      name: meta.name,
      type: meta.type,
      dims: concrete,
      range: concrete.length === 4 ? 'unit' : 'symmetric',
    };
  });
}

/** The values a random input holds, for people: '[0, 1)' (images), '[-1, 1)', '0…255' or 'zeros'. */
export function rangeText(spec: FeedSpec): string {
  if (!spec.type.startsWith('float')) return spec.type === 'uint8' ? '0…255' : 'zeros';
  return spec.range === 'unit' ? '[0, 1)' : '[-1, 1)';
}

/** The refusal of random inputs over the limit: one sentence naming the input and its shape. */
function tooLarge(name: string, dims: readonly number[], total: number, maxElements: number): string {
  return (
    `input '${name}' of shape [${dims.join(', ')}] would need ${total.toLocaleString('en-US')} random elements ` +
    `(with the inputs before it), more than the ${maxElements.toLocaleString('en-US')} verification generates.`
  );
}

/**
 * The data of FeedSpecs (in the ONNX Runtime worker, or for calibration), refused beyond `maxElements`
 * again: the worker does not trust its parent's arithmetic with a hostile model's shapes.
 */
export function generateFeeds(
  specs: readonly FeedSpec[],
  seed: number,
  maxElements = MAX_RANDOM_INPUT_ELEMENTS,
): Feeds {
  let total = 0;
  for (const spec of specs) {
    total += spec.dims.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(total) || total > maxElements)
      throw new Error(tooLarge(spec.name, spec.dims, total, maxElements));
  }
  const feeds: Feeds = {};
  specs.forEach((spec, index) => {
    setOwn(feeds, spec.name, randomTensor(spec, mulberry32(mix(seed, index))));
  });
  return feeds;
}

function randomTensor(spec: FeedSpec, next: () => number): TensorPayload {
  const { type, dims, name } = spec;
  const count = dims.reduce((a, b) => a * b, 1);
  const uniform = spec.range === 'unit' ? next : () => next() * 2 - 1;
  switch (type as TensorType) {
    case 'float32':
      return { type: 'float32', dims, data: Float32Array.from({ length: count }, uniform) };
    case 'float64':
      return { type: 'float64', dims, data: Float64Array.from({ length: count }, uniform) };
    case 'float16':
      return { type: 'float16', dims, data: Uint16Array.from({ length: count }, () => toHalf(uniform())) };
    case 'uint8':
      return {
        type: 'uint8',
        dims,
        data: Uint8Array.from({ length: count }, () => Math.floor(next() * 256)),
      };
    case 'int8':
      return { type: 'int8', dims, data: new Int8Array(count) };
    case 'int16':
      return { type: 'int16', dims, data: new Int16Array(count) };
    case 'uint16':
      return { type: 'uint16', dims, data: new Uint16Array(count) };
    case 'int32':
      return { type: 'int32', dims, data: new Int32Array(count) };
    case 'uint32':
      return { type: 'uint32', dims, data: new Uint32Array(count) };
    case 'int64':
      return { type: 'int64', dims, data: new BigInt64Array(count) };
    case 'uint64':
      return { type: 'uint64', dims, data: new BigUint64Array(count) };
    case 'bool':
      return { type: 'bool', dims, data: new Uint8Array(count) };
    default:
      throw new Error(
        `input '${name}' has element type ${type || 'unknown'}, which random inputs cannot fill.`,
      );
  }
}

/** A different stream per input, from the user's seed. */
function mix(seed: number, index: number): number {
  return Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35);
}

/** float32 → IEEE half bits, rounding to nearest (enough for random inputs in [-1, 1)). */
function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    return sign | ((((mantissa | 0x800000) >>> (14 - exponent)) + 1) >>> 1);
  }
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | ((mantissa + 0x1000) >>> 13);
}
