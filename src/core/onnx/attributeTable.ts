import { bytesHash, doubledPairs } from './nameIndex';

/** Attributes longer than this (in the file) are not shared: the ones that repeat are a few numbers each. */
const SHARED_BYTES_MAX = 256;
/** Most distinct attributes one table keeps; past them, attributes are decoded each on its own. */
const SHARED_ENTRIES_MAX = 8192;

/**
 * A node's leaf attributes (leafAttributes.ts) by their bytes in the file, decoded once and shared by every
 * node that holds the same bytes: a large graph's convs and normalisations hold a few dozen distinct
 * attributes between them (kernel_shape [3, 3], strides [1, 1], epsilon…), and an object each for hundreds of
 * thousands of them is what garbage collection copies while a model opens. Equal bytes decode to equal
 * messages, and decoded messages are frozen, so a shared one is indistinguishable from a copy. An
 * open-addressing table of (hash, 1 + index) pairs in one Int32Array, hashed as the other tables are (from
 * this process's random basis, see nameIndex.ts).
 */
export class AttributeTable {
  private readonly bytes: Uint8Array[] = [];
  private readonly attributes: object[] = [];
  private table = new Int32Array(2 * 256);

  /** Whether an attribute of this many bytes may be shared. */
  static shares(length: number): boolean {
    return length > 0 && length <= SHARED_BYTES_MAX;
  }

  /** The attribute decoded from the same bytes as buf[start, end), if one was added. */
  get(buf: Uint8Array, start: number, end: number): object | undefined {
    const hash = bytesHash(buf, start, end);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) return undefined;
      if (table[2 * slot] === hash && sameBytes(this.bytes[known - 1], buf, start, end))
        return this.attributes[known - 1];
    }
  }

  /** Adds the attribute decoded from buf[start, end) (not added before); nothing once the table is full. */
  add(buf: Uint8Array, start: number, end: number, attribute: object): void {
    if (this.attributes.length >= SHARED_ENTRIES_MAX) return;
    const hash = bytesHash(buf, start, end);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let slot = hash & mask;
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    this.bytes.push(buf.slice(start, end));
    this.attributes.push(attribute);
    table[2 * slot] = hash;
    table[2 * slot + 1] = this.attributes.length;
    if (this.attributes.length * 4 > table.length) this.table = doubledPairs(table);
  }
}

function sameBytes(known: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== buf[start + i]) return false;
  return true;
}
