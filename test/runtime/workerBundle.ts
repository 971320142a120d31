// A fresh build of the ONNX Runtime worker for the tests, so they never run a stale dist/ortWorker.js.
// The bundle goes under out/ (inside the repository) because it requires onnxruntime-node, which Node
// resolves from the bundle's own folder upwards.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { WORKER_PATH_ENV } from '../../src/runtime/ortConnection';
import { bundleForNode } from '../support/nodeBundle';

let built: string | undefined;

/**
 * Builds src/runtime/ortWorker.ts once per test file and points OrtClient's default at it (through
 * ONNX_PRUNER_ORT_WORKER), which also covers clients the CLI starts in this process. Returns its path.
 */
export function useFreshWorker(): string {
  if (built) return built;
  const root = resolve('.');
  const dir = join(root, 'out', 'test-worker');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `ortWorker-${process.pid}.js`);
  bundleForNode(join(root, 'src/runtime/ortWorker.ts'), path, ['onnxruntime-node']);
  after(() => rmSync(path, { force: true }));
  process.env[WORKER_PATH_ENV] = path;
  built = path;
  return path;
}
