import type { StringTable } from './stringTable';

/**
 * Values by name, as a Map of them would hold them (set replaces the value of a name met before, which keeps
 * its place), for the graph view's indexes (its weights, the values its nodes produce): kept by the names' ids
 * in the model's string table, so an index is built from ids the walk found (no name hashed again) and looked
 * up by id for each node input; a lookup by name finds the name's id first (one hash, as a Map's would be).
 */
export class IdIndex<T> {
  /** The names, their ids and their values in the order set: the first `count` places. */
  private names: string[];
  private ids: number[];
  private values: T[];
  private count = 0;
  /** For each id, 1 + the place of its name (0 for a name never set); ids past its end were never set. */
  private placeOfId: Int32Array<ArrayBuffer>;
  /** The names, ids and places are another index's too (withValues): copied before a name is added. */
  private sharing = false;

  /** `expected`: how many names the caller is about to set, when it knows (the lists are made that long). */
  constructor(
    readonly strings: StringTable,
    expected = 0,
  ) {
    this.placeOfId = new Int32Array(strings.count);
    this.names = new Array<string>(expected);
    this.ids = new Array<number>(expected);
    this.values = new Array<T>(expected);
  }

  get size(): number {
    return this.count;
  }

  get(name: string): T | undefined {
    return this.at(this.indexOf(name));
  }

  /** The value of the name with this id (as `get` of the name). */
  getById(id: number): T | undefined {
    return this.at(this.placeOf(id));
  }

  /** The value at a place (see indexOf); undefined for −1. */
  at(place: number): T | undefined {
    return place < 0 ? undefined : this.values[place];
  }

  /** The place of a name in the order names were first set, −1 for a name never set. */
  indexOf(name: string): number {
    return this.placeOf(this.strings.find(name));
  }

  /** The place of the name with this id in the order names were first set, −1 for one never set. */
  placeOf(id: number): number {
    return id >= 0 && id < this.placeOfId.length ? this.placeOfId[id] - 1 : -1;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  set(name: string, value: T): void {
    this.setById(this.strings.idOf(name), name, value);
  }

  /** `set`, the name's id known (`strings.idOf(name)`). */
  setById(id: number, name: string, value: T): void {
    const known = this.placeOf(id);
    if (known >= 0) {
      this.values[known] = value;
      return;
    }
    if (this.sharing) {
      this.names = this.names.slice(0, this.count);
      this.ids = this.ids.slice(0, this.count);
      this.placeOfId = this.placeOfId.slice();
      this.sharing = false;
    }
    if (id >= this.placeOfId.length)
      this.placeOfId = longer(this.placeOfId, Math.max(id + 1, this.strings.count));
    // Within the room made for the expected names, or (past it, or after a copy) at the end.
    const at = this.count++;
    this.names[at] = name;
    this.ids[at] = id;
    this.values[at] = value;
    this.placeOfId[id] = this.count;
  }

  /**
   * An index of the same names, in the same order, with `values[i]` for the i-th name: the index of an edited
   * copy of a graph whose weights or nodes keep their names and places, without indexing every name again.
   * `values` becomes the copy's own. The names and places are shared until either index is given a new name
   * (`setById` then copies them first).
   */
  withValues<U>(values: U[]): IdIndex<U> {
    if (values.length !== this.count) throw new Error('internal: one value per name');
    const copy = new IdIndex<U>(this.strings);
    copy.names = this.names;
    copy.ids = this.ids;
    copy.values = values;
    copy.count = this.count;
    copy.placeOfId = this.placeOfId;
    copy.sharing = true;
    this.sharing = true; // whichever of the two is given a new name copies first
    return copy;
  }

  /** The names both this index and `other` (an index over the same strings) hold, by id. */
  commonNames(other: IdIndex<unknown>): Set<string> {
    if (other.strings !== this.strings) throw new Error('internal: indexes over different strings');
    const common = new Set<string>();
    for (let i = 0; i < this.count; i++) if (other.placeOf(this.ids[i]) >= 0) common.add(this.names[i]);
    return common;
  }

  /** Calls `visit` with each value and its name, in the order the names were first set (a Map's order). */
  forEach(visit: (value: T, name: string) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.values[i], this.names[i]);
  }

  /** The names and values, in the order the names were first set (a Map's order). */
  toMap(): Map<string, T> {
    const map = new Map<string, T>();
    for (let i = 0; i < this.count; i++) map.set(this.names[i], this.values[i]);
    return map;
  }
}

function longer(list: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(length, 2 * list.length));
  grown.set(list);
  return grown;
}
