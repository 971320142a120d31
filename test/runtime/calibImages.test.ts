// Pictures as calibration inputs: decoding (pngjs, jpeg-js), the model's declared input deciding size,
// channels and layout, and the resampling against hand-computed values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { imageToTensor } from '../../src/core/calib/imageTensor';
import { decodeImage, describeImageChoices, imageChoices } from '../../src/runtime/calibImages';
import { calibrationSet } from '../../src/runtime/calibration';

const fixtures = join(process.cwd(), 'test', 'runtime', 'fixtures', 'calib');
const meta = (shape: (number | string)[]) => ({ name: 'x', isTensor: true, type: 'float32', shape });

describe('calibration pictures', () => {
  test('PNG and JPEG files decode to RGBA', () => {
    const png = decodeImage(readFileSync(join(fixtures, 'chelsea-crop.png')), 'chelsea-crop.png');
    assert.deepEqual([png.width, png.height, png.data.length], [24, 16, 24 * 16 * 4]);
    const jpg = decodeImage(readFileSync(join(fixtures, 'rocket-crop.jpg')), 'rocket-crop.jpg');
    assert.deepEqual([jpg.width, jpg.height], [20, 20]);
    assert.equal(jpg.data[3], 255);
    assert.throws(() => decodeImage(new Uint8Array([1, 2, 3, 4]), 'junk.png'), /junk.png is neither/);
  });

  test('a PNG whose header asks for too many pixels is refused before decoding', () => {
    const bytes = readFileSync(join(fixtures, 'chelsea-crop.png'));
    const hostile = new Uint8Array(bytes);
    new DataView(hostile.buffer).setUint32(16, 60000);
    new DataView(hostile.buffer).setUint32(20, 60000);
    assert.throws(() => decodeImage(hostile, 'big.png'), /big.png: cannot decode the picture \(60000×60000/);
  });

  test('shrinking averages: a 4×2 picture to 2×1, grey and RGB, NCHW and NHWC, ranges', () => {
    // Left half red (255, 0, 0), right half blue (0, 0, 255); halving averages each 2×2 block exactly.
    const data = new Uint8Array(4 * 2 * 4);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 4; x++) data.set(x < 2 ? [255, 0, 0, 255] : [0, 0, 255, 255], (y * 4 + x) * 4);
    const image = { width: 4, height: 2, data };
    const rgb = imageToTensor(image, { layout: 'nchw', channels: 'rgb', range: [0, 1], height: 1, width: 2 });
    assert.deepEqual(rgb.dims, [1, 3, 1, 2]);
    assert.deepEqual(Array.from(rgb.data), [1, 0, 0, 0, 0, 1]);
    const nhwc = imageToTensor(image, {
      layout: 'nhwc',
      channels: 'bgr',
      range: [-1, 1],
      height: 1,
      width: 2,
    });
    assert.deepEqual(nhwc.dims, [1, 1, 2, 3]);
    assert.deepEqual(Array.from(nhwc.data), [-1, -1, 1, 1, -1, -1]);
    const grey = imageToTensor(image, {
      layout: 'nchw',
      channels: 'grey',
      range: [0, 255],
      height: 1,
      width: 2,
    });
    assert.deepEqual(
      Array.from(grey.data).map((v) => Math.round(v * 1000) / 1000),
      [76.245, 29.07],
    );
  });

  test('the declared input decides size and channels; dynamic dims take the default or the option', () => {
    const fixed = imageChoices(meta([1, 1, 28, 28]), {}, 'dir');
    assert.deepEqual([fixed.channels, fixed.height, fixed.width, fixed.sizeFrom], ['grey', 28, 28, 'model']);
    const dynamic = imageChoices(meta(['N', 3, 'H', 'W']), {}, 'dir');
    assert.deepEqual([dynamic.channels, dynamic.height, dynamic.sizeFrom], ['rgb', 128, 'default']);
    assert.match(
      describeImageChoices(dynamic),
      /128×128 \(default for dynamic height and width\), RGB, NCHW, values in \[0, 1\]/,
    );
    const sized = imageChoices(meta(['N', 3, 'H', 'W']), { size: [64, 48] }, 'dir');
    assert.deepEqual([sized.height, sized.width, sized.sizeFrom], [64, 48, 'option']);
    assert.throws(() => imageChoices(meta([1, 16, 8, 8]), {}, 'dir'), /takes 16 channels/);
    assert.throws(() => imageChoices(meta([1, 10]), {}, 'dir'), /4-D image inputs/);
  });

  test('a folder of pictures gives one sample per file, sorted, as the model takes them', () => {
    const set = calibrationSet([meta(['N', 3, 'H', 'W'])], { calibDir: fixtures, image: { size: [8, 8] } });
    assert.equal(set.source, 'files');
    assert.deepEqual(
      set.samples.map((s) => s.name),
      ['chelsea-crop.png', 'rocket-crop.jpg'],
    );
    const x = set.samples[0].feeds.x;
    assert.deepEqual(x.dims, [1, 3, 8, 8]);
    assert.ok(Array.from(x.data as Float32Array).every((v) => v >= 0 && v <= 1));
    assert.match(set.description, /2 pictures from .*8×8 \(--calib-size\)/);
    const random = calibrationSet([meta(['N', 3, 'H', 'W'])], { samples: 2, seed: 3 });
    assert.equal(random.source, 'random');
    assert.match(random.description, /weak estimate/);
  });
});
