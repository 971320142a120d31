// The pixel-shuffle forms the builder writes compute exactly what /work/shared/pixel-shuffle.md says:
// channel maps on a channel-index-coded input, full index maps against a reference implementation, and
// equality of the fixtures that are the same shuffle written differently.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIXTURES, type FixtureName } from './fixtures';
import { ModelBuilder } from './model-builder';
import { channelIndexInput, randomInputs, runBuilt, type TensorValue } from './runtime';
import type { Value } from './types';

/** Runs `shuffle` alone on one input of `dims`. */
async function runShuffle(
  dims: number[],
  opset: number,
  shuffle: (b: ModelBuilder, x: Value) => Value,
  input: TensorValue,
): Promise<TensorValue> {
  const b = new ModelBuilder({ opset });
  b.output(shuffle(b, b.input('x', dims)), 'y');
  return (await runBuilt(b.build(), { x: input })).y;
}

/** Output channel c's r x r block (H = W = 1 before a depth-to-space), as the doc's tables list them. */
function blocks(y: TensorValue, r: number): number[][] {
  const channels = y.dims[1];
  return Array.from({ length: channels }, (_, c) => Array.from(y.data.subarray(c * r * r, (c + 1) * r * r)));
}

const CRD_MAP = [
  [0, 1, 2, 3],
  [4, 5, 6, 7],
  [8, 9, 10, 11],
];
const DCR_MAP = [
  [0, 3, 6, 9],
  [1, 4, 7, 10],
  [2, 5, 8, 11],
];

describe('depth-to-space channel maps (r = 2, C = 12, channel-index input)', () => {
  const cases: [string, number, (b: ModelBuilder, x: Value) => Value, number[][]][] = [
    ['DepthToSpace CRD', 17, (b, x) => b.depthToSpace(x, 2, { mode: 'CRD' }), CRD_MAP],
    ['DepthToSpace DCR', 13, (b, x) => b.depthToSpace(x, 2, { mode: 'DCR' }), DCR_MAP],
    ['DepthToSpace without mode, opset 13', 13, (b, x) => b.depthToSpace(x, 2), DCR_MAP],
    ['DepthToSpace without mode, opset 9', 9, (b, x) => b.depthToSpace(x, 2), DCR_MAP],
    ['Reshape/Transpose/Reshape CRD static', 9, (b, x) => b.pixelShuffle(x, 2), CRD_MAP],
    [
      'Reshape/Transpose/Reshape CRD dynamic',
      17,
      (b, x) => b.pixelShuffle(x, 2, { shapes: 'dynamic' }),
      CRD_MAP,
    ],
    ['Reshape/Transpose/Reshape DCR static', 13, (b, x) => b.pixelShuffle(x, 2, { mode: 'DCR' }), DCR_MAP],
    [
      'Reshape/Transpose/Reshape DCR dynamic',
      11,
      (b, x) => b.pixelShuffle(x, 2, { mode: 'DCR', shapes: 'dynamic' }),
      DCR_MAP,
    ],
  ];
  for (const [label, opset, shuffle, expected] of cases) {
    test(label, async () => {
      const y = await runShuffle([1, 12, 1, 1], opset, shuffle, channelIndexInput([1, 12, 1, 1]));
      assert.deepEqual(y.dims, [1, 3, 2, 2]);
      assert.deepEqual(blocks(y, 2), expected);
    });
  }
});

describe('space-to-depth channel maps (r = 2, C = 3, channel-index input)', () => {
  const S2D = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
  const UNSHUFFLE = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
  const cases: [string, number, (b: ModelBuilder, x: Value) => Value, number[]][] = [
    ['SpaceToDepth', 13, (b, x) => b.spaceToDepth(x, 2), S2D],
    [
      'SpaceToDepth expansion (0,3,5,1,2,4)',
      13,
      (b, x) => b.pixelUnshuffle(x, 2, { order: 'space-to-depth' }),
      S2D,
    ],
    ['pixel_unshuffle static', 17, (b, x) => b.pixelUnshuffle(x, 2), UNSHUFFLE],
    ['pixel_unshuffle dynamic', 13, (b, x) => b.pixelUnshuffle(x, 2, { shapes: 'dynamic' }), UNSHUFFLE],
  ];
  for (const [label, opset, shuffle, expected] of cases) {
    test(label, async () => {
      const y = await runShuffle([1, 3, 2, 2], opset, shuffle, channelIndexInput([1, 3, 2, 2]));
      assert.deepEqual(y.dims, [1, 12, 1, 1]);
      assert.deepEqual(Array.from(y.data), expected);
    });
  }
});

/** Reference index maps from the doc: where output element [c, y, x] is read from in the input. */
const reference = {
  /** out[c, h·r+i, w·r+j] = in[c·r² + i·r + j, h, w] */
  CRD: (c: number, i: number, j: number, r: number) => c * r * r + i * r + j,
  /** out[c, h·r+i, w·r+j] = in[(i·r + j)·C' + c, h, w] */
  DCR: (c: number, i: number, j: number, r: number, cOut: number) => (i * r + j) * cOut + c,
};

function depthToSpaceReference(input: TensorValue, r: number, mode: 'CRD' | 'DCR'): Float32Array {
  const [, channels, height, width] = input.dims;
  const cOut = channels / (r * r);
  const out = new Float32Array(input.data.length);
  for (let c = 0; c < cOut; c++)
    for (let h = 0; h < height * r; h++)
      for (let w = 0; w < width * r; w++) {
        const source = reference[mode](c, h % r, w % r, r, cOut);
        const from = (source * height + Math.floor(h / r)) * width + Math.floor(w / r);
        out[(c * height * r + h) * width * r + w] = input.data[from];
      }
  return out;
}

describe('full index maps against a reference implementation (r = 3, C = 18, 2x3 spatial)', () => {
  const dims = [1, 18, 2, 3];
  const input = randomInputs({ inputs: [{ name: 'x', shape: dims, dtype: 'float32' }] }, 5).x;
  for (const mode of ['CRD', 'DCR'] as const) {
    test(`DepthToSpace ${mode} and its static and dynamic Reshape/Transpose/Reshape forms`, async () => {
      const expected = depthToSpaceReference(input, 3, mode);
      const forms: ((b: ModelBuilder, x: Value) => Value)[] = [
        (b, x) => b.depthToSpace(x, 3, { mode }),
        (b, x) => b.pixelShuffle(x, 3, { mode }),
        (b, x) => b.pixelShuffle(x, 3, { mode, shapes: 'dynamic' }),
      ];
      for (const form of forms) {
        const y = await runShuffle(dims, 17, form, input);
        assert.deepEqual(y.dims, [1, 2, 6, 9]);
        assert.deepEqual(y.data, expected);
      }
    });
  }

  test('the torch 1.0 opset-9 export matches neither (it scrambles space, not channels)', async () => {
    // With H = W = 1 its channel map even looks like CRD; only a spatial input shows the damage.
    const y = await runShuffle(dims, 9, (b, x) => b.pixelShuffle(x, 3, { mode: 'torch-1.0-bug' }), input);
    assert.deepEqual(y.dims, [1, 2, 6, 9]);
    assert.notDeepEqual(y.data, depthToSpaceReference(input, 3, 'CRD'));
    assert.notDeepEqual(y.data, depthToSpaceReference(input, 3, 'DCR'));
  });

  test('pixel unshuffle inverts the CRD shuffle; SpaceToDepth inverts the DCR shuffle', async () => {
    const pairs: [(b: ModelBuilder, x: Value) => Value, (b: ModelBuilder, x: Value) => Value][] = [
      [(b, x) => b.pixelShuffle(x, 3), (b, x) => b.pixelUnshuffle(x, 3)],
      [(b, x) => b.depthToSpace(x, 3, { mode: 'DCR' }), (b, x) => b.spaceToDepth(x, 3)],
    ];
    for (const [up, down] of pairs) {
      const y = await runShuffle(dims, 17, (b, x) => down(b, up(b, x)), input);
      assert.deepEqual(y.data, input.data);
    }
  });
});

describe('fixtures that write the same shuffle differently compute the same thing', () => {
  async function outputOf(name: FixtureName): Promise<Float32Array> {
    const built = FIXTURES[name]();
    return (await runBuilt(built, randomInputs(built, 9))).output.data;
  }
  function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
    assert.equal(actual.length, expected.length, label);
    const worst = actual.reduce((max, v, i) => Math.max(max, Math.abs(v - expected[i])), 0);
    assert.ok(worst <= 1e-5, `${label}: max difference ${worst}`);
  }

  const groups: FixtureName[][] = [
    ['d2s-crd', 'rtr-crd-static', 'rtr-crd-dynamic'],
    ['d2s-dcr', 'd2s-nomode', 'rtr-dcr-static', 'rtr-dcr-dynamic'],
    ['s2d', 'rtr-s2d-static'],
    ['pixel-unshuffle', 'pixel-unshuffle-dynamic'],
    ['inline-storage', 'external-data', 'typed-fields'],
  ];
  for (const [reference, ...others] of groups) {
    test(`${others.join(', ')} = ${reference}`, async () => {
      const expected = await outputOf(reference);
      for (const other of others) assertClose(await outputOf(other), expected, other);
    });
  }

  test('CRD and DCR differ, and the torch 1.0 export matches neither', async () => {
    const crd = await outputOf('d2s-crd');
    const dcr = await outputOf('d2s-dcr');
    const buggy = await outputOf('rtr-torch10-bug');
    assert.notDeepEqual(crd, dcr);
    assert.notDeepEqual(buggy, crd);
    assert.notDeepEqual(buggy, dcr);
    assert.notDeepEqual(await outputOf('s2d'), await outputOf('pixel-unshuffle'));
  });
});
