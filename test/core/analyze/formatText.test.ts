// The text form of `analyze` on a large model: the group table and each code's findings are cut, and what is
// left out is counted; `all` lists everything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnostic } from '../../../src/core/analyze/diagnostic';
import { FINDINGS_PER_CODE, GROUP_ROWS, formatAnalysis } from '../../../src/core/analyze/formatText';
import type { AnalysisReport, ChannelGroup } from '../../../src/core/analyze/types';

function group(i: number, locked: boolean): ChannelGroup {
  return {
    id: `G${i}`,
    roots: [`/blocks.${i}/Conv`],
    channels: 8,
    unit: 1,
    prunable: !locked,
    locked: locked ? 'it feeds a LayerNormalization' : null,
    members: [],
    pixelShuffle: [],
  };
}

/** 250 groups (every 25th locked), 30 PR004 warnings, 12 PS007 errors and one PS001 info. */
function largeReport(): AnalysisReport {
  const groups = Array.from({ length: 250 }, (_, i) => group(i + 1, (i + 1) % 25 === 0));
  const finding = (code: 'PR004' | 'PS007' | 'PS001', i: number) =>
    diagnostic(code, { message: `finding ${code} number ${i}`, group: `G${i + 1}`, fixes: [] });
  return {
    model: { path: 'big.onnx', irVersion: 8, opsets: { '': 17 }, nodes: 50_000 },
    groups,
    diagnostics: [
      ...Array.from({ length: 12 }, (_, i) => finding('PS007', i)),
      ...Array.from({ length: 30 }, (_, i) => finding('PR004', i)),
      finding('PS001', 0),
    ],
  };
}

describe('analyze text form', () => {
  test('a large model lists the first groups and findings of each code, and counts the rest', () => {
    const text = formatAnalysis(largeReport());
    const lines = text.split('\n');
    assert.equal(lines.filter((l) => /^ {2}G\d+ /.test(l)).length, GROUP_ROWS);
    assert.match(text, /^Groups: 250 \(240 prunable, 10 locked\)$/m);
    // 150 groups left out, six of them locked (G125, G150 … G250).
    assert.match(text, /^ {2}… and 150 more groups \(6 of them locked\): --all lists every group/m);
    assert.match(text, /^Findings: 12 errors, 30 warnings, 1 info$/m);
    assert.equal(lines.filter((l) => /^ {2}warning PR004 /.test(l)).length, FINDINGS_PER_CODE);
    assert.equal(lines.filter((l) => /^ {2}error {3}PS007 /.test(l)).length, FINDINGS_PER_CODE);
    assert.match(text, /finding PR004 number 9$/m);
    assert.doesNotMatch(text, /finding PR004 number 10$/m);
    assert.match(text, /finding PS001 number 0$/m);
    assert.match(
      text,
      /^ {2}… and 2 more PS007 errors, 20 more PR004 warnings \(--all lists every finding\)$/m,
    );
  });

  test('all lists every group and every finding, with nothing summed up', () => {
    const text = formatAnalysis(largeReport(), { all: true });
    const lines = text.split('\n');
    assert.equal(lines.filter((l) => /^ {2}G\d+ /.test(l)).length, 250);
    assert.equal(lines.filter((l) => /^ {2}warning PR004 /.test(l)).length, 30);
    assert.doesNotMatch(text, /…/);
  });

  test('a model within the limits is listed whole, as before', () => {
    const report = largeReport();
    report.groups = report.groups.slice(0, GROUP_ROWS);
    report.diagnostics = report.diagnostics.filter((d) => d.code !== 'PR004');
    report.diagnostics.splice(FINDINGS_PER_CODE, 2); // PS007 at its limit
    assert.equal(formatAnalysis(report), formatAnalysis(report, { all: true }));
  });
});
