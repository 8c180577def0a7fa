/**
 * Counter-based random numbers: every draw is a pure function of (seed, stream, index), so any
 * value can be recomputed without replaying a generator. That is what makes initialization,
 * shuffling and dropout masks reproducible and step-back cheap (no generator state to save).
 */

/** A 32-bit integer hash with good avalanche (the "lowbias32" constants). */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Key of a stream: mixes the seed and a stream number. */
export function streamKey(seed: number, stream: number): number {
  return hash32((hash32(seed | 0) ^ Math.imul(stream | 0, 0x9e3779b9)) >>> 0);
}

/** Uniform in [0, 1) with 53 random bits, for index i of a stream. */
export function uniformAt(key: number, i: number): number {
  const hi = hash32((i * 2) ^ key) >>> 5; // 27 bits
  const lo = hash32((i * 2 + 1) ^ hash32(key + 0x632be5ab)) >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/** A sequential generator over one stream (for generators that draw an unknown number of values). */
export class Rng {
  private i = 0;
  private spare: number | null = null;
  private readonly key: number;
  constructor(seed: number, stream = 0) {
    this.key = streamKey(seed, stream);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return uniformAt(this.key, this.i++);
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Streams used by the engine, so that two purposes never share random numbers. */
export const STREAM = {
  init: 1000, // + layer index
  shuffle: 2000000, // + epoch
  dropout: 3000000, // keyed per batch, see dropoutKey
  data: 4000000, // dataset generators
  split: 5000000,
} as const;

/** Fisher–Yates permutation of 0…n−1 for an epoch, a pure function of (seed, epoch). */
export function permutation(n: number, seed: number, epoch: number, out?: Uint32Array): Uint32Array {
  const p = out ?? new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const key = streamKey(seed, STREAM.shuffle + epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(key, i) * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
