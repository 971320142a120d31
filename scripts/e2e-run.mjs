// Runs the e2e suites (`node scripts/test.mjs e2e [args]`) in a network namespace of their own that holds only
// loopback, so nothing they start (code-server, its extension host, Chromium) can send a packet beyond
// 127.0.0.1: the kernel enforces what the harness's proxy and gallery settings only ask for. It needs
// util-linux's unshare and root (or unprivileged user namespaces). Without them it says so and runs the suites
// as they are. Set E2E_NETNS=0 to turn it off.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = [process.execPath, join(root, 'scripts/test.mjs'), 'e2e', ...process.argv.slice(2)];
const upLoopback = 'ip link set lo up';

function isolation() {
  if (process.env.E2E_NETNS === '0') return undefined;
  for (const flags of [['--net'], ['--map-root-user', '--net']]) {
    const probe = spawnSync('unshare', [...flags, 'sh', '-c', upLoopback], { stdio: 'ignore' });
    if (probe.status === 0) return flags;
  }
  return undefined;
}

const flags = isolation();
let result;
if (flags) {
  console.log(`e2e: in a network namespace of its own (unshare ${flags.join(' ')}): loopback only`);
  result = spawnSync('unshare', [...flags, '--', 'sh', '-c', `${upLoopback} && exec "$@"`, 'sh', ...suites], {
    stdio: 'inherit',
    cwd: root,
  });
} else {
  console.log('e2e: no network namespace (needs unshare and root; E2E_NETNS=0 turns it off): proxies only');
  result = spawnSync(suites[0], suites.slice(1), { stdio: 'inherit', cwd: root });
}
process.exit(result.status ?? 1);
