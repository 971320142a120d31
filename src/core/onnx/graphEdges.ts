import { NameIndex } from './nameIndex';

/** What the edges need of a node: its inputs, by value name, and its index in the graph. */
interface EdgeNode {
  readonly index: number;
  readonly inputs: readonly string[];
}

/** The node that produces each value, by name (a Map, or the graph view's NameIndex). */
interface Producers {
  get(value: string): EdgeNode | undefined;
}

/**
 * Who reads what in one graph, in typed arrays: for every node input (in node order, then input order, a
 * "flat input") the node that produces it, and for every node the flat inputs its outputs feed. Built once,
 * on first use, with one lookup per input; the producer check of the topological order and the consumers of
 * every produced value then cost no lookup by name at all (a 50,000-node graph has ~130,000 inputs).
 */
export class GraphEdges<T extends EdgeNode> {
  /** Node n's inputs are the flat inputs start[n] … start[n + 1] − 1. */
  readonly start: Int32Array;
  /** The index of the node that produces each flat input, −1 for none (a graph input, a weight, '', …). */
  readonly producer: Int32Array;
  /** The node each flat input belongs to. */
  private readonly reader: Int32Array;
  /** The flat inputs node p's outputs feed are feeds[feedStart[p]] … feeds[feedStart[p + 1] − 1], ascending. */
  private readonly feedStart: Int32Array;
  private readonly feeds: Int32Array;
  /** Readers of the values no node produces, by name (built only when one is asked for). */
  private unproduced: NameIndex<number[]> | undefined;

  constructor(
    private readonly nodes: readonly T[],
    producers: Producers,
    /** The edges of a graph whose nodes have, one for one, the same inputs and outputs: shared, not rebuilt. */
    like?: GraphEdges<EdgeNode>,
    /** The producer of each flat input, when the caller knows them (the graph view, by the values' ids). */
    known?: Int32Array,
  ) {
    if (like) {
      // Built once and never changed: shared as they are.
      this.start = like.start;
      this.producer = like.producer;
      this.reader = like.reader;
      this.feedStart = like.feedStart;
      this.feeds = like.feeds;
      return;
    }
    const count = nodes.length;
    this.start = new Int32Array(count + 1);
    for (let n = 0; n < count; n++) this.start[n + 1] = this.start[n] + nodes[n].inputs.length;
    const total = this.start[count];
    this.reader = new Int32Array(total);
    const fed = new Int32Array(count + 1);
    if (known && known.length === total) {
      this.producer = known;
      for (let n = 0; n < count; n++)
        for (let k = this.start[n]; k < this.start[n + 1]; k++) this.reader[k] = n;
      for (let k = 0; k < total; k++) if (known[k] >= 0) fed[known[k]]++;
    } else {
      this.producer = new Int32Array(total);
      for (let n = 0; n < count; n++) this.link(nodes[n].inputs, n, producers, fed);
    }
    // Counts to offsets; then each producer's feeds in flat-input order.
    this.feedStart = new Int32Array(count + 1);
    for (let p = 0; p < count; p++) this.feedStart[p + 1] = this.feedStart[p] + fed[p];
    this.feeds = new Int32Array(this.feedStart[count]);
    const next = this.feedStart.slice(0, count);
    for (let k = 0; k < total; k++) {
      const p = this.producer[k];
      if (p >= 0) this.feeds[next[p]++] = k;
    }
  }

  /** Records the producer of each input of node n (a function per node: docs/performance.md). */
  private link(inputs: readonly string[], n: number, producers: Producers, fed: Int32Array): void {
    const at = this.start[n];
    for (let i = 0; i < inputs.length; i++) {
      const producer = inputs[i] ? producers.get(inputs[i]) : undefined;
      const p = producer ? producer.index : -1;
      this.producer[at + i] = p;
      this.reader[at + i] = n;
      if (p >= 0) fed[p]++;
    }
  }

  /**
   * The nodes that read `value`, in node order (a node that reads it twice is listed twice). `producer` is
   * the node that produces it in this graph, if one does.
   */
  consumers(value: string, producer: EdgeNode | undefined): T[] {
    const out: T[] = [];
    if (producer) {
      const p = producer.index;
      for (let e = this.feedStart[p]; e < this.feedStart[p + 1]; e++) {
        const k = this.feeds[e];
        const n = this.reader[k];
        if (this.nodes[n].inputs[k - this.start[n]] === value) out.push(this.nodes[n]);
      }
      return out;
    }
    const readers = (this.unproduced ??= this.readersOfUnproduced()).get(value);
    if (readers) for (let i = 0; i < readers.length; i++) out.push(this.nodes[readers[i]]);
    return out;
  }

  /**
   * `consumers` of each of `values` (the same lists), asked together: the readers of those no node produces
   * (weights, graph inputs) are found in one pass over the node inputs, where `consumers` of one of them
   * indexes every such value (tens of thousands of weights, for the few a prune edits).
   */
  consumersOfEach(values: Iterable<string>, producers: Producers): Map<string, T[]> {
    const out = new Map<string, T[]>();
    const unproduced = new Set<string>();
    for (const value of values) {
      if (out.has(value) || unproduced.has(value)) continue;
      const producer = value ? producers.get(value) : undefined;
      if (producer) out.set(value, this.consumers(value, producer));
      else if (value) unproduced.add(value);
      else out.set(value, []); // '' is no value: as consumers says
    }
    for (const [value, readers] of this.readersOfEach(unproduced)) out.set(value, readers);
    return out;
  }

  /** The nodes that read each of `values`, none of which a node produces, in node order (see above). */
  private readersOfEach(values: ReadonlySet<string>): Map<string, T[]> {
    const out = new Map<string, T[]>();
    for (const value of values) out.set(value, []);
    if (this.unproduced) {
      for (const [value, list] of out) {
        const readers = this.unproduced.get(value);
        if (readers) for (let i = 0; i < readers.length; i++) list.push(this.nodes[readers[i]]);
      }
      return out;
    }
    for (let k = 0; k < this.producer.length; k++) {
      if (this.producer[k] >= 0) continue;
      const n = this.reader[k];
      const list = out.get(this.nodes[n].inputs[k - this.start[n]]);
      if (list) list.push(this.nodes[n]);
    }
    return out;
  }

  /**
   * A NameIndex made at its size, not a Map: the values no node produces are mostly weights, tens of thousands
   * of them on a large graph, and a Map rehashes all it holds each time it doubles.
   */
  private readersOfUnproduced(): NameIndex<number[]> {
    let unproduced = 0;
    for (let k = 0; k < this.producer.length; k++) if (this.producer[k] < 0) unproduced++;
    const index = new NameIndex<number[]>(unproduced);
    for (let k = 0; k < this.producer.length; k++) {
      if (this.producer[k] >= 0) continue;
      const n = this.reader[k];
      const value = this.nodes[n].inputs[k - this.start[n]];
      if (!value) continue;
      const list = index.get(value);
      if (list) list.push(n);
      else index.set(value, [n]);
    }
    return index;
  }
}
