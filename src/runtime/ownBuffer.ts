import type { TensorData } from '../protocol/runtime';

/**
 * The data in a buffer of its own: a message between processes carries a view's whole backing buffer (a model
 * read whole is one buffer, an ORT output may share one), so a view is copied and only its bytes travel.
 */
export function ownBuffer<T extends TensorData>(data: T): T {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : (data.slice() as T);
}
