// The structure walk's errors (structure.ts), built out of line: the walk's loop reads as the walk.
import { WireError } from './errors';
import type { FieldInfo } from './schema';

export function decodingError(error: unknown): WireError {
  const detail = (error as Error).message;
  return new WireError(
    /depth/.test(detail) ? 'too-deep' : 'not-onnx',
    `protobuf decoding failed (${detail})`,
  );
}

/**
 * The one decoding of a tensor's data_location, as protobuf's (C++, so ONNX Runtime's, and protobufjs'):
 * the varint truncated to int32; DEFAULT (0) and EXTERNAL (1) are values, anything else an unknown field
 * that changes nothing (so the last known value wins). 2^32 + 1 is EXTERNAL, here as in every decoder; a
 * varint past 2^53, whose low bits a number cannot hold, is refused.
 */
export function dataLocation(value: number, at: number): 0 | 1 | undefined {
  if (!Number.isSafeInteger(value)) throw invalid(`the tensor data_location at byte ${at} is out of range`);
  const low = value % 2 ** 32;
  return low === 0 || low === 1 ? low : undefined;
}

export function invalid(detail: string): WireError {
  return new WireError('not-onnx', detail);
}

export function truncated(detail: string): WireError {
  return new WireError('truncated', detail);
}

export function tooLong(
  fieldNo: number,
  at: number,
  length: number,
  left: number,
  inFile: boolean,
): WireError {
  return truncated(
    `field ${fieldNo} at byte ${at} declares ${length} bytes but only ${left} remain` +
      (inFile ? ' in the file' : ' in its message'),
  );
}

export function twice(info: FieldInfo, at: number): WireError {
  return new WireError('unsupported', `field '${info.name}' appears twice in one message (at byte ${at})`);
}
