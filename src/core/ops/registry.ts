import type { ShapeRule, ShapeRuleSource } from '../graph/shapeRules';
import { CONTRIB_OPS } from './contrib';
import { CONV_OPS } from './conv';
import { ELEMENTWISE_OPS } from './elementwise';
import { LINEAR_OPS } from './linear';
import type { MacRule } from './macRules';
import type { ChannelPattern } from './pattern';
import { REARRANGE_PATTERN } from './rearrangePattern';
import { SHAPE_INPUT_OPS } from './shapeInputs';
import { SHUFFLE_OPS } from './shuffle';
import type { OpFamily, OpSpec } from './spec';
import { STRUCTURAL_OPS } from './structural';
import { TENSOR_OPS } from './tensor';
import type { ChannelRule } from './types';

/** One entry of the registry: an op of a domain and its spec. */
export interface RegisteredOp {
  readonly domain: string;
  readonly opType: string;
  readonly spec: OpSpec;
}

const NO_PATTERNS: readonly ChannelPattern[] = [];

/**
 * Every op the tool knows, by domain and op type, and the patterns the channel walk tries first. Built once
 * from the op families; an op listed twice is refused (a throw when the module loads, caught by every test).
 * `with` is the extension point for ops of other domains (or ops of ours a caller wants to treat
 * differently): it returns a new registry, leaving this one as it was.
 */
export class OpRegistry implements ShapeRuleSource {
  private readonly byDomain = new Map<string, Map<string, OpSpec>>();
  private readonly patternsByOp = new Map<string, ChannelPattern[]>();

  constructor(
    readonly families: readonly OpFamily[],
    readonly patterns: readonly ChannelPattern[] = NO_PATTERNS,
  ) {
    for (const { domain, ops } of families) {
      let specs = this.byDomain.get(domain);
      if (!specs) this.byDomain.set(domain, (specs = new Map()));
      for (const [opType, spec] of ops) {
        if (specs.has(opType))
          throw new Error(`internal: the op ${opKey(domain, opType)} is registered twice`);
        specs.set(opType, spec);
      }
    }
    for (const pattern of patterns) {
      const key = opKey(pattern.domain, pattern.opType);
      const list = this.patternsByOp.get(key);
      if (list?.some((p) => p.name === pattern.name))
        throw new Error(`internal: the pattern '${pattern.name}' is registered twice`);
      if (list) list.push(pattern);
      else this.patternsByOp.set(key, [pattern]);
    }
  }

  /** A registry with more families and patterns: their ops must not be registered already. */
  with(families: readonly OpFamily[], patterns: readonly ChannelPattern[] = NO_PATTERNS): OpRegistry {
    return new OpRegistry([...this.families, ...families], [...this.patterns, ...patterns]);
  }

  spec(domain: string, opType: string): OpSpec | undefined {
    return this.byDomain.get(domain)?.get(opType);
  }

  shapeRule(domain: string, opType: string): ShapeRule | undefined {
    return this.spec(domain, opType)?.shape;
  }

  channelRule(domain: string, opType: string): ChannelRule | undefined {
    return this.spec(domain, opType)?.channels;
  }

  macRule(domain: string, opType: string): MacRule | undefined {
    return this.spec(domain, opType)?.macs;
  }

  /** The patterns that start at a node of this op (none for nearly every op). */
  patternsAt(domain: string, opType: string): readonly ChannelPattern[] {
    if (this.patternsByOp.size === 0) return NO_PATTERNS;
    return this.patternsByOp.get(opKey(domain, opType)) ?? NO_PATTERNS;
  }

  entries(): RegisteredOp[] {
    return [...this.byDomain].flatMap(([domain, specs]) =>
      [...specs].map(([opType, spec]) => ({ domain, opType, spec })),
    );
  }
}

/** `Conv`, `com.microsoft::FusedConv`: the node's op as messages write it. */
function opKey(domain: string, opType: string): string {
  return domain ? `${domain}::${opType}` : opType;
}

/** The ops this tool ships rules for. */
export const OPS = new OpRegistry(
  [
    ELEMENTWISE_OPS,
    STRUCTURAL_OPS,
    SHAPE_INPUT_OPS,
    SHUFFLE_OPS,
    CONV_OPS,
    LINEAR_OPS,
    TENSOR_OPS,
    CONTRIB_OPS,
  ],
  [REARRANGE_PATTERN],
);
