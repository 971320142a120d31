// Runs a TypeScript script (scripts/*.ts) by bundling it with esbuild first: Node 20 cannot run
// TypeScript directly. Usage: node scripts/run-ts.mjs scripts/gen-sample.ts [args…]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
const outfile = join(root, 'out/scripts', basename(entry).replace(/\.ts$/, '.js'));
await esbuild.build({
  entryPoints: [join(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['onnxruntime-node'],
  logLevel: 'warning',
});
const nodeFlags = process.env.RUN_TS_NODE_FLAGS ? process.env.RUN_TS_NODE_FLAGS.split(' ') : [];
const result = spawnSync(process.execPath, ['--enable-source-maps', ...nodeFlags, outfile, ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
