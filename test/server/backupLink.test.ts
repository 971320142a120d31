// Save in the model editor keeps the previous file as `<target>.bak`: a link planted under that name (in a
// cloned model folder, say) is replaced by the backup, never followed to write the model somewhere else.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { ModelStates } from '../../src/server/modelStates';
import { tempDir } from '../support/tempDir';

test('the .bak backup replaces a link planted at its name instead of writing through it', async () => {
  const dir = tempDir();
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  const model = writeBuilt(dir, 'model.onnx', buildFixture('plain-chain'));
  const target = writeBuilt(dir, 'other.onnx', buildFixture('d2s-crd'));
  const previous = readFileSync(target);
  const victim = join(elsewhere, 'victim.onnx'); // does not exist yet: a dangling link
  symlinkSync(victim, `${target}.bak`);
  const states = new ModelStates();
  const saved = await states
    .save(pathToFileURL(model).href, [], target, true)
    .finally(() => states.dispose());
  assert.ok(!existsSync(victim), 'nothing was written through the link');
  assert.ok(lstatSync(`${target}.bak`).isFile());
  assert.deepEqual(readFileSync(`${target}.bak`), previous);
  assert.deepEqual(readFileSync(target), readFileSync(model));
  assert.equal(saved.backup, `${target}.bak`);
  assert.deepEqual(saved.files, [`${target}.bak`, target], 'the save lists every file it wrote');
});
