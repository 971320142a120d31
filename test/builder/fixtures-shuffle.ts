// Pixel shuffle fixtures (see /work/shared/pixel-shuffle.md). The upsampling fixtures share one topology
// and one set of layer names, hence identical weights: every CRD form must compute the same output as
// d2s-crd, and every DCR form the same as d2s-dcr.
import type { ModelBuilder } from './model-builder';
import type { Built } from './serialize';
import type { Value } from './types';
import { buildModel, conv3 } from './fixture-kit';

/** input [1,4,6,6] -> conv 4->16 -> (shuffle, r = 2) -> [1,4,12,12] -> conv 4->3. */
function upsampleThrough(shuffle: (b: ModelBuilder, y: Value) => Value, opset: number): Built {
  return buildModel(
    [1, 4, 6, 6],
    (b, x) => {
      const y = conv3(b, b.relu(conv3(b, x, 4, '/head/Conv')), 16, '/up/up.0/Conv');
      return conv3(b, b.relu(shuffle(b, y)), 3, '/tail/Conv');
    },
    { opset, seed: 7 },
  );
}

export const d2sCrd = () => upsampleThrough((b, y) => b.depthToSpace(y, 2, { mode: 'CRD' }), 17);
export const d2sDcr = () => upsampleThrough((b, y) => b.depthToSpace(y, 2, { mode: 'DCR' }), 13);
/** tf2onnx style: no mode attribute, which means DCR. */
export const d2sNoMode = () => upsampleThrough((b, y) => b.depthToSpace(y, 2), 13);
/** torch.onnx opset 9: Reshape [-1, C', r, r, H, W] -> Transpose (0,1,4,2,5,3) -> Reshape, shapes baked in. */
export const rtrCrdStatic = () => upsampleThrough((b, y) => b.pixelShuffle(y, 2, { scope: '/up/up.1' }), 9);
export const rtrDcrStatic = () => upsampleThrough((b, y) => b.pixelShuffle(y, 2, { mode: 'DCR' }), 13);
/** The ONNX function expansion of DepthToSpace: targets from Shape/Gather/Div/Mul/Unsqueeze/Concat. */
export const rtrCrdDynamic = () =>
  upsampleThrough((b, y) => b.pixelShuffle(y, 2, { shapes: 'dynamic', scope: '/up/up.1' }), 17);
export const rtrDcrDynamic = () =>
  upsampleThrough((b, y) => b.pixelShuffle(y, 2, { mode: 'DCR', shapes: 'dynamic' }), 13);
/** PyTorch 1.0/1.1's wrong opset-9 export: runs, but is not a pixel shuffle (worth a diagnostic). */
export const rtrTorch10Bug = () =>
  upsampleThrough((b, y) => b.pixelShuffle(y, 2, { mode: 'torch-1.0-bug' }), 9);

/** input [1,3,8,8] -> conv 3->6 -> (unshuffle, r = 2) -> [1,24,4,4] -> conv 24->8. */
function downsampleThrough(unshuffle: (b: ModelBuilder, y: Value) => Value, opset = 17): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => conv3(b, b.relu(unshuffle(b, conv3(b, x, 6, '/stem/Conv'))), 8, '/body/Conv'),
    { opset, seed: 11 },
  );
}

/** SpaceToDepth: output channel k·C + c comes from input channel c. */
export const s2d = () => downsampleThrough((b, y) => b.spaceToDepth(y, 2), 13);
/** torch.pixel_unshuffle: Reshape -> Transpose (0,1,3,5,2,4) -> Reshape; output c·r² + k from input c. */
export const pixelUnshuffleStatic = () =>
  downsampleThrough((b, y) => b.pixelUnshuffle(y, 2, { scope: '/down' }));
export const pixelUnshuffleDynamic = () =>
  downsampleThrough((b, y) => b.pixelUnshuffle(y, 2, { shapes: 'dynamic' }));
/** SpaceToDepth's own expansion, Transpose (0,3,5,1,2,4): must equal the s2d fixture. */
export const rtrS2dStatic = () =>
  downsampleThrough((b, y) => b.pixelUnshuffle(y, 2, { order: 'space-to-depth' }), 13);

/** ShuffleNet unit: grouped conv -> channel shuffle (3 groups) -> grouped conv. Not a pixel shuffle. */
export function channelShuffle(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.relu(conv3(b, x, 12, '/conv1/Conv'));
    y = b.relu(b.conv(y, 12, { kernel: 1, group: 3, name: '/gconv1/Conv' }));
    y = b.channelShuffle(y, 3, { scope: '/shuffle' });
    y = b.conv(y, 12, { kernel: 3, pads: 1, group: 3, name: '/gconv2/Conv' });
    return conv3(b, y, 4, '/conv2/Conv');
  });
}

/** Branches of 6 and 10 channels concatenated into a DepthToSpace: block 1 (channels 4..7) straddles both. */
export function concatD2sStraddle(): Built {
  return buildModel([1, 3, 6, 6], (b, x) => {
    const left = conv3(b, x, 6, '/left/Conv');
    const right = conv3(b, x, 10, '/right/Conv');
    const up = b.depthToSpace(b.concat([left, right]), 2, { mode: 'CRD' });
    return conv3(b, up, 3, '/tail/Conv');
  });
}

/** Per-channel ops on both sides of a DCR shuffle: BN, PRelu, Mul before it; PRelu and Add after it. */
export function perChannelAroundD2s(): Built {
  return buildModel(
    [1, 3, 6, 6],
    (b, x) => {
      let y = b.conv(x, 16, { kernel: 3, pads: 1, bias: false, name: '/up/Conv' });
      y = b.prelu(b.batchNorm(y, { name: '/up/BatchNormalization' }), { name: '/up/PRelu' });
      y = b.mulConstant(y, { name: '/up/Mul' });
      y = b.depthToSpace(y, 2, { mode: 'DCR', name: '/up/DepthToSpace' });
      y = b.addConstant(b.prelu(y, { name: '/post/PRelu' }), { layout: 'C11', name: '/post/Add' });
      return conv3(b, y, 3, '/tail/Conv');
    },
    { opset: 17, seed: 5 },
  );
}

/** Two chained x2 pixel shuffles with a symbolic batch, one D2S and one dynamic RTR: a x4 upsampler. */
export function x4TwoStages(): Built {
  return buildModel(['N', 3, 4, 4], (b, x) => {
    let y = b.depthToSpace(conv3(b, x, 32, '/up1/Conv'), 2, { mode: 'CRD' });
    y = b.pixelShuffle(conv3(b, b.relu(y), 16, '/up2/Conv'), 2, { shapes: 'dynamic', scope: '/up2' });
    return conv3(b, y, 3, '/tail/Conv');
  });
}

/**
 * ShuffleNetV2 as megvii's reference code writes it (FastestDet and other detectors export it so): each
 * stride-1 block shuffles and splits its input with Reshape [N·C/2, 2, H·W] → Transpose (1, 0, 2) → Reshape
 * [2, -1, C/2, H, W] and a Gather per half; half 0 passes by, half 1 goes through the branch, and a Concat joins
 * them. Two blocks after a stem conv of 8, then a conv 8->4.
 */
export function shuffleSplit(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    let y = b.relu(conv3(b, x, 8, '/stem/Conv'));
    for (const block of ['/stage.1', '/stage.2']) {
      const viewed = b.reshape(y, [4, 2, 64], { name: `${block}/Reshape` });
      const moved = b.transpose(viewed, [1, 0, 2], { name: `${block}/Transpose` });
      const halves = b.reshape(moved, [2, -1, 4, 8, 8], { name: `${block}/Reshape_1` });
      const passed = b.gather(halves, 0, 0, { name: `${block}/Gather` });
      let branch = b.gather(halves, 1, 0, { name: `${block}/Gather_1` });
      branch = b.relu(b.conv(branch, 4, { kernel: 1, name: `${block}/branch_main.0/Conv` }));
      branch = b.conv(branch, 4, { kernel: 3, pads: 1, group: 4, name: `${block}/branch_main.3/Conv` });
      branch = b.relu(b.conv(branch, 4, { kernel: 1, name: `${block}/branch_main.5/Conv` }));
      y = b.concat([passed, branch]);
    }
    return conv3(b, y, 4, '/tail/Conv');
  });
}
