import { SHAPES } from '../graph/shapeRules';
import { convRule } from './conv';
import { convMacs } from './macRules';
import type { OpFamily } from './spec';
import { type ChannelRule, describe } from './types';

/**
 * ONNX Runtime's contrib ops (domain com.microsoft) that its graph optimiser writes into saved optimised
 * models. Others of the domain (QLinearConv, QuantizeLinear, DequantizeLinear…) have no rule: they fail closed.
 */
const MICROSOFT = 'com.microsoft';

/** The activations FusedConv applies after the conv (ONNX Runtime refuses any other): element-wise, per channel. */
const FUSED_ACTIVATIONS = new Set(['Relu', 'Tanh', 'Sigmoid', 'LeakyRelu', 'Clip', 'HardSigmoid']);

/**
 * FusedConv: a Conv (inputs X, W, B and its attributes) plus Z, a tensor of the output's shape added before an
 * element-wise activation. Its channels are the Conv's; Z's channels go with the output's.
 */
const fusedConv: ChannelRule = (state, node) => {
  convRule(false)(state, node);
  const y = state.space(node.outputs[0]);
  if (!y) return;
  const activation = node.attributes.string('activation', '');
  if (activation && !FUSED_ACTIVATIONS.has(activation))
    state.lock(y, `${describe(node)} applies the activation '${activation}', which this tool does not know`);
  const z = node.inputs[3];
  if (!z) return;
  const space = state.space(z);
  if (space && space.size === y.size && space.axis === y.axis) state.identity(space, y);
  else {
    const reason = `${describe(node)} adds '${z}', whose channels are not tracked`;
    state.lock(y, reason);
    state.lock(space, reason);
  }
};

export const CONTRIB_OPS: OpFamily = {
  domain: MICROSOFT,
  ops: [
    [
      'FusedConv',
      { shape: SHAPES.conv, channels: fusedConv, macs: convMacs(1, 2), rewrite: ['group-attribute'] },
    ],
  ],
};
