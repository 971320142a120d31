import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ModelBuilder } from '../../builder/model-builder';
import { channelIndexInput, runModel } from '../../builder/runtime';
import type { Value } from '../../builder/types';
import { analyzeBytes } from '../../support/analysis';

/**
 * The index maps are proven, not asserted: each form runs in ONNX Runtime on an input whose every element
 * holds its channel index, so output channel d shows exactly which input channels reach it; the analysis's
 * classes of coupled channels must say the same.
 */
type Form = {
  name: string;
  opset: number;
  make: (b: ModelBuilder, x: Value, r: number) => Value;
  down?: boolean;
};

const FORMS: Form[] = [
  { name: 'DepthToSpace CRD', opset: 17, make: (b, x, r) => b.depthToSpace(x, r, { mode: 'CRD' }) },
  { name: 'DepthToSpace DCR', opset: 17, make: (b, x, r) => b.depthToSpace(x, r, { mode: 'DCR' }) },
  { name: 'DepthToSpace without mode (opset 9)', opset: 9, make: (b, x, r) => b.depthToSpace(x, r) },
  { name: 'RTR CRD, baked shapes', opset: 9, make: (b, x, r) => b.pixelShuffle(x, r) },
  { name: 'RTR DCR, baked shapes', opset: 13, make: (b, x, r) => b.pixelShuffle(x, r, { mode: 'DCR' }) },
  {
    name: 'RTR CRD, Shape-computed',
    opset: 17,
    make: (b, x, r) => b.pixelShuffle(x, r, { shapes: 'dynamic' }),
  },
  {
    name: 'RTR DCR, Shape-computed',
    opset: 17,
    make: (b, x, r) => b.pixelShuffle(x, r, { mode: 'DCR', shapes: 'dynamic' }),
  },
  { name: 'SpaceToDepth', opset: 13, make: (b, x, r) => b.spaceToDepth(x, r), down: true },
  { name: 'pixel unshuffle (RTR)', opset: 17, make: (b, x, r) => b.pixelUnshuffle(x, r), down: true },
  {
    name: 'pixel unshuffle (Shape-computed)',
    opset: 17,
    make: (b, x, r) => b.pixelUnshuffle(x, r, { shapes: 'dynamic' }),
    down: true,
  },
  {
    name: 'SpaceToDepth order as RTR',
    opset: 13,
    make: (b, x, r) => b.pixelUnshuffle(x, r, { order: 'space-to-depth' }),
    down: true,
  },
  { name: 'channel shuffle, 3 groups', opset: 17, make: (b, x) => b.channelShuffle(x, 3) },
];

describe('pixel-shuffle index maps match ONNX Runtime', () => {
  for (const form of FORMS) {
    for (const r of form.name.startsWith('channel') ? [1] : [2, 3]) {
      test(`${form.name}${r > 1 ? `, r=${r}` : ''}`, async () => {
        const channels = form.down ? 3 : form.name.startsWith('channel') ? 12 : 2 * r * r;
        const spatial = form.down ? 2 * r : 3;
        const b = new ModelBuilder({ opset: form.opset, seed: 1 });
        const x = b.input('x', [1, channels, spatial, spatial]);
        b.output(form.make(b, x, r), 'y');
        const built = b.build();

        const analysis = analyzeBytes(built.bytes);
        const inSpace = analysis.state.space('x')!;
        const outSpace = analysis.state.space('y')!;
        assert.ok(outSpace, 'the output carries channels');
        const inClasses = Array.from(analysis.index.classesOf(inSpace));
        const outClasses = Array.from(analysis.index.classesOf(outSpace));
        const predicted = outClasses.map((cls) => inClasses.flatMap((c, i) => (c === cls ? [i] : [])));

        const result = await runModel(built.bytes, { x: channelIndexInput([1, channels, spatial, spatial]) });
        const y = result.y;
        const plane = y.dims[2] * y.dims[3];
        const observed = Array.from({ length: y.dims[1] }, (_, d) =>
          [...new Set(y.data.subarray(d * plane, (d + 1) * plane))].sort((p, q) => p - q),
        );
        if (form.name.startsWith('channel')) {
          // A channel shuffle is a permutation, but pruning must take channel j of every group together
          // (unit g), so each class holds the permuted channel and its companions.
          observed.forEach((inputs, d) => {
            assert.equal(inputs.length, 1);
            assert.ok(predicted[d].includes(inputs[0]), `output channel ${d} reads ${inputs[0]}`);
            assert.equal(predicted[d].length, 3);
          });
        } else if (form.down) {
          // Each output channel reads one input channel; the analysis couples it with that channel.
          observed.forEach((inputs, d) => assert.deepEqual(predicted[d], inputs, `output channel ${d}`));
        } else {
          assert.deepEqual(predicted, observed);
        }
      });
    }
  }
});
