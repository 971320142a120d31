import { CONV_RULES } from './conv';
import { ELEMENTWISE_RULES } from './elementwise';
import { LINEAR_RULES } from './linear';
import { SHAPE_INPUT_RULES } from './shapeInputs';
import { SHUFFLE_RULES } from './shuffle';
import { STRUCTURAL_RULES } from './structural';
import type { ChannelRule } from './types';

/** One rule per op type of the default ONNX domain. Ops not listed fail closed (PR001). */
const CHANNEL_RULES: Readonly<Record<string, ChannelRule>> = {
  ...ELEMENTWISE_RULES,
  ...STRUCTURAL_RULES,
  ...SHAPE_INPUT_RULES,
  ...SHUFFLE_RULES,
  ...CONV_RULES,
  ...LINEAR_RULES,
};

export function channelRule(domain: string, opType: string): ChannelRule | undefined {
  return domain === '' ? CHANNEL_RULES[opType] : undefined;
}
