// The pruner's per-group lookups on the sample (pixel-shuffle blocks make units of several channels): units in
// the order their channels are met, and the shared by-class positions scoring uses, cleared after each use.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { GroupTable } from '../../../src/core/prune/groupTable';

const SAMPLE = join(process.cwd(), 'media/sample/edsr-x4.onnx');

test('units are the distinct classes of the roots, first met first; positions hold for one use and are cleared', () => {
  const file = openModel(SAMPLE);
  try {
    const analysis = analyzeModel(new ModelView(file));
    const table = new GroupTable(analysis);
    const groups = analysis.report.groups;
    assert.ok(
      groups.some((g) => g.unit > 1),
      'the sample has a group of multi-channel units',
    );
    const classCount = analysis.state.slots.length;
    for (const group of groups) {
      const expected = new Set<number>();
      for (const root of group.roots)
        for (const cls of analysis.index.classesOf(table.rootSpace(root))) expected.add(cls);
      const units = table.unitsOf(group);
      assert.deepEqual(units, [...expected], group.id);
      const seen = table.withPositions(units, (position) => {
        for (let cls = 0; cls < classCount; cls++) {
          const i = units.indexOf(cls);
          assert.equal(position[cls], i + 1, `${group.id}: class ${cls}`);
        }
        assert.throws(() => table.withPositions(units, () => 0), /in use/, 'not while in use');
        return units.length;
      });
      assert.equal(seen, units.length, 'the callback’s result is returned');
    }
    // Cleared: an empty list sees no class, even after every group's use (and after a throw inside).
    assert.throws(() =>
      table.withPositions(table.unitsOf(groups[0]), () => {
        throw new Error('boom');
      }),
    );
    table.withPositions([], (position) =>
      assert.ok(
        position.every((p) => p === 0),
        'all cleared',
      ),
    );
  } finally {
    file.close();
  }
});
