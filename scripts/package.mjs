// `npm run package`: a production build and a linux-x64 .vsix (onnxruntime-node ships native binaries per
// platform, so the package is platform-specific). Prints the .vsix path and size.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const target = process.env.VSIX_TARGET ?? 'linux-x64';
const out = join(root, 'out', `onnx-pruner-${version}-${target}.vsix`);
mkdirSync(dirname(out), { recursive: true });

execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production'], {
  stdio: 'inherit',
  cwd: root,
});
// vsce declares Node >= 22; VSCE_NODE lets the e2e setup run it with the Node 24 it installs.
// --no-rewrite-relative-links: the README's screenshot (media/screenshots) ships in the package and VS Code
// shows it from there; vsce would otherwise insist on an https URL on a GitHub/GitLab repository.
const node = process.env.VSCE_NODE ?? process.execPath;
execFileSync(
  node,
  [
    join(root, 'node_modules/@vscode/vsce/vsce'),
    'package',
    '--target',
    target,
    '--out',
    out,
    '--no-rewrite-relative-links',
  ],
  { stdio: 'inherit', cwd: root },
);
const size = statSync(out).size;
console.log(`${out}: ${(size / 1024 / 1024).toFixed(1)} MiB (${size} bytes)`);
