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
 *
 * The process itself (start, timeouts, memory watch, restarts) is ortConnection.ts'; this is the typed API.
 */
import type {
  FeedSource,
  Feeds,
  FeedSpec,
  OutputDifference,
  SessionSettings,
  TensorMeta,
  TensorPayload,
  ValueMeta,
} from '../protocol/runtime';
import { type CallOptions, type OrtClientOptions, type Owned, OrtConnection } from './ortConnection';
import { loadTimeoutMs, mainGraphNodes } from './loadTimeout';
import { MAX_RANDOM_INPUT_ELEMENTS } from './randomFeeds';

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

export class OrtClient {
  private readonly connection: OrtConnection;

  constructor(options: OrtClientOptions = {}) {
    this.connection = new OrtConnection(options);
  }

  /** The worker's process id while one runs. */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  /** onnxruntime-node's version, once a worker has started. */
  get ortVersion(): string | undefined {
    return this.connection.ortVersion;
  }

  /**
   * Loads a model from its path (external data resolves against it), answering its inputs and outputs. The
   * step's time limit grows with the size of the graph (loadTimeout.ts).
   */
  async load(path: string, options: CallOptions & { settings?: SessionSettings } = {}): Promise<LoadedModel> {
    const timeoutMs = loadTimeoutMs(options.timeoutMs ?? this.connection.timeoutMs, mainGraphNodes(path));
    const reply = await this.connection.call(
      'load',
      { path, settings: options.settings },
      `loading ${path}`,
      { ...options, timeoutMs },
    );
    return {
      path,
      session: reply.session,
      generation: this.connection.generation,
      inputs: reply.inputs,
      outputs: reply.outputs,
    };
  }

  /**
   * One inference; all outputs unless `outputs` names some. `plus`: tensors sent along besides `feeds`, which
   * win over feeds of the same name (a variant's weights over the kept originals).
   */
  async run(
    model: LoadedModel,
    feeds: FeedSource | Stash,
    options: CallOptions & { outputs?: string[]; plus?: Feeds } = {},
  ): Promise<Record<string, TensorPayload>> {
    const fields = {
      session: model.session,
      feeds: source(feeds),
      outputs: options.outputs,
      ...(options.plus ? { plus: options.plus } : {}),
    };
    return (
      await this.connection.call('run', fields, `running ${model.path}`, options, [model, ...owners(feeds)])
    ).outputs;
  }

  /** One inference whose outputs stay in the worker (compare them there with `compare`). */
  async runKept(
    model: LoadedModel,
    feeds: FeedSource | Stash,
    options: CallOptions & { outputs?: string[] } = {},
  ): Promise<KeptOutputs> {
    const fields = { session: model.session, feeds: source(feeds), outputs: options.outputs };
    const what = `running ${model.path}`;
    const reply = await this.connection.call('runKept', fields, what, options, [model, ...owners(feeds)]);
    return {
      path: `the outputs of ${model.path}`,
      stash: reply.stash,
      generation: this.connection.generation,
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
    const reply = await this.connection.call('makeFeeds', fields, 'generating random inputs', options);
    return { path: 'random inputs', stash: reply.stash, generation: this.connection.generation };
  }

  /**
   * Keeps `feeds` in the worker (a stash runs can name instead of sending the tensors again): in a new stash,
   * or added to `into` (send a large set in parts, so neither process holds two copies of all of it).
   */
  async keep(feeds: Feeds, what: string, options: CallOptions & { into?: Stash } = {}): Promise<Stash> {
    const { into } = options;
    const fields = { feeds, ...(into ? { into: into.stash } : {}) };
    const reply = await this.connection.call('keep', fields, `keeping ${what}`, options, into ? [into] : []);
    return into ?? { path: what, stash: reply.stash, generation: this.connection.generation };
  }

  /** max |actual − reference| per tensor of `reference`, computed in the worker. */
  async compare(reference: Stash, actual: Stash, options: CallOptions = {}): Promise<OutputDifference[]> {
    const fields = { reference: reference.stash, actual: actual.stash };
    const what = `comparing ${reference.path} with ${actual.path}`;
    return (await this.connection.call('compare', fields, what, options, [reference, actual])).outputs;
  }

  /** Frees stashes; those of a worker that already died need nothing. */
  async drop(stashes: readonly Stash[], options: CallOptions = {}): Promise<void> {
    const live = stashes.filter((s) => s.generation === this.connection.liveGeneration);
    if (this.connection.isClosed || live.length === 0) return;
    await this.connection.call(
      'drop',
      { stashes: live.map((s) => s.stash) },
      'freeing kept tensors',
      options,
      live,
    );
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
    return (await this.connection.call('time', fields, what, options, used)).milliseconds;
  }

  /** Frees a model's session. A model whose worker already died needs no release. */
  async release(model: LoadedModel, options: CallOptions = {}): Promise<void> {
    if (this.connection.isClosed || model.generation !== this.connection.liveGeneration) return;
    await this.connection.call('release', { session: model.session }, `releasing ${model.path}`, options, [
      model,
    ]);
  }

  /** Stops the worker (a request still running fails with 'closed'). Later requests fail with 'closed'. */
  close(): Promise<void> {
    return this.connection.close();
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
