/**
 * Messages between the ONNX Runtime client (src/runtime/ortClient.ts) and its child process
 * (src/runtime/ortWorker.ts). onnxruntime-node can crash or hang its host (design §1), so it is only ever
 * loaded in that child; everything it needs and returns crosses this protocol.
 *
 * The channel is Node's IPC with `serialization: 'advanced'` (structured clone), so tensor data travels as
 * typed arrays, BigInt64Array included, without a JSON detour.
 *
 * Every request carries an `id`; the worker answers each one exactly once, with the reply of its kind or
 * with `failed`. Besides replies the worker sends one unsolicited message: `ready` (or `fatal` when
 * onnxruntime-node cannot be loaded) right after it starts.
 */

/**
 * How long one ONNX Runtime request (loading a model, a run, the timing…) may take by default: the one limit
 * of `verify`, `prune --verify`, calibration and the editor's verification. The CLI's `--timeout` and the
 * setting `onnxPruner.verify.timeoutSeconds` (whose default in package.json must equal this) change it.
 */
export const ORT_TIMEOUT_SECONDS = 120;

/** Element types a tensor can cross the protocol with (onnxruntime-node's names). */
export type TensorType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** The typed array that holds each element type (float16 as raw bits, bool as bytes, as ORT does). */
export interface TensorDataMap {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

export type TensorData = TensorDataMap[TensorType];

/** A dense tensor: row-major data of `dims`. */
export interface TensorPayload {
  type: TensorType;
  dims: number[];
  data: TensorData;
}

export type Feeds = Record<string, TensorPayload>;

/**
 * Tensors kept in the worker (generated inputs, outputs of a run): verification never copies them to the
 * parent, whose memory a model's declared shapes must not size (a [1, 1, 30000, 30000] input is 3.6 GB).
 * A stash belongs to the worker that made it and is gone when that worker stops.
 */
export interface StashRef {
  stash: number;
}

/** Inputs of a run: tensors sent along, or a stash in the worker. */
export type FeedSource = Feeds | StashRef;

/**
 * A seeded random input the worker generates: floats uniform in `range` ([0, 1) for images, [-1, 1)
 * otherwise), uint8 over 0…255, other integers and bools zero (see randomFeeds.ts).
 */
export interface FeedSpec {
  name: string;
  type: string;
  dims: number[];
  range: FloatRange;
}

/** Where random floats lie: [0, 1) ('unit') or [-1, 1) ('symmetric'). */
export type FloatRange = 'unit' | 'symmetric';

/** A tensor's description without its data. */
export interface TensorMeta {
  type: TensorType;
  dims: number[];
}

/** max |actual − reference| of one output, computed in the worker (compareOutputs.ts). */
export interface OutputDifference {
  name: string;
  /** Dims of the reference output. */
  dims: number[];
  /** null when there is a `problem` instead. */
  maxAbsError: number | null;
  /** max |reference| over its finite elements. */
  maxMagnitude: number;
  /** Why no error could be computed (missing output, other shape, NaN in one model only). */
  problem?: string;
}

/** An input or output of a loaded model, as ONNX Runtime reports it. */
export interface ValueMeta {
  name: string;
  /** False for sequences and maps; then `type` and `shape` are empty. */
  isTensor: boolean;
  /** ORT's element type name ('float32', 'int64'…); '' for non-tensors. */
  type: string;
  /** Numbers for fixed dims, names for symbolic ones; empty when ORT knows no shape. */
  shape: (number | string)[];
}

/** Session settings passed to `InferenceSession.create` (all optional: ORT's defaults otherwise). */
export interface SessionSettings {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** One model of a timing request: its session and the inputs it runs on. */
export interface TimingJob {
  session: number;
  feeds: FeedSource;
}

/** Request kind → request fields and reply fields. */
export interface RuntimeCalls {
  /** Creates a session from a file path (ORT resolves external data against it). */
  load: {
    request: { path: string; settings?: SessionSettings };
    reply: { session: number; inputs: ValueMeta[]; outputs: ValueMeta[] };
  };
  /**
   * One inference. `outputs` selects outputs by name (all by default). `plus`: tensors sent along besides the
   * feeds (a stash of kept weights, say), which win over feeds of the same name.
   */
  run: {
    request: { session: number; feeds: FeedSource; plus?: Feeds; outputs?: string[] };
    reply: { outputs: Record<string, TensorPayload> };
  };
  /**
   * Keeps the tensors sent in the worker (inputs sent once, used by many runs): in a new stash, or added to
   * stash `into` (a large set is sent in parts).
   */
  keep: {
    request: { feeds: Feeds; into?: number };
    reply: { stash: number };
  };
  /** One inference whose outputs stay in the worker, in a new stash; only their shapes come back. */
  runKept: {
    request: { session: number; feeds: FeedSource; outputs?: string[] };
    reply: { stash: number; outputs: Record<string, TensorMeta> };
  };
  /**
   * Generates seeded random inputs in the worker (a new stash). Refused when they would hold more than
   * `maxElements` elements together.
   */
  makeFeeds: {
    request: { inputs: FeedSpec[]; seed: number; maxElements: number };
    reply: { stash: number };
  };
  /** Compares every tensor of stash `reference` with the same-named tensor of stash `actual`. */
  compare: {
    request: { reference: number; actual: number };
    reply: { outputs: OutputDifference[] };
  };
  /** Frees stashes (unknown ones are ignored: freeing twice is harmless). */
  drop: {
    request: { stashes: number[] };
    reply: Record<string, never>;
  };
  /**
   * Times `runs` inferences of each job after `warmup` untimed ones. With several jobs the runs are
   * interleaved (paired), alternating the order every round, so drift in the machine's speed (turbo,
   * other load) affects every model alike. `milliseconds[j][i]` is run i of job j.
   */
  time: {
    request: { jobs: TimingJob[]; runs: number; warmup: number };
    reply: { milliseconds: number[][] };
  };
  /** Releases a session (its memory goes back to the worker). */
  release: {
    request: { session: number };
    reply: Record<string, never>;
  };
}

export type RuntimeCall = keyof RuntimeCalls;

export type RuntimeRequest = {
  [K in RuntimeCall]: { id: number; kind: K } & RuntimeCalls[K]['request'];
}[RuntimeCall];

export type RuntimeReply = {
  [K in RuntimeCall]: { id: number; kind: K; ok: true } & RuntimeCalls[K]['reply'];
}[RuntimeCall];

export interface RuntimeFailure {
  id: number;
  kind: RuntimeCall;
  ok: false;
  /** ONNX Runtime's message (or the worker's), one or more sentences. */
  message: string;
}

/** Sent once when the worker has loaded onnxruntime-node and listens for requests. */
export interface WorkerReady {
  kind: 'ready';
  ortVersion: string;
}

/** Sent instead of `ready` when onnxruntime-node cannot be loaded; the worker then exits. */
export interface WorkerFatal {
  kind: 'fatal';
  message: string;
}

export type WorkerMessage = RuntimeReply | RuntimeFailure | WorkerReady | WorkerFatal;
