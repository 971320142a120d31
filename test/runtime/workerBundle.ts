// A fresh build of the ONNX Runtime worker for the tests, so they never run a stale dist/ortWorker.js.
// The bundle goes under out/ (inside the repository) because it requires onnxruntime-node, which Node
// resolves from the bundle's own folder upwards.
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { WORKER_PATH_ENV } from '../../src/runtime/ortConnection';

let built: string | undefined;

/** The installed esbuild, loaded at run time: it cannot be bundled into the test file itself. */
export function loadEsbuild(): typeof import('esbuild') {
  return createRequire(resolve('package.json'))('esbuild') as typeof import('esbuild');
}

/**
 * Builds src/runtime/ortWorker.ts once per test file and points OrtClient's default at it (through
 * ONNX_PRUNER_ORT_WORKER), which also covers clients the CLI starts in this process. Returns its path.
 */
export function useFreshWorker(): string {
  if (built) return built;
  const root = resolve('.');
  const esbuild = loadEsbuild();
  const dir = join(root, 'out', 'test-worker');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `ortWorker-${process.pid}.js`);
  esbuild.buildSync({
    entryPoints: [join(root, 'src/runtime/ortWorker.ts')],
    outfile: path,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['onnxruntime-node'],
    logLevel: 'warning',
  });
  after(() => rmSync(path, { force: true }));
  process.env[WORKER_PATH_ENV] = path;
  built = path;
  return path;
}
