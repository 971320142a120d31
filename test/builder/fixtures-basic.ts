// Fixtures for the ordinary channel-coupling patterns a pruner must handle: chains, BN, residual adds,
// concats, splits, slices, depthwise and grouped convs, per-channel constants, pools, dense heads.
import type { Built } from './serialize';
import { buildModel, conv3 } from './fixture-kit';
import type { Value } from './types';

/** conv -> relu -> conv -> relu -> conv: every conv prunable independently. */
export function plainChain(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.relu(conv3(b, x, 8, '/conv1/Conv'));
    y = b.relu(conv3(b, y, 16, '/conv2/Conv'));
    return conv3(b, y, 4, '/conv3/Conv');
  });
}

/** conv (no bias) -> BatchNormalization -> relu, twice: BN parameters follow the conv's channels. */
export function convBnRelu(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.relu(b.batchNorm(b.conv(x, 8, { kernel: 3, pads: 1, bias: false, name: '/conv1/Conv' })));
    y = b.relu(b.batchNorm(b.conv(y, 12, { kernel: 3, pads: 1, bias: false, name: '/conv2/Conv' })));
    return conv3(b, y, 4, '/conv3/Conv');
  });
}

/** A residual block: both convs that feed the Add must lose the same channels. */
export function residualAdd(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const stem = b.relu(conv3(b, x, 8, '/stem/Conv'));
    let y = b.relu(conv3(b, stem, 8, '/block/conv1/Conv'));
    y = conv3(b, y, 8, '/block/conv2/Conv');
    y = b.relu(b.add(y, stem, { name: '/block/Add' }));
    return conv3(b, y, 4, '/head/Conv');
  });
}

/** Two branches of 8 and 12 channels concatenated: the consumer's input channels split at offset 8. */
export function concatBranches(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const left = b.relu(conv3(b, x, 8, '/left/Conv'));
    const right = b.relu(b.conv(x, 12, { kernel: 1, name: '/right/Conv' }));
    return conv3(b, b.concat([left, right], 1), 4, '/fuse/Conv');
  });
}

/** Split [6, 10] with the sizes as an input (opset 13+), then per-branch convs and a concat. */
export function splitChannels(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const [first, second] = b.split(conv3(b, x, 16, '/conv1/Conv'), [6, 10]);
    const merged = b.concat([conv3(b, first, 4, '/branch_a/Conv'), conv3(b, second, 4, '/branch_b/Conv')]);
    return conv3(b, merged, 4, '/head/Conv');
  });
}

/** Opset 11: Split with the split attribute, and an equal split with no sizes at all. */
export function splitAttributeOpset11(): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const [a, rest] = b.split(conv3(b, x, 12, '/conv1/Conv'), [4, 8]);
      const [c, d] = b.split(rest, 2);
      return [conv3(b, a, 2, '/out_a/Conv'), b.add(c, d)];
    },
    { opset: 11 },
  );
}

/** Slice of channels 4..12 (the consumer sees 8 of the producer's 16) and a strided spatial slice. */
export function sliceChannels(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const y = conv3(b, x, 16, '/conv1/Conv');
    const middle = b.slice(y, [{ axis: 1, start: 4, end: 12 }]);
    const strided = b.slice(middle, [{ axis: 2, start: 0, end: 2 ** 62, step: 2 }], {
      indexSource: 'constant-node',
    });
    return conv3(b, strided, 4, '/conv2/Conv');
  });
}

/** MobileNet block: expand 1x1, depthwise 3x3 (group = channels), project 1x1, with ReLU6 as Clip. */
export function depthwise(): Built {
  return buildModel([1, 4, 8, 8], (b, x) => {
    let y = b.relu6(b.conv(x, 12, { kernel: 1, name: '/expand/Conv' }));
    y = b.relu6(b.conv(y, 12, { kernel: 3, pads: 1, group: 12, name: '/depthwise/Conv' }));
    y = b.conv(y, 24, { kernel: 3, pads: 1, stride: 2, group: 12, name: '/depthwise_x2/Conv' });
    return b.conv(y, 6, { kernel: 1, name: '/project/Conv' });
  });
}

/** Grouped convs (group 3, then group 4): channels couple within each group. */
export function groupedConv(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.relu(conv3(b, x, 12, '/conv1/Conv'));
    y = b.relu(b.conv(y, 12, { kernel: 3, pads: 1, group: 3, name: '/group3/Conv' }));
    y = b.relu(b.conv(y, 8, { kernel: 3, pads: [1, 1, 1, 1], dilation: 1, group: 4, name: '/group4/Conv' }));
    return conv3(b, y, 4, '/conv2/Conv');
  });
}

/** PRelu with a per-channel slope [C,1,1] (sliced with the conv) and with one shared slope [1]. */
export function prelu(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.prelu(conv3(b, x, 8, '/conv1/Conv'), { name: '/act1/PRelu' });
    y = b.prelu(conv3(b, y, 8, '/conv2/Conv'), { name: '/act2/PRelu', slope: 'shared' });
    return conv3(b, y, 4, '/conv3/Conv');
  });
}

/** Per-channel Mul [1,C,1,1], Add [C,1,1], constant-first Sub and a scalar Div between two convs. */
export function perChannelMulAdd(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = conv3(b, x, 8, '/conv1/Conv');
    y = b.mulConstant(y, { layout: '1C11', name: '/scale/Mul' });
    y = b.addConstant(y, { layout: 'C11', name: '/shift/Add' });
    y = b.subConstant(y, { layout: '1C11', constantFirst: true, name: '/rsub/Sub' });
    y = b.divConstant(y, { layout: 'scalar', name: '/norm/Div' });
    return conv3(b, y, 4, '/conv2/Conv');
  });
}

/** The channel-preserving activations: LeakyRelu, Sigmoid, Tanh, Clip, HardSwish, HardSigmoid, SiLU. */
export function activations(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.leakyRelu(conv3(b, x, 8, '/conv1/Conv'), 0.1);
    y = b.sigmoid(conv3(b, y, 8, '/conv2/Conv'));
    y = b.tanh(conv3(b, y, 8, '/conv3/Conv'));
    y = b.clip(conv3(b, y, 8, '/conv4/Conv'), -0.5, 0.5);
    y = b.hardSwish(conv3(b, y, 8, '/conv5/Conv'));
    y = b.hardSigmoid(conv3(b, y, 8, '/conv6/Conv'));
    y = b.silu(conv3(b, y, 8, '/conv7/Conv'));
    return conv3(b, y, 4, '/conv8/Conv');
  });
}

/** MaxPool, AveragePool (padded, stride 1) and GlobalAveragePool between convs. */
export function pools(): Built {
  return buildModel([1, 3, 16, 16], (b, x) => {
    let y = b.maxPool(b.relu(conv3(b, x, 8, '/conv1/Conv')), { kernel: 2 });
    y = b.averagePool(conv3(b, y, 8, '/conv2/Conv'), {
      kernel: 3,
      stride: 1,
      pads: 1,
      countIncludePad: true,
    });
    y = b.maxPool(y, { kernel: 3, stride: 2, pads: 1, ceilMode: false });
    return b.globalAveragePool(conv3(b, y, 6, '/conv3/Conv'));
  });
}

/** A classifier head: GlobalAveragePool -> Flatten -> Gemm -> Relu -> Gemm. */
export function flattenGemm(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const features = b.globalAveragePool(b.relu(conv3(b, x, 16, '/features/Conv')));
    const hidden = b.relu(b.gemm(b.flatten(features), 12, { name: '/classifier/fc1/Gemm' }));
    return b.gemm(hidden, 5, { name: '/classifier/fc2/Gemm' });
  });
}

/** Tokens: conv -> Reshape [1, C, HW] -> Transpose -> MatMul with a [C, out] weight + Add bias. */
export function matmul(): Built {
  return buildModel([1, 3, 4, 4], (b, x) => {
    const y = b.relu(conv3(b, x, 8, '/embed/Conv'));
    const tokens = b.transpose(b.reshape(y, [1, 8, 16]), [0, 2, 1]);
    return b.matmul(tokens, 6, { bias: true, name: '/proj/MatMul' });
  });
}

/** Resize x2, nearest then linear, between convs (channels pass through). */
export function resize(): Built {
  return buildModel([1, 3, 4, 4], (b, x) => {
    let y = b.resize(b.relu(conv3(b, x, 8, '/conv1/Conv')), { scale: 2 });
    y = b.resize(conv3(b, y, 8, '/conv2/Conv'), { scale: 2, mode: 'linear' });
    return conv3(b, y, 3, '/conv3/Conv');
  });
}

/** ConvTranspose: stride-2 upsampling, then a grouped one with output_padding and no bias. */
export function convTranspose(): Built {
  return buildModel([1, 3, 4, 4], (b, x) => {
    let y = b.relu(conv3(b, x, 8, '/conv1/Conv'));
    y = b.relu(b.convTranspose(y, 6, { kernel: 4, stride: 2, pads: 1, name: '/up1/ConvTranspose' }));
    y = b.convTranspose(y, 4, {
      kernel: 3,
      stride: 2,
      pads: 1,
      outputPadding: 1,
      group: 2,
      bias: false,
      name: '/up2/ConvTranspose',
    });
    return conv3(b, y, 3, '/conv2/Conv');
  });
}

/** A conv whose weight and bias come from Constant nodes instead of initializers. */
export function constantNodeWeight(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const y = b.relu(
      b.conv(x, 8, { kernel: 3, pads: 1, weightSource: 'constant-node', name: '/conv1/Conv' }),
    );
    return conv3(b, y, 4, '/conv2/Conv');
  });
}

/** Identity and inference Dropout between convs: both must be seen through. */
export function identityDropout(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const y = b.dropout(b.identity(b.relu(conv3(b, x, 8, '/conv1/Conv'))), 0.1);
    return conv3(b, y, 4, '/conv2/Conv');
  });
}

/**
 * A deep net whose input is scaled by 255 (an image in 0…255, as super-resolution nets take it), with
 * sigmoid-gated products: value × sigmoid(gate), both convs scaled up so activations grow to ~1e4. float32
 * rounding in the gates' large pre-activations then moves the output by ~1e-3 of its magnitude: the
 * model's own noise floor, above a fixed 1e-4 relative tolerance, which verify must measure and respect.
 */
export function deepX255Gated(): Built {
  return buildModel([1, 3, 16, 16], (b, x) => {
    const scale = (y: Value, factor: number) =>
      b.mulConstant(y, { layout: 'scalar', init: { kind: 'values', values: [factor] } });
    let h = conv3(b, scale(x, 255), 16, '/head/Conv');
    for (let i = 0; i < 6; i++) {
      const value = scale(conv3(b, h, 16, `/block${i}/value/Conv`), 7);
      const gate = scale(conv3(b, h, 16, `/block${i}/gate/Conv`), 4);
      h = b.mul(value, b.sigmoid(gate), { name: `/block${i}/Mul` });
    }
    return conv3(b, h, 3, '/tail/Conv');
  });
}
