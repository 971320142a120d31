// The ~50,000-node generated models (test/support/largeModels.ts): their analysis and prune are pinned here,
// so the data structures that make them fast (issue #17 §4) cannot change what they compute.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Analysis, analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { pruneFile } from '../../../src/core/prune/prune';
import { writeBuilt } from '../../builder';
import { residualCnn, transformerLike } from '../../support/largeModels';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function analyse(path: string) {
  const file = openModel(path);
  try {
    return analyzeModel(new ModelView(file));
  } finally {
    file.close();
  }
}

function summary({ report }: Analysis) {
  const prunable = report.groups.filter((g) => g.prunable);
  return {
    groups: report.groups.length,
    prunable: prunable.length,
    channels: prunable.reduce((n, g) => n + g.channels, 0),
    members: report.groups.reduce((n, g) => n + g.members.length, 0),
    findings: report.diagnostics.length,
  };
}

const cases = [
  {
    name: 'residual CNN',
    build: () => residualCnn(),
    nodes: 47504,
    analysis: { groups: 10002, prunable: 10001, channels: 70016, members: 75005, findings: 0 },
    pruned: {
      removedChannels: 35008,
      tensorsSliced: 60003,
      nodesChanged: 0,
      metrics: {
        before: { parameters: 2291338, macs: 24708858, macsUncounted: 0 },
        after: { parameters: 685674, macs: 6194434, macsUncounted: 0 },
      },
    },
  },
  {
    name: 'transformer-like',
    build: () => transformerLike(),
    nodes: 50001,
    analysis: { groups: 9909, prunable: 9908, channels: 80032, members: 89274, findings: 48 },
    pruned: {
      removedChannels: 40016,
      tensorsSliced: 54566,
      nodesChanged: 0,
      metrics: {
        before: { parameters: 3367576, macs: 43912192, macsUncounted: 0 },
        after: { parameters: 1488360, macs: 16285952, macsUncounted: 0 },
      },
    },
  },
];

for (const { name, build, nodes, analysis, pruned } of cases) {
  describe(`the generated ~50k-node ${name}`, () => {
    const built = build();
    const stem = name.replace(/\W/g, '');
    const path = writeBuilt(dir, `${stem}.onnx`, built);

    test('has the size the scale goals are about, and analyses to the same groups as before', () => {
      assert.equal(built.model.graph?.node?.length, nodes);
      assert.deepEqual(summary(analyse(path)), analysis);
    });

    test('prunes half of every prunable group to the same model as before, which analyses to the kept channels', () => {
      const out = join(dir, `${stem}.pruned.onnx`);
      const outcome = pruneFile(path, out, { ratio: 0.5, criterion: 'l1', roundTo: 1, seed: 0, layers: {} });
      const { removedChannels, tensorsSliced, nodesChanged, metrics } = outcome;
      assert.deepEqual({ removedChannels, tensorsSliced, nodesChanged, metrics }, pruned);
      const after = new Map(analyse(out).report.groups.map((g) => [g.roots[0], g]));
      assert.equal(after.size, analysis.groups);
      for (const selection of outcome.groups) {
        const group = after.get(selection.roots[0]);
        assert.ok(group, `${selection.roots[0]} roots a group after the prune`);
        assert.equal(group.channels, selection.keptChannels, selection.roots[0]);
      }
    });
  });
}
