import type { RewriteKind } from '../deps/memberKinds';
import type { ShapeRule } from '../graph/shapeRules';
import type { MacRule } from './macRules';
import type { ChannelRule } from './types';

/**
 * Everything the tool knows about one op, in one entry (docs/adding-an-op.md). An op without an entry, or
 * with no `channels`, fails closed: the channels it touches are locked (PR001).
 */
export interface OpSpec {
  /** Its outputs' facts (shape, element type, folded values) from its inputs'. */
  readonly shape: ShapeRule;
  /** How its channels map from inputs to outputs, what it slices, roots and locks (one node). */
  readonly channels?: ChannelRule;
  /** Multiply-accumulates for one inference (none: 0, as for all cheap ops). */
  readonly macs?: MacRule;
  /**
   * What `prune/apply.ts` rewrites for members its channel rule (or a pattern) adds on this node besides sliced
   * tensors: attributes, sizes, bounds, shape constants. The registry test checks the rules add no other.
   */
  readonly rewrite?: readonly RewriteKind[];
}

/** An op family's entries: op type and spec, in one list, so a duplicate cannot be merged away silently. */
export type OpEntries = readonly (readonly [opType: string, spec: OpSpec])[];

/** The entries of a family of one domain ('' is the default ONNX domain). */
export interface OpFamily {
  readonly domain: string;
  readonly ops: OpEntries;
}

/** The same spec for each of several op types (activations, pools…). */
export function each(opTypes: readonly string[], spec: OpSpec): OpEntries {
  return opTypes.map((opType) => [opType, spec] as const);
}
