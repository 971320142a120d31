// Shape constants on channel paths (issue 13): targets shared by several Reshapes, -1 channel dims, Resize
// sizes, Expand shapes, ConstantOfShape weights and value_info. In each, one prunable group and one locked
// group (it reaches the graph output) read the same constant, so a prune must change it for one reader only.
import type { ModelBuilder } from './model-builder';
import type { Built } from './serialize';
import { type Value, attr } from './types';
import { buildModel, conv3 } from './fixture-kit';
import { int64Tensor } from './tensors';

/** ShuffleNetV2's channel shuffle (g = 2) through the given view and back targets. */
function shuffle(b: ModelBuilder, x: Value, view: Value, back: Value, scope: string): Value {
  const [n, c, h, w] = x.shape as number[];
  const viewed = b.reshapeTo(x, view, [n, 2, c / 2, h, w], { name: `${scope}/Reshape` });
  const moved = b.transpose(viewed, [0, 2, 1, 3, 4], { name: `${scope}/Transpose` });
  return b.reshapeTo(moved, back, [n, c, h, w], { name: `${scope}/Reshape_1` });
}

/**
 * input [1,3,8,8] -> conv 3->8 -> shuffle -> conv 8->8 -> shuffle -> output: the first shuffle is in a
 * prunable group, the second in the output's (locked) group; both read the same two targets.
 */
function twoShuffles(
  view: number[],
  back: number[],
  options: { valueInfo?: boolean; shared?: boolean; opset?: number; initializersAsInputs?: boolean } = {},
): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const targets = (stage: string) => [
        b.initializer(`${stage}.view_shape`, [5], view, 'int64'),
        b.initializer(`${stage}.back_shape`, [4], back, 'int64'),
      ];
      const first = targets('shuffle');
      const last = options.shared === false ? targets('shuffle3') : first;
      const a = shuffle(b, b.relu(conv3(b, x, 8, '/stage1/Conv')), first[0], first[1], '/stage1/shuffle');
      const c = conv3(b, b.relu(conv3(b, a, 8, '/stage2/Conv')), 8, '/stage3/Conv');
      return shuffle(b, c, last[0], last[1], '/stage3/shuffle');
    },
    {
      seed: 13,
      opset: options.opset,
      build: { valueInfo: options.valueInfo, initializersAsInputs: options.initializersAsInputs },
    },
  );
}

/** Shared literal targets: the pruned shuffle and the kept one differ in one element (written -1). */
export const shuffleSharedShape = () => twoShuffles([1, 2, 4, 8, 8], [1, 8, 8, 8]);
/** torch's opset-9 style targets with a -1 batch: no second -1, so the pruned shuffle gets its own copies. */
export const shuffleSharedShapeBatch = () => twoShuffles([-1, 2, 4, 8, 8], [-1, 8, 8, 8]);
/** The same as torch 0.4 wrote it: opset 9, IR 3, initializers listed as graph inputs (copies must be too). */
export const shuffleSharedShapeIr3 = () =>
  twoShuffles([-1, 2, 4, 8, 8], [-1, 8, 8, 8], { opset: 9, initializersAsInputs: true });
/** Targets whose channel dims are -1 already: they follow by themselves and must stay -1. */
export const shuffleMinusOne = () => twoShuffles([1, 2, -1, 8, 8], [1, -1, 8, 8]);
/** value_info for every intermediate value, the inside of the shuffles included (targets not shared). */
export const shuffleValueInfo = () =>
  twoShuffles([1, 2, 4, 8, 8], [1, 8, 8, 8], { valueInfo: true, shared: false });

/**
 * FPN-style upsampling by Resize `sizes`: a constant [1,8,16,16] read by a prunable and a locked Resize, and
 * a computed one (Concat(Shape(x)[0:2], [16,16]) as torch writes F.interpolate(size=…)).
 */
export function resizeSizes(): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const sizes = b.initializer('up.sizes', [4], [1, 8, 16, 16], 'int64');
      const a = b.relu(conv3(b, x, 8, '/lateral/Conv'));
      const up = b.resizeTo(a, sizes, [1, 8, 16, 16], { name: '/up/Resize' });
      const mid = b.relu(conv3(b, up, 8, '/smooth/Conv'));
      const hw = b.initializer('up2.hw', [2], [32, 32], 'int64');
      const lead = b.slice(b.shapeOf(mid), [{ axis: 0, start: 0, end: 2 }], { name: '/up2/Slice' });
      const computed = b.concat([lead, hw], 0, { name: '/up2/Concat' });
      const up2 = b.resizeTo(mid, computed, [1, 8, 32, 32], { name: '/up2/Resize' });
      const out = conv3(b, b.relu(conv3(b, up2, 8, '/head/Conv')), 8, '/out/Conv');
      return b.resizeTo(b.maxPool(b.maxPool(out)), sizes, [1, 8, 16, 16], { name: '/out/Resize' });
    },
    { seed: 17 },
  );
}

/**
 * Per-channel constants made at run time: Expand of a [1,8,1,1] bias to a shared [1,8,8,8] shape, and a
 * ConstantOfShape weight whose shape constant is shared by a kept branch.
 */
export function expandAndConstantOfShape(): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const shape = b.initializer('bias.shape', [4], [1, 8, 8, 8], 'int64');
      const bias = b.initializer('bias.value', [1, 8, 1, 1], { kind: 'uniform', low: -1, high: 1 });
      const a = b.relu(conv3(b, x, 8, '/a/Conv'));
      const shifted = b.add(a, b.expand(bias, shape, [1, 8, 8, 8], { name: '/a/Expand' }));
      const filled = b.constantOfShape(shape, 0.5, [1, 8, 8, 8], { name: '/a/ConstantOfShape' });
      const c = conv3(b, b.relu(b.mul(shifted, filled)), 8, '/c/Conv');
      const kept = b.constantOfShape(shape, 0.25, [1, 8, 8, 8], { name: '/c/ConstantOfShape' });
      return b.add(c, kept);
    },
    { seed: 19 },
  );
}

/**
 * Channel Slices: one pair of bounds initializers shared by a Slice in a prunable group and one in the
 * output's (locked) group, and bounds in Constant nodes (as torch writes them).
 */
export function sliceBounds(): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const bounds = [
        b.initializer('slice.starts', [1], [4], 'int64'),
        b.initializer('slice.ends', [1], [12], 'int64'),
        b.initializer('slice.axes', [1], [1], 'int64'),
      ] as const;
      const a = b.relu(conv3(b, x, 16, '/a/Conv'));
      const middle = b.sliceWith(a, bounds, [1, 8, 8, 8], { name: '/a/Slice' });
      const c = b.relu(conv3(b, middle, 16, '/c/Conv'));
      const inner = b.slice(c, [{ axis: 1, start: 2, end: -2 }], { indexSource: 'constant-node' });
      const d = conv3(b, inner, 16, '/d/Conv');
      return b.sliceWith(d, bounds, [1, 8, 8, 8], { name: '/d/Slice' });
    },
    { seed: 23 },
  );
}

/**
 * TorchScript's `x.view(x.size(0), 128)` before a classifier: the Reshape target is Concat(batch read from
 * Shape, a Constant holding C·H·W). The count is the Concat's constant, which the prune rewrites.
 */
export function flattenComputedTarget(): Built {
  return buildModel([1, 3, 4, 4], (b, x) => {
    const y = b.relu(conv3(b, x, 8, '/features/Conv'));
    const batch = b.unsqueeze(b.gather(b.shapeOf(y), 0), [0]);
    const features = b.constantNode(int64Tensor('/flatten/features', [1], [8 * 16]));
    const target = b.concat([batch, features], 0, { name: '/flatten/Concat' });
    const flat = b.reshapeTo(y, target, [1, 8 * 16], { name: '/flatten/Reshape' });
    return b.gemm(flat, 5, { name: '/classifier/Gemm' });
  });
}

/**
 * ONNX Runtime's MNIST in small: the classifier's weight is an initializer rearranged at run time (reshaped from
 * [8, 8, 8, 10] to [512, 10], transposed from [10, 512], or cast), so the analysis cannot follow the product and
 * locks the conv before it (PR001); the reshaped and transposed ones the PR001 fix folds. `legacy`: IR 3 at
 * opset 8, its initializers listed as graph inputs too (as the original MNIST). Not among FIXTURES: its only
 * group is locked until it is fixed.
 */
export function computedClassifierWeight(weight: 'reshaped' | 'transposed' | 'cast', legacy = false): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const flat = b.flatten(b.relu(conv3(b, x, 8, '/features/Conv')), 1, { name: '/flatten' });
      const uniform = { kind: 'uniform', low: -1, high: 1 } as const;
      const w =
        weight === 'reshaped'
          ? b.reshape(b.initializer('classifier.w4d', [8, 8, 8, 10], uniform), [512, 10], {
              name: '/classifier/w_reshape',
            })
          : weight === 'transposed'
            ? b.transpose(b.initializer('classifier.wT', [10, 512], uniform), [1, 0], {
                name: '/classifier/w_transpose',
              })
            : b.unary('Cast', b.initializer('classifier.w', [512, 10], uniform), {
                name: '/classifier/w_cast',
                attributes: { to: attr.int(1) },
              });
      return b.matmulValues(flat, w, { name: '/classifier/MatMul' });
    },
    legacy ? { opset: 8, model: { irVersion: 3 }, build: { initializersAsInputs: true } } : {},
  );
}

/**
 * A conv whose kernel is stored with its axes reversed and transposed at run time (an export without constant
 * folding), between two plain convs: the analysis cannot slice it (PR003) until the fix folds it.
 */
export function transposedConvWeight(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const y = b.relu(conv3(b, x, 8, '/conv1/Conv'));
    const z = b.relu(
      b.conv(y, 8, { kernel: 3, pads: 1, name: '/conv2/Conv', weightSource: 'transposed-initializer' }),
    );
    return conv3(b, z, 4, '/conv3/Conv');
  });
}
