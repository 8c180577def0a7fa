/**
 * The multilayer perceptron: parameters (`Model`), per-batch buffers (`Workspace`) and the
 * computation of one layer at a time, so that a stepper can pause between any two of them.
 *
 * Notation (Nielsen): layer 1 is the input, a¹ = x; for l = 2…L
 *   z^l = W^l a^(l−1) + b^l                     (forward, `forwardLayer`)
 *   y^l = γ ⊙ (z^l − μ_B)/√(σ²_B + ε) + β        (only with batch normalization; else y = z)
 *   a^l = σ(y^l) [+ a^(l−1) if residual] [⊙ dropout mask / (1−p)]
 *   BP1 δ^L = ∇_a C ⊙ σ′(z^L)  (a − y for softmax + cross-entropy and sigmoid + binary cross-entropy)
 *   BP2 δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ′(z^l)
 *   BP3 ∂C/∂b^l = δ^l,  BP4 ∂C/∂w^l_jk = a^(l−1)_k δ^l_j   (averaged over the mini-batch)
 *
 * Batches are row-major: row x of a buffer is example x of the mini-batch. δ is stored per example
 * as δ_x = ∂C_x/∂z_x (with batch normalization: m·∂C/∂z_x, which is the same thing without it).
 */
import { activate, multiplyByDerivative } from './activations';
import { gemmNN, gemmNT, gemmTN } from './kernels';
import { Arena, arenaBytes } from './memory';
import { STREAM, hash32, streamKey } from './rng';
import type { Dataset, LossKind, ResolvedLayer, ResolvedNetwork } from './spec';

/** Parameters and gradients of one computing layer (l = 2…L). */
export interface LayerParams {
  readonly spec: ResolvedLayer;
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly dW: Float64Array;
  readonly db: Float64Array;
  /** Batch normalization: scale γ, shift β, their gradients, running statistics for evaluation. */
  readonly gamma: Float64Array | null;
  readonly beta: Float64Array | null;
  readonly dGamma: Float64Array | null;
  readonly dBeta: Float64Array | null;
  readonly runningMean: Float64Array | null;
  readonly runningVar: Float64Array | null;
}

type Alloc = (n: number) => Float64Array;

/** Slices of one array, handed out in order. */
function slicer(all: Float64Array): Alloc {
  let at = 0;
  return (n) => {
    const view = all.subarray(at, at + n);
    at += n;
    return view;
  };
}

/**
 * Parameters of every layer as views of one block (W², b², [γ², β²], W³, …) and their gradients as
 * views of a second block in the same order, so that whole-model operations (plain SGD, snapshots)
 * are single loops.
 */
function createParams(layers: ResolvedLayer[], params: Alloc, grads: Alloc, f64: Alloc): LayerParams[] {
  return layers.map((l) => {
    const bn = l.batchNorm !== null;
    return {
      spec: l,
      W: params(l.weights.length),
      b: params(l.size),
      gamma: bn ? params(l.size) : null,
      beta: bn ? params(l.size) : null,
      dW: grads(l.weights.length),
      db: grads(l.size),
      dGamma: bn ? grads(l.size) : null,
      dBeta: bn ? grads(l.size) : null,
      runningMean: bn ? f64(l.size) : null,
      runningVar: bn ? f64(l.size) : null,
    };
  });
}

/** Number of trainable scalars of a network (W, b, γ, β). */
function parameterCountOf(layers: ResolvedLayer[]): number {
  let n = 0;
  for (const l of layers) n += l.weights.length + l.size + (l.batchNorm !== null ? 2 * l.size : 0);
  return n;
}

/** Sizes of the arrays an allocation function is asked for, without allocating them. */
function sizesOf(build: (f64: Alloc) => unknown): number[] {
  const sizes: number[] = [];
  const empty = new Float64Array(0);
  build((n) => {
    sizes.push(n);
    return empty;
  });
  return sizes;
}

export interface ModelOptions {
  /** Capacities of the workspaces that will be created for this model, so that they fit in its arena. */
  workspaces?: number[];
  /** Use the WebAssembly SIMD kernel where available (default true); false runs the JavaScript loops. */
  wasm?: boolean;
}

export class Model {
  readonly layers: LayerParams[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly loss: LossKind;
  readonly arena: Arena;
  /** Scratch for the SIMD kernel's packed right-hand operand (in the arena when it fits). */
  readonly packed: Float64Array;
  /** Every trainable parameter (W², b², [γ², β²], W³, …) and, in the same order, its gradient. */
  readonly params: Float64Array;
  readonly grads: Float64Array;

  constructor(readonly spec: ResolvedNetwork, options: ModelOptions = {}) {
    this.inputSize = spec.inputSize;
    this.loss = spec.loss;
    const caps = options.workspaces ?? [];
    const maxCap = Math.max(0, ...caps);
    // The packed operand is W (n × n_in) in the forward and backward passes, a^(l−1) (m × n_in) for ∂C/∂W.
    const packSize = Math.max(0, ...spec.layers.map((l) => Math.max(l.size, maxCap) * l.inputSize));
    const count = parameterCountOf(spec.layers);
    const bnSizes = spec.layers.filter((l) => l.batchNorm !== null).flatMap((l) => [l.size, l.size]);
    const sizes = [packSize, count, count, ...bnSizes];
    for (const cap of caps) sizes.push(...sizesOf((f64) => createWorkspaceBuffers(spec, cap, f64)));
    this.arena = new Arena(arenaBytes(sizes), options.wasm ?? true);
    const f64 = (n: number) => this.arena.f64(n);
    this.packed = f64(packSize);
    this.params = f64(count);
    this.grads = f64(count);
    this.layers = createParams(spec.layers, slicer(this.params), slicer(this.grads), f64);
    this.layers.forEach((p) => {
      p.W.set(p.spec.weights);
      p.b.set(p.spec.biases);
      p.gamma?.fill(1);
      p.runningVar?.fill(1);
    });
    this.outputSize = this.layers[this.layers.length - 1].spec.size;
  }

  /** Number of trainable scalars (W, b, γ, β). */
  get parameterCount(): number {
    return this.params.length;
  }
}

/** Buffers of one layer for a batch of up to `capacity` examples. */
export interface LayerBuffers {
  /** z = W a_prev + b (m × n). */
  readonly Z: Float64Array;
  /** Input of σ: z, or the batch-normalized y. Aliases Z without batch normalization. */
  readonly Y: Float64Array;
  /** x̂ = (z − μ)/√(σ² + ε), and the batch's μ, σ² and 1/√(σ²+ε) per neuron. */
  readonly Xhat: Float64Array | null;
  readonly mean: Float64Array | null;
  readonly variance: Float64Array | null;
  readonly invStd: Float64Array | null;
  /** σ(y) (m × n). */
  readonly S: Float64Array;
  /** a^l as the next layer sees it: σ(y) [+ residual] [⊙ mask]. Aliases S when neither applies. */
  readonly A: Float64Array;
  /** Dropout mask, 0 or 1/(1−p) per element. */
  readonly mask: Float64Array | null;
  /** ∂C_x/∂a^l per example (hidden layers). */
  readonly G: Float64Array;
  /** ∂C_x/∂y per example (batch normalization only; otherwise aliases D). */
  readonly GY: Float64Array;
  /** δ^l per example. */
  readonly D: Float64Array;
  /** Softmax layers: log Σ_k e^(y_k) per example (reused by the cross-entropy). */
  readonly lse: Float64Array | null;
}

function createWorkspaceBuffers(spec: ResolvedNetwork, capacity: number, f64: Alloc) {
  const outputSize = spec.layers[spec.layers.length - 1].size;
  const X = f64(capacity * spec.inputSize);
  const T = f64(capacity * outputSize);
  const costs = f64(capacity);
  const layers: LayerBuffers[] = spec.layers.map((s) => {
    const len = capacity * s.size;
    const bn = s.batchNorm !== null;
    const Z = f64(len);
    const Y = bn ? f64(len) : Z;
    const S = f64(len);
    const A = s.residual || s.dropout > 0 ? f64(len) : S;
    const D = f64(len);
    return {
      Z,
      Y,
      Xhat: bn ? f64(len) : null,
      mean: bn ? f64(s.size) : null,
      variance: bn ? f64(s.size) : null,
      invStd: bn ? f64(s.size) : null,
      S,
      A,
      mask: s.dropout > 0 ? f64(len) : null,
      G: f64(len),
      GY: bn ? f64(len) : D,
      D,
      lse: s.activation === 'softmax' ? f64(capacity) : null,
    };
  });
  return { X, T, costs, layers };
}

export class Workspace {
  readonly layers: LayerBuffers[];
  /** a¹ = x for the batch (m × n_in) and the targets (m × n_out). */
  readonly X: Float64Array;
  readonly T: Float64Array;
  /** Per-example cost C_x. */
  readonly costs: Float64Array;
  /** Number of examples in the current batch. */
  m = 0;
  /** Do this workspace, the model's parameters and its pack scratch all live in the SIMD kernel's memory? */
  readonly simd: boolean;

  constructor(readonly model: Model, readonly capacity: number) {
    const arena = model.arena;
    const b = createWorkspaceBuffers(model.spec, capacity, (n) => arena.f64(n));
    this.X = b.X;
    this.T = b.T;
    this.costs = b.costs;
    this.layers = b.layers;
    const all: Float64Array[] = [b.X, b.T, b.costs, model.packed];
    for (const l of b.layers) all.push(l.Z, l.Y, l.S, l.A, l.G, l.GY, l.D);
    for (const p of model.layers) all.push(p.W, p.b, p.dW, p.db);
    this.simd = arena.holds(...all);
  }

  /** Load examples `rows` of a dataset (row-major inputs/targets) as the current batch. */
  loadBatch(inputs: Float64Array, targets: Float64Array, rows: ArrayLike<number>, count: number): void {
    const nIn = this.model.inputSize;
    const nOut = this.model.outputSize;
    const X = this.X;
    const T = this.T;
    for (let x = 0; x < count; x++) {
      const r = rows[x];
      // Rows of 16 or more values are copied with set (a memcpy); short ones element by element,
      // which for them costs less than creating the subarray.
      if (nIn >= 16) X.set(inputs.subarray(r * nIn, r * nIn + nIn), x * nIn);
      else for (let q = 0, src = r * nIn, dst = x * nIn; q < nIn; q++) X[dst + q] = inputs[src + q];
      for (let q = 0, src = r * nOut, dst = x * nOut; q < nOut; q++) T[dst + q] = targets[src + q];
    }
    this.m = count;
  }

  /** a^(l−1) for layer position i (0-based among computing layers). */
  input(i: number): Float64Array {
    return i === 0 ? this.X : this.layers[i - 1].A;
  }
}

export interface ForwardOptions {
  /** Training mode: dropout active, batch statistics (and running statistics updated). */
  training: boolean;
  /** Seed and global batch number: the dropout mask is a pure function of (seed, batch, layer, element). */
  seed: number;
  batchNumber: number;
  /** Update batch normalization's running statistics (training mode; default true). */
  trackRunningStats?: boolean;
}

/**
 * Below this much work (m·n·k multiply-adds) a product runs in JavaScript: the call into
 * WebAssembly would cost more than it saves. Both kernels give bit-identical results.
 */
export const WASM_MIN_WORK = 512;
/** Element-wise work (activations, updates) below this many values also stays in JavaScript. */
export const WASM_MIN_ELEMENTS = 32;

/** Forward through computing layer i (0-based; layer l = i + 2 in the notation). */
export function forwardLayer(model: Model, ws: Workspace, i: number, opts: ForwardOptions): void {
  const p = model.layers[i];
  const s = p.spec;
  const buf = ws.layers[i];
  const m = ws.m;
  const n = s.size;
  const k = s.inputSize;
  const Ain = ws.input(i);
  const arena = model.arena;
  if (ws.simd && m * n * k >= WASM_MIN_WORK && model.packed.length >= n * k) {
    const w = arena.wasm!;
    w.pack(p.W.byteOffset, 1, k, k, n, model.packed.byteOffset); // B = Wᵀ: element (p, j) = W[j·k + p]
    w.gemm(m, n, k, Ain.byteOffset, k, 1, model.packed.byteOffset, buf.Z.byteOffset, p.b.byteOffset, 1, 1);
  } else {
    gemmNT(m, n, k, Ain, p.W, p.b, buf.Z);
  }
  if (s.batchNorm) batchNormForward(p, buf, m, n, opts.training, opts.trackRunningStats !== false);
  const len = m * n;
  activate(s.activation, buf.Y, buf.S, m, n, s.leak, buf.lse, ws.simd && len >= WASM_MIN_ELEMENTS ? arena.wasm : null);
  if (s.residual) {
    const A = buf.A;
    const S = buf.S;
    for (let e = 0; e < len; e++) A[e] = S[e] + Ain[e];
  }
  if (s.dropout > 0) {
    const src = s.residual ? buf.A : buf.S;
    const A = buf.A;
    const mask = buf.mask!;
    if (opts.training) {
      const keep = 1 - s.dropout;
      const scale = 1 / keep;
      const key = dropoutKey(opts.seed, opts.batchNumber, s.index);
      for (let e = 0; e < len; e++) {
        const u = hash32(e ^ key) / 4294967296;
        const v = u < keep ? scale : 0;
        mask[e] = v;
        A[e] = src[e] * v;
      }
    } else {
      mask.fill(1, 0, len);
      if (A !== src) A.set(src.subarray(0, len));
    }
  }
}

export function dropoutKey(seed: number, batchNumber: number, layer: number): number {
  return hash32(streamKey(seed, STREAM.dropout + layer) ^ Math.imul(batchNumber + 1, 0x27d4eb2d));
}

function batchNormForward(p: LayerParams, buf: LayerBuffers, m: number, n: number, training: boolean, track: boolean): void {
  const { Z, Y } = buf;
  const Xhat = buf.Xhat!;
  const mean = buf.mean!;
  const variance = buf.variance!;
  const invStd = buf.invStd!;
  const gamma = p.gamma!;
  const beta = p.beta!;
  const { momentum, epsilon } = p.spec.batchNorm!;
  if (training) {
    for (let j = 0; j < n; j++) {
      let mu = 0;
      for (let x = 0; x < m; x++) mu += Z[x * n + j];
      mu /= m;
      let v = 0;
      for (let x = 0; x < m; x++) {
        const d = Z[x * n + j] - mu;
        v += d * d;
      }
      v /= m;
      mean[j] = mu;
      variance[j] = v;
      invStd[j] = 1 / Math.sqrt(v + epsilon);
      if (track) {
        // Running statistics as torch.nn.BatchNorm1d: the unbiased variance feeds running_var.
        const rm = p.runningMean!;
        const rv = p.runningVar!;
        rm[j] = (1 - momentum) * rm[j] + momentum * mu;
        rv[j] = (1 - momentum) * rv[j] + momentum * (m > 1 ? (v * m) / (m - 1) : v);
      }
    }
  } else {
    const rm = p.runningMean!;
    const rv = p.runningVar!;
    for (let j = 0; j < n; j++) {
      mean[j] = rm[j];
      variance[j] = rv[j];
      invStd[j] = 1 / Math.sqrt(rv[j] + epsilon);
    }
  }
  for (let x = 0; x < m; x++) {
    for (let j = 0; j < n; j++) {
      const e = x * n + j;
      const xh = (Z[e] - mean[j]) * invStd[j];
      Xhat[e] = xh;
      Y[e] = gamma[j] * xh + beta[j];
    }
  }
}

/** Per-example costs into ws.costs; returns the batch mean. */
export function computeLoss(model: Model, ws: Workspace): number {
  const last = ws.layers[ws.layers.length - 1];
  const m = ws.m;
  const n = model.outputSize;
  const T = ws.T;
  const A = last.A;
  const Y = last.Y;
  let total = 0;
  for (let x = 0; x < m; x++) {
    const o = x * n;
    let c = 0;
    switch (model.loss) {
      case 'mse':
        for (let j = 0; j < n; j++) {
          const d = T[o + j] - A[o + j];
          c += 0.5 * d * d;
        }
        break;
      case 'cross-entropy': {
        // −Σ t log softmax(y) = −Σ t (y − log Σ e^y), with log Σ e^y from the softmax (stable).
        const lse = last.lse![x];
        for (let j = 0; j < n; j++) {
          const t = T[o + j];
          if (t !== 0) c -= t * (Y[o + j] - lse);
        }
        break;
      }
      case 'binary-cross-entropy':
        // −[t log σ(y) + (1−t) log(1−σ(y))] = softplus(y) − t·y.
        for (let j = 0; j < n; j++) {
          const y = Y[o + j];
          const softplus = Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
          c += softplus - T[o + j] * y;
        }
        break;
    }
    ws.costs[x] = c;
    total += c;
  }
  return total / m;
}

/**
 * δ of computing layer i. For the output layer this is BP1 (from the targets); for a hidden layer
 * BP2 from the layer above, whose δ must be computed already: G = δ^(l+1) W^(l+1) [+ residual].
 */
export function deltaLayer(model: Model, ws: Workspace, i: number): void {
  const last = model.layers.length - 1;
  const p = model.layers[i];
  const s = p.spec;
  const buf = ws.layers[i];
  const m = ws.m;
  const n = s.size;
  const len = m * n;
  const GY = buf.GY;
  if (i === last) {
    const T = ws.T;
    const S = buf.S;
    const combined = (model.loss === 'cross-entropy' && s.activation === 'softmax') || (model.loss === 'binary-cross-entropy' && s.activation === 'sigmoid');
    if (combined) {
      // Softmax + cross-entropy and sigmoid + binary cross-entropy: ∂C_x/∂y = a − t exactly.
      for (let e = 0; e < len; e++) GY[e] = S[e] - T[e];
    } else {
      // MSE: ∇_a C = a − t, then ⊙ σ′ (BP1).
      const G = buf.G;
      for (let e = 0; e < len; e++) G[e] = S[e] - T[e];
      multiplyByDerivative(s.activation, buf.Y, S, G, GY, len, s.leak);
    }
  } else {
    const above = model.layers[i + 1];
    const aboveBuf = ws.layers[i + 1];
    const G = buf.G;
    const na = above.spec.size;
    const arena = model.arena;
    if (ws.simd && m * na * n >= WASM_MIN_WORK && model.packed.length >= na * n) {
      const w = arena.wasm!;
      w.pack(above.W.byteOffset, n, 1, na, n, model.packed.byteOffset); // B = W^(l+1) (n_(l+1) × n)
      w.gemm(m, n, na, aboveBuf.D.byteOffset, na, 1, model.packed.byteOffset, G.byteOffset, 0, 0, 1);
    } else {
      gemmNN(m, na, n, aboveBuf.D, above.W, G);
    }
    if (above.spec.residual) {
      // a^(l+1) = σ(y^(l+1)) + a^l: the identity path carries ∂C/∂a^(l+1) (through its dropout mask).
      const Gup = aboveBuf.G;
      const mask = aboveBuf.mask;
      if (mask) for (let e = 0; e < len; e++) G[e] += Gup[e] * mask[e];
      else for (let e = 0; e < len; e++) G[e] += Gup[e];
    }
    if (buf.mask) {
      const mask = buf.mask;
      for (let e = 0; e < len; e++) GY[e] = G[e] * mask[e];
      multiplyByDerivative(s.activation, buf.Y, buf.S, GY, GY, len, s.leak);
    } else {
      multiplyByDerivative(s.activation, buf.Y, buf.S, G, GY, len, s.leak);
    }
  }
  if (s.batchNorm) batchNormBackward(p, buf, m, n);
}

/** δ = ∂/∂z through batch normalization, from GY = ∂C_x/∂y; also dγ and dβ of the batch mean. */
function batchNormBackward(p: LayerParams, buf: LayerBuffers, m: number, n: number): void {
  const GY = buf.GY;
  const D = buf.D;
  const Xhat = buf.Xhat!;
  const invStd = buf.invStd!;
  const gamma = p.gamma!;
  const dGamma = p.dGamma!;
  const dBeta = p.dBeta!;
  for (let j = 0; j < n; j++) {
    let sumG = 0;
    let sumGX = 0;
    for (let x = 0; x < m; x++) {
      const e = x * n + j;
      sumG += GY[e];
      sumGX += GY[e] * Xhat[e];
    }
    dBeta[j] = sumG / m;
    dGamma[j] = sumGX / m;
    const meanG = sumG / m;
    const meanGX = sumGX / m;
    const scale = gamma[j] * invStd[j];
    for (let x = 0; x < m; x++) {
      const e = x * n + j;
      D[e] = scale * (GY[e] - meanG - Xhat[e] * meanGX);
    }
  }
}

/** BP3 and BP4 for computing layer i, averaged over the batch: ∂C/∂W = (1/m) Σ_x δ_x a_xᵀ, ∂C/∂b = mean δ. */
export function gradientLayer(model: Model, ws: Workspace, i: number): void {
  const p = model.layers[i];
  const s = p.spec;
  const buf = ws.layers[i];
  const m = ws.m;
  const n = s.size;
  const k = s.inputSize;
  const D = buf.D;
  const Ain = ws.input(i);
  const arena = model.arena;
  if (ws.simd && m * n * k >= WASM_MIN_WORK && model.packed.length >= m * k) {
    const w = arena.wasm!;
    w.pack(Ain.byteOffset, k, 1, m, k, model.packed.byteOffset); // B = a^(l−1) (m × n_in)
    w.gemm(n, k, m, D.byteOffset, 1, n, model.packed.byteOffset, p.dW.byteOffset, 0, 0, 1 / m);
  } else {
    gemmTN(m, n, k, D, Ain, 1 / m, p.dW);
  }
  const db = p.db;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let x = 0; x < m; x++) sum += D[x * n + j];
    db[j] = sum / m;
  }
}

/** Forward the whole batch in `ws` (no stepping). */
export function forwardAll(model: Model, ws: Workspace, opts: ForwardOptions): void {
  for (let i = 0; i < model.layers.length; i++) forwardLayer(model, ws, i, opts);
}

/** Index of the largest element of row r of a (rows × cols) buffer. */
export function argmaxRow(a: Float64Array, r: number, cols: number): number {
  let best = 0;
  let bestV = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = a[r * cols + j];
    if (v > bestV) {
      bestV = v;
      best = j;
    }
  }
  return best;
}

/** Is the prediction of example x of the batch right? argmax for several outputs, 0.5 threshold for one. */
export function isCorrect(ws: Workspace, x: number): boolean {
  const n = ws.model.outputSize;
  const A = ws.layers[ws.layers.length - 1].A;
  if (n === 1) return Math.abs(A[x] - ws.T[x]) < 0.5;
  return argmaxRow(A, x, n) === argmaxRow(ws.T, x, n);
}

export interface Evaluation {
  loss: number;
  /** Share of examples predicted right (argmax, or a 0.5 threshold for one output). */
  accuracy: number;
  count: number;
}

/** Mean cost and accuracy over a whole dataset in evaluation mode (no dropout, running batch-norm statistics). */
export function evaluate(model: Model, ws: Workspace, data: Dataset): Evaluation {
  const rows = new Uint32Array(ws.capacity);
  let total = 0;
  let correct = 0;
  const opts: ForwardOptions = { training: false, seed: 0, batchNumber: 0 };
  for (let start = 0; start < data.count; start += ws.capacity) {
    const m = Math.min(ws.capacity, data.count - start);
    for (let x = 0; x < m; x++) rows[x] = start + x;
    ws.loadBatch(data.inputs, data.targets, rows, m);
    forwardAll(model, ws, opts);
    total += computeLoss(model, ws) * m;
    for (let x = 0; x < m; x++) if (isCorrect(ws, x)) correct++;
  }
  return { loss: data.count > 0 ? total / data.count : NaN, accuracy: data.count > 0 ? correct / data.count : NaN, count: data.count };
}
