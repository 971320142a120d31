// Kept channel counts that the runtime handles well. ONNX Runtime's CPU convolutions run in a blocked layout
// (MLAS "NCHWc": channels in blocks of 8 with AVX2, 16 with AVX-512) only when a conv's input channels are a
// multiple of the block (or fewer than one block) and a depthwise conv's channels are a multiple of it; any other
// count falls back to the plain kernels, which on this kind of machine made a 1.76× smaller detector 1.86×
// slower. So a prune that leaves 45 of 64 channels can lose more time than it saves, and one that leaves 48
// gains. The block comes from the runtime side (src/runtime/channelBlock.ts); this file only does the arithmetic.

import { mostRemovable, roundDown } from './amounts';
import { largest } from '../lists';

/** The channel granularity a prune aligns kept counts to, and why (said in plans and reports). */
export interface ChannelAlignment {
  /** Kept channel counts are multiples of this where the original count is; 1 = no alignment. */
  block: number;
  /** One sentence: where the number comes from (the processor, the user, a plan). */
  reason: string;
}

/**
 * How many of a group's `channels` to remove when about `requested` should go, in steps of `step` (the group's
 * unit and `roundTo`). Without a block (or for a group whose count is not a multiple of it, which was never in
 * the fast layout) that is `requested` rounded down to the step. With a block, it is the amount nearest to
 * `requested` that leaves a multiple of the block (the fewer on a tie): rounding down would leave every small
 * group whole, so a ratio would prune far less than it says; the nearest keeps the ratio on average. Never every
 * channel; 0 when no aligned amount is nearer than none (removing then would make the layer slower, not faster).
 */
export function alignedRemoval(
  channels: number,
  step: number,
  requested: number,
  block: number,
  widths?: readonly number[],
): number {
  if (widths) return nearestOnWidths(channels, widths, requested);
  const largest = mostRemovable(channels, step);
  const most = Math.min(roundDown(requested, step), largest);
  if (block <= 1 || channels % block !== 0) return Math.max(most, 0);
  let best = 0;
  for (let removed = step; removed <= largest; removed += step) {
    if ((channels - removed) % block !== 0) continue;
    if (Math.abs(removed - requested) < Math.abs(best - requested)) best = removed;
    if (removed > requested) break;
  }
  return best;
}

/** The largest amount up to `most`, in steps of `step`, that leaves a multiple of `block` (see alignedRemoval). */
export function alignedAtMost(
  channels: number,
  step: number,
  most: number,
  block: number,
  widths?: readonly number[],
): number {
  if (widths)
    return largest(
      removals(channels, widths).filter((removed) => removed <= most),
      0,
    );
  let removed = Math.min(roundDown(most, step), mostRemovable(channels, step));
  if (block <= 1 || channels % block !== 0) return Math.max(removed, 0);
  while (removed > 0 && (channels - removed) % block !== 0) removed -= step;
  return Math.max(removed, 0);
}

/**
 * With a latency table (latencyTable.ts: `widths` are the kept counts no larger count beats, multiples of the
 * step and block already), the amounts a group may lose are those that leave such a width.
 */
function removals(channels: number, widths: readonly number[]): number[] {
  return widths.filter((kept) => kept > 0 && kept < channels).map((kept) => channels - kept);
}

/** The amount among `removals` (or none) nearest `requested`, the fewer on a tie. */
function nearestOnWidths(channels: number, widths: readonly number[], requested: number): number {
  let best = 0;
  for (const removed of removals(channels, widths)) {
    const d = Math.abs(removed - requested) - Math.abs(best - requested);
    if (d < 0 || (d === 0 && removed < best)) best = removed;
  }
  return best;
}

/**
 * Why a group the amount would have pruned keeps every channel: the count it would leave is off the block. A
 * note for people (GroupSelection.skipped); undefined when alignment is not what stopped it.
 */
export function offBlockReason(
  channels: number,
  step: number,
  requested: number,
  block: number,
): string | undefined {
  const unaligned = alignedRemoval(channels, step, requested, 1);
  if (unaligned === 0) return undefined;
  let next = unaligned + step;
  while (next < channels && (channels - next) % block !== 0) next += step;
  const asked = Number(requested.toFixed(1));
  const nearest =
    next < channels
      ? `; the next aligned amount, ${next} (leaving ${channels - next}), is further from the ${asked} asked for`
      : `; ${channels} channels are a single block`;
  return `removing ${unaligned} would leave ${channels - unaligned} channels, off the ${block}-channel block of ONNX Runtime's CPU convolutions (slower, not faster)${nearest}`;
}

/** One sentence for reports: which channel granularity kept counts were rounded to, and why. */
export function describeAlignment(alignment: ChannelAlignment): string {
  return alignment.block > 1
    ? `Channel counts: kept counts are multiples of ${alignment.block} where the original count is: ${alignment.reason}.`
    : `Channel counts: ${alignment.reason}.`;
}
