/** A growable column of numbers with a fixed record width (amortized O(1) append, exact truncation). */
export class Series {
  private data: Float64Array;
  private n = 0;

  constructor(readonly width = 1, capacity = 1024) {
    this.data = new Float64Array(capacity * width);
  }

  /** Number of records. */
  get length(): number {
    return this.n;
  }

  /** Write record `index` (growing the series to index + 1 records), field by field. */
  set(index: number, field: number, value: number): void {
    const need = (index + 1) * this.width;
    if (need > this.data.length) {
      const next = new Float64Array(Math.max(need, this.data.length * 2));
      next.set(this.data.subarray(0, this.n * this.width));
      this.data = next;
    }
    this.data[index * this.width + field] = value;
    if (index >= this.n) this.n = index + 1;
  }

  get(index: number, field = 0): number {
    return this.data[index * this.width + field];
  }

  /** Keep only the first `length` records. */
  truncate(length: number): void {
    if (length < this.n) this.n = length;
  }

  /** Field `field` of every record, as a new array. */
  column(field = 0): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.data[i * this.width + field];
    return out;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.data.byteLength;
  }
}
