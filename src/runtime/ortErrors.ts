// The one error ONNX Runtime requests fail with (ortClient.ts), and why: callers tell a model ORT refuses from a
// worker that crashed, hung or ran out of memory by its reason.
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
