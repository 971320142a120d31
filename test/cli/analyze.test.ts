import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import AjvDraft04 from 'ajv-draft-04';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { buildFixture } from '../builder/fixtures';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { writeBuilt } from '../builder/model-builder';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');
const dir = tempDir();

describe('onnx-pruner analyze', () => {
  test('--format json follows the contract: model, groups with members and pixel shuffles, diagnostics', async () => {
    const run = await cli('analyze', SAMPLE, '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(report).sort(), ['diagnostics', 'groups', 'model']);
    assert.equal(report.model.irVersion, 8);
    assert.deepEqual(report.model.opsets, { '': 17 });
    assert.equal(report.model.nodes, 24);
    const up = report.groups.find((g: { roots: string[] }) => g.roots.includes('/tail/tail.0/tail.0.0/Conv'));
    assert.equal(up.channels, 128);
    assert.equal(up.unit, 4);
    assert.equal(up.prunable, true);
    assert.equal(up.locked, null);
    assert.deepEqual(up.pixelShuffle, [
      { node: '/tail/tail.0/tail.0.1/DepthToSpace', form: 'DepthToSpace', mode: 'CRD', blocksize: 2 },
    ]);
    assert.deepEqual(up.members[0], {
      node: '/tail/tail.0/tail.0.0/Conv',
      tensor: 'tail.0.0.weight',
      axis: 0,
      role: 'weight (out channels)',
    });
    const ps001 = report.diagnostics.find((d: { code: string }) => d.code === 'PS001');
    assert.equal(ps001.severity, 'info');
    assert.deepEqual(ps001.fixes, []);
  });

  test('the text form shows the group table and the findings', async () => {
    const run = await cli('analyze', SAMPLE);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Groups: 8 \(7 prunable, 1 locked\)/);
    assert.match(
      run.stdout,
      /G6\s+\/tail\/tail\.0\/tail\.0\.0\/Conv\s+128\s+4\s+DepthToSpace CRD r=2\s+prunable/,
    );
    assert.match(run.stdout, /info {4}PS001/);
  });

  test('error findings exit with 1', async () => {
    const path = writeBuilt(dir, 'bug.onnx', buildFixture('rtr-torch10-bug'));
    const run = await cli('analyze', path);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /error {3}PS008/);
  });

  test('--plan adds plan findings with their file, line and column', async () => {
    const plan = join(dir, 'sample.prune.json');
    writeFileSync(
      plan,
      '{\n  "model": "edsr-x4.onnx",\n  "layers": {\n    "/tail/tail.0/tail.0.0/Conv": { "prune": 6 }\n  }\n}\n',
    );
    const run = await cli('analyze', SAMPLE, '--plan', plan, '--format', 'json');
    assert.equal(run.code, 1);
    const pl001 = JSON.parse(run.stdout).diagnostics.find((d: { code: string }) => d.code === 'PL001');
    assert.equal(pl001.file, plan);
    assert.deepEqual(pl001.range.start, { line: 3, character: 45 });
    assert.match(
      (await cli('analyze', SAMPLE, '--plan', plan)).stdout,
      /sample\.prune\.json:4:46: "prune": 6/,
    );
  });

  test('a missing plan file is a usage error naming it', async () => {
    const run = await cli('analyze', SAMPLE, '--plan', join(dir, 'nope.prune.json'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /nope\.prune\.json: no such file/);
  });

  test('--format sarif validates against the SARIF 2.1.0 schema', async () => {
    const plan = join(dir, 'sarif.prune.json');
    writeFileSync(plan, '{ "model": "x.onnx", "layers": { "/nope/Conv": { "ratio": 0.5 } } }');
    const path = writeBuilt(dir, 'straddle.onnx', buildFixture('concat-d2s-straddle'));
    const run = await cli('analyze', path, '--plan', plan, '--format', 'sarif');
    const sarif = JSON.parse(run.stdout);
    const schema = JSON.parse(
      readFileSync(resolve('node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
    );
    const ajv = new AjvDraft04({
      allErrors: true,
      strict: false,
      validateFormats: false,
      unicodeRegExp: false,
    }); // SARIF's schema is draft-04
    const validate = ajv.compile(schema);
    const checked: unknown = JSON.parse(run.stdout);
    assert.ok(validate(checked), JSON.stringify(validate.errors, null, 2));
    const broken = JSON.parse(run.stdout);
    broken.runs[0].results[0].level = 'fatal';
    assert.equal(validate(broken), false, 'the validator is not vacuous');
    const results = sarif.runs[0].results;
    assert.ok(
      results.some((r: { ruleId: string; level: string }) => r.ruleId === 'PS004' && r.level === 'warning'),
    );
    const pl002 = results.find((r: { ruleId: string }) => r.ruleId === 'PL002');
    assert.equal(pl002.locations[0].physicalLocation.artifactLocation.uri, plan);
    assert.equal(pl002.locations[0].physicalLocation.region.startLine, 1);
  });

  test('the text form of a large model sums up the groups past the first hundred; --all lists them', async () => {
    const built = buildModel([1, 2, 4, 4], (b, x) => {
      let y = x;
      for (let i = 0; i < 105; i++) y = b.relu(conv3(b, y, 2, `/c${i}/Conv`));
      return y;
    });
    const path = writeBuilt(dir, 'long.onnx', built);
    const cut = await cli('analyze', path);
    assert.equal(cut.code, 0, cut.stderr);
    assert.match(cut.stdout, /^Groups: 105 /m);
    assert.match(cut.stdout, /^ {2}G100 /m);
    assert.doesNotMatch(cut.stdout, /^ {2}G101 /m);
    assert.match(cut.stdout, /^ {2}… and 5 more groups \(1 of them locked\): --all lists every group/m);
    const all = await cli('analyze', path, '--all');
    assert.match(all.stdout, /^ {2}G105 /m);
    assert.doesNotMatch(all.stdout, /more groups/);
  });

  test('a model with nothing to prune says so', async () => {
    const run = await cli('analyze', writeBuilt(dir, 'add.onnx', buildFixture('identity-dropout')));
    assert.equal(run.code, 0);
  });
});
