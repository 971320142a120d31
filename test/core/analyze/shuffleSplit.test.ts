import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildModel, conv3 } from '../../builder/fixture-kit';
import { buildFixture } from '../../builder/fixtures';
import { analyzeBytes, codes, groupOf } from '../../support/analysis';

describe("ShuffleNetV2's shuffle-and-split (megvii's Reshape→Transpose→Reshape and a Gather per half)", () => {
  test('is followed: the stem prunes in units that keep every half in step, the targets follow', () => {
    const a = analyzeBytes(buildFixture('shuffle-split').bytes);
    assert.deepEqual(codes(a), ['PR002', 'PR002']);
    assert.match(a.report.diagnostics[0].message, /splits 8 channels into 2 parts of 4 \(ShuffleNetV2\)/);
    const stem = groupOf(a, '/stem/Conv');
    assert.ok(stem.prunable);
    // Stage 1 pairs channels 2j and 2j+1; stage 2 pairs its input's 2j and 2j+1, which are the stem's 4j, 4j+2.
    assert.equal(stem.unit, 4);
    const targets = stem.members.filter((m) => m.role === 'reshape shape').map((m) => m.node);
    // Stage 2 splits the Concat of stage 1's passed half (the stem's) and its branch: both groups hold its targets.
    const stage2 = ['/stage.2/Reshape', '/stage.2/Reshape_1'];
    assert.deepEqual(targets.sort(), ['/stage.1/Reshape', '/stage.1/Reshape_1', ...stage2]);
    const branch = groupOf(a, '/stage.1/branch_main.5/Conv');
    assert.ok(branch.prunable);
    assert.equal(branch.unit, 2, "stage 2's split pairs the branch's channels");
    const branchTargets = branch.members.filter((m) => m.role === 'reshape shape').map((m) => m.node);
    assert.deepEqual(branchTargets.sort(), stage2);
    assert.ok(groupOf(a, '/stage.1/branch_main.0/Conv').prunable, 'the half the branch reads');
  });

  test('a reader of the halves that is not a Gather of one constant index locks the group (PS007)', () => {
    const built = buildModel([1, 3, 8, 8], (b, x) => {
      const y = b.relu(conv3(b, x, 8, '/stem/Conv'));
      const viewed = b.reshape(y, [4, 2, 64], { name: '/s/Reshape' });
      const moved = b.transpose(viewed, [1, 0, 2], { name: '/s/Transpose' });
      const halves = b.reshape(moved, [2, 1, 4, 8, 8], { name: '/s/Reshape_1' });
      const passed = b.gather(halves, 0, 0, { name: '/s/Gather' });
      const other = b.reshape(b.relu(halves), [1, 8, 8, 8], { name: '/s/Flat' });
      return [conv3(b, passed, 4, '/tail/Conv'), other];
    });
    const a = analyzeBytes(built.bytes);
    assert.ok(codes(a).includes('PS007'), codes(a).join(' '));
    assert.equal(groupOf(a, '/stem/Conv').prunable, false);
  });
});
