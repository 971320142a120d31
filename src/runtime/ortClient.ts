/**
 * The one way the CLI and the language server use ONNX Runtime: a child process (ortWorker.ts, bundled to
 * dist/ortWorker.js) spoken to through the typed protocol of src/protocol/runtime.ts. onnxruntime-node can
 * crash or hang its host (design §1); here a crash or a hang is an error for the one request, never for the
 * caller's process.
 *
 * - The worker starts on the first request and is reused; `close()` stops it.
 * - Requests are sent one at a time (the worker handles them in order anyway), so a request's timeout
 *   measures the request itself, not the queue in front of it.
 * - A request that outlives its timeout kills the worker (SIGKILL: a native call stuck in ORT answers no
 *   gentler signal) and fails with reason 'timeout'; a worker that dies fails its request with 'crashed'.
 *   The next request starts a fresh worker; models loaded in the old one fail with 'stale-session'.
 * - While no request is pending the child and its channel are unref'd: a caller that forgets `close()`
 *   does not keep Node alive, and the worker exits when its parent does (it exits on 'disconnect').
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  FeedSource,
  FeedSpec,
  OutputDifference,
  RuntimeCall,
  RuntimeCalls,
  SessionSettings,
  TensorMeta,
  TensorPayload,
  ValueMeta,
  WorkerMessage,
} from '../protocol/runtime';
import { ORT_TIMEOUT_SECONDS } from '../protocol/runtime';
import { MAX_RANDOM_INPUT_ELEMENTS } from './randomFeeds';

/**
 * The most memory (resident set) the ONNX Runtime process may use: half the machine's, at most 8 GiB. A
 * model's shapes can ask ORT for any amount; past this the process is stopped and the request fails.
 */
const ORT_MEMORY_LIMIT_BYTES = Math.max(2 ** 30, Math.min(8 * 2 ** 30, Math.floor(totalmem() / 2)));

/** How often the memory of a busy worker is checked, in ms. */
const MEMORY_POLL_MS = 100;

/** Set to the worker bundle's path to run another build of it (the tests build a fresh one). */
export const WORKER_PATH_ENV = 'ONNX_PRUNER_ORT_WORKER';

export type OrtErrorReason =
  /** the worker could not start, or could not load onnxruntime-node */
  | 'start'
  /** ONNX Runtime refused the request (a model it cannot load, wrong inputs…); the worker lives on */
  | 'failed'
  /** the request took longer than its timeout; the worker was killed */
  | 'timeout'
  /** the worker died during the request */
  | 'crashed'
  /** the client was closed */
  | 'closed'
  /** the worker used more memory than its limit; it was killed */
  | 'memory'
  /** the model was loaded in a worker that has since died; load it again */
  | 'stale-session';

export class OrtRuntimeError extends Error {
  override readonly name = 'OrtRuntimeError';
  constructor(
    readonly reason: OrtErrorReason,
    message: string,
  ) {
    super(message);
  }
}

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

/** A model loaded in the worker. Valid until released, or until the worker it lives in dies. */
export interface LoadedModel {
  readonly path: string;
  readonly session: number;
  /** Which worker holds the session (a restarted worker has a new generation). */
  readonly generation: number;
  readonly inputs: readonly ValueMeta[];
  readonly outputs: readonly ValueMeta[];
}

/** Tensors kept in the worker (see StashRef): valid until dropped, or until that worker dies. */
export interface Stash {
  /** What they are, for messages ("random inputs", "the outputs of model.onnx"). */
  readonly path: string;
  readonly stash: number;
  readonly generation: number;
}

/** Outputs of a run kept in the worker, with their shapes. */
export interface KeptOutputs extends Stash {
  readonly outputs: Readonly<Record<string, TensorMeta>>;
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
interface Owned {
  readonly path: string;
  readonly generation: number;
}

const STDERR_TAIL = 4096;

function defaultWorkerPath(): string {
  return process.env[WORKER_PATH_ENV] || join(__dirname, 'ortWorker.js');
}

export class OrtClient {
  private worker: Worker | undefined;
  private generation = 0;
  private nextId = 1;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private version: string | undefined;

  constructor(private readonly options: OrtClientOptions = {}) {}

  /** The worker's process id while one runs. */
  get pid(): number | undefined {
    return this.worker?.alive ? this.worker.child.pid : undefined;
  }

  /** onnxruntime-node's version, once a worker has started. */
  get ortVersion(): string | undefined {
    return this.version;
  }

  /** Loads a model from its path (external data resolves against it), answering its inputs and outputs. */
  async load(path: string, options: CallOptions & { settings?: SessionSettings } = {}): Promise<LoadedModel> {
    const reply = await this.call('load', { path, settings: options.settings }, `loading ${path}`, options);
    return {
      path,
      session: reply.session,
      generation: this.generation,
      inputs: reply.inputs,
      outputs: reply.outputs,
    };
  }

  /** One inference; all outputs unless `outputs` names some. */
  async run(
    model: LoadedModel,
    feeds: FeedSource | Stash,
    options: CallOptions & { outputs?: string[] } = {},
  ): Promise<Record<string, TensorPayload>> {
    const fields = { session: model.session, feeds: source(feeds), outputs: options.outputs };
    return (await this.call('run', fields, `running ${model.path}`, options, [model, ...owners(feeds)]))
      .outputs;
  }

  /** One inference whose outputs stay in the worker (compare them there with `compare`). */
  async runKept(
    model: LoadedModel,
    feeds: FeedSource | Stash,
    options: CallOptions & { outputs?: string[] } = {},
  ): Promise<KeptOutputs> {
    const fields = { session: model.session, feeds: source(feeds), outputs: options.outputs };
    const what = `running ${model.path}`;
    const reply = await this.call('runKept', fields, what, options, [model, ...owners(feeds)]);
    return {
      path: `the outputs of ${model.path}`,
      stash: reply.stash,
      generation: this.generation,
      outputs: reply.outputs,
    };
  }

  /**
   * Seeded random inputs generated in the worker (see FeedSpec), refused beyond `maxElements` elements
   * (MAX_RANDOM_INPUT_ELEMENTS).
   */
  async makeFeeds(
    inputs: FeedSpec[],
    seed: number,
    options: CallOptions & { maxElements?: number } = {},
  ): Promise<Stash> {
    const fields = { inputs, seed, maxElements: options.maxElements ?? MAX_RANDOM_INPUT_ELEMENTS };
    const reply = await this.call('makeFeeds', fields, 'generating random inputs', options);
    return { path: 'random inputs', stash: reply.stash, generation: this.generation };
  }

  /** max |actual − reference| per tensor of `reference`, computed in the worker. */
  async compare(reference: Stash, actual: Stash, options: CallOptions = {}): Promise<OutputDifference[]> {
    const fields = { reference: reference.stash, actual: actual.stash };
    const what = `comparing ${reference.path} with ${actual.path}`;
    return (await this.call('compare', fields, what, options, [reference, actual])).outputs;
  }

  /** Frees stashes; those of a worker that already died need nothing. */
  async drop(stashes: readonly Stash[], options: CallOptions = {}): Promise<void> {
    const live = stashes.filter((s) => s.generation === this.worker?.generation && this.worker.alive);
    if (this.closed || live.length === 0) return;
    await this.call('drop', { stashes: live.map((s) => s.stash) }, 'freeing kept tensors', options, live);
  }

  /**
   * Latency of each model in ms: `runs` timed inferences after `warmup` (default 1) untimed ones, paired
   * (interleaved) when several models are given. Result [j][i] is run i of model j.
   */
  async time(
    jobs: readonly { model: LoadedModel; feeds: FeedSource | Stash }[],
    options: CallOptions & { runs: number; warmup?: number },
  ): Promise<number[][]> {
    const fields = {
      jobs: jobs.map((j) => ({ session: j.model.session, feeds: source(j.feeds) })),
      runs: options.runs,
      warmup: options.warmup ?? 1,
    };
    const models = jobs.map((j) => j.model);
    const used = [...models, ...jobs.flatMap((j) => owners(j.feeds))];
    const what = `timing ${models.map((m) => m.path).join(' and ')}`;
    return (await this.call('time', fields, what, options, used)).milliseconds;
  }

  /** Frees a model's session. A model whose worker already died needs no release. */
  async release(model: LoadedModel, options: CallOptions = {}): Promise<void> {
    if (this.closed || model.generation !== this.worker?.generation || !this.worker.alive) return;
    await this.call('release', { session: model.session }, `releasing ${model.path}`, options, [model]);
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

  private call<K extends RuntimeCall>(
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
      if (model.generation !== this.generation || !this.worker?.alive) {
        throw new OrtRuntimeError(
          'stale-session',
          `cannot finish ${what}: the ONNX Runtime process that held ${model.path} has stopped (it crashed, ` +
            'hung or was closed); load the model again.',
        );
      }
    }
    const worker = await this.ensureWorker();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? ORT_TIMEOUT_SECONDS * 1000;
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
      generation: ++this.generation,
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

/** Feeds as the protocol carries them: a stash by its number, tensors as they are. */
function source(feeds: FeedSource | Stash): FeedSource {
  return isStash(feeds) ? { stash: feeds.stash } : feeds;
}

function owners(feeds: FeedSource | Stash): Owned[] {
  return isStash(feeds) ? [feeds] : [];
}

function isStash(feeds: FeedSource | Stash): feeds is Stash {
  // A model may name an input 'stash': only our own objects hold numbers there.
  return typeof (feeds as Stash).stash === 'number' && typeof (feeds as Stash).generation === 'number';
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
