/**
 * Errors the ONNX layer raises for bad input. Each carries a sentence meant for the user (it names the
 * file and what is wrong) so the CLI and the editor can show it as it is, without a stack trace.
 */
export type OnnxErrorKind =
  | 'unreadable' // missing, a directory, no permission
  | 'empty'
  | 'not-onnx' // not a protobuf, or a protobuf that is not a ModelProto
  | 'truncated' // a length runs past the end of the file or of its message
  | 'too-large' // sizes no real model has
  | 'too-deep' // nesting deeper than any exporter writes
  | 'external-data' // missing, unreadable or escaping external data (IO001)
  | 'unwritable' // the output cannot be written (full disk, size limit, permissions); the old file is kept
  | 'unsupported';

export class OnnxError extends Error {
  override readonly name = 'OnnxError';
  constructor(
    readonly kind: OnnxErrorKind,
    message: string,
    /** The file the problem is in, when there is one. */
    readonly file?: string,
    /** Diagnostic code for findings the analyzer reports (IO001 for external data). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Wire-level problem found while walking bytes; the reader turns it into an OnnxError naming the file. */
export class WireError extends Error {
  constructor(
    readonly kind: OnnxErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs work on a model and turns problems found in its content deep inside the core (an int64 out of
 * range, say) into an OnnxError that names the file, like the reader's own errors.
 */
export function withModelErrors<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof OnnxError || !(error instanceof RangeError)) throw error;
    throw new OnnxError('too-large', `${file}: ${error.message}.`, file);
  }
}
