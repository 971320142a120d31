import type { Buffer } from 'node:buffer';
import protobuf from 'protobufjs/minimal.js';
import { bytesHash, doubledPairs, nameHash } from './nameIndex';

/** Strings up to this many bytes are shared; longer ones (doc strings) are rare and seldom repeat. */
const SHARED_MAX = 128;

/**
 * The distinct strings of one model, each with a number (its id): the decoded strings by their bytes, so the
 * fields that repeat a string (every value name is one node's output and others' inputs) hold one string, and
 * the graph view indexes values by id, not by hashing each name again (a 50,000-node graph has ~130,000 node
 * inputs to link to their producers). An open-addressing hash table of (hash, 1 + id) pairs. `get` shares
 * ASCII strings of up to SHARED_MAX bytes; anything else (non-ASCII, long) is decoded by protobufjs's own code,
 * so every string is exactly what protobufjs would return, and gets an id only when asked for one (`idOf`).
 * Bytes and strings hash alike (an ASCII byte is its string's code unit), so a string found by either way is
 * the same entry.
 */
export class StringTable {
  /** The distinct strings, by id. The table holds their ids, so growing it moves numbers only. */
  private strings: string[] = [];
  /**
   * Two numbers per slot, side by side so that a probe reads one cache line: the string's hash, then 1 + its
   * id (0 for an empty slot). A probe reads the string only on a hash match.
   */
  private table = new Int32Array(2 * 1024);
  /** The id of the string `get` returned last, −1 when it was not shared (see above). */
  lastId = -1;

  /** How many strings have an id (ids are 0 … count − 1). */
  get count(): number {
    return this.strings.length;
  }

  /** The string in bytes [start, end) of `buf` (`text` is the same bytes as a Buffer), shared when it can be. */
  get(buf: Uint8Array, text: Buffer, start: number, end: number): string {
    this.lastId = -1;
    const length = end - start;
    if (length === 0) return '';
    if (length > SHARED_MAX) return protobuf.util.utf8.read(buf, start, end);
    if (!isAscii(buf, start, end)) return protobuf.util.utf8.read(buf, start, end);
    const hash = bytesHash(buf, start, end); // nameHash's of the same text (see bytesHash)
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) {
        const decoded = text.toString('latin1', start, end); // ASCII: latin1 and UTF-8 agree
        this.lastId = this.insert(slot, hash, decoded);
        return decoded;
      }
      if (table[2 * slot] === hash) {
        const candidate = this.strings[known - 1];
        if (candidate.length === length && sameAscii(candidate, buf, start)) {
          this.lastId = known - 1;
          return candidate;
        }
      }
    }
  }

  /** The id of a string, −1 when it has none. */
  find(text: string): number {
    return Math.max(this.probe(text, nameHash(text)), -1);
  }

  /** The id of a string, given one now if it has none (any string: long, non-ASCII, empty). */
  idOf(text: string): number {
    const hash = nameHash(text);
    const at = this.probe(text, hash);
    return at >= 0 ? at : this.insert(-1 - at, hash, text);
  }

  /** The id of a string of this hash, or −1 − the empty slot it would take. */
  private probe(text: string, hash: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = table[2 * slot + 1];
      if (known === 0) return -1 - slot;
      if (table[2 * slot] === hash && this.strings[known - 1] === text) return known - 1;
    }
  }

  private insert(slot: number, hash: number, text: string): number {
    const id = this.strings.length;
    this.strings.push(text);
    this.table[2 * slot] = hash;
    this.table[2 * slot + 1] = id + 1;
    if (this.strings.length * 4 > this.table.length) this.table = doubledPairs(this.table);
    return id;
  }
}

/** A string decoded as protobufjs would, not looked up (one no other field repeats: a node's name). */
export function decodeString(buf: Uint8Array, text: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (buf[i] >= 0x80) return protobuf.util.utf8.read(buf, start, end);
  return text.toString('latin1', start, end);
}

/** Whether bytes [start, end) of `buf` are all ASCII (four at a time, their high bits or-ed together). */
function isAscii(buf: Uint8Array, start: number, end: number): boolean {
  let bytes = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) bytes |= buf[i] | buf[i + 1] | buf[i + 2] | buf[i + 3];
  for (; i < end; i++) bytes |= buf[i];
  return bytes < 0x80;
}

function sameAscii(text: string, buf: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}
