// `npm run sandbox`: a real VS Code (code-server) on 127.0.0.1 with the freshly packaged extension installed
// and a fresh workspace holding the sample model, to try the extension in a browser without installing VS
// Code. Ctrl+C stops the server and everything it started, and removes the run folder.
// Options: --port N (default 8080, or a free port when 8080 is taken).
import { relative } from 'node:path';
import { CODE_SERVER_VERSION, CodeServer, freePort } from '../test/e2e/harness/codeServer';
import { paths } from '../test/e2e/harness/paths';

export async function main(args: string[]): Promise<void> {
  const portIndex = args.indexOf('--port');
  const requested = portIndex >= 0 ? Number(args[portIndex + 1]) : undefined;
  if (requested !== undefined && !(Number.isInteger(requested) && requested > 0 && requested < 65536)) {
    console.error(`sandbox: --port needs a port number, got ${args[portIndex + 1]}`);
    process.exit(2);
  }
  const p = paths();
  const port = requested ?? ((await isFree(8080)) ? 8080 : await freePort());
  const server = await CodeServer.start({ port });
  let stopping = false;
  // The terminal's Ctrl+C also ends a pipe this prints into: never let a failed write stop the cleanup.
  process.stdout.on('error', () => {});
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const survivors = await server.stop();
    const detail = survivors.length ? `killed ${survivors.length} leftover process(es)` : 'stopped.';
    console.log(`\n${signal}: code-server ${detail}`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl+C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));

  console.log(`
ONNX Pruner sandbox: VS Code (code-server ${CODE_SERVER_VERSION}) with ${relative(p.root, p.vsix)}

  open        ${server.url}
  workspace   ${server.workspace}  (edsr-x4.onnx; removed when the sandbox stops)
  logs        ${server.userDataDir}/logs

Only 127.0.0.1 is served (from another machine: ssh -L ${server.port}:127.0.0.1:${server.port} this-host).
Ctrl+C stops it.
`);
  const code = await server.waitForExit();
  if (!stopping) {
    console.error(`code-server exited by itself (${code}):\n${server.output.slice(-20).join('\n')}`);
    await server.stop();
    process.exit(1);
  }
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
