/**
 * What a member (a tensor, attribute or shape constant that changes when a group loses channels) is for, as a
 * type the code branches on. Members also carry a `label` for people ('weight (in channels)', 'bias'…), which
 * no code reads: rewording one never changes what the tool does.
 */

/** Members whose tensor is sliced along an axis (axis ≥ 0). */
export const SLICE_KINDS = [
  /** A layer's weight along its output channels or features. */
  'weight-out',
  /** A layer's weight along its input channels or features: the mask oracle zeroes these slices. */
  'weight-in',
  'bias',
  /** A normalisation's per-channel scale (the `bn` criterion ranks by it). */
  'norm-scale',
  /** A BatchNormalization's running mean or variance. */
  'norm-statistic',
  /** A constant an element-wise op applies per channel. */
  'per-channel-constant',
  /** A per-channel quantisation scale or zero point. */
  'quantisation-parameter',
] as const;

/** Members that are not sliced but rewritten to follow the new channel count (axis −1): prune/apply.ts. */
export const REWRITE_KINDS = [
  /** A grouped conv's `group` attribute. */
  'group-attribute',
  /** A GroupNormalization's `num_groups` attribute. */
  'num-groups-attribute',
  /** A Split's sizes (input or attribute). */
  'split-sizes',
  /** A Slice's starts and ends on the channel axis (inputs or attributes). */
  'slice-bounds',
  /** An element of a shape constant that holds the channel count (Reshape target, Resize sizes, Expand shape). */
  'shape-constant',
] as const;

export type SliceKind = (typeof SLICE_KINDS)[number];
export type RewriteKind = (typeof REWRITE_KINDS)[number];
export type MemberKind = SliceKind | RewriteKind;

/** For exhaustive switches: a kind added to a union but not handled fails to compile here. */
export function unhandledKind(kind: never): never {
  throw new Error(`internal: unhandled member kind '${String(kind)}'`);
}
