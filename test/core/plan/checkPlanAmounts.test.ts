// checkPlan's findings on the amounts of a plan's layers: one amount per group (PL003), locked layers (PL004),
// ratios out of range or removing every channel (PL005), and bad indices (PL008).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyFix, codes, crdBlocks, diagnose, only, plan, root, slice } from './planFixtures';

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

  test('past 20 bad indices, one finding on the list counts the rest (300,000 made as many findings)', () => {
    const bad = Array.from({ length: 300_000 }, (_, i) => 64 + i);
    const text = plan([`"/head/Conv": { "indices": [0, ${bad.join(', ')}] }`]);
    const found = diagnose(text).filter((d) => d.code === 'PL008');
    assert.equal(found.length, 20);
    const summary = found.filter((d) => /more indices/.test(d.message));
    assert.equal(summary.length, 1);
    assert.match(summary[0]!.message, /have 299981 more indices out of range \(0 to 63\) or repeated/);
    assert.ok(slice(text, summary[0]!.range).startsWith('[0, 64, 65, '), 'on the list');
    const each = found.filter((d) => d !== summary[0]).map((d) => slice(text, d.range));
    assert.deepEqual(each.slice(0, 2), ['64', '65']);
    assert.equal(applyFix(text, summary[0]!, 'PL008.drop'), text.replace(/\[0, [^\]]*\]/, '[0]'));
  });

  test('in-range distinct indices are fine', () => {
    assert.deepEqual(diagnose(plan(['"/head/Conv": { "indices": [0, 63] }'])), []);
  });
});
