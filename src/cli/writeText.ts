import { writeFileAtomic } from '../core/onnx/atomicFile';
import { OnnxError } from '../core/onnx/errors';
import { CliError } from './exit';

/** A plan or a report, written atomically (a link planted at `path` is replaced, never followed). */
export function writeText(path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (error) {
    if (error instanceof OnnxError) throw new CliError(error.message);
    throw error;
  }
}
