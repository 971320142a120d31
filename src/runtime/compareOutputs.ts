import type { OutputDifference, TensorPayload } from '../protocol/runtime';
import { ownValue } from '../core/records';

/** How far the tolerance sits above a model's own noise floor (see judgeOutputs). */
export const NOISE_FLOOR_FACTOR = 4;

/** How one output of the pruned model compares with the same output of the masked original. */
export interface OutputComparison extends OutputDifference {
  /**
   * The model's own float32 noise on this output: max |masked original with ONNX Runtime's graph
   * optimisations on − the same with them off|. null when it was not measured.
   */
  noiseFloor: number | null;
  /** max(atol + rtol × maxMagnitude, NOISE_FLOOR_FACTOR × noiseFloor). */
  tolerance: number;
  passed: boolean;
}

/**
 * max |actual − reference| of every tensor of `reference` (in the ONNX Runtime worker, where the outputs
 * are). The error is taken over the whole tensor and judged against its largest magnitude, not element by
 * element, because two models that sum the same products in a different order disagree most, relatively,
 * on elements near zero. A NaN counts only where the other side has none.
 */
export function outputDifferences(
  reference: Readonly<Record<string, TensorPayload>>,
  actual: Readonly<Record<string, TensorPayload>>,
): OutputDifference[] {
  return Object.entries(reference).map(([name, expected]) => {
    const got = ownValue(actual, name);
    const dims = [...expected.dims];
    const expectedValues = numbers(expected);
    let maxMagnitude = 0;
    // Over finite elements: an infinite reference value must not make the tolerance infinite.
    for (let i = 0; i < expectedValues.length; i++) {
      const v = Math.abs(expectedValues[i]);
      if (v > maxMagnitude && Number.isFinite(v)) maxMagnitude = v;
    }
    const fail = (problem: string): OutputDifference => ({
      name,
      dims,
      maxAbsError: null,
      maxMagnitude,
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
    return { name, dims, maxAbsError, maxMagnitude };
  });
}

/**
 * The verdict per output. The tolerance is the larger of atol + rtol × max|reference| and
 * NOISE_FLOOR_FACTOR × the output's noise floor: a pruned model cannot be asked to agree with the masked
 * original more closely than the masked original agrees with itself under another (equally valid) order of
 * float32 operations. `floors` is the difference of the masked original with optimisations on and off.
 */
export function judgeOutputs(
  errors: readonly OutputDifference[],
  floors: readonly OutputDifference[] | undefined,
  atol: number,
  rtol: number,
): OutputComparison[] {
  const floorOf = new Map(floors?.map((f) => [f.name, f.maxAbsError]));
  return errors.map((e) => {
    const floor = floorOf.get(e.name) ?? null;
    const tolerance = Math.max(atol + rtol * e.maxMagnitude, NOISE_FLOOR_FACTOR * (floor ?? 0));
    const passed = e.maxAbsError !== null && !e.problem && e.maxAbsError <= tolerance;
    return { ...e, noiseFloor: floor, tolerance, passed };
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
