// checkPlan's granularity findings: whole pixel-shuffle blocks (PL001, CRD and DCR) and multiples of
// roundTo (PL006), with their round, widen and drop fixes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyFix, crdBlocks, dcrBlocks, diagnose, only, plan, root, slice } from './planFixtures';

describe('PL001: whole blocks on pixel-shuffle-coupled layers', () => {
  test('a prune count that is not a multiple of the unit', () => {
    const text = plan(['"/up/conv/Conv": { "prune": 6 }']);
    const d = only(diagnose(text), 'PL001');
    assert.equal(d.severity, 'error');
    assert.equal(d.node, '/up/conv/Conv');
    assert.equal(d.group, 'G3');
    assert.equal(slice(text, d.range), '6');
    assert.match(d.message, /"\/up\/conv\/Conv"/);
    assert.match(d.message, /pixel shuffle \(DepthToSpace CRD, r = 2\)/);
    assert.match(d.message, /blocks of 4/);
    assert.match(d.message, /Use 4\./);
    assert.equal(d.fixes[0]!.title, 'round to whole blocks (6 → 4)');
    const fixed = applyFix(text, d, 'PL001.round');
    assert.equal(fixed, text.replace('"prune": 6', '"prune": 4'));
  });

  test('a count below one block rounds up to one block', () => {
    const text = plan(['"/up/conv/Conv": { "prune": 3 }']);
    const d = only(diagnose(text), 'PL001');
    assert.equal(d.fixes[0]!.title, 'round to whole blocks (3 → 4)');
    applyFix(text, d, 'PL001.round');
  });

  test('whole-block counts and unit-1 layers are fine', () => {
    assert.deepEqual(diagnose(plan(['"/up/conv/Conv": { "prune": 8 }', '"/head/Conv": { "prune": 7 }'])), []);
  });

  test('CRD: contiguous blocks; a partial block offers widen and drop', () => {
    const text = plan(['"/up/conv/Conv": { "indices": [0, 1, 2, 3, 9, 10] }']);
    const d = only(diagnose(text), 'PL001');
    assert.equal(slice(text, d.range), '[0, 1, 2, 3, 9, 10]');
    assert.match(d.message, /only part of block \[8, 9, 10, 11\]/);
    assert.deepEqual(
      d.fixes.map((f) => f.title),
      [
        'round to whole blocks: widen to the blocks they touch (6 → 8)',
        'round to whole blocks: drop the partial blocks (6 → 4)',
      ],
    );
    assert.equal(
      applyFix(text, d, 'PL001.widen'),
      text.replace('[0, 1, 2, 3, 9, 10]', '[0, 1, 2, 3, 8, 9, 10, 11]'),
    );
    assert.equal(applyFix(text, d, 'PL001.drop'), text.replace('[0, 1, 2, 3, 9, 10]', '[0, 1, 2, 3]'));
  });

  test('CRD: the whole blocks in any order are fine', () => {
    assert.deepEqual(diagnose(plan(['"/up/conv/Conv": { "indices": [47, 46, 45, 44, 3, 2, 1, 0] }'])), []);
  });

  test('DCR: strided blocks; contiguous indices are not whole blocks', () => {
    // 16 channels, r = 2: C′ = 4, block c = [c, c+4, c+8, c+12].
    const contiguous = plan(['"/up2/conv/Conv": { "indices": [0, 1, 2, 3] }']);
    const d = only(diagnose(contiguous), 'PL001');
    assert.match(d.message, /blocks \[0, 4, 8, 12\], \[1, 5, 9, 13\], \[2, 6, 10, 14\] and 1 more/);
    // Widening would take every channel: only dropping is offered.
    assert.deepEqual(
      d.fixes.map((f) => f.id),
      ['PL001.drop'],
    );
    assert.equal(applyFix(contiguous, d, 'PL001.drop'), contiguous.replace('[0, 1, 2, 3]', '[]'));

    const strided = plan(['"/up2/conv/Conv": { "indices": [2, 6, 10, 14] }']);
    assert.deepEqual(diagnose(strided), []);

    const partial = plan(['"/up2/conv/Conv": { "indices": [2, 6, 3] }']);
    const p = only(diagnose(partial), 'PL001');
    assert.equal(
      applyFix(partial, p, 'PL001.widen'),
      partial.replace('[2, 6, 3]', '[2, 3, 6, 7, 10, 11, 14, 15]'),
    );
  });

  test('a layer whose block layout is unknown is not checked for blocks', () => {
    const roots = new Map([['/x', root('/x', 'G1', 16, { unit: 4 })]]);
    const text = '{ "model": "m.onnx", "layers": { "/x": { "indices": [0, 1] } } }';
    assert.deepEqual(diagnose(text, {}, roots), []);
  });

  test('the block helpers of the fixtures are right', () => {
    assert.deepEqual(crdBlocks(8, 4), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    assert.deepEqual(dcrBlocks(8, 4), [
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
  });
});

describe('PL006: amounts in multiples of roundTo', () => {
  test('a prune count not a multiple of roundTo rounds down', () => {
    const text = plan(['"/head/Conv": { "prune": 12 }'], ['"roundTo": 8']);
    const d = only(diagnose(text), 'PL006');
    assert.equal(d.severity, 'warning');
    assert.equal(slice(text, d.range), '12');
    assert.match(d.message, /"prune": 12 on layer "\/head\/Conv" is not a multiple of "roundTo" \(8\)/);
    assert.equal(applyFix(text, d, 'PL006.round'), text.replace('12 }', '8 }'));
  });

  test('below roundTo rounds up to one roundTo', () => {
    const text = plan(['"/head/Conv": { "prune": 3 }'], ['"roundTo": 8']);
    assert.equal(applyFix(text, only(diagnose(text), 'PL006'), 'PL006.round'), text.replace('3 }', '8 }'));
  });

  test('indices: keep the lowest whole blocks', () => {
    const text = plan(['"/head/Conv": { "indices": [9, 1, 2] }'], ['"roundTo": 2']);
    const d = only(diagnose(text), 'PL006');
    assert.equal(applyFix(text, d, 'PL006.round'), text.replace('[9, 1, 2]', '[1, 2]'));
  });

  test('multiples of roundTo, or roundTo 1, are fine', () => {
    assert.deepEqual(diagnose(plan(['"/head/Conv": { "prune": 16 }'], ['"roundTo": 8'])), []);
    assert.deepEqual(diagnose(plan(['"/head/Conv": { "prune": 13 }'])), []);
  });

  test('with blocks and roundTo, the PL001 fix satisfies both', () => {
    const text = plan(['"/up/conv/Conv": { "prune": 6 }'], ['"roundTo": 8']);
    const d = only(diagnose(text), 'PL001');
    assert.equal(d.fixes[0]!.title, 'round to whole blocks (6 → 8)');
    assert.deepEqual(diagnose(applyFix(text, d, 'PL001.round')), []);
  });
});
