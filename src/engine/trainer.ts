/**
 * The stepper: training as a fixed sequence of micro-steps that can pause after any one of them,
 * go back exactly to any earlier one, and run without pauses at the cost of plain training.
 *
 * Each mini-batch runs this program (K computing layers, positions 0…K−1 = layers 2…L):
 *   forward 2 … L → loss → delta L (BP1) → delta L−1 … 2 (BP2) → gradient L … 2 (BP3, BP4)
 *   → clip (only when clipping is on) → update 2 … L
 * and every epoch ends with one `epoch-end` step (evaluation on training and validation data).
 *
 * Step numbers count executed micro-steps: 0 is the state before anything ran. Step back restores
 * the nearest checkpoint (taken at mini-batch starts, thinned to a memory budget) and replays
 * deterministically: every random draw is a pure function of (seed, epoch, batch, layer, index),
 * so the replay reproduces the same bits.
 */
import { activate, multiplyByDerivative } from './activations';
import { expPoly } from './expm';
import { evaluate, Model, Workspace, computeLoss, deltaLayer, forwardLayer, gradientLayer, type Evaluation, type ForwardOptions, WASM_MIN_ELEMENTS, WASM_MIN_WORK } from './network';
import { copyOptimizerState, createOptimizerState, optimizerStep, type OptimizerState } from './optimizers';
import { sumSquares } from './kernels';
import { permutation } from './rng';
import { BatchHistory, Series } from './series';
import type { WasmKernels } from './memory';
import type { ResolvedNetwork } from './spec';

/** Examples per chunk when evaluating a whole dataset. */
const EVAL_CAPACITY = 256;

export type Phase = 'forward' | 'loss' | 'delta' | 'gradient' | 'clip' | 'update' | 'epoch-end';
export const PHASES: readonly Phase[] = ['forward', 'loss', 'delta', 'gradient', 'clip', 'update', 'epoch-end'];

/** Where training stands: the step just executed (0 = none yet) and what it was. */
export interface Position {
  step: number;
  phase: Phase | 'start';
  /** Layer in the notation (2…L), or null for loss, clip, epoch-end and start. */
  layer: number | null;
  /** 1-based epoch and mini-batch within the epoch; batchIndex counts mini-batches from 0 over the whole run. */
  epoch: number;
  batch: number;
  batchIndex: number;
}

export interface HealthThresholds {
  /** A layer's gradient norm above this is "exploding". */
  explodingNorm: number;
  /** A layer's gradient norm below this is "vanishing". */
  vanishingNorm: number;
  /** Loss is "rising" when its moving average exceeds the best moving average by this factor. */
  risingFactor: number;
}

export const DEFAULT_HEALTH: HealthThresholds = { explodingNorm: 1e3, vanishingNorm: 1e-7, risingFactor: 1.5 };

export interface NonFinite {
  phase: Phase;
  layer: number | null;
  /** Which quantity first held a NaN or ±Infinity. */
  quantity: 'z' | 'a' | 'loss' | 'delta' | 'gradient' | 'parameters';
}

interface Common {
  step: number;
  epoch: number;
  batch: number;
  batchIndex: number;
  /** Dataset rows of this mini-batch (0-based indices into the training set). */
  examples: Uint32Array;
  /** Set when this step produced a NaN or infinity. Training should stop before the next update. */
  nonFinite: NonFinite | null;
}

export interface ForwardEvent extends Common {
  kind: 'forward';
  layer: number;
  /** m × n views (row x = example x): z^l, a^l. Valid until the next step. */
  z: Float64Array;
  a: Float64Array;
  /** Share of ReLU / leaky-ReLU neurons that were ≤ 0 for every example of the batch (0 for other activations). */
  deadShare: number;
}
export interface LossEvent extends Common {
  kind: 'loss';
  /** Mean cost of the mini-batch, and C_x per example. */
  loss: number;
  costs: Float64Array;
  /** True when the moving average of the loss has risen well above its best. */
  rising: boolean;
}
export interface DeltaEvent extends Common {
  kind: 'delta';
  layer: number;
  rule: 'BP1' | 'BP2';
  /** δ^l per example (m × n). */
  delta: Float64Array;
}
export interface GradientEvent extends Common {
  kind: 'gradient';
  layer: number;
  dW: Float64Array;
  db: Float64Array;
  /** L2 norm of this layer's gradient (W, b, γ, β), and the health verdict for it. */
  norm: number;
  exploding: boolean;
  vanishing: boolean;
}
export interface ClipEvent extends Common {
  kind: 'clip';
  /** Global L2 norm before clipping and the factor every gradient was multiplied by. */
  normBefore: number;
  scale: number;
}
export interface UpdateEvent extends Common {
  kind: 'update';
  layer: number;
  W: Float64Array;
  b: Float64Array;
  /** Optimizer state of W and b after the update (buffers by reference). */
  stateW: OptimizerState;
  stateB: OptimizerState;
  /** Batch normalization's γ and β after the update, and their optimizer states (null without it). */
  gamma: Float64Array | null;
  beta: Float64Array | null;
  stateGamma: OptimizerState | null;
  stateBeta: OptimizerState | null;
}
export interface EpochEndEvent extends Common {
  kind: 'epoch-end';
  train: Evaluation;
  validation: Evaluation | null;
}
export type StepEvent = ForwardEvent | LossEvent | DeltaEvent | GradientEvent | ClipEvent | UpdateEvent | EpochEndEvent;

export type Granularity = 'layer' | 'phase' | 'batch' | 'epoch' | 'end';

export interface TrainerOptions {
  /** Bytes of parameter snapshots kept for step-back (default 64 MiB). */
  historyBytes?: number;
  /** Dense checkpoints kept for the most recent mini-batches (default 8). */
  recentCheckpoints?: number;
  health?: Partial<HealthThresholds>;
  /** Override the number of epochs of the network file. */
  epochs?: number;
  /**
   * Evaluate loss and accuracy on the whole training and validation sets at every epoch end
   * (default true). Benchmarks of plain training turn it off.
   */
  evaluateEpochs?: boolean;
  /** Use the WebAssembly SIMD kernel where available (default true). Results are bit-identical either way. */
  wasm?: boolean;
}

interface Snapshot {
  batchIndex: number;
  params: Float64Array[];
  optim: OptimizerState[];
  ema: number;
  bestEma: number;
  emaCount: number;
  epochCount: number;
}

interface MicroStep {
  phase: Phase;
  /** The phase as a small integer, for the hot switch (index in PHASES). */
  op: number;
  /** 0-based computing-layer position, or −1. */
  pos: number;
}

const OP_FORWARD = 0;
const OP_LOSS = 1;
const OP_DELTA = 2;
const OP_GRADIENT = 3;
const OP_CLIP = 4;
const OP_UPDATE = 5;
// OP_* are the indices of the phases in PHASES.
const microStep = (phase: Phase, pos: number): MicroStep => ({ phase, op: PHASES.indexOf(phase), pos });

/** Per-tensor bookkeeping: value, gradient, optimizer state, whether it is trained. */
interface Slot {
  /** The SIMD kernels, when value and grad live in their memory. */
  wasm: WasmKernels | null;
  value: Float64Array;
  grad: Float64Array;
  state: OptimizerState;
  trainable: boolean;
  layerPos: number;
}

export class Trainer {
  readonly model: Model;
  readonly ws: Workspace;
  readonly net: ResolvedNetwork;
  readonly epochs: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  readonly program: MicroStep[];
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly health: HealthThresholds;
  private readonly evaluateEpochs: boolean;

  private evalWs: Workspace | null = null;
  private readonly hasClip: boolean;
  /** Plain SGD on every parameter (no momentum, no weight decay, biases trained): one update loop. */
  private plainSgd: false | 'js' | 'wasm';
  /** Use runSmallBatch (see there). */
  private readonly small: boolean;
  /** How BP1 is computed for the output layer in the small path: a − t directly, or by deltaLayer. */
  private readonly outputRule: 'a-t' | 'mse-sigmoid' | 'general';

  /** Which whole-batch path `run()` takes: plain loops for small plain networks, or the layer functions. */
  get fastPath(): 'small' | 'layers' {
    return this.small ? 'small' : 'layers';
  }
  /** Each layer's gradients as one view (for its norm). */
  private readonly layerGrads: Float64Array[];
  private readonly layerGradsWasm: (WasmKernels | null)[];
  private readonly slots: Slot[];
  /** Slots of each computing layer, for the update step. */
  private readonly layerSlots: Slot[][];
  private perm: Uint32Array;
  private permEpoch = -1;
  private batchRows: Uint32Array;

  /** Executed micro-steps. */
  private done = 0;
  private lastEvent: StepEvent | null = null;

  // Loss health: exponential moving average of batch losses and its best value so far.
  private ema = NaN;
  private bestEma = Infinity;
  private emaCount = 0;

  /** History: batch losses (per batchIndex), gradient norms (per batchIndex × layer), epoch evaluations. */
  /** Per mini-batch: the loss, then each layer's gradient norm (bounded: see BatchHistory). */
  private readonly history: BatchHistory;
  /** Per epoch: train loss, accuracy, count, validation loss, accuracy, count (count −1: no validation data). */
  private readonly epochHistory = new Series(6, 16);

  private readonly checkpoints = new Map<number, Snapshot>();
  private checkpointInterval: number;
  private readonly checkpointBase: number;
  private readonly maxCheckpoints: number;
  private readonly recent: number;
  private readonly pool: Snapshot[] = [];

  constructor(net: ResolvedNetwork, options: TrainerOptions = {}) {
    this.net = net;
    this.batchSize = Math.min(net.training.batchSize, net.train.count);
    const B = this.batchSize;
    this.hasClip = net.training.clipNorm !== null || net.training.clipValue !== null;
    this.small =
      !this.hasClip &&
      net.layers.every((l) => l.batchNorm === null && l.dropout === 0 && !l.residual && B * l.size * l.inputSize < WASM_MIN_WORK && B * l.size < WASM_MIN_ELEMENTS);
    const outLayer = net.layers[net.layers.length - 1];
    this.outputRule =
      (net.loss === 'cross-entropy' && outLayer.activation === 'softmax') || (net.loss === 'binary-cross-entropy' && outLayer.activation === 'sigmoid')
        ? 'a-t'
        : net.loss === 'mse' && outLayer.activation === 'sigmoid'
          ? 'mse-sigmoid'
          : 'general';
    // A small network never calls the SIMD kernel, and plain arrays are a little quicker from JavaScript.
    this.model = new Model(net, { workspaces: [B, EVAL_CAPACITY], wasm: options.wasm ?? !this.small });
    this.epochs = options.epochs ?? net.training.epochs;
    this.batchesPerEpoch = Math.ceil(net.train.count / this.batchSize);
    this.ws = new Workspace(this.model, this.batchSize);
    this.health = { ...DEFAULT_HEALTH, ...options.health };
    this.evaluateEpochs = options.evaluateEpochs ?? true;
    this.forwardOptions.seed = net.seed;
    this.perm = new Uint32Array(net.train.count);
    this.batchRows = new Uint32Array(this.batchSize);

    const K = this.model.layers.length;
    const program: MicroStep[] = [];
    for (let i = 0; i < K; i++) program.push(microStep('forward', i));
    program.push(microStep('loss', -1));
    for (let i = K - 1; i >= 0; i--) program.push(microStep('delta', i));
    for (let i = K - 1; i >= 0; i--) program.push(microStep('gradient', i));
    if (net.training.clipNorm !== null || net.training.clipValue !== null) program.push(microStep('clip', -1));
    for (let i = 0; i < K; i++) program.push(microStep('update', i));
    this.program = program;
    this.stepsPerEpoch = this.batchesPerEpoch * program.length + 1;
    this.totalSteps = this.epochs * this.stepsPerEpoch;
    this.history = new BatchHistory(1 + K);

    this.slots = [];
    this.layerSlots = [];
    const opt = net.optimizer;
    this.model.layers.forEach((p, pos) => {
      const list: Slot[] = [];
      const add = (value: Float64Array, grad: Float64Array, trainable: boolean) => {
        const arena = this.model.arena;
        const slot = { value, grad, state: createOptimizerState(opt, value.length), trainable, layerPos: pos, wasm: arena.holds(value, grad) && value.length >= WASM_MIN_ELEMENTS ? arena.wasm : null };
        this.slots.push(slot);
        list.push(slot);
      };
      add(p.W, p.dW, true);
      add(p.b, p.db, net.training.trainBiases);
      if (p.gamma) add(p.gamma, p.dGamma!, true);
      if (p.beta) add(p.beta, p.dBeta!, true);
      this.layerSlots.push(list);
    });

    // A power of two (so are the thinned intervals, its doublings): grid tests are bit masks.
    this.checkpointBase = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(64 / this.batchSize))));
    this.checkpointInterval = this.checkpointBase;
    let at = 0;
    this.layerGrads = this.layerSlots.map((slots) => {
      const len = slots.reduce((n, sl) => n + sl.grad.length, 0);
      const view = this.model.grads.subarray(at, at + len);
      at += len;
      return view;
    });
    const arena = this.model.arena;
    this.layerGradsWasm = this.layerGrads.map((g) => (g.length >= WASM_MIN_ELEMENTS && arena.holds(g) ? arena.wasm : null));
    this.plainSgd = this.plainSgdPath();
    const snapBytes = this.snapshotBytes();
    this.recent = Math.max(1, options.recentCheckpoints ?? 8);
    // At most 1,024 grid checkpoints: beyond that, thinning (and recycling snapshots) costs less than
    // keeping more, and replaying up to interval batches stays quick.
    this.maxCheckpoints = Math.max(2, Math.min(1024, Math.floor((options.historyBytes ?? 64 * 1024 * 1024) / snapBytes) - this.recent));
    this.saveCheckpoint(0);
  }

  // ------------------------------------------------------------------------------------------
  // Position
  // ------------------------------------------------------------------------------------------

  get step(): number {
    return this.done;
  }
  get finished(): boolean {
    return this.done >= this.totalSteps;
  }
  /** The event of the last executed step (null at the start or after a jump without events). */
  get last(): StepEvent | null {
    return this.lastEvent;
  }

  /** Decode a step number (1-based micro-step) into its place in the run. */
  locate(step: number): { epoch: number; batchInEpoch: number; batchIndex: number; index: number; micro: MicroStep | null } {
    const r0 = step - 1;
    const e = Math.floor(r0 / this.stepsPerEpoch);
    const r = r0 - e * this.stepsPerEpoch;
    const P = this.program.length;
    if (r === this.batchesPerEpoch * P) {
      return { epoch: e, batchInEpoch: this.batchesPerEpoch - 1, batchIndex: e * this.batchesPerEpoch + this.batchesPerEpoch - 1, index: P, micro: null };
    }
    const b = Math.floor(r / P);
    return { epoch: e, batchInEpoch: b, batchIndex: e * this.batchesPerEpoch + b, index: r - b * P, micro: this.program[r - b * P] };
  }

  get position(): Position {
    if (this.done === 0) return { step: 0, phase: 'start', layer: null, epoch: 1, batch: 1, batchIndex: 0 };
    const loc = this.locate(this.done);
    const micro = loc.micro;
    return {
      step: this.done,
      phase: micro ? micro.phase : 'epoch-end',
      layer: micro && micro.pos >= 0 ? micro.pos + 2 : null,
      epoch: loc.epoch + 1,
      batch: loc.batchInEpoch + 1,
      batchIndex: loc.batchIndex,
    };
  }

  /** The phase and layer of the next step, or null when training is over. */
  peek(): { phase: Phase; layer: number | null } | null {
    if (this.finished) return null;
    const micro = this.locate(this.done + 1).micro;
    return micro ? { phase: micro.phase, layer: micro.pos >= 0 ? micro.pos + 2 : null } : { phase: 'epoch-end', layer: null };
  }

  /** Dataset rows of the current (or next) mini-batch. */
  get examples(): Uint32Array {
    return this.batchRows.subarray(0, this.ws.m);
  }

  // ------------------------------------------------------------------------------------------
  // Running
  // ------------------------------------------------------------------------------------------

  /** Execute the next micro-step and return its event (null when training is over). */
  next(): StepEvent | null {
    if (this.finished) return null;
    this.lastEvent = this.exec(true);
    // The event carries any NaN/Inf itself; nothing stays pending for a later advance().
    this.pendingNonFinite = null;
    return this.lastEvent;
  }

  /** Execute up to `count` micro-steps without building events (the fast path). Stops early on a non-finite value. */
  advance(count: number): { stopped: NonFinite | null } {
    const end = Math.min(this.totalSteps, this.done + count);
    const P = this.program.length;
    const B = this.batchesPerEpoch;
    while (this.done < end) {
      const loc = this.locate(this.done + 1);
      if (loc.micro && loc.index === 0 && this.done + P <= end) {
        // Whole mini-batches, walking the position forward without decoding it again.
        const epoch = loc.epoch;
        let b = loc.batchInEpoch;
        while (this.done + P <= end && b < B) {
          this.runBatch(epoch, b, epoch * B + b);
          if (this.pendingNonFinite) break;
          b++;
        }
        if (b === B && this.done < end && !this.pendingNonFinite) this.exec(false); // the epoch's end
      } else {
        this.exec(false);
      }
      if (this.pendingNonFinite) {
        const nf = this.pendingNonFinite;
        this.pendingNonFinite = null;
        this.lastEvent = null;
        return { stopped: nf };
      }
    }
    this.lastEvent = null;
    return { stopped: null };
  }

  /** Steps until the next pause point of a granularity (0 when finished). */
  stepsToPause(granularity: Granularity): number {
    if (this.finished) return 0;
    switch (granularity) {
      case 'layer':
        return 1;
      case 'end':
        return this.totalSteps - this.done;
      case 'epoch': {
        const e = Math.floor(this.done / this.stepsPerEpoch);
        return (e + 1) * this.stepsPerEpoch - this.done;
      }
      case 'batch': {
        const loc = this.locate(this.done + 1);
        if (!loc.micro) return 1; // the epoch-end step is its own pause
        return this.program.length - loc.index;
      }
      case 'phase': {
        const loc = this.locate(this.done + 1);
        if (!loc.micro) return 1;
        let k = loc.index;
        const phase = loc.micro.phase;
        while (k + 1 < this.program.length && this.program[k + 1].phase === phase) k++;
        return k - loc.index + 1;
      }
    }
  }

  /** Train to the end (or `steps` micro-steps) without events. */
  run(steps = Infinity): { stopped: NonFinite | null } {
    return this.advance(Math.min(steps, this.totalSteps - this.done));
  }

  private pendingNonFinite: NonFinite | null = null;

  private readonly forwardOptions: ForwardOptions = { training: true, seed: 0, batchNumber: 0 };

  /** Result of the last loss, gradient and clip steps (for their events). */
  private lastLoss = NaN;
  private lastNorm = NaN;
  private lastClip = { normBefore: NaN, scale: 1 };

  /** The computation of one micro-step, shared by stepping and the whole-batch fast path. */
  private compute(micro: MicroStep, batchIndex: number): void {
    const model = this.model;
    const ws = this.ws;
    const pos = micro.pos;
    switch (micro.op) {
      case OP_FORWARD:
        this.forwardOptions.batchNumber = batchIndex;
        forwardLayer(model, ws, pos, this.forwardOptions);
        break;
      case OP_LOSS:
        this.lastLoss = computeLoss(model, ws);
        this.recordLoss(batchIndex, this.lastLoss);
        break;
      case OP_DELTA:
        deltaLayer(model, ws, pos);
        break;
      case OP_GRADIENT:
        gradientLayer(model, ws, pos);
        this.recordGradientNorm(batchIndex, pos);
        break;
      case OP_CLIP:
        this.lastClip = this.clip();
        break;
      case OP_UPDATE: {
        const opt = this.net.optimizer;
        const slots = this.layerSlots[pos];
        for (let i = 0; i < slots.length; i++) {
          const s = slots[i];
          if (s.trainable) optimizerStep(opt, s.value, s.grad, s.state, s.wasm);
        }
        break;
      }
    }
  }

  /**
   * Run a whole mini-batch program without events: the same layer functions, in the same order, as
   * `compute` over `program` (written out, since for small networks the dispatch would dominate).
   * Stops after a gradient step that found a NaN.
   */
  private runBatch(epoch: number, batchInEpoch: number, batchIndex: number): void {
    if ((batchIndex & (this.checkpointBase - 1)) === 0) this.maybeCheckpoint(batchIndex); // off the grid: nothing to do
    this.loadBatch(epoch, batchInEpoch);
    if (this.small) {
      this.runSmallBatch(batchIndex);
      return;
    }
    const model = this.model;
    const ws = this.ws;
    const K = model.layers.length;
    const fo = this.forwardOptions;
    fo.batchNumber = batchIndex;
    for (let i = 0; i < K; i++) forwardLayer(model, ws, i, fo);
    this.lastLoss = computeLoss(model, ws);
    this.recordLoss(batchIndex, this.lastLoss);
    for (let i = K - 1; i >= 0; i--) deltaLayer(model, ws, i);
    this.done += 2 * K + 1;
    for (let i = K - 1; i >= 0; i--) {
      gradientLayer(model, ws, i);
      this.done++;
      if (!this.recordGradientNorm(batchIndex, i)) return;
    }
    if (this.hasClip) {
      this.lastClip = this.clip();
      this.done++;
    }
    this.update();
    this.done += K;
  }

  /**
   * The fast path for small plain networks (no batch norm, dropout, residual or clipping; products
   * too small for the SIMD kernel): the matrix products written as plain loops in one place, so a
   * 2-4-1 network is not dominated by calls. Each element is summed in the same order as the
   * kernels of kernels.ts, so the bits are those of stepping (tested).
   */
  private runSmallBatch(batchIndex: number): void {
    const model = this.model;
    const ws = this.ws;
    const layers = model.layers;
    const bufs = ws.layers;
    const K = layers.length;
    const m = ws.m;
    let A = ws.X;
    for (let i = 0; i < K; i++) {
      const p = layers[i];
      const sp = p.spec;
      const buf = bufs[i];
      const n = sp.size;
      const k = sp.inputSize;
      const W = p.W;
      const b = p.b;
      const Z = buf.Z;
      for (let x = 0; x < m; x++) {
        const ao = x * k;
        const zo = x * n;
        for (let j = 0; j < n; j++) {
          const wo = j * k;
          let c = 0;
          for (let q = 0; q < k; q++) c += A[ao + q] * W[wo + q];
          Z[zo + j] = c + b[j];
        }
      }
      if (sp.activation === 'sigmoid') {
        const S = buf.S;
        for (let e = 0, len = m * n; e < len; e++) S[e] = 1 / (1 + expPoly(-Z[e])); // as activate()
      } else {
        activate(sp.activation, buf.Y, buf.S, m, n, sp.leak, buf.lse, null);
      }
      A = buf.A;
    }
    // recordLoss and recordGradientNorm, written out here: inlined by hand, the hot loop compiles the
    // same way in every process (V8 otherwise sometimes keeps them as calls, and tiny runs 30% slower).
    // The loss of ½Σ(t − a)² written out too (as computeLoss, same order); the others call it.
    let loss: number;
    if (model.loss === 'mse') {
      const A = bufs[K - 1].A;
      const T = ws.T;
      const costs = ws.costs;
      const n = model.outputSize;
      let total = 0;
      for (let x = 0; x < m; x++) {
        const o = x * n;
        let c = 0;
        for (let j = 0; j < n; j++) {
          const d = T[o + j] - A[o + j];
          c += 0.5 * d * d;
        }
        costs[x] = c;
        total += c;
      }
      loss = total / m;
    } else {
      loss = computeLoss(model, ws);
    }
    this.lastLoss = loss;
    // One history record per batch: the loss, then each layer's gradient norm.
    const history = this.history;
    const row = history.row(batchIndex);
    if (row >= 0) history.buffer[row] = loss;
    const ema = this.emaCount === 0 ? loss : 0.9 * this.ema + 0.1 * loss;
    this.ema = ema;
    this.emaCount++;
    if (ema < this.bestEma) this.bestEma = ema;
    const out = bufs[K - 1];
    const outSpec = layers[K - 1].spec;
    if (this.outputRule === 'a-t') {
      // Softmax + cross-entropy, sigmoid + binary cross-entropy: δᴸ = a − t (as deltaLayer).
      const S = out.S;
      const T = ws.T;
      const D = out.D;
      for (let e = 0, len = m * outSpec.size; e < len; e++) D[e] = S[e] - T[e];
    } else if (this.outputRule === 'mse-sigmoid') {
      // ½Σ(t − a)² with a sigmoid output: δᴸ = (a − t) ⊙ a(1 − a) (as deltaLayer).
      const S = out.S;
      const T = ws.T;
      const G = out.G;
      const D = out.D;
      for (let e = 0, len = m * outSpec.size; e < len; e++) {
        const g = S[e] - T[e];
        G[e] = g;
        const v = S[e];
        D[e] = g * (v * (1 - v));
      }
    } else {
      deltaLayer(model, ws, K - 1);
    }
    for (let i = K - 2; i >= 0; i--) {
      // G = δ^(l+1) W^(l+1), then δ = G ⊙ σ′ (BP2)
      const above = layers[i + 1];
      const na = above.spec.size;
      const Wa = above.W;
      const Da = bufs[i + 1].D;
      const buf = bufs[i];
      const sp = layers[i].spec;
      const n = sp.size;
      const G = buf.G;
      for (let x = 0; x < m; x++) {
        const go = x * n;
        const dao = x * na;
        for (let j = 0; j < n; j++) {
          let c = 0;
          for (let q = 0; q < na; q++) c += Da[dao + q] * Wa[q * n + j];
          G[go + j] = c;
        }
      }
      if (sp.activation === 'sigmoid') {
        const S = buf.S;
        const D = buf.GY;
        for (let e = 0, len = m * n; e < len; e++) {
          const v = S[e];
          D[e] = G[e] * (v * (1 - v)); // as multiplyByDerivative()
        }
      } else {
        multiplyByDerivative(sp.activation, buf.Y, buf.S, G, buf.GY, m * n, sp.leak);
      }
    }
    this.done += 2 * K + 1;
    const scale = 1 / m;
    for (let i = K - 1; i >= 0; i--) {
      // ∂C/∂W = (1/m) Σ_x δ_x a_xᵀ, ∂C/∂b = mean δ (BP3, BP4)
      const p = layers[i];
      const n = p.spec.size;
      const k = p.spec.inputSize;
      const D = bufs[i].D;
      const Ain = i === 0 ? ws.X : bufs[i - 1].A;
      const dW = p.dW;
      const db = p.db;
      for (let j = 0; j < n; j++) {
        for (let q = 0; q < k; q++) {
          let c = 0;
          for (let x = 0; x < m; x++) c += D[x * n + j] * Ain[x * k + q];
          dW[j * k + q] = c * scale;
        }
        let sum = 0;
        for (let x = 0; x < m; x++) sum += D[x * n + j];
        db[j] = sum / m;
      }
      this.done++;
      const g = this.layerGrads[i];
      const norm = Math.sqrt(sumSquares(g)); // small: never the SIMD sum
      this.lastNorm = norm;
      if (row >= 0) history.buffer[row + 1 + i] = norm;
      if (!Number.isFinite(norm)) {
        this.pendingNonFinite = { phase: 'gradient', layer: i + 2, quantity: 'gradient' };
        return;
      }
    }
    if (this.plainSgd === 'js') {
      // θ ← θ − ηg over the parameter block (as update()).
      const { params, grads } = model;
      const lr = this.net.optimizer.learningRate;
      for (let e = 0; e < params.length; e++) params[e] -= lr * grads[e];
      const slots = this.slots;
      for (let q = 0; q < slots.length; q++) slots[q].state.step++;
    } else {
      this.update();
    }
    this.done += K;
  }

  /** The update of every layer (after the gradients and any clipping), without events. */
  private update(): void {
    const opt = this.net.optimizer;
    const model = this.model;
    if (this.plainSgd) {
      // θ ← θ − ηg for every parameter at once: element-wise, so the same bits as layer by layer.
      const { params, grads } = model;
      const lr = opt.learningRate;
      if (this.plainSgd === 'wasm') model.arena.wasm!.axmy(lr, grads.byteOffset, params.byteOffset, params.length);
      else for (let e = 0; e < params.length; e++) params[e] -= lr * grads[e];
      for (let q = 0; q < this.slots.length; q++) this.slots[q].state.step++;
      return;
    }
    for (let i = 0; i < this.layerSlots.length; i++) {
      const slots = this.layerSlots[i];
      for (let q = 0; q < slots.length; q++) {
        const sl = slots[q];
        if (sl.trainable) optimizerStep(opt, sl.value, sl.grad, sl.state, sl.wasm);
      }
    }
  }

  /** Norm of layer `pos`'s gradient into the history; false (and a pending stop) when it is not finite. */
  private recordGradientNorm(batchIndex: number, pos: number): boolean {
    // The layer's gradients (W, b, γ, β) are one contiguous view of the model's gradient block.
    const g = this.layerGrads[pos];
    const wasm = this.layerGradsWasm[pos];
    const sq = wasm ? wasm.sumsq(g.byteOffset, g.length) : sumSquares(g);
    const norm = Math.sqrt(sq);
    this.lastNorm = norm;
    this.recordNorm(batchIndex, pos, norm);
    if (Number.isFinite(norm)) return true;
    // A non-finite gradient is caught here, before the update that would spread it.
    this.pendingNonFinite = { phase: 'gradient', layer: pos + 2, quantity: 'gradient' };
    return false;
  }

  private exec(withEvent: boolean): StepEvent | null {
    const stepNo = this.done + 1;
    const loc = this.locate(stepNo);
    const micro = loc.micro;
    const ws = this.ws;
    const model = this.model;
    if (micro && loc.index === 0) {
      // A mini-batch starts: checkpoint (when due), then load its examples.
      this.maybeCheckpoint(loc.batchIndex);
      this.loadBatch(loc.epoch, loc.batchInEpoch);
    }
    this.done = stepNo;
    const epoch = loc.epoch + 1;
    const batch = loc.batchInEpoch + 1;
    if (!micro) {
      const h = this.epochHistory;
      h.truncate(loc.epoch);
      if (this.evaluateEpochs) {
        const train = evaluate(model, this.evaluationWorkspace(), this.net.train);
        h.set(loc.epoch, 0, train.loss);
        h.set(loc.epoch, 1, train.accuracy);
        h.set(loc.epoch, 2, train.count);
        const validation = this.net.validation.count > 0 ? evaluate(model, this.evaluationWorkspace(), this.net.validation) : null;
        h.set(loc.epoch, 3, validation ? validation.loss : NaN);
        h.set(loc.epoch, 4, validation ? validation.accuracy : NaN);
        h.set(loc.epoch, 5, validation ? validation.count : -1);
      } else {
        for (let f = 0; f < 6; f++) h.set(loc.epoch, f, f === 5 ? -1 : NaN);
      }
      if (!withEvent) return null;
      const { train, validation } = this.epochResult(loc.epoch);
      return { kind: 'epoch-end', step: stepNo, epoch, batch, batchIndex: loc.batchIndex, examples: this.examples, nonFinite: null, train, validation };
    }
    this.compute(micro, loc.batchIndex);
    if (!withEvent) return null;
    const pos = micro.pos;
    const layer = pos + 2;
    const m = ws.m;
    const common = { step: stepNo, epoch, batch, batchIndex: loc.batchIndex, examples: this.examples };
    switch (micro.phase) {
      case 'forward': {
        const buf = ws.layers[pos];
        const n = model.layers[pos].spec.size;
        const nf = firstNonFinite(buf.Z, buf.A, m * n);
        const act = model.layers[pos].spec.activation;
        const deadShare = act === 'relu' || act === 'leaky-relu' ? deadShareOf(buf.Y, m, n) : 0;
        return { kind: 'forward', ...common, nonFinite: nf ? { phase: 'forward', layer, quantity: nf } : null, layer, z: buf.Z.subarray(0, m * n), a: buf.A.subarray(0, m * n), deadShare };
      }
      case 'loss': {
        const loss = this.lastLoss;
        const rising = this.rising;
        const nonFinite = Number.isFinite(loss) ? null : { phase: 'loss' as const, layer: null, quantity: 'loss' as const };
        return { kind: 'loss', ...common, nonFinite, loss, costs: ws.costs.subarray(0, m), rising };
      }
      case 'delta': {
        const n = model.layers[pos].spec.size;
        const D = ws.layers[pos].D;
        const nf = firstNonFinite(D, D, m * n);
        return { kind: 'delta', ...common, nonFinite: nf ? { phase: 'delta', layer, quantity: 'delta' } : null, layer, rule: pos === model.layers.length - 1 ? 'BP1' : 'BP2', delta: D.subarray(0, m * n) };
      }
      case 'gradient': {
        const norm = this.lastNorm;
        const p = model.layers[pos];
        const nonFinite = Number.isFinite(norm) ? null : { phase: 'gradient' as const, layer, quantity: 'gradient' as const };
        return { kind: 'gradient', ...common, nonFinite, layer, dW: p.dW, db: p.db, norm, exploding: norm > this.health.explodingNorm, vanishing: norm < this.health.vanishingNorm };
      }
      case 'clip':
        return { kind: 'clip', ...common, nonFinite: null, ...this.lastClip };
      case 'update': {
        const p = model.layers[pos];
        const [sw, sb, sg, sbeta] = this.layerSlots[pos];
        return {
          kind: 'update', ...common, nonFinite: null, layer, W: p.W, b: p.b, stateW: sw.state, stateB: sb.state,
          gamma: p.gamma, beta: p.beta, stateGamma: sg ? sg.state : null, stateBeta: sbeta ? sbeta.state : null,
        };
      }
      default:
        return null;
    }
  }

  /** Clip the gradients of every trained tensor: by value, then by global norm (as torch.nn.utils). */
  private clip(): { normBefore: number; scale: number } {
    const { clipNorm, clipValue } = this.net.training;
    const trained = this.slots.filter((s) => s.trainable);
    if (clipValue !== null) {
      for (const s of trained) {
        const g = s.grad;
        for (let i = 0; i < g.length; i++) g[i] = g[i] > clipValue ? clipValue : g[i] < -clipValue ? -clipValue : g[i];
      }
    }
    let sq = 0;
    for (const s of trained) sq += sumSquares(s.grad);
    const normBefore = Math.sqrt(sq);
    let scale = 1;
    if (clipNorm !== null) {
      const coef = clipNorm / (normBefore + 1e-6);
      if (coef < 1) {
        scale = coef;
        for (const s of trained) {
          const g = s.grad;
          for (let i = 0; i < g.length; i++) g[i] *= coef;
        }
      }
    }
    return { normBefore, scale };
  }

  private loadBatch(epoch: number, batchInEpoch: number): void {
    const count = this.net.train.count;
    if (this.permEpoch !== epoch) this.orderEpoch(epoch);
    const start = batchInEpoch * this.batchSize;
    const m = Math.min(this.batchSize, count - start);
    for (let x = 0; x < m; x++) this.batchRows[x] = this.perm[start + x];
    this.ws.loadBatch(this.net.train.inputs, this.net.train.targets, this.batchRows, m);
  }

  /** The order of the examples in an epoch: a pure function of (seed, epoch), cached for the current epoch. */
  private orderEpoch(epoch: number): void {
    const count = this.net.train.count;
    if (this.net.training.shuffle) permutation(count, this.net.seed, epoch, this.perm);
    else for (let i = 0; i < count; i++) this.perm[i] = i;
    this.permEpoch = epoch;
  }

  /** A workspace beside the training one (evaluation, the panel's decision boundary): using it never disturbs a paused step. */
  evaluationWorkspace(): Workspace {
    if (!this.evalWs) this.evalWs = new Workspace(this.model, EVAL_CAPACITY);
    return this.evalWs;
  }

  // ------------------------------------------------------------------------------------------
  // History of metrics
  // ------------------------------------------------------------------------------------------

  private recordLoss(batchIndex: number, loss: number): void {
    this.history.record(batchIndex, 0, loss);
    this.ema = this.emaCount === 0 ? loss : 0.9 * this.ema + 0.1 * loss;
    this.emaCount++;
    if (this.ema < this.bestEma) this.bestEma = this.ema;
  }

  private recordNorm(batchIndex: number, pos: number, norm: number): void {
    this.history.record(batchIndex, 1 + pos, norm);
  }

  /** Mini-batch losses so far: batch indices and values (every batch, or evenly thinned on long runs). */
  get losses(): { batch: Float64Array; value: Float64Array } {
    return this.history.samples(0);
  }
  /** Gradient norm of layer l (2…L) per mini-batch so far, sampled like `losses`. */
  gradientNorms(layer: number): { batch: Float64Array; value: Float64Array } {
    return this.history.samples(layer - 1);
  }
  /** Is the moving average of the mini-batch loss well above its best so far (the health threshold)? */
  get rising(): boolean {
    return this.emaCount > 3 && this.ema > this.health.risingFactor * this.bestEma;
  }

  /** Number of epochs whose end has been reached. */
  get epochsCompleted(): number {
    return this.epochHistory.length;
  }

  /** Loss and accuracy at the end of each epoch so far (NaN when evaluation is off). */
  get epochResults(): { epoch: number; train: Evaluation; validation: Evaluation | null }[] {
    const out = [];
    for (let e = 0; e < this.epochHistory.length; e++) out.push(this.epochResult(e));
    return out;
  }

  /** The evaluation at the end of epoch e (0-based). */
  epochResult(e: number): { epoch: number; train: Evaluation; validation: Evaluation | null } {
    const h = this.epochHistory;
    const train = { loss: h.get(e, 0), accuracy: h.get(e, 1), count: h.get(e, 2) };
    const validation = h.get(e, 5) < 0 ? null : { loss: h.get(e, 3), accuracy: h.get(e, 4), count: h.get(e, 5) };
    return { epoch: e + 1, train, validation };
  }

  // ------------------------------------------------------------------------------------------
  // Step back
  // ------------------------------------------------------------------------------------------

  /** Go to any step (earlier or later), exactly. Returns the event of that step (null for step 0). */
  goTo(target: number): StepEvent | null {
    target = Math.max(this.firstStep, Math.min(this.totalSteps, Math.floor(target)));
    if (target === this.done && (this.lastEvent || target === 0)) return this.lastEvent;
    // Earlier steps, and the current one when its event is gone (after a run without events), replay.
    if (target <= this.done) {
      // The floor step (start of an edited mini-batch) ends the previous batch: restore the floor's checkpoint.
      const batchIndex = target === 0 ? 0 : Math.max(this.floorBatch, this.locate(target).batchIndex);
      this.restore(batchIndex);
    }
    if (target === this.floorStep && target === this.done) {
      // Step 0, or the start of an edited mini-batch: no step has run there.
      this.lastEvent = null;
      return null;
    }
    this.advanceQuiet(target - 1 - this.done);
    return this.next();
  }

  /**
   * Make the current parameters, optimizer state and batch-norm statistics the start of a new run:
   * step 0, epoch 1, batch 1, with the histories and checkpoints of the old run dropped. (Training
   * "from here" as if the network file had started with these values.)
   */
  rebase(): void {
    for (const key of [...this.checkpoints.keys()]) this.release(key);
    this.checkpointInterval = this.checkpointBase;
    this.history.clear();
    this.epochHistory.truncate(0);
    this.ema = NaN;
    this.bestEma = Infinity;
    this.emaCount = 0;
    this.done = 0;
    this.floorStep = 0;
    this.floorBatch = 0;
    this.ws.m = 0;
    this.lastEvent = null;
    this.pendingNonFinite = null;
    this.saveCheckpoint(0);
  }

  /** The optimizer state of layer l's (2…L) weights and biases, by reference. */
  optimizerStates(l: number): { W: OptimizerState; b: OptimizerState } {
    const slots = this.layerSlots[l - 2];
    return { W: slots[0].state, b: slots[1].state };
  }

  /** Whether every update is θ ← θ − ηg over the whole parameter block (one loop), and in which kernel. */
  private plainSgdPath(): false | 'js' | 'wasm' {
    const o = this.net.optimizer;
    const plain = (o.type === 'sgd' || o.type === 'momentum' || o.type === 'nesterov') && o.momentum === 0 && o.weightDecay === 0 && this.slots.every((sl) => sl.trainable);
    const m = this.model;
    return !plain ? false : m.arena.holds(m.params, m.grads) && m.params.length >= WASM_MIN_ELEMENTS ? 'wasm' : 'js';
  }

  /** The earliest step that can be reached (0, or the start of the mini-batch of the last `edit`). */
  get firstStep(): number {
    return this.floorStep;
  }
  private floorStep = 0;
  private floorBatch = 0;

  /**
   * Edit and continue: `apply` changes parameters, optimizer settings or data as they were at the start of
   * the current mini-batch, then the mini-batch is recomputed up to the current step. The position (step,
   * epoch, batch) is kept; history before this mini-batch is dropped, since it belongs to the unedited
   * run (step back stops at the mini-batch's start). Returns the event of the current step.
   */
  edit(apply: () => void): StepEvent | null {
    const target = this.done;
    // At the floor step (the start of an edited mini-batch), the batch is the floor's, not the one it ends.
    const batchIndex = target === 0 ? 0 : Math.max(this.floorBatch, this.locate(target).batchIndex);
    const e = Math.floor(batchIndex / this.batchesPerEpoch);
    const start = e * this.stepsPerEpoch + (batchIndex - e * this.batchesPerEpoch) * this.program.length;
    this.restore(batchIndex);
    this.advanceQuiet(start - this.done);
    apply();
    // An optimizer setting may have changed (weight decay from 0): the whole-block SGD loop applies only while plain.
    this.plainSgd = this.plainSgdPath();
    for (const key of [...this.checkpoints.keys()]) this.release(key);
    this.saveCheckpoint(batchIndex);
    this.floorStep = start;
    this.floorBatch = batchIndex;
    if (target === start) {
      this.lastEvent = null;
      return null;
    }
    this.advanceQuiet(target - 1 - this.done);
    return this.next();
  }

  /** Step back `count` micro-steps. */
  back(count = 1): StepEvent | null {
    return this.goTo(this.done - count);
  }

  private advanceQuiet(count: number): void {
    for (let i = 0; i < count; i++) {
      this.exec(false);
      this.pendingNonFinite = null;
    }
  }

  private snapshotBytes(): number {
    let n = 0;
    for (const s of this.slots) {
      n += s.value.length;
      const st = s.state;
      n += (st.momentum?.length ?? 0) + (st.square?.length ?? 0) + (st.mean?.length ?? 0);
    }
    for (const p of this.model.layers) n += (p.runningMean?.length ?? 0) * 2;
    return n * 8 + 256;
  }

  private maybeCheckpoint(batchIndex: number): void {
    // Checkpoints sit on a grid of `checkpointBase` batches (sized so that copying the parameters
    // costs little next to training them), thinned further when the memory budget is reached.
    if ((batchIndex & (this.checkpointBase - 1)) !== 0 || this.checkpoints.has(batchIndex)) return;
    this.saveCheckpoint(batchIndex);
    // The checkpoint that just left the "recent" window stays only if it is on the interval grid.
    const old = batchIndex - this.recent * this.checkpointBase;
    if (old > 0 && old !== this.floorBatch && old % this.checkpointInterval !== 0 && this.checkpoints.has(old)) this.release(old);
    if (this.checkpoints.size > this.maxCheckpoints + this.recent) this.thin(batchIndex);
  }

  private saveCheckpoint(batchIndex: number): void {
    const snap = this.pool.pop() ?? this.allocSnapshot();
    snap.batchIndex = batchIndex;
    let k = 0;
    for (const s of this.slots) snap.params[k++].set(s.value);
    for (const p of this.model.layers) {
      if (p.runningMean) {
        snap.params[k++].set(p.runningMean);
        snap.params[k++].set(p.runningVar!);
      }
    }
    this.slots.forEach((s, i) => copyOptimizerState(s.state, snap.optim[i]));
    snap.ema = this.ema;
    snap.bestEma = this.bestEma;
    snap.emaCount = this.emaCount;
    snap.epochCount = this.epochHistory.length;
    this.checkpoints.set(batchIndex, snap);
  }

  private allocSnapshot(): Snapshot {
    const params: Float64Array[] = this.slots.map((s) => new Float64Array(s.value.length));
    for (const p of this.model.layers) {
      if (p.runningMean) {
        params.push(new Float64Array(p.runningMean.length));
        params.push(new Float64Array(p.runningMean.length));
      }
    }
    const optim = this.slots.map((s) => createOptimizerState(this.net.optimizer, s.value.length));
    return { batchIndex: 0, params, optim, ema: NaN, bestEma: Infinity, emaCount: 0, epochCount: 0 };
  }

  /** Over budget: double the grid interval (keeping batch 0 and the recent window) until it fits. Amortized O(1). */
  private thin(latest: number): void {
    while (this.checkpoints.size > this.maxCheckpoints + this.recent) {
      this.checkpointInterval *= 2;
      for (const b of [...this.checkpoints.keys()]) {
        if (b !== this.floorBatch && b % this.checkpointInterval !== 0 && b <= latest - this.recent * this.checkpointBase) this.release(b);
      }
    }
  }

  private release(b: number): void {
    const snap = this.checkpoints.get(b)!;
    this.checkpoints.delete(b);
    this.pool.push(snap);
  }

  /** Restore the latest checkpoint at or before mini-batch `batchIndex`; position = that batch's start. */
  private restore(batchIndex: number): void {
    let best = -1;
    for (const b of this.checkpoints.keys()) if (b <= batchIndex && b > best) best = b;
    const snap = this.checkpoints.get(best)!;
    let k = 0;
    for (const s of this.slots) s.value.set(snap.params[k++]);
    for (const p of this.model.layers) {
      if (p.runningMean) {
        p.runningMean.set(snap.params[k++]);
        p.runningVar!.set(snap.params[k++]);
      }
    }
    this.slots.forEach((s, i) => copyOptimizerState(snap.optim[i], s.state));
    this.ema = snap.ema;
    this.bestEma = snap.bestEma;
    this.emaCount = snap.emaCount;
    this.history.truncate(best);
    this.epochHistory.truncate(snap.epochCount);
    const e = Math.floor(best / this.batchesPerEpoch);
    const b = best - e * this.batchesPerEpoch;
    this.done = e * this.stepsPerEpoch + b * this.program.length;
    this.lastEvent = null;
    this.pendingNonFinite = null;
    // Drop checkpoints after this point: replay recreates them (identically).
    for (const key of [...this.checkpoints.keys()]) if (key > best) this.release(key);
  }

  /** Number of checkpoints held and the bytes they occupy (for the memory budget). */
  get checkpointStats(): { count: number; bytes: number; interval: number; base: number } {
    return { count: this.checkpoints.size, bytes: (this.checkpoints.size + this.pool.length) * this.snapshotBytes(), interval: this.checkpointInterval, base: this.checkpointBase };
  }
}


function firstNonFinite(z: Float64Array, a: Float64Array, len: number): 'z' | 'a' | null {
  let sz = 0;
  let sa = 0;
  for (let i = 0; i < len; i++) {
    sz += z[i] * 0;
    sa += a[i] * 0;
  }
  // x·0 is 0 for every finite x and NaN for NaN and ±∞, so a non-zero (NaN) sum means a non-finite value.
  if (sz !== 0) return 'z';
  if (sa !== 0) return 'a';
  return null;
}

/** Share of neurons whose pre-activation y is ≤ 0 for every example of the batch (m × n): dead ReLUs for this batch. */
export function deadShareOf(y: Float64Array, m: number, n: number): number {
  let dead = 0;
  for (let j = 0; j < n; j++) {
    let alive = false;
    for (let x = 0; x < m && !alive; x++) if (y[x * n + j] > 0) alive = true;
    if (!alive) dead++;
  }
  return dead / n;
}
