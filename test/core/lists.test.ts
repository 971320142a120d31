// List helpers (src/core/lists.ts) on lists of a hostile file's size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSummary } from '../../src/core/inspect/format';
import { summarizeModel } from '../../src/core/inspect/summary';
import { largest, pushAll } from '../../src/core/lists';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModelBytes } from '../../src/core/onnx/reader';
import { buildFixture } from '../builder';

const MANY = 300_000; // a spread of this many arguments overflows the stack

test('largest and pushAll take a list of 300,000 without a spread', () => {
  const values = Array.from({ length: MANY }, (_, i) => (i * 7919) % MANY);
  assert.equal(largest(values), MANY - 1);
  assert.equal(largest([], 8), 8);
  assert.equal(largest([3, 5], 8), 8);
  const target = [1];
  pushAll(target, values);
  assert.equal(target.length, MANY + 1);
});

test('the summary text lays out 300,000 distinct op types', () => {
  const summary = summarizeModel(new ModelView(openModelBytes(buildFixture('plain-chain').bytes)));
  const ops = Object.fromEntries(Array.from({ length: MANY }, (_, i) => [`Op${i}`, 1]));
  const text = formatSummary({ ...summary, ops });
  assert.match(text, /^ {2}Op299999 +1$/m);
});
