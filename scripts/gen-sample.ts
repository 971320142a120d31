// Writes the sample model the extension ships: media/sample/edsr-x4.onnx, an EDSR-like x4 super-resolution
// net whose upsamplers are Conv + DepthToSpace(CRD). Deterministic: re-running it gives the same bytes, and
// a unit test (test/builder/builder-sample.test.ts) fails when the committed file is out of date.
// Usage: npm run gen:sample
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildEdsrX4 } from '../test/builder/edsr';
import { writeBuilt } from '../test/builder/model-builder';
import { runModel } from '../test/builder/runtime';

const SAMPLE_DIR = 'media/sample';
const MAX_BYTES = 2 * 1024 * 1024;

/** npm runs scripts from the package root; refuse to write anywhere else. */
function packageRoot(): string {
  const root = process.cwd();
  const manifest = join(root, 'package.json');
  if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).name !== 'onnx-pruner') {
    throw new Error(`run this from the onnx-pruner root (npm run gen:sample), not ${root}`);
  }
  return root;
}

async function main(): Promise<void> {
  const root = packageRoot();
  const built = buildEdsrX4();
  if (built.bytes.length > MAX_BYTES) throw new Error(`sample is ${built.bytes.length} bytes, over 2 MB`);
  const path = writeBuilt(join(root, SAMPLE_DIR), 'edsr-x4.onnx', built);

  // Check the file as written, in the real runtime, before anyone commits it.
  const outputs = await runModel(path);
  const output = outputs[built.outputs[0].name];
  if (output.dims.join('x') !== '1x3x128x128' || !output.data.every(Number.isFinite)) {
    throw new Error(`sample produced [${output.dims.join(', ')}] with non-finite values`);
  }
  const nodes = built.model.graph?.node?.length ?? 0;
  const kib = (built.bytes.length / 1024).toFixed(1);
  console.log(
    `wrote ${relative(root, path)}: ${kib} KiB, ${nodes} nodes, output [${output.dims.join(', ')}]`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
