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

/**
 * Per-mini-batch metrics with bounded memory: every batch is kept until `capacity` records are
 * held, then every other record is dropped and only every (2·stride)-th batch is kept from then on.
 * A plot of a long run thus has at most `capacity` points, evenly spaced.
 */
export class BatchHistory {
  private data: Float64Array;
  private n = 0;
  /** Batches per record (a power of two, 2^shift). */
  stride = 1;
  private shift = 0;

  constructor(readonly width: number, readonly capacity = 65536) {
    this.data = new Float64Array(Math.min(capacity, 1024) * width);
  }

  /** Number of records held. */
  get length(): number {
    return this.n;
  }

  record(batchIndex: number, field: number, value: number): void {
    const at = this.row(batchIndex);
    if (at >= 0) this.data[at + field] = value;
  }

  /**
   * Offset in `buffer` of batch `batchIndex`'s record (created, its fields NaN, when new), or −1 when
   * the batch is not sampled. For writing several fields of a batch at once; read `buffer` after this
   * call (it may grow).
   */
  row(batchIndex: number): number {
    // stride is a power of two: mask and shift rather than divide (this runs at every batch).
    if ((batchIndex & (this.stride - 1)) !== 0) return -1;
    let r = batchIndex >>> this.shift;
    if (r >= this.capacity) {
      this.compact();
      if ((batchIndex & (this.stride - 1)) !== 0) return -1;
      r = batchIndex >>> this.shift;
    }
    const w = this.width;
    if (r >= this.n) {
      const need = (r + 1) * w;
      if (need > this.data.length) {
        const next = new Float64Array(Math.min(this.capacity * w, Math.max(need, this.data.length * 2)));
        next.set(this.data.subarray(0, this.n * w));
        this.data = next;
      }
      // A new record: fields not written yet read as NaN.
      const data = this.data;
      for (let e = this.n * w, end = (r + 1) * w; e < end; e++) data[e] = NaN;
      this.n = r + 1;
    }
    return r * w;
  }

  /** The records, row-major (`width` fields each); see `row`. */
  get buffer(): Float64Array {
    return this.data;
  }

  private compact(): void {
    const w = this.width;
    const half = Math.ceil(this.n / 2);
    for (let r = 0; r < half; r++) this.data.copyWithin(r * w, 2 * r * w, 2 * r * w + w);
    this.n = half;
    this.stride *= 2;
    this.shift++;
  }

  /** Drop every record and return to one record per batch. */
  clear(): void {
    this.n = 0;
    this.stride = 1;
    this.shift = 0;
  }

  /** Keep the records of batches before `batchCount`. */
  truncate(batchCount: number): void {
    const keep = Math.ceil(batchCount / this.stride);
    if (keep < this.n) this.n = keep;
  }

  /** Batch indices and values of one field. */
  samples(field: number): { batch: Float64Array; value: Float64Array } {
    const batch = new Float64Array(this.n);
    const value = new Float64Array(this.n);
    for (let r = 0; r < this.n; r++) {
      batch[r] = r * this.stride;
      value[r] = this.data[r * this.width + field];
    }
    return { batch, value };
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}
