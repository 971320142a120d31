// The plan checker on root layers computed by the real analysis of builder fixtures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planDiagnostics } from '../../../src/core/plan/checkPlan';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { FIXTURES } from '../../builder/fixtures';
import { analyzeBytes } from '../../support/analysis';
import { applyFix, codes, only, slice } from './planFixtures';

function analysed(name: keyof typeof FIXTURES) {
  const analysis = analyzeBytes(FIXTURES[name]().bytes);
  return { roots: analysis.roots, options: { groups: analysis.report.groups } };
}

function layers(entries: Record<string, unknown>): string {
  return JSON.stringify({ model: 'model.onnx', layers: entries }, null, 2);
}

describe('plans against analysed models', () => {
  test('EDSR x4: pixel-shuffle blocks, a locked output conv, residual groups, a typo', () => {
    const { roots, options } = analysed('edsr-x4');
    const up = '/tail/tail.0/tail.0.0/Conv';
    assert.equal(roots.get(up)?.unit, 4, 'the analysis gives blocks of r² = 4');
    const check = (text: string) => planDiagnostics(parsePlan(text), roots, options);

    assert.deepEqual(
      check(layers({ [up]: { indices: [4, 5, 6, 7] }, '/head/head.0/Conv': { ratio: 0.5 } })),
      [],
    );

    const partial = layers({ [up]: { indices: [4, 5] } });
    const d = only(check(partial), 'PL001');
    assert.match(d.message, /pixel shuffle \(DepthToSpace CRD, r = 2\)/);
    applyFix(partial, d, 'PL001.widen', options, roots);

    const count = layers({ [up]: { prune: 6 } });
    assert.equal(only(check(count), 'PL001').fixes[0]!.title, 'round to whole blocks (6 → 4)');

    const locked = layers({ '/tail/tail.1/Conv': { prune: 1 } });
    const l = only(check(locked), 'PL004');
    assert.match(l.message, /cannot be pruned: it reaches the graph output 'output'\. Exclude it/);
    applyFix(locked, l, 'PL004.exclude', options, roots);

    // The head conv and the body's second convs are tied by the residual Adds.
    const residual = layers({ '/head/head.0/Conv': { ratio: 0.5 }, '/body/body.2/Conv': { prune: 4 } });
    const r = only(check(residual), 'PL003');
    assert.equal(slice(residual, r.range), '{\n      "prune": 4\n    }');
    applyFix(residual, r, 'PL003.unify', options, roots);

    const typo = layers({ '/head/head.0/conv': { ratio: 0.5 } });
    const t = only(check(typo), 'PL002');
    assert.equal(t.fixes[0]!.title, 'change to "/head/head.0/Conv"');
    applyFix(typo, t, 'PL002.rename.0', options, roots);
  });

  test('DCR: strided blocks from the analysis', () => {
    const { roots, options } = analysed('d2s-dcr');
    const check = (text: string) => planDiagnostics(parsePlan(text), roots, options);
    assert.deepEqual(check(layers({ '/up/up.0/Conv': { indices: [1, 5, 9, 13] } })), []);
    const contiguous = layers({ '/up/up.0/Conv': { indices: [0, 1, 2, 3] } });
    const d = only(check(contiguous), 'PL001');
    assert.match(d.message, /DepthToSpace DCR, r = 2/);
    assert.deepEqual(
      d.fixes.map((f) => f.id),
      ['PL001.drop'],
      'widening would take every channel',
    );
  });

  test('grouped convolutions: strided units', () => {
    const { roots, options } = analysed('grouped-conv');
    const check = (text: string) => planDiagnostics(parsePlan(text), roots, options);
    assert.deepEqual(check(layers({ '/group4/Conv': { indices: [1, 3, 5, 7] } })), []);
    const text = layers({ '/group4/Conv': { indices: [0, 1] } });
    assert.deepEqual(codes(check(text)), ['PL001']);
    assert.deepEqual(codes(check(layers({ '/group3/Conv': { prune: 12 } }))), ['PL004']);
  });
});
