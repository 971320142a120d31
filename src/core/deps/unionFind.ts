/** Union-find over integers with path halving and union by size; grows as slots are added. */
export class UnionFind {
  private parent = new Int32Array(1024);
  private size = new Int32Array(1024);
  private count = 0;

  /** Adds `n` singletons; returns the first one's index. */
  add(n: number): number {
    const first = this.count;
    if (first + n > this.parent.length) {
      let capacity = this.parent.length;
      while (capacity < first + n) capacity *= 2;
      const parent = new Int32Array(capacity);
      parent.set(this.parent);
      const size = new Int32Array(capacity);
      size.set(this.size);
      this.parent = parent;
      this.size = size;
    }
    for (let i = first; i < first + n; i++) {
      this.parent[i] = i;
      this.size[i] = 1;
    }
    this.count += n;
    return first;
  }

  get length(): number {
    return this.count;
  }

  find(x: number): number {
    const parent = this.parent;
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  /** The class (root) of every element, found once. */
  classes(): Int32Array {
    const out = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.find(i);
    return out;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }
}
