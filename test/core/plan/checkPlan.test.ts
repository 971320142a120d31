import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPlan, closestNames, editDistance } from '../../../src/core/plan/checkPlan';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import {
  GROUPS,
  ROOTS,
  SHA,
  applyFix,
  codes,
  crdBlocks,
  dcrBlocks,
  diagnose,
  only,
  plan,
  root,
  slice,
} from './planFixtures';

describe('a clean plan', () => {
  test('has no findings', () => {
    const text = plan(
      [
        '"/head/Conv": { "ratio": 0.25 }',
        '"/body/conv1/Conv": { "prune": 16 }',
        '"/body/conv2/Conv": { "ratio": 0.25 }',
        '"/up/conv/Conv": { "indices": [4, 5, 6, 7, 40, 41, 42, 43] }',
        '"/up2/conv/Conv": { "indices": [1, 5, 9, 13] }',
        '"/tail/Conv": { "exclude": true }',
        '"/fc/Gemm": { "prune": 0 }',
      ],
      ['"ratio": 0.5', `"modelSha256": "${SHA}"`, '"roundTo": 1'],
    );
    assert.deepEqual(diagnose(text, { modelSha256: SHA }), []);
    const doc = parsePlan(text);
    assert.ok(doc.plan);
    assert.deepEqual(doc.plan.layers?.['/up2/conv/Conv'], { indices: [1, 5, 9, 13] });
  });

  test('checkPlan alone reports only PL001–PL008 and needs no options', () => {
    const doc = parsePlan('{ "model": "m.onnx", "bogus": 1, "layers": { "/nope": { "prune": 1 } } }');
    assert.deepEqual(codes(doc.diagnostics), ['PL000']);
    assert.deepEqual(codes(checkPlan(doc, ROOTS)), ['PL002']);
  });
});

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

describe('PL002: layer not in the model', () => {
  test('did-you-mean fixes rename the key; remove entry removes it', () => {
    const text = plan(['"/head/Conv": { "ratio": 0.1 }', '"/body/conv3/Conv": { "prune": 8 }']);
    const d = only(diagnose(text), 'PL002');
    assert.equal(d.severity, 'error');
    assert.equal(slice(text, d.range), '"/body/conv3/Conv"');
    assert.match(d.message, /Layer "\/body\/conv3\/Conv" is not in the model/);
    assert.match(
      d.message,
      /Did you mean "\/body\/conv1\/Conv", "\/body\/conv2\/Conv", "\/up\/conv\/Conv"\?/,
    );
    assert.deepEqual(
      d.fixes.map((f) => f.title),
      [
        'change to "/body/conv1/Conv"',
        'change to "/body/conv2/Conv"',
        'change to "/up/conv/Conv"',
        'remove entry',
      ],
    );
    assert.equal(applyFix(text, d, 'PL002.rename.0'), text.replace('/body/conv3/Conv', '/body/conv1/Conv'));
    assert.equal(
      applyFix(text, d, 'PL002.remove'),
      plan(['"/head/Conv": { "ratio": 0.1 }']),
      'the line goes, and the comma before it',
    );
  });

  test('at most three suggestions, none that is already in the plan, none far off', () => {
    const roots = new Map(
      ['/a/Conv1', '/a/Conv2', '/a/Conv3', '/a/Conv4', '/zzzzzzzzzzzz'].map((n) => [n, root(n, n, 8)]),
    );
    const text = plan(['"/a/Conv1": { "prune": 1 }', '"/a/Conv9": { "prune": 1 }']);
    const d = only(diagnose(text, {}, roots), 'PL002');
    assert.deepEqual(
      d.fixes.map((f) => f.title),
      ['change to "/a/Conv2"', 'change to "/a/Conv3"', 'change to "/a/Conv4"', 'remove entry'],
    );
    assert.deepEqual(closestNames('/qqqq', roots.keys()), []);
  });

  test('removing the first, a middle or the only entry keeps valid JSON', () => {
    const first = plan(['"/nope": { "prune": 1 }', '"/head/Conv": { "prune": 1 }']);
    assert.equal(
      applyFix(first, only(diagnose(first), 'PL002'), 'PL002.remove'),
      plan(['"/head/Conv": { "prune": 1 }']),
    );
    const middle = plan([
      '"/head/Conv": { "prune": 1 }',
      '"/nope": { "prune": 1 }',
      '"/fc/Gemm": { "prune": 1 }',
    ]);
    assert.equal(
      applyFix(middle, only(diagnose(middle), 'PL002'), 'PL002.remove'),
      plan(['"/head/Conv": { "prune": 1 }', '"/fc/Gemm": { "prune": 1 }']),
    );
    const alone = plan(['"/nope": { "prune": 1 }']);
    assert.equal(
      applyFix(alone, only(diagnose(alone), 'PL002'), 'PL002.remove'),
      plan([]).replace('\n\n', '\n'),
    );
    const inline = '{"model":"m.onnx","layers":{"/head/Conv":{"prune":1},"/nope":{"prune":1}}}';
    assert.equal(
      applyFix(inline, only(diagnose(inline), 'PL002'), 'PL002.remove'),
      '{"model":"m.onnx","layers":{"/head/Conv":{"prune":1}}}',
    );
  });

  test('a multi-line entry with a comment after it goes whole', () => {
    const text = [
      '{',
      '  "model": "m.onnx",',
      '  "layers": {',
      '    "/head/Conv": { "prune": 1 }, // keep',
      '    "/nope": {',
      '      "indices": [1, 2]',
      '    } // a typo',
      '  }',
      '}',
    ].join('\n');
    const fixed = applyFix(text, only(diagnose(text), 'PL002'), 'PL002.remove');
    assert.equal(
      fixed,
      [
        '{',
        '  "model": "m.onnx",',
        '  "layers": {',
        '    "/head/Conv": { "prune": 1 } // keep',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  test('names in the model are fine; an empty model says so', () => {
    assert.deepEqual(diagnose(plan(['"/fc/Gemm": { "ratio": 0.5 }'])), []);
    const d = only(diagnose(plan(['"/fc/Gemm": { "ratio": 0.5 }']), {}, new Map()), 'PL002');
    assert.match(d.message, /the model has no prunable layers/);
  });

  test('edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
});

describe('PL003: one group, one amount', () => {
  test('two convs tied by a residual Add with different amounts', () => {
    const text = plan(['"/body/conv1/Conv": { "ratio": 0.25 }', '"/body/conv2/Conv": { "prune": 8 }']);
    const d = only(diagnose(text), 'PL003');
    assert.equal(d.severity, 'warning');
    assert.equal(d.node, '/body/conv2/Conv');
    assert.equal(d.group, 'G2');
    assert.equal(slice(text, d.range), '{ "prune": 8 }');
    assert.match(d.message, /"\/body\/conv2\/Conv" and "\/body\/conv1\/Conv" are in one group \(G2/);
    assert.equal(
      d.fixes[0]!.title,
      'use one setting for the group ({ "ratio": 0.25 }, as on "/body/conv1/Conv")',
    );
    assert.equal(applyFix(text, d, 'PL003.unify'), text.replace('{ "prune": 8 }', '{ "ratio": 0.25 }'));
  });

  test('excluding one root of a group but not the other', () => {
    const text = plan(['"/body/conv1/Conv": { "exclude": true }', '"/body/conv2/Conv": { "ratio": 0.5 }']);
    const d = only(diagnose(text), 'PL003');
    assert.equal(applyFix(text, d, 'PL003.unify'), text.replace('{ "ratio": 0.5 }', '{ "exclude": true }'));
  });

  test('the same amount written two ways, or one root only, is fine', () => {
    assert.deepEqual(
      diagnose(plan(['"/body/conv1/Conv": { "ratio": 0.25 }', '"/body/conv2/Conv": { "prune": 16 }'])),
      [],
    );
    assert.deepEqual(
      diagnose(
        plan(['"/body/conv1/Conv": { "indices": [1, 2] }', '"/body/conv2/Conv": { "indices": [2, 1] }']),
      ),
      [],
    );
    assert.deepEqual(
      diagnose(plan(['"/body/conv1/Conv": { "ratio": 0.25 }', '"/head/Conv": { "prune": 8 }'])),
      [],
    );
  });

  test('a multi-line setting is copied as one line', () => {
    const text = plan([
      '"/body/conv1/Conv": {\n      "prune": 4\n    }',
      '"/body/conv2/Conv": { "prune": 8 }',
    ]);
    const d = only(diagnose(text), 'PL003');
    assert.equal(applyFix(text, d, 'PL003.unify'), text.replace('{ "prune": 8 }', '{ "prune": 4 }'));
  });
});

describe('PL004: locked layer', () => {
  test('an amount on a locked layer says why and offers exclude', () => {
    const text = plan(['"/tail/Conv": { "ratio": 0.5 }']);
    const d = only(diagnose(text), 'PL004');
    assert.equal(d.severity, 'error');
    assert.equal(slice(text, d.range), '"/tail/Conv"');
    assert.match(d.message, /Layer "\/tail\/Conv" cannot be pruned: its output is the graph output "image"/);
    assert.equal(d.fixes[0]!.title, 'exclude layer');
    assert.equal(applyFix(text, d, 'PL004.exclude'), text.replace('{ "ratio": 0.5 }', '{ "exclude": true }'));
  });

  test('an excluded locked layer is fine, and no other check runs on a locked one', () => {
    assert.deepEqual(diagnose(plan(['"/tail/Conv": { "exclude": true }'])), []);
    assert.deepEqual(codes(diagnose(plan(['"/tail/Conv": { "prune": 99 }']))), ['PL004']);
  });
});

describe('PL005: ratio outside [0, 1) or removing every channel', () => {
  test('top-level ratio of 1 clamps to the largest that keeps a unit everywhere', () => {
    const text = plan([], ['"ratio": 1']);
    const d = only(diagnose(text), 'PL005');
    assert.equal(slice(text, d.range), '1');
    assert.equal(d.node, undefined);
    // Smallest room: /up2/conv/Conv keeps one block of 4 of 16 → 0.75.
    assert.equal(d.fixes[0]!.title, 'clamp (1 → 0.75)');
    assert.equal(applyFix(text, d, 'PL005.clamp'), text.replace('"ratio": 1', '"ratio": 0.75'));
  });

  test('a negative ratio clamps to 0', () => {
    const text = plan(['"/head/Conv": { "ratio": -0.5 }']);
    const d = only(diagnose(text), 'PL005');
    assert.equal(slice(text, d.range), '-0.5');
    assert.equal(applyFix(text, d, 'PL005.clamp'), text.replace('-0.5', '0'));
  });

  test('a layer ratio of 1.5 clamps below 1 in two decimals', () => {
    const text = plan(['"/head/Conv": { "ratio": 1.5 }']);
    const d = only(diagnose(text), 'PL005');
    assert.match(d.message, /"ratio" of layer "\/head\/Conv" is 1\.5/);
    assert.equal(applyFix(text, d, 'PL005.clamp'), text.replace('1.5', '0.98'));
  });

  test('prune at or above the channel count', () => {
    const text = plan(['"/up/conv/Conv": { "prune": 48 }']);
    const d = only(diagnose(text), 'PL005');
    assert.match(
      d.message,
      /removes every channel \(it has 48\)\. Keep at least one block of 4: prune at most 44\./,
    );
    assert.equal(applyFix(text, d, 'PL005.clamp'), text.replace('48 }', '44 }'));
  });

  test('indices covering every channel: keep the last block (DCR)', () => {
    const all = Array.from({ length: 16 }, (_, i) => i);
    const text = plan([`"/up2/conv/Conv": { "indices": [${all.join(', ')}] }`]);
    const d = only(diagnose(text), 'PL005');
    assert.equal(slice(text, d.range), `[${all.join(', ')}]`);
    const fixed = applyFix(text, d, 'PL005.clamp');
    assert.ok(fixed.includes('[0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]'), fixed);
  });

  test('a layer with a single block can only be excluded', () => {
    const roots = new Map([['/one', root('/one', 'G1', 4, { unit: 4, blocks: crdBlocks(4, 4) })]]);
    const text = plan(['"/one": { "prune": 4 }']);
    const d = only(diagnose(text, {}, roots), 'PL005');
    assert.deepEqual(
      d.fixes.map((f) => f.id),
      ['PL005.exclude'],
    );
    applyFix(text, d, 'PL005.exclude', {}, roots);
  });

  test('ratio 0 and 0.99 are fine', () => {
    assert.deepEqual(diagnose(plan(['"/head/Conv": { "ratio": 0.99 }'], ['"ratio": 0'])), []);
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

describe('PL007: stale model hash', () => {
  test('a different hash', () => {
    const other = 'B'.repeat(64);
    const text = plan([], [`"modelSha256": "${other}"`]);
    const d = only(diagnose(text, { modelSha256: SHA }), 'PL007');
    assert.equal(d.severity, 'warning');
    assert.equal(slice(text, d.range), `"${other}"`);
    assert.equal(applyFix(text, d, 'PL007.update', { modelSha256: SHA }), text.replace(other, SHA));
  });

  test('same hash (any case), no hash in the plan, or no hash known: nothing', () => {
    assert.deepEqual(diagnose(plan([], [`"modelSha256": "${SHA.toUpperCase()}"`]), { modelSha256: SHA }), []);
    assert.deepEqual(diagnose(plan([]), { modelSha256: SHA }), []);
    assert.deepEqual(diagnose(plan([], [`"modelSha256": "${'b'.repeat(64)}"`])), []);
  });
});

describe('PL008: indices out of range or repeated', () => {
  test('each bad index gets its own range; one fix drops them all', () => {
    const text = plan(['"/head/Conv": { "indices": [3, 64, 3, -1, 5] }']);
    const found = diagnose(text).filter((d) => d.code === 'PL008');
    assert.equal(found.length, 3);
    assert.deepEqual(
      found.map((d) => slice(text, d.range)),
      ['64', '3', '-1'],
    );
    assert.equal(found[1]!.range!.start.character, text.split('\n')[3]!.indexOf('3, -1'));
    assert.match(
      found[0]!.message,
      /Index 64 of layer "\/head\/Conv" is out of range: the layer has 64 output channels \(0 to 63\)/,
    );
    assert.match(found[1]!.message, /Index 3 of layer "\/head\/Conv" is repeated \(first at position 0\)/);
    assert.equal(applyFix(text, found[0]!, 'PL008.drop'), text.replace('[3, 64, 3, -1, 5]', '[3, 5]'));
  });

  test('in-range distinct indices are fine', () => {
    assert.deepEqual(diagnose(plan(['"/head/Conv": { "indices": [0, 63] }'])), []);
  });
});

describe('every finding, not the first', () => {
  test('one plan with all the plan-level codes', () => {
    const text = plan(
      [
        '"/up/conv/Conv": { "prune": 6 }',
        '"/nope/Conv": { "prune": 1 }',
        '"/body/conv1/Conv": { "ratio": 0.25 }',
        '"/body/conv2/Conv": { "prune": 8 }',
        '"/tail/Conv": { "ratio": 0.5 }',
        '"/head/Conv": { "prune": 99 }',
        '"/fc/Gemm": { "indices": [1, 1] }',
      ],
      ['"ratio": 2', `"modelSha256": "${'c'.repeat(64)}"`, '"roundTo": 1'],
    );
    const found = diagnose(text, { modelSha256: SHA });
    assert.deepEqual(codes(found), ['PL005', 'PL007', 'PL001', 'PL002', 'PL003', 'PL004', 'PL005', 'PL008']);
    for (const d of found) {
      assert.ok(d.range, `${d.code} has a range`);
      assert.ok(d.fixes.length > 0, `${d.code} has a fix`);
      assert.ok(
        d.fixes.every((f) => f.kind === 'plan' && f.edits && f.edits.length > 0),
        `${d.code} fixes have edits`,
      );
    }
    // Apply one fix per finding, one after another: the plan ends clean.
    let current = text;
    for (let guard = 0; guard < 20; guard++) {
      const next = diagnose(current, { modelSha256: SHA })[0];
      if (!next) break;
      current = applyFix(current, next, next.fixes[next.fixes.length - 1]!.id, { modelSha256: SHA });
    }
    assert.deepEqual(diagnose(current, { modelSha256: SHA }), []);
    assert.doesNotThrow(() => JSON.parse(current));
  });

  test('a bad entry (schema) does not hide findings on the others', () => {
    const text = plan(['"/head/Conv": { "prune": "ten" }', '"/nope": { "prune": 1 }']);
    assert.deepEqual(codes(diagnose(text)), ['PL000', 'PL002']);
  });

  test('the groups option is optional', () => {
    const text = plan(['"/up/conv/Conv": { "prune": 6 }']);
    const d = only(checkPlan(parsePlan(text), ROOTS), 'PL001');
    assert.match(d.message, /its output channels go in whole blocks of 4/);
    assert.equal(GROUPS.length, 1);
  });
});
