import type { TensorPayload } from '../protocol/runtime';

/** How one output of the pruned model compares with the same output of the masked original. */
export interface OutputComparison {
  name: string;
  /** Dims of the reference (masked original) output. */
  dims: number[];
  /** max |pruned − reference| over all elements; null when there is a `problem` instead. */
  maxAbsError: number | null;
  /** max |reference|: the scale the relative tolerance applies to. */
  maxMagnitude: number;
  /** atol + rtol × maxMagnitude. */
  tolerance: number;
  passed: boolean;
  /** Why it failed when the numbers are not the story (missing output, other shape, NaN). */
  problem?: string;
}

/**
 * Compares every output of `reference` with `actual`. An output passes when
 * max |actual − reference| ≤ atol + rtol × max |reference|: relative to the output's largest magnitude,
 * not element by element, because the masked original and the pruned model sum the same products in a
 * different order, and an element near zero would otherwise fail on rounding alone. A NaN passes only
 * where the reference has one too.
 */
export function compareOutputs(
  reference: Readonly<Record<string, TensorPayload>>,
  actual: Readonly<Record<string, TensorPayload>>,
  atol: number,
  rtol: number,
): OutputComparison[] {
  return Object.entries(reference).map(([name, expected]) => {
    const got = actual[name];
    const dims = [...expected.dims];
    const expectedValues = numbers(expected);
    let maxMagnitude = 0;
    // Over finite elements: an infinite reference value must not make the tolerance infinite.
    for (let i = 0; i < expectedValues.length; i++) {
      const v = Math.abs(expectedValues[i]);
      if (v > maxMagnitude && Number.isFinite(v)) maxMagnitude = v;
    }
    const tolerance = atol + rtol * maxMagnitude;
    const fail = (problem: string): OutputComparison => ({
      name,
      dims,
      maxAbsError: null,
      maxMagnitude,
      tolerance,
      passed: false,
      problem,
    });
    if (!got) return fail('the pruned model has no such output');
    if (got.dims.join(',') !== dims.join(','))
      return fail(`shape [${got.dims.join(', ')}] instead of [${dims.join(', ')}]`);
    const gotValues = numbers(got);
    let maxAbsError = 0;
    let nans = 0;
    for (let i = 0; i < expectedValues.length; i++) {
      const a = expectedValues[i];
      const b = gotValues[i];
      if (Number.isNaN(a) || Number.isNaN(b)) {
        if (!(Number.isNaN(a) && Number.isNaN(b))) nans++;
        continue;
      }
      if (a === b) continue; // equal infinities included
      const error = Math.abs(a - b);
      if (error > maxAbsError) maxAbsError = error;
    }
    if (nans > 0) return fail(`${nans} element${nans === 1 ? '' : 's'} NaN in one model only`);
    return { name, dims, maxAbsError, maxMagnitude, tolerance, passed: maxAbsError <= tolerance };
  });
}

/** The elements of a tensor as numbers (float16 decoded, 64-bit integers converted). */
export function numbers(tensor: TensorPayload): ArrayLike<number> {
  switch (tensor.type) {
    case 'float16':
      return Array.from(tensor.data as Uint16Array, fromHalf);
    case 'int64':
    case 'uint64':
      return Array.from(tensor.data as BigInt64Array, Number);
    default:
      return tensor.data as ArrayLike<number>;
  }
}

function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
