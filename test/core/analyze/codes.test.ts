// Every finding carries the severity the catalogue (CODES) gives its code: whatever the path that made it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CODES } from '../../../src/core/analyze/codes';
import { toSarif } from '../../../src/core/analyze/sarif';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { planDiagnostics } from '../../../src/core/plan/checkPlan';
import { FIXTURE_NAMES, buildFixture } from '../../builder/fixtures';
import { buildModel } from '../../builder/fixture-kit';
import { analyzeBytes, codes } from '../../support/analysis';

describe('diagnostic codes', () => {
  test('every finding of every fixture, and of a plan with every plan problem, has its code’s severity', () => {
    const seen = new Set<string>();
    for (const name of FIXTURE_NAMES) {
      const analysis = analyzeBytes(buildFixture(name).bytes, `${name}.onnx`);
      for (const d of analysis.report.diagnostics) {
        assert.equal(d.severity, CODES[d.code].severity, `${name}: ${d.code}`);
        seen.add(d.code);
      }
      const roots = [...analysis.roots.keys()];
      const plan = parsePlan(
        `{ "model": "m.onnx", "ratio": 2, "ratio": 3, "roundTo": 3, "bogus": 1, "modelSha256": "${'b'.repeat(64)}", "layers": { "nope": { "ratio": 0.1 }, ${roots.map((r) => `${JSON.stringify(r)}: { "prune": 1 }`).join(', ')} } }`,
      );
      for (const d of planDiagnostics(plan, analysis.roots, { modelSha256: 'a'.repeat(64) })) {
        assert.equal(d.severity, CODES[d.code].severity, `${name} plan: ${d.code}`);
        seen.add(d.code);
      }
    }
    // The run saw errors, warnings and infos, of the model and of plans.
    for (const code of [
      'PS001',
      'PS002',
      'PS008',
      'IO001',
      'PL000',
      'PL001',
      'PL002',
      'PL004',
      'PL006',
      'PL009',
    ])
      assert.ok(seen.has(code), code);
  });

  test('SARIF lists every code as a rule, in catalogue order, with its level', () => {
    const report = {
      model: { path: 'm.onnx', irVersion: 8, opsets: {}, nodes: 0 },
      groups: [],
      diagnostics: [],
    };
    const sarif = toSarif(report, 'm.onnx', '0.0.0') as {
      runs: { tool: { driver: { rules: { id: string; defaultConfiguration: { level: string } }[] } } }[];
    };
    const rules = sarif.runs[0]!.tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level]);
    assert.deepEqual(rules.slice(0, 3), [
      ['PS001', 'note'],
      ['PS002', 'warning'],
      ['PS003', 'note'],
    ]);
    assert.equal(rules.length, Object.keys(CODES).length);
    assert.deepEqual(rules.at(-1), ['IO001', 'error']);
  });

  test('a lock on a path that reaches no prunable layer is left out; on one that does, it stays', () => {
    // burn's batch_norm test model: BatchNormalization, a Reshape that merges channels, BatchNormalization.
    const norms = (withConv: boolean) =>
      buildModel([1, 20, 1, 1], (b, x) => {
        const y = withConv ? b.conv(x, 20, { kernel: 1, name: '/conv/Conv' }) : x;
        const merged = b.reshape(b.batchNorm(y), [1, 5, 2, 2], { name: '/Reshape' });
        return b.batchNorm(merged);
      });
    assert.deepEqual(codes(analyzeBytes(norms(false).bytes)), []);
    assert.deepEqual(codes(analyzeBytes(norms(true).bytes)), ['PS007']);
  });
});
