/**
 * Seeded synthetic datasets. Every generator is a pure function of (seed, samples, noise): it draws
 * from its own stream `STREAM.data + DATA_STREAM[name]` of the seed, never from Math.random.
 *
 * Conventions shared by all of them:
 * - inputs and targets are row-major Float64Arrays, one row per example;
 * - classes are interleaved (example i has class i mod K), so the first N examples, a mini-batch or
 *   the held-out tail (`validationSplit`) all contain every class in equal shares;
 * - a two-class set has ONE 0/1 target column (for a sigmoid output with binary-cross-entropy or
 *   mse); a set with three or more classes has one-hot targets and `classNames`
 *   (for a softmax output with cross-entropy);
 * - `noise` is the standard deviation of Gaussian noise added to each input coordinate (blobs: the
 *   spread of each blob), in the same units as the inputs (which lie roughly in [−1, 1]).
 */
import { Rng, STREAM } from '../rng';
import type { Dataset } from '../spec';

/** What a generator depends on. `samples` and `noise` fall back to the generator's default. */
export interface GeneratorOptions {
  seed: number;
  samples?: number;
  noise?: number;
}

export type DataGenerator = (opts: GeneratorOptions) => Dataset;

/** Per-dataset offsets added to `STREAM.data`, so two datasets never share random numbers. */
export const DATA_STREAM = { circle: 1, spiral: 2, blobs: 3, moons: 4 } as const;

/** Default `samples` and `noise` of each generator (noise 0 where it has none). */
export const SYNTHETIC_DEFAULTS = {
  xor: { samples: 4, noise: 0 },
  and: { samples: 4, noise: 0 },
  or: { samples: 4, noise: 0 },
  mazur: { samples: 1, noise: 0 },
  circle: { samples: 200, noise: 0.1 },
  spiral: { samples: 300, noise: 0.05 },
  blobs: { samples: 150, noise: 0.3 },
  moons: { samples: 200, noise: 0.1 },
} as const;

export type SyntheticName = keyof typeof SYNTHETIC_DEFAULTS;

/** Names of the generators that take `noise` (the others ignore it). */
export const NOISY_SYNTHETIC: readonly SyntheticName[] = ['circle', 'spiral', 'blobs', 'moons'];

const XY = ['x1', 'x2'];

function count(samples: number | undefined, fallback: number): number {
  const n = samples === undefined ? fallback : Math.floor(samples);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function noiseOf(noise: number | undefined, fallback: number): number {
  return noise !== undefined && Number.isFinite(noise) && noise >= 0 ? noise : fallback;
}

function empty(name: string, n: number, inputSize: number, targetSize: number): Dataset {
  return {
    name,
    count: n,
    inputSize,
    targetSize,
    inputs: new Float64Array(n * inputSize),
    targets: new Float64Array(n * targetSize),
  };
}

// ---------------------------------------------------------------------------------------------
// Boolean functions
// ---------------------------------------------------------------------------------------------

function boolean(name: 'xor' | 'and' | 'or', truth: readonly number[], samples: number | undefined): Dataset {
  const n = count(samples, 4);
  const ds = empty(name, n, 2, 1);
  for (let i = 0; i < n; i++) {
    const p = i % 4; // patterns in the order (0,0), (0,1), (1,0), (1,1)
    ds.inputs[i * 2] = p >> 1;
    ds.inputs[i * 2 + 1] = p & 1;
    ds.targets[i] = truth[p];
  }
  ds.inputNames = ['a', 'b'];
  ds.source = `the truth table of ${name.toUpperCase()}`;
  return ds;
}

/**
 * XOR: 2 inputs a, b ∈ {0, 1}, 1 target a XOR b (0/1). The four patterns (0,0), (0,1), (1,0), (1,1)
 * in that order; `samples` (default 4) cycles through them. No randomness, no noise.
 */
export function xor(opts: GeneratorOptions): Dataset {
  return boolean('xor', [0, 1, 1, 0], opts.samples);
}

/** AND: as `xor`, target a AND b (0/1). Default 4 samples; no randomness, no noise. */
export function and(opts: GeneratorOptions): Dataset {
  return boolean('and', [0, 0, 0, 1], opts.samples);
}

/** OR: as `xor`, target a OR b (0/1). Default 4 samples; no randomness, no noise. */
export function or(opts: GeneratorOptions): Dataset {
  return boolean('or', [0, 1, 1, 1], opts.samples);
}

/**
 * Mazur's worked example ("A Step by Step Backpropagation Example", Matt Mazur, 2015): one example,
 * inputs x = (0.05, 0.10), targets t = (0.01, 0.99) (2 regression targets). `samples` and `noise` are
 * ignored: it is always this single example.
 */
export function mazur(_opts: GeneratorOptions): Dataset {
  const ds = empty('mazur', 1, 2, 2);
  ds.inputs.set([0.05, 0.1]);
  ds.targets.set([0.01, 0.99]);
  ds.inputNames = ['i1', 'i2'];
  ds.source = 'Matt Mazur, "A Step by Step Backpropagation Example" (2015)';
  return ds;
}

// ---------------------------------------------------------------------------------------------
// Two-dimensional point sets
// ---------------------------------------------------------------------------------------------

/** Radius of circle's inner disc and inner/outer radii of its ring: a gap of 0.2 between them. */
export const CIRCLE_RADII = { inner: 0.5, ringInner: 0.7, ringOuter: 1 } as const;

/**
 * Circle: 2 inputs (x1, x2), 1 target: 1 inside the circle, 0 outside. Even examples lie in the disc
 * r < 0.5, odd examples in the ring 0.7 ≤ r < 1 (uniform by area), then each coordinate gets
 * N(0, noise²). The label is that of the noise-free point, so with noise 0 the label is exactly
 * (radius < 0.6). Defaults: 200 samples, noise 0.1.
 */
export function circle(opts: GeneratorOptions): Dataset {
  const d = SYNTHETIC_DEFAULTS.circle;
  const n = count(opts.samples, d.samples);
  const noise = noiseOf(opts.noise, d.noise);
  const rng = new Rng(opts.seed, STREAM.data + DATA_STREAM.circle);
  const ds = empty('circle', n, 2, 1);
  const { inner, ringInner, ringOuter } = CIRCLE_RADII;
  for (let i = 0; i < n; i++) {
    const inside = i % 2 === 0;
    const u = rng.next();
    const r = inside ? inner * Math.sqrt(u) : Math.sqrt(ringInner ** 2 + (ringOuter ** 2 - ringInner ** 2) * u);
    const a = 2 * Math.PI * rng.next();
    ds.inputs[i * 2] = r * Math.cos(a) + noise * rng.normal();
    ds.inputs[i * 2 + 1] = r * Math.sin(a) + noise * rng.normal();
    ds.targets[i] = inside ? 1 : 0;
  }
  ds.inputNames = [...XY];
  ds.source = 'synthetic: circle (target 1 inside, 0 outside)';
  return ds;
}

/**
 * Spiral: 2 inputs (x1, x2), K interleaved spiral arms (K = 3 by default, or 2), one-hot targets with
 * classNames 'arm 1'…'arm K'. Example i belongs to arm k = i mod K at a uniform position t ∈ [0, 1):
 * radius t, angle 2πk/K + 2.5π·t (one and a quarter turns), plus N(0, noise²) per coordinate.
 * Defaults: 300 samples, noise 0.05.
 */
export function spiral(opts: GeneratorOptions & { classes?: 2 | 3 }): Dataset {
  const d = SYNTHETIC_DEFAULTS.spiral;
  const n = count(opts.samples, d.samples);
  const noise = noiseOf(opts.noise, d.noise);
  const k = opts.classes === 2 ? 2 : 3;
  const rng = new Rng(opts.seed, STREAM.data + DATA_STREAM.spiral);
  const ds = empty('spiral', n, 2, k);
  for (let i = 0; i < n; i++) {
    const arm = i % k;
    const t = rng.next();
    const a = (2 * Math.PI * arm) / k + 2.5 * Math.PI * t;
    ds.inputs[i * 2] = t * Math.cos(a) + noise * rng.normal();
    ds.inputs[i * 2 + 1] = t * Math.sin(a) + noise * rng.normal();
    ds.targets[i * k + arm] = 1;
  }
  ds.inputNames = [...XY];
  ds.classNames = Array.from({ length: k }, (_, j) => `arm ${j + 1}`);
  ds.source = `synthetic: ${k} interleaved spirals`;
  return ds;
}

/** Centres of the three blobs: on the unit circle at 90°, 210° and 330°. */
export const BLOB_CENTERS: readonly (readonly [number, number])[] = [90, 210, 330].map((deg) => {
  const a = (deg * Math.PI) / 180;
  return [Math.cos(a), Math.sin(a)] as const;
});

/**
 * Blobs: 2 inputs (x1, x2), 3 classes one-hot (classNames 'A', 'B', 'C'). Example i belongs to blob
 * i mod 3: its centre (BLOB_CENTERS, √3 apart) plus N(0, noise²) per coordinate.
 * Defaults: 150 samples, noise 0.3.
 */
export function blobs(opts: GeneratorOptions): Dataset {
  const d = SYNTHETIC_DEFAULTS.blobs;
  const n = count(opts.samples, d.samples);
  const noise = noiseOf(opts.noise, d.noise);
  const rng = new Rng(opts.seed, STREAM.data + DATA_STREAM.blobs);
  const ds = empty('blobs', n, 2, 3);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    ds.inputs[i * 2] = BLOB_CENTERS[c][0] + noise * rng.normal();
    ds.inputs[i * 2 + 1] = BLOB_CENTERS[c][1] + noise * rng.normal();
    ds.targets[i * 3 + c] = 1;
  }
  ds.inputNames = [...XY];
  ds.classNames = ['A', 'B', 'C'];
  ds.source = 'synthetic: three Gaussian blobs';
  return ds;
}

/**
 * Moons: 2 inputs (x1, x2), 1 target (0 upper moon, 1 lower moon). Even examples lie on the upper
 * half circle (cos πt, sin πt), odd ones on the lower (1 − cos πt, 0.5 − sin πt), t uniform in [0, 1),
 * shifted by (−0.5, −0.25) so the set is centred on the origin, plus N(0, noise²) per coordinate.
 * Defaults: 200 samples, noise 0.1.
 */
export function moons(opts: GeneratorOptions): Dataset {
  const d = SYNTHETIC_DEFAULTS.moons;
  const n = count(opts.samples, d.samples);
  const noise = noiseOf(opts.noise, d.noise);
  const rng = new Rng(opts.seed, STREAM.data + DATA_STREAM.moons);
  const ds = empty('moons', n, 2, 1);
  for (let i = 0; i < n; i++) {
    const lower = i % 2 === 1;
    const a = Math.PI * rng.next();
    const x = lower ? 1 - Math.cos(a) : Math.cos(a);
    const y = lower ? 0.5 - Math.sin(a) : Math.sin(a);
    ds.inputs[i * 2] = x - 0.5 + noise * rng.normal();
    ds.inputs[i * 2 + 1] = y - 0.25 + noise * rng.normal();
    ds.targets[i] = lower ? 1 : 0;
  }
  ds.inputNames = [...XY];
  ds.source = 'synthetic: two interleaving half circles (target 0 upper, 1 lower)';
  return ds;
}

/** Every synthetic generator by its builtin name. */
export const SYNTHETIC: Record<SyntheticName, DataGenerator> = { xor, and, or, mazur, circle, spiral, blobs, moons };
