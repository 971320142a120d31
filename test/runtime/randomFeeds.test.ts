// Random inputs' sizes for symbolic dims: the sizes given by name win, then the batch is 1, then the other
// model's size, then 16; the dims left to that last guess are listed (a report says its timing is for them),
// and a given name no input has is refused rather than ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValueMeta } from '../../src/protocol/runtime';
import { calibrationSet } from '../../src/runtime/calibration';
import { unknownDims } from '../../src/runtime/inputDims';
import { feedSpecs, guessedDims } from '../../src/runtime/randomFeeds';

const image = (shape: (number | string)[], name = 'input'): ValueMeta => ({
  name,
  isTensor: true,
  type: 'float32',
  shape,
});

test('a size given by name wins over every other rule, the batch included', () => {
  const inputs = [image(['N', 3, 'height', 'width'])];
  const dims = new Map([
    ['height', 480],
    ['N', 2],
  ]);
  assert.deepEqual(feedSpecs(inputs, [], dims)[0].dims, [2, 3, 480, 16]);
  assert.deepEqual(feedSpecs(inputs, [image([1, 3, 8, 9])])[0].dims, [1, 3, 8, 9]);
  assert.deepEqual(feedSpecs(inputs)[0].dims, [1, 3, 16, 16]);
});

test('the guessed dims are those nothing sizes, each once, the batch never', () => {
  const inputs = [image(['N', 3, 'height', 'width']), image(['N', 'height', ''], 'mask')];
  assert.deepEqual(guessedDims(inputs), ['height', 'width', 'mask[2]']);
  assert.deepEqual(guessedDims(inputs, [], new Map([['height', 4]])), ['width', 'mask[2]']);
  // The other model fixes the image's width, not the mask's last dim.
  assert.deepEqual(guessedDims(inputs, [image([1, 3, 'height', 8])], new Map([['height', 4]])), ['mask[2]']);
  assert.deepEqual(guessedDims([image([1, 3, 8, 8])]), []);
  assert.deepEqual(guessedDims([{ name: 'seq', isTensor: false, type: '', shape: [] }]), []);
});

test('a given name that no input has is a sentence naming the ones there are', () => {
  const inputs = [image(['N', 3, 'height', 'width'])];
  assert.equal(unknownDims(inputs, new Map([['height', 4]])), undefined);
  assert.equal(
    unknownDims(inputs, new Map([['heigth', 4]])),
    "no input has a symbolic dim named 'heigth' (its symbolic dims are 'N', 'height', 'width').",
  );
  assert.equal(
    unknownDims([image([1, 3, 8, 8])], new Map([['h', 4]])),
    "no input has a symbolic dim named 'h' (it has none).",
  );
  // Names from a model or the command line are data, whatever they spell.
  assert.equal(unknownDims([image(['__proto__'])], new Map([['__proto__', 2]])), undefined);
});

test('random calibration inputs take the sizes given too, and refuse a name no input has', () => {
  const inputs = [image(['N', 3, 'height', 'width'])];
  const set = calibrationSet(inputs, { dims: new Map([['height', 20]]), samples: 2 });
  assert.deepEqual(
    set.samples.map((s) => s.feeds.input.dims),
    [
      [1, 3, 20, 16],
      [1, 3, 20, 16],
    ],
  );
  // Said as the verification says it: an image input's values are in [0, 1), and the sizes guessed are named.
  assert.equal(
    set.description,
    "2 seeded random inputs (input [1, 3, 20, 16] in [0, 1); seed 0), symbolic dims 'width' given 16: a weak estimate, real inputs (--calib DIR) say far more",
  );
  const vector = calibrationSet([{ name: 'x', isTensor: true, type: 'float32', shape: [1, 8] }], { seed: 3 });
  assert.match(vector.description, /^4 seeded random inputs \(x \[1, 8\] in \[-1, 1\); seed 3\): a weak/);
  assert.throws(
    () => calibrationSet(inputs, { dims: new Map([['heigth', 20]]) }),
    /no input has a symbolic dim named 'heigth'/,
  );
});
