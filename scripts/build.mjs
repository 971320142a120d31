// Bundles the entry points with esbuild: the extension, the language server and the CLI for Node,
// the webview for the browser. vscode and onnxruntime-node stay external (onnxruntime-node loads its
// native binaries relative to its own folder, so it ships unbundled).
import * as esbuild from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode', 'onnxruntime-node'],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { server: 'src/server/server.ts' }, outdir: 'dist' },
  // Prunes run on a worker thread of the language server (it keeps answering, and Cancel acts at once).
  { ...node, entryPoints: { pruneJob: 'src/server/pruneJob.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist' },
  // onnxruntime-node runs only in this child process of the CLI and the language server (design §1).
  { ...node, entryPoints: { ortWorker: 'src/runtime/ortWorker.ts' }, outdir: 'dist' },
  {
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    entryPoints: { webview: 'webview/main.ts', layoutWorker: 'webview/graph/layoutWorker.ts' },
    outdir: 'dist',
  },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
