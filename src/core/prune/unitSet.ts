/**
 * The units a prune removes (classes of coupled channels, numbered 0 … capacity − 1), as one byte per class.
 * A prune of a large graph removes tens of thousands of units and then asks, for every channel of every
 * space, whether its class is one of them: a Set of numbers rehashed as it grew and hashed at each question.
 * Iterates in ascending order.
 */
export class UnitSet implements ReadonlySet<number> {
  private readonly bits: Uint8Array;
  private count = 0;

  constructor(capacity: number) {
    this.bits = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(unit: number): this {
    if (!Number.isInteger(unit) || unit < 0 || unit >= this.bits.length)
      throw new RangeError(`internal: unit ${unit} is not one of the ${this.bits.length} classes`);
    if (this.bits[unit] === 0) {
      this.bits[unit] = 1;
      this.count++;
    }
    return this;
  }

  has(unit: number): boolean {
    return this.bits[unit] === 1; // undefined (out of range, not an index) is not 1
  }

  *values(): SetIterator<number> {
    const bits = this.bits;
    for (let unit = 0; unit < bits.length; unit++) if (bits[unit] === 1) yield unit;
  }

  keys(): SetIterator<number> {
    return this.values();
  }

  *entries(): SetIterator<[number, number]> {
    for (const unit of this.values()) yield [unit, unit];
  }

  [Symbol.iterator](): SetIterator<number> {
    return this.values();
  }

  forEach(visit: (value: number, key: number, set: ReadonlySet<number>) => void, thisArg?: unknown): void {
    for (const unit of this.values()) visit.call(thisArg, unit, unit, this);
  }
}
