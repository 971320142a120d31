/** Whether two lists hold the same elements (by identity, `===`) in the same order. */
export function sameElements(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Appends `items` to `target`. Not `target.push(...items)`: a spread passes every item as an argument, and a
 * list of a hostile file's making (hundreds of thousands of findings, inputs or rows) overflows the stack.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}

/** Adds `item` to the list `lists` holds under `key`, in place (a copy of the list per item is quadratic). */
export function appendTo<K, V>(lists: Map<K, V[]>, key: K, item: V): void {
  const list = lists.get(key);
  if (list) list.push(item);
  else lists.set(key, [item]);
}
