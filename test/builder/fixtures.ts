// The named catalogue of test models used by every suite of the project. Each entry builds a small,
// deterministic model (same code, same bytes) that runs in onnxruntime-node in milliseconds.
import * as attention from './fixtures-attention';
import * as basic from './fixtures-basic';
import * as shapes from './fixtures-shapes';
import * as shuffle from './fixtures-shuffle';
import * as storage from './fixtures-storage';
import type { Built } from './serialize';

export const FIXTURES = {
  // Channel coupling without pixel shuffles.
  'plain-chain': basic.plainChain,
  'conv-bn-relu': basic.convBnRelu,
  'residual-add': basic.residualAdd,
  'concat-branches': basic.concatBranches,
  'split-channels': basic.splitChannels,
  'split-attr-opset11': basic.splitAttributeOpset11,
  'slice-channels': basic.sliceChannels,
  depthwise: basic.depthwise,
  'grouped-conv': basic.groupedConv,
  prelu: basic.prelu,
  'per-channel-mul-add': basic.perChannelMulAdd,
  activations: basic.activations,
  pools: basic.pools,
  'flatten-gemm': basic.flattenGemm,
  matmul: basic.matmul,
  resize: basic.resize,
  'conv-transpose': basic.convTranspose,
  'constant-node-weight': basic.constantNodeWeight,
  'identity-dropout': basic.identityDropout,
  'deep-x255-gated': basic.deepX255Gated,
  // Transformers: multi-head attention, its heads pruned whole (or kept, with computed head counts).
  'attention-heads': attention.attentionHeads,
  'attention-heads-dynamic': attention.attentionHeadsDynamic,
  // Pixel shuffles, pixel unshuffles and their look-alike.
  'd2s-crd': shuffle.d2sCrd,
  'd2s-dcr': shuffle.d2sDcr,
  'd2s-nomode': shuffle.d2sNoMode,
  'rtr-crd-static': shuffle.rtrCrdStatic,
  'rtr-dcr-static': shuffle.rtrDcrStatic,
  'rtr-crd-dynamic': shuffle.rtrCrdDynamic,
  'rtr-dcr-dynamic': shuffle.rtrDcrDynamic,
  'rtr-torch10-bug': shuffle.rtrTorch10Bug,
  s2d: shuffle.s2d,
  'rtr-s2d-static': shuffle.rtrS2dStatic,
  'pixel-unshuffle': shuffle.pixelUnshuffleStatic,
  'pixel-unshuffle-dynamic': shuffle.pixelUnshuffleDynamic,
  'channel-shuffle': shuffle.channelShuffle,
  'shuffle-split': shuffle.shuffleSplit,
  'concat-d2s-straddle': shuffle.concatD2sStraddle,
  'per-channel-around-d2s': shuffle.perChannelAroundD2s,
  'x4-two-stages': shuffle.x4TwoStages,
  // Shape constants on channel paths: shared, -1, Resize sizes, Expand, ConstantOfShape, value_info.
  'shuffle-shared-shape': shapes.shuffleSharedShape,
  'shuffle-shared-shape-batch': shapes.shuffleSharedShapeBatch,
  'shuffle-shared-shape-ir3': shapes.shuffleSharedShapeIr3,
  'shuffle-minus-one': shapes.shuffleMinusOne,
  'shuffle-value-info': shapes.shuffleValueInfo,
  'resize-sizes': shapes.resizeSizes,
  'expand-constant-of-shape': shapes.expandAndConstantOfShape,
  'slice-shared-bounds': shapes.sliceBounds,
  'flatten-computed-target': shapes.flattenComputedTarget,
  // File-format variety.
  'external-data': storage.externalData,
  'typed-fields': storage.typedFields,
  'inline-storage': storage.inlineStorage,
  'initializers-as-inputs': storage.initializersAsInputs,
  'metadata-docs': storage.metadataDocs,
  'legacy-opset9': storage.legacyOpset9,
  'edsr-x4': storage.edsrX4Small,
  'constant-of-shape-weights': storage.constantOfShapeWeights,
} satisfies Record<string, () => Built>;

export type FixtureName = keyof typeof FIXTURES;

export const FIXTURE_NAMES = Object.keys(FIXTURES) as FixtureName[];

export function buildFixture(name: FixtureName): Built {
  return FIXTURES[name]();
}
