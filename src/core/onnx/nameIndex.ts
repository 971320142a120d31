/**
 * Values by name, as a Map of them would hold them (set replaces the value of a name met before, which keeps
 * its place), for indexes of tens of thousands of names (the graph's node names, the readers of its weights,
 * a prune's tensors). A Map that grows to that size costs several times a lookup per name it adds (it
 * rehashes all it holds at each doubling, into tables of megabytes); this table keeps (hash, 1 + index)
 * pairs in one Int32Array, and a doubling moves numbers only (docs/performance.md).
 */
export class NameIndex<T> {
  /** The names and their values in the order set: the first `count` places (the rest is room, see below). */
  private names: string[];
  private values: T[];
  private count = 0;
  private table: Int32Array;

  /**
   * `expected`: how many names the caller is about to set, when it knows. The table starts at the size that
   * holds them at most half full, instead of doubling (and re-inserting every pair) its way up to it, and the
   * lists of names and values start with room for them: a list grown by pushing tens of thousands of
   * elements costs several times filling one made at its size (each growth is a new large object, copied).
   */
  constructor(expected = 0) {
    let slots = 64;
    while (slots < expected * 2) slots *= 2;
    this.table = new Int32Array(2 * slots);
    this.names = new Array<string>(expected);
    this.values = new Array<T>(expected);
  }

  get size(): number {
    return this.count;
  }

  get(name: string): T | undefined {
    const index = this.indexOf(name);
    return index < 0 ? undefined : this.values[index];
  }

  /** The place of a name in the order names were first set, −1 for a name never set. */
  indexOf(name: string): number {
    const hash = nameHash(name);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) return -1;
      if (table[2 * slot] === hash && this.names[known - 1] === name) return known - 1;
    }
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Sets `name` to `value` unless it has a value already, which it returns (undefined when it set it). */
  setIfAbsent(name: string, value: T): T | undefined {
    // One probe for both (the name hashed once): every node name of a large graph goes through here.
    const hash = nameHash(name);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) break;
      if (table[2 * slot] === hash && this.names[known - 1] === name) return this.values[known - 1];
    }
    this.setHashed(name, hash, value);
    return undefined;
  }

  set(name: string, value: T): void {
    this.setHashed(name, nameHash(name), value);
  }

  /** `set`, with the name's hash worked out already. */
  private setHashed(name: string, hash: number, value: T): void {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) {
        // Within the room made for the expected names, or (past it) at the end.
        const at = this.count++;
        this.names[at] = name;
        this.values[at] = value;
        table[2 * slot] = hash;
        table[2 * slot + 1] = this.count;
        if (this.count * 4 > table.length) this.table = doubledPairs(table);
        return;
      }
      if (table[2 * slot] === hash && this.names[known - 1] === name) {
        this.values[known - 1] = value;
        return;
      }
    }
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

/**
 * A table of (hash, 1 + index) pairs twice the size of `old`, its pairs re-inserted by linear probing: how the
 * hash tables of the reader and the graph view grow (each keeps itself at most half full).
 */
export function doubledPairs(old: Int32Array): Int32Array<ArrayBuffer> {
  const table = new Int32Array(old.length * 2);
  const mask = (table.length >> 1) - 1;
  for (let i = 0; i < old.length; i += 2) {
    if (old[i + 1] === 0) continue;
    let at = old[i] & mask;
    while (table[2 * at + 1] !== 0) at = (at + 1) & mask;
    table[2 * at] = old[i];
    table[2 * at + 1] = old[i + 1];
  }
  return table;
}

/**
 * Where the hashes of this process's tables start: FNV-1a's offset basis mixed with a random number drawn once
 * per process. FNV-1a alone is public and unkeyed: a file can hold tens of thousands of names that all hash
 * alike (a multicollision, found in seconds), and a table probing one chain for each of them takes time
 * quadratic in their count (16,384 such names took 8 s to analyse, a 15 MB file would take minutes). Names
 * chosen without knowing the start spread as any others do. Nothing depends on where a name lands in a table
 * (each keeps its names in the order they were set), so results are the same in every process.
 */
export const HASH_BASIS = (0x811c9dc5 ^ randomWord()) | 0;

function randomWord(): number {
  const word = new Uint32Array(1);
  // Web crypto in the page, its workers and Node ≥ 19; else Math.random, seeded by the engine from the OS:
  // unknown to a file's author either way, which is all this needs.
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(word);
  else word[0] = Math.floor(Math.random() * 2 ** 32);
  // Never FNV-1a's own basis: that is the start a file's names could be chosen for.
  return word[0] === 0 ? 1 : word[0];
}

/**
 * One step of the tables' hash: FNV-1a's (xor the unit in, multiply by its prime), then the high half folded
 * into the low. Without the fold a random start is not enough: a product's bit k depends only on bits ≤ k of
 * its factors, so a start that differs from FNV-1a's basis in high bits only (1 process in ~130 for a start
 * drawn at random) leaves every FNV-1a collision a collision, and all of a hostile file's names in one chain.
 * The fold carries every bit of the start into every bit of the next step's state.
 */
export function hashStep(hash: number, unit: number): number {
  const product = Math.imul(hash ^ unit, 0x01000193);
  return product ^ (product >>> 15);
}

/**
 * The tables' hash of a name, from HASH_BASIS (or `basis`) mixed with its length. An ASCII name is hashed four
 * code units a step, each word packed as its bytes are (little-endian), so that it equals bytesHash of the
 * name's bytes (how StringTable hashes them): a lookup hashed a name's every byte in turn, each step waiting on the last, and that chain was
 * most of the time a 50,000-node model's ~300,000 lookups took. Any other name is hashed a code unit a step: a
 * unit past 0xFF would not fit its byte of the word, and names that packed alike would all collide.
 */
export function nameHash(name: string, basis = HASH_BASIS): number {
  const length = name.length;
  let hash = basis ^ length;
  let units = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const a = name.charCodeAt(i);
    const b = name.charCodeAt(i + 1);
    const c = name.charCodeAt(i + 2);
    const d = name.charCodeAt(i + 3);
    units |= a | b | c | d;
    hash = hashStep(hash, wordOf(a, b, c, d));
  }
  let tail = 0;
  for (let shift = 0; i < length; i++, shift += 8) {
    const unit = name.charCodeAt(i);
    units |= unit;
    tail |= unit << shift;
  }
  if (units > 0x7f) return unitHash(name, basis);
  return finalHash(hashStep(hash, tail));
}

/** Four bytes (or ASCII code units) as one word of the hash, the first lowest. */
function wordOf(a: number, b: number, c: number, d: number): number {
  return a | (b << 8) | (c << 16) | (d << 24);
}

/**
 * The last step of an ASCII name's hash (murmur3's finaliser): a word's high byte reaches only the high bits of
 * its step's product, and the tables index by the low bits, so names that differ in their last word alone
 * (`…_output_0`, `…_output_1`) would crowd a few slots without it.
 */
function finalHash(hash: number): number {
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** The tables' hash of bytes [start, end) of `buf` (any bytes), a word of four a step: nameHash's of ASCII text. */
export function bytesHash(buf: Uint8Array, start: number, end: number): number {
  let hash = HASH_BASIS ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) hash = hashStep(hash, wordOf(buf[i], buf[i + 1], buf[i + 2], buf[i + 3]));
  let tail = 0;
  for (let shift = 0; i < end; i++, shift += 8) tail |= buf[i] << shift;
  return finalHash(hashStep(hash, tail));
}

/** A name that is not ASCII, hashed a code unit a step (the unit may be up to 0xFFFF). */
function unitHash(name: string, basis: number): number {
  let hash = basis ^ name.length;
  for (let i = 0; i < name.length; i++) hash = hashStep(hash, name.charCodeAt(i));
  return hash;
}
