/**
 * The channel shuffle that also splits, as ShuffleNetV2's reference code (megvii) writes it and its ONNX
 * exports keep it: Reshape [N·C/2, 2, H·W] → Transpose (1, 0, 2) → Reshape [2, N, C/2, H, W], then one Gather
 * on the first axis per half. Half k gets input channels 2j + k. The batch is folded into the first Reshape,
 * so the reshapes do not keep it on its own axis, as `rearrangeChannels` needs; this works on the digits of
 * the flat index instead, from the shapes and the permutation alone.
 */

/** One digit of a flat index that two shapes of the same size share: its size and its dim in each shape. */
interface Digit {
  readonly size: number;
  readonly from: number;
  readonly to: number;
}

/**
 * The digits of a reshape from `from` to `to` (most significant first): each dim of either shape is a run of
 * whole digits. Undefined when a dim of one straddles two of the other without dividing (the reshape then
 * mixes indices). Size-1 dims hold no digit.
 */
export function reshapeDigits(from: readonly number[], to: readonly number[]): Digit[] | undefined {
  const digits: Digit[] = [];
  let i = 0;
  let j = 0;
  let restFrom = 0;
  let restTo = 0;
  for (;;) {
    if (restFrom === 0) {
      while (i < from.length && from[i] === 1) i++;
      if (i < from.length) restFrom = from[i];
    }
    if (restTo === 0) {
      while (j < to.length && to[j] === 1) j++;
      if (j < to.length) restTo = to[j];
    }
    if (restFrom === 0 || restTo === 0) return restFrom === restTo ? digits : undefined;
    const size = Math.min(restFrom, restTo);
    if (restFrom % size !== 0 || restTo % size !== 0) return undefined;
    digits.push({ size, from: i, to: j });
    restFrom /= size;
    restTo /= size;
    if (restFrom === 1) {
      restFrom = 0;
      i++;
    }
    if (restTo === 1) {
      restTo = 0;
      j++;
    }
  }
}

export interface SplitShuffle {
  /** The output axis that holds the channels each selection passes on. */
  readonly axis: number;
  /** Channels each selection passes on. */
  readonly channels: number;
  /** Per input channel: the index along the selected axis that gets it. */
  readonly selectionOf: Int32Array;
  /** Per input channel: its channel in that selection. */
  readonly channelOf: Int32Array;
  /**
   * Per input channel: the input channel it must be pruned with (the one with the same output channel and
   * selection 0). After a prune the chain is the same chain with a smaller channel digit; it still maps
   * each kept channel where it went only if every selection loses the same output channels.
   */
  readonly anchor: Int32Array;
  /** Input channels per output channel: the channel count the targets hold is the input's over this. */
  readonly perChannel: number;
  /** Where the first Reshape's target holds the channel digit (the last's holds it at `axis`). */
  readonly firstIndex: number;
}

/**
 * What Reshape(`first`) → Transpose(`perm`) → Reshape(`output`) does to the channels of `input` (axis 1) when
 * they end up on two output axes: `select`, which Gathers pick from, and one other, which holds a single
 * channel digit that is a whole dim of both targets (the digit a prune shrinks). Undefined for any other
 * form, or when a channel shares an output axis with a batch or spatial index.
 */
export function splitShuffle(
  input: readonly number[],
  first: readonly number[],
  perm: readonly number[],
  output: readonly number[],
  select: number,
): SplitShuffle | undefined {
  const positive = (dims: readonly number[]) => dims.every((d) => Number.isInteger(d) && d >= 1);
  if (!positive(input) || !positive(first) || !positive(output) || input.length < 2) return undefined;
  if (perm.length !== first.length || new Set(perm).size !== perm.length) return undefined;
  if (!perm.every((p) => Number.isInteger(p) && p >= 0 && p < first.length)) return undefined;
  const split = reshapeDigits(input, first);
  if (!split) return undefined;
  // The digits in the transposed order, then as the last Reshape groups (and maybe splits) them.
  const order = perm.flatMap((p) => split.flatMap((d, i) => (d.to === p ? [i] : [])));
  const regrouped = reshapeDigits(
    order.map((i) => split[i].size),
    output,
  );
  if (!regrouped) return undefined;
  // Each final digit: its input dim, its output dim, and its place among the input's digits.
  const digits = regrouped.map((d, place) => ({
    size: d.size,
    parent: order[d.from],
    inDim: split[order[d.from]].from,
    outDim: d.to,
    place,
  }));
  const channelDigits = digits
    .filter((d) => d.inDim === 1)
    .sort((a, b) => a.parent - b.parent || a.place - b.place);
  const channelAxes = new Set(channelDigits.map((d) => d.outDim));
  if (channelAxes.size !== 2 || !channelAxes.has(select)) return undefined;
  if (digits.some((d) => d.inDim !== 1 && channelAxes.has(d.outDim))) return undefined;
  const axis = [...channelAxes].find((a) => a !== select)!;
  const onAxis = channelDigits.filter((d) => d.outDim === axis);
  if (onAxis.length !== 1) return undefined;
  const varying = onAxis[0];
  const parent = split[varying.parent];
  if (parent.size !== varying.size || first[parent.to] !== varying.size) return undefined;
  const channels = input[1];
  const selectionOf = new Int32Array(channels);
  const channelOf = new Int32Array(channels);
  const anchor = new Int32Array(channels);
  // The selection's digits, most significant first, in the output's order.
  const selected = digits.filter((d) => d.inDim === 1 && d.outDim === select);
  const value = new Int32Array(digits.length);
  for (let c = 0; c < channels; c++) {
    let rest = c;
    for (let k = channelDigits.length - 1; k >= 0; k--) {
      value[channelDigits[k].place] = rest % channelDigits[k].size;
      rest = Math.floor(rest / channelDigits[k].size);
    }
    selectionOf[c] = selected.reduce((n, d) => n * d.size + value[d.place], 0);
    channelOf[c] = value[varying.place];
    anchor[c] = channelDigits.reduce((n, d) => n * d.size + (d === varying ? value[d.place] : 0), 0);
  }
  return {
    axis,
    channels: varying.size,
    selectionOf,
    channelOf,
    anchor,
    perChannel: channels / varying.size,
    firstIndex: parent.to,
  };
}
