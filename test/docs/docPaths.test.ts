// The docs name source files to explain the code; a file renamed or removed leaves them describing code that
// is not there. Every path-like name in the docs must lead to a file of the repository: the path itself, or
// (for the short names a section uses under its folder's heading) a file whose path ends with it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');
const DOCS = [
  'ARCHITECTURE.md',
  'README.md',
  'SECURITY.md',
  ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`),
];
/** Generated or installed folders: names under them are outputs, not sources. */
const SKIP_DIRS = new Set(['node_modules', 'out', 'dist', '.git', '.vscode-test']);
/** A name that looks like a file of ours: word characters, dots, slashes, with one of our extensions. */
/** Not files: a one-letter placeholder of a usage line (`--report R.json`) and a product's name. */
const NOT_FILES = /^(?:[A-Z]\.\w+|Node\.js)$/;
const PATH = /(?<![\w./*<>$-])\w[\w./-]*\.(?:ts|mjs|js|json|md|proto|sh|yml)\b/g;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : files(join(dir, entry.name));
    return [relative(ROOT, join(dir, entry.name)).split('\\').join('/')];
  });
}

test('every source path named in ARCHITECTURE.md, README.md, SECURITY.md and docs/ exists', () => {
  const all = files(ROOT);
  const missing: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const [name] of text.matchAll(PATH)) {
      if (/^(out|node_modules|dist)\//.test(name) || NOT_FILES.test(name)) continue;
      const found = all.some((path) => path === name || path.endsWith(`/${name}`));
      if (!found) missing.push(`${doc}: ${name}`);
    }
  }
  assert.deepEqual(missing, [], 'names in the docs with no file behind them');
});
