// Runs the hostile-input suite: every command of COMMANDS on every attack of ATTACKS, each as the real CLI
// (bin/onnx-pruner.js) in a child process, bounded as the fuzzer bounds its children (time, resident memory
// sampled from /proc). A run passes when it ends within the bounds with exit 0, 1 or 2, at most three lines on
// stderr, valid JSON where JSON is asked for, no forged output line, and the files around it unchanged but for
// those the command lists.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { residentMb } from '../fuzz/harness';
import { type Attack, type Command, FORGE_MARKER } from './attacks';

export interface Bounds {
  timeoutMs: number;
  memoryMb: number;
  stderrLines: number;
}

export const BOUNDS: Bounds = { timeoutMs: 10_000, memoryMb: 1024, stderrLines: 3 };

export interface RunResult {
  attack: string;
  command: string;
  code: number | null;
  ms: number;
  peakMb: number;
  problems: string[];
}

const CLI = join(__dirname, '..', '..', 'bin', 'onnx-pruner.js');

/** The CLI the suite runs: the built one (npm run build), as a user runs it. */
export function cliPath(root = process.cwd()): string {
  const path = join(root, 'bin', 'onnx-pruner.js');
  if (!existsSync(join(root, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run npm run build first');
  return existsSync(path) ? path : CLI;
}

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  peakMb: number;
  over?: string;
}

/** Runs `node cli args` in `cwd`, killed past the time or the memory bound. */
function runBounded(cli: string, args: string[], cwd: string, bounds: Bounds): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    // Its own process group: a kill ends the CLI and what it started (the ONNX Runtime child) together.
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group has ended already
      }
    };
    let stdout = '';
    let stderr = '';
    let peakMb = 0;
    let over: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const kill = (why: string) => {
      over ??= why;
      killGroup();
    };
    const timer = setTimeout(() => kill(`still running after ${bounds.timeoutMs} ms`), bounds.timeoutMs);
    const watch = setInterval(() => {
      peakMb = Math.max(peakMb, residentMb(child.pid));
      if (peakMb > bounds.memoryMb) kill(`resident memory reached ${peakMb} MB`);
    }, 25);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      killGroup(); // a child the CLI left behind ends with it
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, peakMb, over });
    });
  });
}

/** Every file under `root` by relative path: size and SHA-256 of its bytes. */
function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else {
        const hash = entry.isFile()
          ? createHash('sha256').update(readFileSync(path)).digest('hex')
          : 'special';
        files.set(relative(root, path), `${statSync(path).mode}:${hash}`);
      }
    }
  };
  visit(root);
  return files;
}

/**
 * Runs one command on one attack in a fresh folder: `in/` holds the attack, `out/` the outputs, `cwd/` is
 * the working directory. Returns what went wrong, if anything.
 */
export async function runAttack(
  attack: Attack,
  command: Command,
  cli: string,
  bounds: Bounds = BOUNDS,
): Promise<RunResult> {
  const root = mkdtempSync(join(tmpdir(), 'onnx-pruner-hostile-'));
  try {
    for (const sub of ['in', 'out', 'cwd']) mkdirSync(join(root, sub));
    const model = attack.make(join(root, 'in'));
    const paths = { model, out: join(root, 'out') };
    const args = command.args(paths);
    const before = snapshot(root);
    const run = await runBounded(cli, args, join(root, 'cwd'), bounds);
    const after = snapshot(root);
    const problems: string[] = [];
    if (run.over) problems.push(run.over);
    else if (run.code === null || ![0, 1, 2].includes(run.code))
      problems.push(`exit ${run.code ?? run.signal}: ${run.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const stderrLines = run.stderr.trimEnd() === '' ? 0 : run.stderr.trimEnd().split('\n').length;
    if (stderrLines > bounds.stderrLines)
      problems.push(`${stderrLines} lines on stderr: ${run.stderr.slice(0, 300)}`);
    if (command.json && run.code !== 2 && !run.over) {
      try {
        JSON.parse(run.stdout);
      } catch (error) {
        problems.push(`stdout is not JSON: ${(error as Error).message}`);
      }
    }
    const forged = new RegExp(`^${FORGE_MARKER}`, 'm');
    if (forged.test(run.stdout) || forged.test(run.stderr)) problems.push('a forged line in the output');
    // Files: nothing existing changes or goes; a new file is one the command was told to write or lists.
    const listed = new Set(args.filter((a) => a.startsWith(root)).map((a) => relative(root, a)));
    for (const [path, id] of before) {
      if (!after.has(path)) problems.push(`${path} was removed`);
      else if (after.get(path) !== id) problems.push(`${path} was changed`);
    }
    for (const path of after.keys()) {
      if (before.has(path) || listed.has(path)) continue;
      if (!run.stdout.includes(join(root, path))) problems.push(`${path} appeared and is not listed`);
    }
    for (const path of after.keys()) {
      if (!before.has(path) && path.endsWith('.md') && forged.test(readFileSync(join(root, path), 'utf8')))
        problems.push(`a forged line in ${path}`);
    }
    return {
      attack: attack.name,
      command: command.name,
      code: run.code,
      ms: run.ms,
      peakMb: run.peakMb,
      problems,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
