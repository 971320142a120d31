/**
 * The fuzz harness. Cases run in a child process (this same bundle, started with ONNX_PRUNER_FUZZ_CHILD
 * set) under a time bound and a memory bound, so a hang, a stack overflow, a crash or an unbounded
 * allocation ends one case as a failure instead of ending the run. Every case is rebuilt from (seed, case
 * number) alone: a failure is reproduced with `npm run fuzz -- --seed S --case K`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../../src/core/random';
import { hashString } from '../builder/prng';
import { OPERATIONS, type Operation, mutate } from './mutations';
import type { Seed, SeedSet } from './seeds';

export interface FuzzCase {
  seed: number;
  index: number;
  op: Operation;
  source: string;
  what: string;
  bytes: Uint8Array;
  files: Readonly<Record<string, Uint8Array>>;
}

/** Case `index` of run `seed`: the random stream depends on nothing else (not on earlier cases). */
export function makeCase(
  seed: number,
  index: number,
  seeds: readonly Seed[],
  ops: readonly Operation[] = OPERATIONS,
): FuzzCase {
  const rng = mulberry32(hashString(`fuzz:${seed}:${index}`));
  const op = ops[Math.floor(rng() * ops.length)];
  const source = seeds[Math.floor(rng() * seeds.length)];
  const { bytes, what } = mutate(op, source.bytes, rng);
  return {
    seed,
    index,
    op,
    source: op === 'deep' ? 'hand-made' : source.name,
    what,
    bytes,
    files: source.files,
  };
}

export type Verdict = 'ok' | 'refused' | 'failure';

/** What the child reports for one operation on one case. */
export interface OpResult {
  op: 'inspect' | 'analyze' | 'prune';
  verdict: Verdict;
  message?: string;
}

export interface Failure {
  case: FuzzCase;
  problem: string;
}

export interface Limits {
  /** Wall-clock bound for the three operations of one case. */
  caseTimeoutMs: number;
  /** Bound on the child's resident memory (V8's heap is bounded lower, by --max-old-space-size). */
  memoryMb: number;
}

export const DEFAULT_LIMITS: Limits = { caseTimeoutMs: 10_000, memoryMb: 1024 };

const CHILD_ENV = 'ONNX_PRUNER_FUZZ_CHILD';

/** True in the child; the bundle's entry then serves cases instead of running tests or a CLI. */
export const isFuzzChild = process.env[CHILD_ENV] === '1';

/** One child serving cases over IPC; replaced after it crashes or is killed. */
export class CaseRunner {
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(
    private readonly entry: string,
    private readonly workDir: string,
    private readonly limits: Limits = DEFAULT_LIMITS,
  ) {}

  /** Runs one case: the operations' results, or a failure (time, memory, crash, or an unclear error). */
  async run(fuzzCase: FuzzCase): Promise<{ results: OpResult[]; failure?: string }> {
    const dir = join(this.workDir, `case-${fuzzCase.index}`);
    mkdirSync(dir, { recursive: true });
    try {
      for (const [name, bytes] of Object.entries(fuzzCase.files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), bytes);
      }
      const path = join(dir, 'case.onnx');
      writeFileSync(path, fuzzCase.bytes);
      const outcome = await this.send(path, join(dir, 'pruned.onnx'));
      if ('failure' in outcome) return { results: [], failure: outcome.failure };
      const bad = outcome.results.filter((r) => r.verdict === 'failure');
      return {
        results: outcome.results,
        failure: bad.length > 0 ? bad.map((r) => `${r.op}: ${r.message}`).join('; ') : undefined,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private start(): ChildProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_ENV]: '1' };
    delete env.NODE_TEST_CONTEXT; // the child is not a test file of node --test
    const heap = Math.max(64, Math.floor(this.limits.memoryMb / 2));
    const child = fork(this.entry, [], {
      env,
      execArgv: [`--max-old-space-size=${heap}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = '';
    child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)),
    );
    return child;
  }

  private send(path: string, output: string): Promise<{ results: OpResult[] } | { failure: string }> {
    const child = (this.child ??= this.start());
    return new Promise((resolve) => {
      const finish = (value: { results: OpResult[] } | { failure: string }, kill: boolean) => {
        clearTimeout(timer);
        clearInterval(watch);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (kill) {
          child.kill('SIGKILL');
          this.child = undefined;
        }
        resolve(value);
      };
      const onMessage = (results: OpResult[]) => finish({ results }, false);
      const onExit = (code: number | null, signal: string | null) => {
        this.child = undefined;
        const tail = this.stderr.trim().split('\n').slice(-3).join(' | ');
        finish({ failure: `child died (exit ${code}, signal ${signal})${tail ? `: ${tail}` : ''}` }, false);
      };
      const timer = setTimeout(
        () => finish({ failure: `no result within ${this.limits.caseTimeoutMs} ms (hang?)` }, true),
        this.limits.caseTimeoutMs,
      );
      const watch = setInterval(() => {
        const rss = residentMb(child.pid);
        if (rss > this.limits.memoryMb)
          finish({ failure: `resident memory reached ${rss} MB (bound ${this.limits.memoryMb} MB)` }, true);
      }, 25);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ path, output });
    });
  }
}

export function residentMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0; // not Linux, or the child just exited (its exit handler reports that)
  }
}

export interface RunStats {
  cases: number;
  perOp: Record<string, { cases: number; ok: number; refused: number; failures: number }>;
  failures: Failure[];
  elapsedMs: number;
}

/** Runs cases 0, 1, 2… of `seed` until `maxCases` or the deadline; `onProgress` sees every result. */
export async function runFuzz(options: {
  seed: number;
  seeds: readonly Seed[];
  runner: CaseRunner;
  budgetMs: number;
  maxCases?: number;
  firstCase?: number;
  ops?: readonly Operation[];
  onCase?: (fuzzCase: FuzzCase, failure: string | undefined, stats: RunStats) => void;
}): Promise<RunStats> {
  const started = Date.now();
  const stats: RunStats = { cases: 0, perOp: {}, failures: [], elapsedMs: 0 };
  for (const op of options.ops ?? OPERATIONS) stats.perOp[op] = { cases: 0, ok: 0, refused: 0, failures: 0 };
  const last = (options.firstCase ?? 0) + (options.maxCases ?? Infinity);
  for (let index = options.firstCase ?? 0; index < last && Date.now() - started < options.budgetMs; index++) {
    const fuzzCase = makeCase(options.seed, index, options.seeds, options.ops);
    const { results, failure } = await options.runner.run(fuzzCase);
    const counts = stats.perOp[fuzzCase.op];
    stats.cases++;
    counts.cases++;
    if (failure) {
      counts.failures++;
      stats.failures.push({ case: fuzzCase, problem: failure });
    } else if (results.some((r) => r.verdict === 'refused')) counts.refused++;
    else counts.ok++;
    options.onCase?.(fuzzCase, failure, stats);
  }
  stats.elapsedMs = Date.now() - started;
  return stats;
}

export function describeFailure(f: Failure, set: SeedSet): string {
  const c = f.case;
  return `seed ${c.seed} case ${c.index} (${c.op} of ${c.source}: ${c.what}): ${f.problem}\n  reproduce: npm run fuzz -- --seeds ${set} --seed ${c.seed} --case ${c.index}`;
}
