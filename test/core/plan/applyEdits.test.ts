import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEdits } from '../../../src/core/plan/applyEdits';
import { LineIndex } from '../../../src/core/plan/lineIndex';

const at = (line: number, character: number) => ({ line, character });

describe('applyEdits', () => {
  test('applies edits given in any order, against the original text', () => {
    const text = 'ab\ncd\nef';
    const edits = [
      { range: { start: at(2, 0), end: at(2, 1) }, newText: 'E' },
      { range: { start: at(0, 1), end: at(1, 1) }, newText: 'X\nY' },
      { range: { start: at(0, 0), end: at(0, 0) }, newText: '>' },
    ];
    assert.equal(applyEdits(text, edits), '>aX\nYd\nEf');
  });

  test('no edits, insertions at one place in order, edits at the ends', () => {
    assert.equal(applyEdits('abc', []), 'abc');
    const here = { start: at(0, 1), end: at(0, 1) };
    assert.equal(
      applyEdits('abc', [
        { range: here, newText: '1' },
        { range: here, newText: '2' },
      ]),
      'a12bc',
    );
    assert.equal(applyEdits('abc', [{ range: { start: at(0, 3), end: at(0, 3) }, newText: '!' }]), 'abc!');
  });

  test('overlapping edits are refused', () => {
    assert.throws(
      () =>
        applyEdits('abcdef', [
          { range: { start: at(0, 0), end: at(0, 3) }, newText: '' },
          { range: { start: at(0, 2), end: at(0, 4) }, newText: '' },
        ]),
      /overlap/,
    );
  });

  test('CRLF text', () => {
    const text = '{\r\n  "a": 1\r\n}';
    assert.equal(
      applyEdits(text, [{ range: { start: at(1, 7), end: at(1, 8) }, newText: '2' }]),
      '{\r\n  "a": 2\r\n}',
    );
  });
});

describe('LineIndex', () => {
  test('positions and offsets round-trip with \\n, \\r\\n and \\r', () => {
    const text = 'a\nbc\r\nd\re';
    const index = new LineIndex(text);
    assert.equal(index.lineCount, 4);
    for (let offset = 0; offset <= text.length; offset++) {
      const position = index.position(offset);
      // An offset inside \r\n maps to the end of the line; all others round-trip.
      if (offset === 5) continue;
      assert.equal(index.offset(position), offset, `offset ${offset} → ${JSON.stringify(position)}`);
    }
    assert.deepEqual(index.position(6), { line: 2, character: 0 });
    assert.deepEqual(index.position(8), { line: 3, character: 0 });
  });

  test('positions past a line end stop at the line end', () => {
    const index = new LineIndex('ab\ncd');
    assert.equal(index.offset(at(0, 99)), 2);
    assert.equal(index.offset(at(9, 0)), 5);
    assert.equal(index.slice({ start: at(0, 1), end: at(1, 1) }), 'b\nc');
  });
});
