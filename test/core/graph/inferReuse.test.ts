// Shape inference of a pruned graph reuses the original's facts where nothing it depends on changed (issue #17
// §4: a prune's "after" totals, and every sensitivity variant, inferred the whole graph again). Pinned: on every
// builder fixture, for one group pruned alone and for a global prune, every value's facts equal a whole
// inference's; one-group prunes keep some of the original's facts as they were (the same objects); and facts
// made with a refusal of the folding limits are not reused at all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import type { Facts } from '../../../src/core/graph/facts';
import { FactTable, inferShapes } from '../../../src/core/graph/inferShapes';
import { type GraphView, ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { OPS } from '../../../src/core/ops/registry';
import { applyRemoval } from '../../../src/core/prune/apply';
import { type PruneSettings, selectUnits } from '../../../src/core/prune/select';
import { FIXTURE_NAMES, buildFixture, writeBuilt } from '../../builder';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();
const base: PruneSettings = { ratio: 0.5, criterion: 'l1', roundTo: 1, seed: 0, layers: {} };

/** Every value a node reads or writes, and the graph's inputs and outputs. */
function values(graph: GraphView): string[] {
  const names = new Set<string>();
  for (const node of graph.nodes) for (const v of [...node.inputs, ...node.outputs]) if (v) names.add(v);
  for (const v of [...graph.inputs, ...graph.outputs]) names.add(v.name);
  return [...names];
}

let reusedSome = 0; // one-group prunes that kept some of the original's facts as they were (the same objects)

describe('shape inference reusing the original facts', () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: every value's facts are a whole inference's`, () => {
      const file = openModel(writeBuilt(dir, `${name}.onnx`, buildFixture(name)));
      try {
        const original = new ModelView(file);
        const analysis = analyzeModel(original);
        const earlier = analysis.state.facts as Facts;
        const roots = analysis.report.groups.filter((g) => g.prunable).map((g) => g.roots[0]);
        const variants: PruneSettings[] = [
          ...roots.slice(0, 3).map((root) => ({ ...base, ratio: 0, layers: { [root]: { ratio: 0.5 } } })),
          base,
        ];
        variants.forEach((settings, k) => {
          const { removed } = selectUnits(analysis, file, settings);
          const pruned = file.withProto(applyRemoval(analysis, file, removed).proto);
          const view = new ModelView(pruned, original);
          const reused = inferShapes(view.graph, pruned, OPS, earlier);
          const whole = inferShapes(new ModelView(pruned).graph, pruned);
          let same = 0;
          const names = values(view.graph);
          for (const value of names) {
            assert.deepEqual(reused.get(value), whole.get(value), `${value} (variant ${k})`);
            if (reused.get(value) !== undefined && reused.get(value) === earlier.get(value)) same++;
          }
          assert.deepEqual([...reused.overLimit], [...whole.overLimit]);
          if (k < variants.length - 1 && view.graph.sharedWith && same > 0) reusedSome++;
        });
      } finally {
        file.close();
      }
    });
  }

  test('one-group prunes keep original facts', () => {
    assert.ok(reusedSome >= FIXTURE_NAMES.length, `${reusedSome} one-group prunes`);
  });

  test('facts made with a refusal are not reused', () => {
    const file = openModel(writeBuilt(dir, 'refused.onnx', buildFixture(FIXTURE_NAMES[0])));
    try {
      const original = new ModelView(file);
      const analysis = analyzeModel(original);
      const earlier = analysis.state.facts as FactTable;
      const root = analysis.report.groups.find((g) => g.prunable)!.roots[0];
      const { removed } = selectUnits(analysis, file, {
        ...base,
        ratio: 0,
        layers: { [root]: { ratio: 0.5 } },
      });
      const pruned = file.withProto(applyRemoval(analysis, file, removed).proto);
      const view = new ModelView(pruned, original);
      const outputs = view.graph.nodes.flatMap((n) => n.outputs.filter(Boolean));
      const kept = (facts: Facts) => outputs.filter((v) => facts.get(v) === earlier.get(v)).length;
      assert.ok(kept(inferShapes(view.graph, pruned, OPS, earlier)) > 0);
      earlier.refused = true;
      assert.equal(kept(inferShapes(view.graph, pruned, OPS, earlier)), 0);
    } finally {
      file.close();
    }
  });
});
