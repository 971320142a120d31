import type { Dim } from '../onnx/modelView';

/** One factor of a dimension split by a Reshape: which input dim it comes from (0 = channels) and its size. */
interface Factor {
  readonly source: number;
  readonly size: number;
  readonly id: number;
}

/**
 * The most (input channel, output channel) combinations a rearrangement is enumerated over: a real one pairs
 * each channel with a few (a pixel shuffle of 256 channels at r = 4: 4,096; a channel shuffle of 2,048: 2,048),
 * while a chain whose input and output channels come from different dims pairs every one with every other (two
 * dims of 1,024: a million, 1.5 s and 290 MB; of 2,048: 7 s and 800 MB; a file of a few hundred bytes could ask
 * for 2^40). Past this, the chain is not followed (its channels are locked).
 */
export const MAX_REARRANGED_PAIRS = 1 << 17;

export interface Rearrangement {
  /** Output channels. */
  readonly channels: number;
  /** For every input channel, the output channels that receive some of its elements. */
  readonly pairs: readonly (readonly [number, number])[];
}

/**
 * What a Reshape → Transpose → Reshape does to channels, computed from the shapes and the permutation alone
 * (never from op names): the input's channel and spatial dims are split into factors by the first Reshape,
 * the factors are permuted, and the second Reshape groups them again. The output channel index is a
 * mixed-radix number over the factors that land in the output's channel dim; the input channel index is one
 * over the factors of the input's channel dim. Enumerating both gives the exact map, whatever the form: CRD or
 * DCR pixel shuffle, pixel unshuffle, space-to-depth, channel shuffle or something else. Undefined when the
 * reshapes do not split and regroup whole dims (the chain then mixes channels in ways we do not follow), or
 * when there would be more than MAX_REARRANGED_PAIRS combinations to enumerate.
 */
export function rearrangeChannels(
  input: readonly Dim[],
  first: readonly Dim[],
  perm: readonly number[],
  output: readonly Dim[],
): Rearrangement | undefined {
  if (input.length < 2 || perm[0] !== 0 || first[0] !== input[0] || output[0] !== input[0]) return undefined;
  const dims = input.slice(1);
  if (!dims.every((d): d is number => typeof d === 'number')) return undefined;
  const split = splitInto(dims, first.slice(1));
  if (!split) return undefined;
  const permuted = perm.slice(1).map((p) => split[p - 1]);
  if (permuted.some((f) => f === undefined)) return undefined;
  const outDims = output.slice(1);
  if (!outDims.every((d): d is number => typeof d === 'number')) return undefined;
  const regrouped = regroup(permuted, outDims);
  if (!regrouped) return undefined;
  const outFactors = regrouped[0];
  const inFactors = split.filter((f) => f.source === 0);
  const involved = [...new Map([...outFactors, ...inFactors].map((f) => [f.id, f])).values()];
  if (involved.reduce((n, f) => n * f.size, 1) > MAX_REARRANGED_PAIRS) return undefined;
  const pairs: [number, number][] = [];
  const value = new Map<number, number>();
  const radix = (factors: Factor[]) => factors.reduce((n, f) => n * f.size + value.get(f.id)!, 0);
  const visit = (i: number) => {
    if (i === involved.length) {
      pairs.push([radix(inFactors), radix(outFactors)]);
      return;
    }
    for (let v = 0; v < involved[i].size; v++) {
      value.set(involved[i].id, v);
      visit(i + 1);
    }
  };
  visit(0);
  return { channels: outDims[0], pairs: dedupe(pairs) };
}

/** Splits each source dim into consecutive target dims whose product is exactly that dim. */
function splitInto(source: number[], target: readonly Dim[]): Factor[] | undefined {
  const factors: Factor[] = [];
  let t = 0;
  for (let s = 0; s < source.length; s++) {
    let rest = source[s];
    do {
      const d = target[t++];
      if (typeof d !== 'number' || d <= 0 || rest % d !== 0) return undefined;
      factors.push({ source: s, size: d, id: factors.length });
      rest /= d;
    } while (rest > 1);
  }
  // Trailing size-1 dims carry no index.
  for (; t < target.length; t++) if (target[t] !== 1) return undefined;
  return factors;
}

/** Groups consecutive factors into the output dims (each product exact); size-1 factors carry no index. */
function regroup(factors: Factor[], dims: number[]): Factor[][] | undefined {
  const groups: Factor[][] = [];
  let f = 0;
  for (const d of dims) {
    const group: Factor[] = [];
    let product = 1;
    while (product < d && f < factors.length) {
      group.push(factors[f]);
      product *= factors[f++].size;
    }
    if (product !== d) return undefined;
    groups.push(group);
  }
  for (; f < factors.length; f++) if (factors[f].size !== 1) return undefined;
  return groups;
}

function dedupe(pairs: [number, number][]): [number, number][] {
  const seen = new Set<string>();
  return pairs.filter(([a, b]) => {
    const key = `${a},${b}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The channel maps of the known forms, for naming what a rearrangement is. */
export const KNOWN_MAPS = {
  /** out c ← in c·r² + k */
  crd: (channels: number, r: number) =>
    range(channels).flatMap((c) => range(r * r).map((k) => [c * r * r + k, c] as const)),
  /** out c ← in k·C' + c */
  dcr: (channels: number, r: number) =>
    range(channels).flatMap((c) => range(r * r).map((k) => [k * channels + c, c] as const)),
  /** out c·r² + k ← in c (pixel_unshuffle) */
  unshuffle: (inChannels: number, r: number) =>
    range(inChannels).flatMap((c) => range(r * r).map((k) => [c, c * r * r + k] as const)),
  /** out k·C + c ← in c (SpaceToDepth) */
  spaceToDepth: (inChannels: number, r: number) =>
    range(inChannels).flatMap((c) => range(r * r).map((k) => [c, k * inChannels + c] as const)),
};

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function samePairs(
  a: readonly (readonly [number, number])[],
  b: readonly (readonly [number, number])[],
): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a.map(([x, y]) => `${x},${y}`));
  return b.every(([x, y]) => set.has(`${x},${y}`));
}
