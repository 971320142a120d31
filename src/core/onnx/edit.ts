/**
 * Edits to a decoded model are copies, never mutations: decoded messages are frozen, and the writer copies
 * a message's original bytes exactly when it meets the very object it decoded. `withChanges` makes the
 * copy: the same prototype, every own property (including protobufjs's hidden `$unknowns`, the fields of a
 * newer IR that must survive a re-save) and the changes on top.
 */
export function withChanges<T extends object>(message: T, changes: Partial<T>): T {
  const copy = Object.create(Object.getPrototypeOf(message)) as T;
  for (const key of Object.getOwnPropertyNames(message)) {
    const descriptor = Object.getOwnPropertyDescriptor(message, key)!;
    Object.defineProperty(copy, key, { ...descriptor, writable: true, configurable: true });
  }
  return Object.assign(copy, changes);
}
