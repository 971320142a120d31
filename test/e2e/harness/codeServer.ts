// Starts and stops code-server (a real VS Code: workbench in the browser, Node extension host) for the e2e
// suites and `npm run sandbox`. No playwright here, so the sandbox can use it alone.
//
// Every run gets its own folder (user data, extensions, config, HOME and XDG dirs, the workspace), a free
// 127.0.0.1 port and a marker in the environment of every process it starts; the server runs in its own
// process group, which stop() ends, and stop() then sweeps /proc for anything still carrying the marker.
// Nothing leaves 127.0.0.1: isolation.ts has the settings and environment that see to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_SETTINGS, isolatedEnv } from './isolation';
import { paths } from './paths';
import { groupMembers, markedProcesses, signal, signalGroup, sweep } from './processes';
import { sleep } from './sleep';

export const CODE_SERVER_VERSION = '4.139.1';

export interface ServerOptions {
  /** Extra workspace files by relative path; the sample model is always there as edsr-x4.onnx. */
  files?: Record<string, string | Uint8Array>;
  /** User settings merged over the defaults (DEFAULT_SETTINGS in isolation.ts). */
  settings?: Record<string, unknown>;
  /** The .vsix to install; default the one `npm run package` builds. */
  vsix?: string;
  /** Keep the run folder after stop() (the sandbox removes it; the suites copy the logs out first). */
  keep?: boolean;
  /** Port; default a free one. */
  port?: number;
  /** Where the run folder goes; default the system temp dir. */
  parent?: string;
}

export class CodeServer {
  /** Lines the server printed (stdout and stderr). */
  readonly output: string[] = [];
  private exited: Promise<void>;
  private exitCode: number | null = null;
  private stopped = false;

  private constructor(
    readonly runId: string,
    readonly runDir: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    readonly workspace: string,
    readonly port: number,
    readonly env: NodeJS.ProcessEnv,
    private readonly child: ChildProcess,
    private readonly keep: boolean,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 1);
        resolve();
      }),
    );
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  /** The workbench URL with the workspace folder open. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Prepares a run folder, installs the extension, starts the server and waits until it listens. */
  static async start(options: ServerOptions = {}): Promise<CodeServer> {
    const p = paths();
    const runId = randomUUID();
    const runDir = mkdtempSync(join(options.parent ?? tmpdir(), 'onnx-pruner-e2e-'));
    const dirs = {
      userData: join(runDir, 'user-data'),
      extensions: join(runDir, 'extensions'),
      home: join(runDir, 'home'),
      workspace: join(runDir, 'workspace'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    mkdirSync(join(dirs.userData, 'User'), { recursive: true });
    writeFileSync(
      join(dirs.userData, 'User/settings.json'),
      JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2),
    );
    copyFileSync(p.sample, join(dirs.workspace, 'edsr-x4.onnx'));
    for (const [name, content] of Object.entries(options.files ?? {})) {
      const path = join(dirs.workspace, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    const config = join(runDir, 'config.yaml');
    const env = isolatedEnv(p.node, dirs.home, runId);
    const common = [
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--config',
      config,
    ];

    writeFileSync(config, 'auth: none\ncert: false\n');
    const install = await run(
      p.node,
      [p.codeServer, ...common, '--install-extension', options.vsix ?? p.vsix, '--force'],
      env,
    );
    if (install.code !== 0 || !/successfully installed/i.test(install.output)) {
      rmSync(runDir, { recursive: true, force: true });
      throw new Error(`installing the extension failed (exit ${install.code}):\n${install.output}`);
    }

    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
      const child = spawn(
        p.node,
        [
          p.codeServer,
          ...common,
          '--bind-addr',
          `127.0.0.1:${port}`,
          '--auth',
          'none',
          '--disable-telemetry',
          '--disable-update-check',
          '--disable-workspace-trust',
          '--disable-getting-started-override',
          '--ignore-last-opened',
          dirs.workspace,
        ],
        { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const server = new CodeServer(
        runId,
        runDir,
        dirs.userData,
        dirs.extensions,
        dirs.workspace,
        port,
        env,
        child,
        options.keep ?? false,
      );
      liveServers.add(server);
      try {
        await server.waitForOutput(/HTTP server listening/, 30_000);
        return server;
      } catch (error) {
        const inUse = server.output.some((line) => line.includes('EADDRINUSE'));
        await server.stop();
        if (!inUse || attempt >= 3 || options.port) throw error;
      }
    }
  }

  /** Resolves with the exit code when the server exits (by itself or through stop()). */
  async waitForExit(): Promise<number> {
    await this.exited;
    return this.exitCode ?? 1;
  }

  /** Resolves when a line of the server's output matches; rejects if it exits or time runs out. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.some((line) => pattern.test(line))) {
      if (this.exitCode !== null)
        throw new Error(`code-server exited (${this.exitCode}):\n${this.output.slice(-30).join('\n')}`);
      if (Date.now() > deadline)
        throw new Error(
          `code-server did not print ${pattern} in ${timeoutMs} ms:\n${this.output.join('\n')}`,
        );
      await sleep(50);
    }
  }

  /** The newest session log folder (user-data/logs/<time>), once VS Code has made it. */
  logDir(): string | undefined {
    const logs = join(this.userDataDir, 'logs');
    if (!existsSync(logs)) return undefined;
    const sessions = readdirSync(logs).sort();
    return sessions.length ? join(logs, sessions[sessions.length - 1]!) : undefined;
  }

  /** The extension host's log folder: remoteexthost.log, output channels, one folder per LogOutputChannel. */
  exthostLogDir(): string | undefined {
    const dir = this.logDir();
    if (!dir) return undefined;
    const exthosts = readdirSync(dir)
      .filter((name) => /^exthost\d+$/.test(name))
      .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
    return exthosts.length ? join(dir, exthosts[exthosts.length - 1]!) : undefined;
  }

  /** remoteexthost.log as it is now ('' before the extension host starts). */
  exthostLog(): string {
    const dir = this.exthostLogDir();
    const file = dir && join(dir, 'remoteexthost.log');
    return file && existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Text of the log files whose name is `${channel}.log` under the extension host's log folder. */
  channelLog(channel: string): string | undefined {
    const dir = this.exthostLogDir();
    if (!dir) return undefined;
    const hits = walk(dir).filter((file) => file.endsWith(`${channel}.log`));
    return hits.length ? hits.map((file) => readFileSync(file, 'utf8')).join('\n') : undefined;
  }

  async waitForExthostLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.exthostLog())) {
      if (this.exitCode !== null) throw new Error(`code-server exited (${this.exitCode})`);
      if (Date.now() > deadline)
        throw new Error(`the extension host log did not show ${pattern} in ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /**
   * Stops the server's whole process group (SIGTERM, then SIGKILL after 5 s), then kills any process that
   * still carries this run's marker. Returns the survivors it had to kill (empty when all went down).
   */
  async stop(): Promise<string[]> {
    if (this.stopped) return [];
    this.stopped = true;
    liveServers.delete(this);
    const pgid = this.pid;
    signalGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (groupMembers(pgid).length && Date.now() < deadline) await sleep(50);
    if (groupMembers(pgid).length) signalGroup(pgid, 'SIGKILL');
    await Promise.race([this.exited, sleep(2000)]);
    const survivors = await sweep(this.runId, this.runDir);
    if (!this.keep) rmSync(this.runDir, { recursive: true, force: true });
    return survivors;
  }

  /** Synchronous last resort when the test process itself is going down. */
  killNow(): void {
    signalGroup(this.pid, 'SIGKILL');
    for (const pid of markedProcesses(this.runId, this.runDir)) signal(pid, 'SIGKILL');
  }
}

const liveServers = new Set<CodeServer>();
process.once('exit', () => {
  for (const server of liveServers) server.killNow();
});

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** A port free on 127.0.0.1 now (the OS picks it; another process could still take it before we do). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
