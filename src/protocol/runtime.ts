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
  feeds: Feeds;
}

/** Request kind → request fields and reply fields. */
export interface RuntimeCalls {
  /** Creates a session from a file path (ORT resolves external data against it). */
  load: {
    request: { path: string; settings?: SessionSettings };
    reply: { session: number; inputs: ValueMeta[]; outputs: ValueMeta[] };
  };
  /** One inference. `outputs` selects outputs by name (all by default). */
  run: {
    request: { session: number; feeds: Feeds; outputs?: string[] };
    reply: { outputs: Record<string, TensorPayload> };
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
