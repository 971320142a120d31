// `npm run sandbox` (after `npm run package` and scripts/e2e-setup.sh): bundles scripts/sandbox.ts with
// esbuild and runs it in this process, so Ctrl+C reaches it directly and it can stop code-server cleanly.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'out/scripts/sandbox.cjs');
await esbuild.build({
  entryPoints: [join(root, 'scripts/sandbox.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
});
await createRequire(import.meta.url)(outfile).main(process.argv.slice(2));
