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

/**
 * `list` with room for an element at `index`, its elements before it kept: the list itself while it has room,
 * else a copy twice its length. For a list of tens of thousands of elements filled one by one: pushing grows it
 * by half at a time, each time into a new large object, and costs several times this (the caller keeps the
 * count and sets the length to it when done).
 */
export function withRoom<T>(list: T[], index: number): T[] {
  if (index < list.length) return list;
  const grown = new Array<T>(Math.max(1024, list.length * 2));
  for (let i = 0; i < index; i++) grown[i] = list[i];
  return grown;
}

/** The smallest of `values` and `most` (see `largest`). */
export function smallest(values: Iterable<number>, most = Infinity): number {
  let min = most;
  for (const value of values) if (value < min) min = value;
  return min;
}

/**
 * The largest of `values` and `least`. Not `Math.max(...values)`: a spread passes every value as an argument,
 * and a column of a hostile file's making (200,000 op types, groups or outputs) overflows the stack.
 */
export function largest(values: Iterable<number>, least = -Infinity): number {
  let max = least;
  for (const value of values) if (value > max) max = value;
  return max;
}
