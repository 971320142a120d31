/**
 * Edits to a decoded model are copies, never mutations: decoded messages are frozen, and the writer copies
 * a message's original bytes exactly when it meets the very object it decoded. `withChanges` makes the
 * copy: the same prototype, every own property and the changes on top. The generated decoders set one own
 * property that is not enumerable, `$unknowns` (the fields of a newer IR, which must survive a re-save);
 * Object.assign copies the others, a prune makes tens of thousands of copies.
 */
export function withChanges<T extends object>(message: T, changes: Partial<T>): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(message)) as T, message);
  const unknowns = Object.getOwnPropertyDescriptor(message, '$unknowns');
  if (unknowns) Object.defineProperty(copy, '$unknowns', { ...unknowns, writable: true, configurable: true });
  return Object.assign(copy, changes);
}
