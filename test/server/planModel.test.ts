// The rule for a plan's "model" (src/core/plan/planModel.ts): relative to the plan's folder, and inside that
// folder or below it, links followed. The editor's plan checking refuses any other without opening it; the CLI,
// which is given the model, says what it does.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolvePlanModel } from '../../src/core/plan';
import { PlanRefused, checkedPlan } from '../../src/server/checkedPlan';
import { planFindings } from '../../src/server/findings';
import { ModelCache } from '../../src/server/modelCache';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const root = tempDir();
// root/outside/model.onnx is a real model; root/plans/ holds the plans; root/plans/sub/model.onnx is inside.
const outside = writeBuilt(join(root, 'outside'), 'model.onnx', buildFixture('plain-chain'));
const plans = join(root, 'plans');
writeBuilt(join(plans, 'sub'), 'model.onnx', buildFixture('plain-chain'));
symlinkSync(join(root, 'outside'), join(plans, 'link'));
mkdirSync(join(plans, 'deeper'));

const plan = (model: string) =>
  `{\n  "model": ${JSON.stringify(model)},\n  "layers": { "/nope/Conv": { "prune": 1 } }\n}\n`;

const REFUSED: [string, RegExp][] = [
  [outside, /is an absolute path \(write it relative to the plan's folder\)/],
  ['../outside/model.onnx', /is outside the plan's folder/],
  ['sub/../../outside/model.onnx', /is outside the plan's folder/],
  ['link/model.onnx', /is a link that leads outside the plan's folder/],
  ['sub/model.onnx\0.txt', /contains a NUL character/],
];

describe("a plan's model must be in the plan's folder or below it", () => {
  test('resolvePlanModel: inside is followed, everything else refused with the reason', () => {
    const planPath = join(plans, 'p.prune.json');
    assert.deepEqual(resolvePlanModel(planPath, 'sub/model.onnx'), {
      ok: true,
      path: join(plans, 'sub', 'model.onnx'),
    });
    assert.deepEqual(resolvePlanModel(planPath, './deeper/../sub/model.onnx'), {
      ok: true,
      path: join(plans, 'sub', 'model.onnx'),
    });
    // A model that does not exist yet is followed (opening it then says it is missing).
    assert.equal(resolvePlanModel(planPath, 'later.onnx').ok, true);
    for (const [model, why] of REFUSED) {
      const result = resolvePlanModel(planPath, model);
      assert.equal(result.ok, false, model);
      assert.match(result.ok ? '' : result.message, why);
      assert.match(
        result.ok ? '' : result.message,
        /a plan may only name a model in its own folder or below it/,
      );
    }
  });

  test("the editor's plan findings: one error on the model value, and the model is not opened", () => {
    const uri = pathToFileURL(join(plans, 'p.prune.json')).href;
    const models = new ModelCache();
    // Inside: the model is analysed, so the unknown layer is found.
    assert.ok(planFindings(uri, plan('sub/model.onnx'), models).some((d) => d.code === 'PL002'));
    for (const [model, why] of REFUSED) {
      const text = plan(model);
      const found = planFindings(uri, text, models);
      assert.equal(found.length, 1, `${model}: ${found.map((d) => d.code ?? d.message).join(', ')}`);
      assert.match(found[0].message, why);
      assert.equal(found[0].severity, 1);
      const line = text.split('\n')[found[0].range.start.line];
      assert.equal(
        line.slice(found[0].range.start.character, found[0].range.end.character),
        JSON.stringify(model),
      );
    }
  });

  test('Apply Pruning Plan refuses it before reading anything', () => {
    const planPath = join(plans, 'p.prune.json');
    assert.equal(checkedPlan(planPath, plan('sub/model.onnx')).modelPath, join(plans, 'sub', 'model.onnx'));
    assert.throws(
      () => checkedPlan(planPath, plan('../outside/model.onnx')),
      (error: unknown) =>
        error instanceof PlanRefused &&
        /p\.prune\.json: the plan's model '\.\.\/outside\/model\.onnx' is outside/.test(error.message),
    );
  });

  test('the CLI uses the model it is given, and says when the plan names another or one the editor refuses', async () => {
    const escaping = join(plans, 'escaping.prune.json');
    const other = join(plans, 'other.prune.json');
    writeFileSync(escaping, plan('../outside/model.onnx'));
    writeFileSync(other, plan('sub/model.onnx'));
    const run = await cli('analyze', outside, '--plan', escaping);
    assert.match(
      run.stderr,
      /note: .*escaping\.prune\.json: the plan's model '\.\.\/outside\/model\.onnx' is outside the plan's folder.*The editor refuses this plan; here .*outside\/model\.onnx is used, as given\./,
    );
    assert.match(run.stdout, /PL002/, 'the plan is still checked against the model given');
    const elsewhere = await cli('analyze', outside, '--plan', other);
    assert.match(
      elsewhere.stderr,
      /other\.prune\.json is for 'sub\/model\.onnx'; .*outside\/model\.onnx is used, as given\./,
    );
    const same = await cli('analyze', join(plans, 'sub', 'model.onnx'), '--plan', other);
    assert.equal(same.stderr, '', 'no note when the plan names the model given');
    // `plan -o` into a folder that does not hold the model: written, with a note that the editor refuses it.
    const written = await cli('plan', outside, '--ratio', '0.5', '-o', join(plans, 'made.prune.json'));
    assert.equal(written.code, 0, written.stderr);
    assert.match(
      written.stderr,
      /note: the plan's model '\.\.\/outside\/model\.onnx' is outside the plan's folder.*so the editor will refuse/,
    );
  });
});
