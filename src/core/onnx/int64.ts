import Long from 'long';

export type Int64 = Long | number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** The value as a number, or undefined when a number cannot hold it exactly (a missing value is 0). */
function exactNumber(value: Int64 | null | undefined): number | undefined {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return value > MAX_SAFE || value < MIN_SAFE ? undefined : Number(value);
  const n = value.toNumber();
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * int64 values (dims, attributes) as a number, refusing values a number cannot hold exactly. Dims and
 * attribute integers of real models are far below 2^53; a value beyond it is a hostile or broken file.
 */
export function toSafeNumber(value: Int64 | null | undefined, what = 'an integer'): number {
  const n = exactNumber(value);
  if (n === undefined) throw unsafe(what, value);
  return n;
}

/**
 * A TensorProto dimension: a safe integer, and never negative (onnx.proto: dims are sizes, -1 is not allowed).
 * The message naming the tensor is made only for an error: dims are read for every tensor, many times.
 */
export function toDimension(value: Int64 | null | undefined, tensor?: string | null): number {
  const n = exactNumber(value);
  if (n !== undefined && !(n < 0)) return n;
  const what = tensor ? `a dimension of tensor '${tensor}'` : 'a tensor dimension';
  if (n === undefined) throw unsafe(what, value);
  throw new IntegerRangeError(`${what} (${n}) is negative`);
}

export function toLong(value: number | bigint): Long {
  if (typeof value === 'bigint') return Long.fromString(value.toString());
  // Small values (most dims and channel counts) are long.js's shared instances, not a new object each.
  return Number.isInteger(value) && value >= -128 && value < 128
    ? Long.fromInt(value)
    : Long.fromNumber(value);
}

/** An int64 in a model that no real model has (beyond 2^53): a broken or hostile file. */
export class IntegerRangeError extends RangeError {}

function unsafe(what: string, value: unknown): IntegerRangeError {
  return new IntegerRangeError(
    `${what} (${String(value)}) is beyond the range a JavaScript number holds exactly`,
  );
}
