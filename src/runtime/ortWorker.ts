/**
 * The ONNX Runtime child process (bundled to dist/ortWorker.js; onnxruntime-node stays external). Started by
 * OrtClient with child_process.fork; speaks src/protocol/runtime.ts over the IPC channel. It is the only
 * place onnxruntime-node is ever loaded (design §1: a native crash takes this process down, not its host).
 *
 * Requests are handled one at a time, in arrival order: timing must not share the CPU with other work, and
 * the client's per-request timeouts then measure the request itself.
 */
import type * as Ort from 'onnxruntime-node';
import { assignOwn, setOwn } from '../core/records';
import { outputDifferences } from './compareOutputs';
import { ownBuffer } from './ownBuffer';
import { generateFeeds } from './randomFeeds';
import { sessionOptions } from './sessionOptions';
import type {
  FeedSource,
  Feeds,
  RuntimeCall,
  RuntimeCalls,
  RuntimeRequest,
  TensorMeta,
  TensorPayload,
  TensorType,
  ValueMeta,
  WorkerMessage,
} from '../protocol/runtime';

type Handler<K extends RuntimeCall> = (
  request: Extract<RuntimeRequest, { kind: K }>,
) => Promise<RuntimeCalls[K]['reply']>;

const sessions = new Map<number, Ort.InferenceSession>();
let nextSession = 1;
/** Tensors kept here for later requests (generated inputs, outputs): see StashRef. */
const stashes = new Map<number, Record<string, TensorPayload>>();
let nextStash = 1;
let ort: typeof Ort;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function session(id: number): Ort.InferenceSession {
  const found = sessions.get(id);
  if (!found) throw new Error(`no model is loaded as session ${id} (released, or never loaded)`);
  return found;
}

function stash(id: number): Record<string, TensorPayload> {
  const found = stashes.get(id);
  if (!found) throw new Error(`no tensors are kept as stash ${id} (dropped, or never made)`);
  return found;
}

function keep(tensors: Record<string, TensorPayload>): number {
  const id = nextStash++;
  stashes.set(id, tensors);
  return id;
}

function toOrtTensors(source: FeedSource): Record<string, Ort.Tensor> {
  const feeds: Feeds =
    'stash' in source && typeof source.stash === 'number' ? stash(source.stash) : (source as Feeds);
  const tensors: Record<string, Ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds))
    setOwn(tensors, name, new ort.Tensor(t.type, t.data, t.dims));
  return tensors;
}

async function runSession(request: { session: number; feeds: FeedSource; plus?: Feeds; outputs?: string[] }) {
  const target = session(request.session);
  const feeds = toOrtTensors(request.feeds);
  if (request.plus) assignOwn(feeds, toOrtTensors(request.plus));
  const results = request.outputs ? await target.run(feeds, request.outputs) : await target.run(feeds);
  const outputs: Record<string, TensorPayload> = {};
  for (const [name, tensor] of Object.entries(results)) setOwn(outputs, name, toPayload(tensor));
  return outputs;
}

function toPayload(tensor: Ort.Tensor): TensorPayload {
  const data = ownBuffer(tensor.data as TensorPayload['data']);
  return { type: tensor.type as TensorType, dims: [...tensor.dims], data };
}

function describe(meta: readonly Ort.InferenceSession.ValueMetadata[]): ValueMeta[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] }
      : { name: m.name, isTensor: false, type: '', shape: [] },
  );
}

const handlers: { [K in RuntimeCall]: Handler<K> } = {
  async load(request) {
    const created = await ort.InferenceSession.create(request.path, sessionOptions(request.settings));
    const id = nextSession++;
    sessions.set(id, created);
    return {
      session: id,
      inputs: describe(created.inputMetadata),
      outputs: describe(created.outputMetadata),
    };
  },

  async run(request) {
    return { outputs: await runSession(request) };
  },

  async runKept(request) {
    const outputs = await runSession(request);
    const shapes: Record<string, TensorMeta> = {};
    for (const [name, t] of Object.entries(outputs)) setOwn(shapes, name, { type: t.type, dims: t.dims });
    return { stash: keep(outputs), outputs: shapes };
  },

  async keep(request) {
    if (request.into === undefined) return { stash: keep(request.feeds) };
    assignOwn(stash(request.into), request.feeds);
    return { stash: request.into };
  },

  async makeFeeds(request) {
    return { stash: keep(generateFeeds(request.inputs, request.seed, request.maxElements)) };
  },

  async compare(request) {
    return { outputs: outputDifferences(stash(request.reference), stash(request.actual)) };
  },

  async drop(request) {
    for (const id of request.stashes) stashes.delete(id);
    return {};
  },

  async time(request) {
    const jobs = request.jobs.map((job) => ({
      session: session(job.session),
      feeds: toOrtTensors(job.feeds),
    }));
    for (let i = 0; i < request.warmup; i++) for (const job of jobs) await job.session.run(job.feeds);
    const milliseconds = jobs.map(() => [] as number[]);
    for (let round = 0; round < request.runs; round++) {
      // Alternate the order (A B, B A, …) so neither model always runs on a cache warmed by the other.
      const order = round % 2 === 0 ? jobs.keys() : [...jobs.keys()].reverse();
      for (const j of order) {
        const start = performance.now();
        await jobs[j].session.run(jobs[j].feeds);
        milliseconds[j].push(performance.now() - start);
      }
    }
    return { milliseconds };
  },

  async release(request) {
    const released = session(request.session);
    sessions.delete(request.session);
    await released.release();
    return {};
  },
};

let queue: Promise<void> = Promise.resolve();

async function handle(request: RuntimeRequest): Promise<void> {
  const handler = handlers[request.kind] as Handler<RuntimeCall> | undefined;
  try {
    if (!handler) throw new Error(`unknown request '${String(request.kind)}'`);
    const reply = await handler(request as never);
    send({ ...reply, id: request.id, kind: request.kind, ok: true } as WorkerMessage);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send({ id: request.id, kind: request.kind, ok: false, message });
  }
}

async function main(): Promise<void> {
  try {
    ort = await import('onnxruntime-node');
  } catch (error) {
    send({ kind: 'fatal', message: `cannot load onnxruntime-node: ${(error as Error).message}` });
    process.disconnect?.();
    return;
  }
  process.on('message', (request: RuntimeRequest) => {
    queue = queue.then(() => handle(request));
  });
  send({ kind: 'ready', ortVersion: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown' });
}

// The parent went away (closed the client, or died): nothing can reach us any more.
process.on('disconnect', () => process.exit(0));

if (!process.send) {
  process.stderr.write('ortWorker: start me with child_process.fork (I talk over the IPC channel).\n');
  process.exitCode = 2;
} else {
  void main();
}
