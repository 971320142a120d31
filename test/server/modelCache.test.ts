// The language server's analyses (ModelCache): reused while a file is unchanged, and bounded: every edit of a
// model in the editor is a file of its own, and a session of edits and undos must not keep an analysis of each
// (a 50,000-node model's holds ~90 MB) until the server ends.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MODEL_CACHE_ENTRIES, ModelCache } from '../../src/server/modelCache';
import { buildFixture } from '../builder/fixtures';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
const bytes = buildFixture('d2s-crd').bytes;

function model(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test('an unchanged file is analysed once; at most the capacity are kept, the least recently used dropped first', () => {
  const cache = new ModelCache(3);
  const [a, b, c, d] = ['a.onnx', 'b.onnx', 'c.onnx', 'd.onnx'].map(model);
  const first = cache.get(a);
  assert.ok(first.ok);
  assert.equal(cache.get(a), first, 'reused while the file is unchanged');
  cache.get(b);
  cache.get(c);
  cache.get(a); // a is now the most recently used
  cache.get(d);
  assert.deepEqual(cache.paths(), [c, a, d], 'b, the least recently used, was dropped');
  assert.equal(cache.get(a), first, 'a is kept');
  assert.notEqual(cache.get(b), undefined);
  assert.deepEqual(cache.paths(), [d, a, b]);
});

test('a session of many edited states keeps a bounded number of analyses', () => {
  const cache = new ModelCache();
  for (let i = 0; i < 3 * MODEL_CACHE_ENTRIES; i++) assert.ok(cache.get(model(`state-${i}.onnx`)).ok);
  assert.equal(cache.paths().length, MODEL_CACHE_ENTRIES);
});

test('sweep drops the analyses of files that are gone, and keeps the others', () => {
  const cache = new ModelCache();
  const kept = model('kept.onnx');
  const gone = model('gone.onnx');
  cache.get(kept);
  cache.get(gone);
  rmSync(gone);
  cache.sweep();
  assert.deepEqual(cache.paths(), [kept]);
});
