/**
 * Plain objects keyed by names a model or a plan chose (layers by root node, shapes by input, ratios by root):
 * a key like `constructor`, `toString` or `__proto__` must not reach Object.prototype, neither when read nor
 * when written.
 */

/** The record's own value under `key`; undefined for a key it does not hold itself. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A record of the entries, each an own data property (an assignment `record['__proto__'] = v` would set the
 * prototype instead, or do nothing).
 */
export function recordOf<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries(entries) as Record<string, T>;
}

/** Sets `record[key]` as an own data property, whatever `key` is (`__proto__` too). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Object.assign with own data properties (see setOwn): `source`'s entries set on `target`. */
export function assignOwn<T>(target: Record<string, T>, source: Readonly<Record<string, T>>): void {
  for (const [key, value] of Object.entries(source)) setOwn(target, key, value);
}
