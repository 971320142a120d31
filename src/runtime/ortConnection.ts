/**
 * The ONNX Runtime worker process behind OrtClient (ortClient.ts): started on the first request, sent one
 * request at a time, each with its timeout and a watch on the process's memory, killed when a request
 * outlives either (the next request starts a fresh worker, of a new generation), and unref'd while idle.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { RuntimeCall, RuntimeCalls, WorkerMessage } from '../protocol/runtime';
import { ORT_TIMEOUT_SECONDS } from '../protocol/runtime';
import { OrtRuntimeError } from './ortErrors';

/**
 * The most memory (resident set) the ONNX Runtime process may use: half the machine's, at most 8 GiB. A
 * model's shapes can ask ORT for any amount; past this the process is stopped and the request fails.
 */
const ORT_MEMORY_LIMIT_BYTES = Math.max(2 ** 30, Math.min(8 * 2 ** 30, Math.floor(totalmem() / 2)));

/** How often the memory of a busy worker is checked, in ms. */
const MEMORY_POLL_MS = 100;

/** Set to the worker bundle's path to run another build of it (the tests build a fresh one). */
export const WORKER_PATH_ENV = 'ONNX_PRUNER_ORT_WORKER';

export interface OrtClientOptions {
  /** The worker bundle; default $ONNX_PRUNER_ORT_WORKER or ortWorker.js beside this bundle (dist/). */
  workerPath?: string;
  /** Default timeout of every request, in ms (ORT_TIMEOUT_SECONDS). */
  timeoutMs?: number;
  /** The worker's memory limit in bytes (ORT_MEMORY_LIMIT_BYTES). */
  memoryLimitBytes?: number;
  /** How long the worker may take to start and load onnxruntime-node, in ms (30 s). */
  startTimeoutMs?: number;
  /** Node binary for the worker (default process.execPath). */
  execPath?: string;
}

export interface CallOptions {
  timeoutMs?: number;
}

interface Worker {
  child: ChildProcess;
  generation: number;
  ready: Promise<string>;
  /** The end of the worker's stderr: ORT's last words when it crashes. */
  stderr: string;
  alive: boolean;
}

interface Pending {
  id: number;
  what: string;
  resolve: (message: WorkerMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  memory: NodeJS.Timeout;
}

/** What a request uses that lives in one worker: a loaded model or a stash. */
export interface Owned {
  readonly path: string;
  readonly generation: number;
}

const STDERR_TAIL = 4096;

function defaultWorkerPath(): string {
  return process.env[WORKER_PATH_ENV] || join(__dirname, 'ortWorker.js');
}

/** One worker process at a time, and the request it runs. */
export class OrtConnection {
  private worker: Worker | undefined;
  /** The generation of the last worker started: what a reply's models and stashes belong to. */
  private started = 0;
  private nextId = 1;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private version: string | undefined;

  constructor(private readonly options: OrtClientOptions = {}) {}

  /** The time limit of a request that sets none, in ms. */
  get timeoutMs(): number {
    return this.options.timeoutMs ?? ORT_TIMEOUT_SECONDS * 1000;
  }

  /** The worker's process id while one runs. */
  get pid(): number | undefined {
    return this.worker?.alive ? this.worker.child.pid : undefined;
  }

  /** onnxruntime-node's version, once a worker has started. */
  get ortVersion(): string | undefined {
    return this.version;
  }

  /** The generation of the last worker started. */
  get generation(): number {
    return this.started;
  }

  /** The generation of the worker running now; undefined when none is. */
  get liveGeneration(): number | undefined {
    return this.worker?.alive ? this.worker.generation : undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the worker (a request still running fails with 'closed'). Later requests fail with 'closed'. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(new OrtRuntimeError('closed', 'the ONNX Runtime client was closed.'));
    if (!worker?.alive) return;
    const exited = new Promise<void>((resolve) => worker.child.once('exit', () => resolve()));
    // The worker exits on 'disconnect'; a worker stuck in native code gets SIGKILL after a grace period.
    if (worker.child.connected) worker.child.disconnect();
    const grace = setTimeout(() => worker.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(grace);
  }

  /**
   * Sends a request once those before it are answered; `models` are what it uses in the worker (one that lives
   * in a worker since stopped fails it with 'stale-session').
   */
  call<K extends RuntimeCall>(
    kind: K,
    fields: RuntimeCalls[K]['request'],
    what: string,
    options: CallOptions,
    models: readonly Owned[] = [],
  ): Promise<RuntimeCalls[K]['reply']> {
    const result = this.queue.then(() => this.send(kind, fields, what, options, models));
    this.queue = result.catch(() => undefined);
    return result as Promise<RuntimeCalls[K]['reply']>;
  }

  private async send(
    kind: RuntimeCall,
    fields: object,
    what: string,
    options: CallOptions,
    models: readonly Owned[],
  ): Promise<unknown> {
    if (this.closed)
      throw new OrtRuntimeError('closed', `cannot finish ${what}: the ONNX Runtime client was closed.`);
    for (const model of models) {
      if (model.generation !== this.started || !this.worker?.alive) {
        throw new OrtRuntimeError(
          'stale-session',
          `cannot finish ${what}: the ONNX Runtime process that held ${model.path} has stopped (it crashed, ` +
            'hung or was closed); load the model again.',
        );
      }
    }
    const worker = await this.ensureWorker();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const limit = this.options.memoryLimitBytes ?? ORT_MEMORY_LIMIT_BYTES;
    const id = this.nextId++;
    const message = await new Promise<WorkerMessage>((resolve, reject) => {
      const abandon = (error: OrtRuntimeError) => {
        clearTimeout(timer);
        clearInterval(memory);
        this.pending = undefined;
        this.stop(worker);
        reject(error);
      };
      const timer = setTimeout(() => {
        abandon(
          new OrtRuntimeError(
            'timeout',
            `ONNX Runtime did not finish ${what} within ${seconds(timeoutMs)}; its process was stopped.`,
          ),
        );
      }, timeoutMs);
      // Checked from here, not in the worker: a run blocks the worker's event loop while ORT allocates.
      const memory = setInterval(() => {
        const rss = residentBytes(worker.child.pid);
        if (rss !== undefined && rss > limit) {
          abandon(
            new OrtRuntimeError(
              'memory',
              `ONNX Runtime used more than ${gib(limit)} of memory while ${what}; its process was stopped.`,
            ),
          );
        }
      }, MEMORY_POLL_MS);
      memory.unref();
      this.pending = { id, what, resolve, reject, timer, memory };
      this.setRef(worker, true);
      worker.child.send({ id, kind, ...fields }, (error) => {
        // A send that fails means the worker is gone; its 'exit' handler reports the request.
        if (error) this.stop(worker);
      });
    });
    if (message.kind === 'ready' || message.kind === 'fatal') throw new Error('unreachable');
    if (!message.ok)
      throw new OrtRuntimeError('failed', `ONNX Runtime failed while ${what}: ${message.message}`);
    return message;
  }

  private ensureWorker(): Promise<Worker> {
    const running = this.worker;
    if (running?.alive) return running.ready.then(() => running);
    const path = this.options.workerPath ?? defaultWorkerPath();
    if (!existsSync(path)) {
      throw new OrtRuntimeError(
        'start',
        `the ONNX Runtime worker ${path} is missing (run npm run build, or set ${WORKER_PATH_ENV}).`,
      );
    }
    const child = fork(path, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
      execPath: this.options.execPath,
    });
    const worker: Worker = {
      child,
      generation: ++this.started,
      ready: undefined!,
      stderr: '',
      alive: true,
    };
    this.worker = worker;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      worker.stderr = (worker.stderr + text).slice(-STDERR_TAIL);
    });
    worker.ready = new Promise<string>((resolve, reject) => {
      const startMs = this.options.startTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.stop(worker);
        reject(
          new OrtRuntimeError('start', `the ONNX Runtime process did not start within ${seconds(startMs)}.`),
        );
      }, startMs);
      child.on('message', (message: WorkerMessage) => {
        if (message.kind === 'ready') {
          clearTimeout(timer);
          this.version = message.ortVersion;
          this.setRef(worker, false);
          resolve(message.ortVersion);
        } else if (message.kind === 'fatal') {
          clearTimeout(timer);
          reject(
            new OrtRuntimeError('start', `the ONNX Runtime process could not start: ${message.message}`),
          );
        } else if (this.pending && message.id === this.pending.id) {
          const pending = this.pending;
          this.pending = undefined;
          clearTimeout(pending.timer);
          clearInterval(pending.memory);
          this.setRef(worker, false);
          pending.resolve(message);
        }
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new OrtRuntimeError('start', `cannot start the ONNX Runtime process: ${error.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        worker.alive = false;
        if (this.worker === worker) this.worker = undefined;
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const last = lastLine(worker.stderr);
        reject(new OrtRuntimeError('start', `the ONNX Runtime process ${how} while starting${last}.`));
        if (this.pending) {
          const pending = this.pending;
          this.pending = undefined;
          clearTimeout(pending.timer);
          clearInterval(pending.memory);
          pending.reject(
            new OrtRuntimeError('crashed', `the ONNX Runtime process ${how} while ${pending.what}${last}.`),
          );
        }
      });
    });
    return worker.ready.then(() => worker);
  }

  /** Kills a worker; its 'exit' handler reports whatever request it was running. */
  private stop(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    worker.alive = false;
    worker.child.kill('SIGKILL');
  }

  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    clearTimeout(pending.timer);
    clearInterval(pending.memory);
    pending.reject(error);
  }

  /** Keeps Node alive for the worker only while a request is pending. */
  private setRef(worker: Worker, ref: boolean): void {
    const handles: ({ ref(): void; unref(): void } | undefined | null)[] = [
      worker.child,
      worker.child.channel,
      worker.child.stderr as (Readable & { ref(): void; unref(): void }) | null,
    ];
    for (const handle of handles) {
      if (ref) handle?.ref?.();
      else handle?.unref?.();
    }
  }
}

/** A process's resident memory from /proc (Linux); undefined elsewhere or when it is gone. */
function residentBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

/** The last non-empty stderr line, as a suffix for an error sentence. */
function lastLine(stderr: string): string {
  const line = stderr.trim().split('\n').pop()?.trim();
  return line ? `: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}` : '';
}
