// checkPlan on whole plans: a clean plan, every finding of one plan at once, and what a plan says of
// the model (PL002: layers not in it, with did-you-mean fixes; PL007: a stale model hash).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPlan, closestNames, editDistance } from '../../../src/core/plan/checkPlan';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { GROUPS, ROOTS, SHA, applyFix, codes, diagnose, only, plan, root, slice } from './planFixtures';

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

  test('a plan on one line of 20,000 unknown layers is checked in time linear in its size', () => {
    // Each entry's "remove entry" fix parsed the whole plan again: 4,000 such entries took 17 s, 20,000 minutes.
    const entries = Array.from({ length: 20_000 }, (_, i) => `"/nope${i}":{"prune":1}`);
    const text = `{"model":"m.onnx","layers":{${entries.join(',')}}}`;
    const start = performance.now();
    const found = diagnose(text).filter((d) => d.code === 'PL002');
    const elapsed = performance.now() - start;
    assert.equal(found.length, 20_000);
    assert.equal(applyFix(text, found[1]!, 'PL002.remove'), text.replace('"/nope1":{"prune":1},', ''));
    // About 1 s here; the bound is far from it and from the quadratic minutes.
    assert.ok(elapsed < 30_000, `${elapsed.toFixed(0)} ms`);
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
