import { openModel } from '../core/onnx/reader';
import { type ValueType, valueType } from '../core/onnx/valueType';

/**
 * The graph inputs the model at `path` declares (initializers listed among them too: their dims are fixed).
 * Throws the reader's OnnxError for a file that is not a readable model.
 */
export function declaredInputs(path: string): ValueType[] {
  const file = openModel(path);
  try {
    return (file.proto.graph?.input ?? []).map(valueType);
  } finally {
    file.close();
  }
}
