// Builds the test suites with esbuild and runs them with Node's test runner.
// Usage: node scripts/test.mjs unit|large|e2e [--only PATTERN]
//   unit  = test/**/*.test.ts   (npm test)
//   large = test/**/*.large.ts  (npm run test:large: models over 2 GiB)
//   e2e   = test/**/*.e2e.ts    (npm run test:e2e: real VS Code)
//   browser = test/**/*.browser.ts (npm run test:webview: the webview's page in headless Chromium)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kind = process.argv[2] ?? 'unit';
const suffix = { unit: '.test.ts', large: '.large.ts', e2e: '.e2e.ts', browser: '.browser.ts' }[kind];
if (!suffix) {
  console.error(`unknown test kind ${kind}: use unit, large, e2e or browser`);
  process.exit(2);
}
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'artifacts' ? [] : find(path);
    return entry.name.endsWith(suffix) && (!only || path.includes(only)) ? [path] : [];
  });
}

const entries = find(join(root, 'test'));
if (entries.length === 0) {
  console.error(`no ${kind} test files found`);
  process.exit(1);
}
const outdir = join(root, 'out', kind);
rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: entries,
  outdir,
  outbase: join(root, 'test'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['onnxruntime-node', 'playwright-core'],
  logLevel: 'warning',
});
const files = entries.map((entry) =>
  join(outdir, relative(join(root, 'test'), entry).replace(/\.ts$/, '.js')),
);
const concurrency = kind === 'unit' ? ['--test-concurrency=2'] : ['--test-concurrency=1'];
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', ...concurrency, ...files],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
process.exit(result.status ?? 1);
