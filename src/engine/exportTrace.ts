/**
 * The training trace as data: every micro-step of a `Trainer` as a typed record (`traceRecords`),
 * written as JSON Lines exactly as `backprop-stepper trace` writes them (`traceRecordJson`, the
 * contract of docs/trace-format.md) or as one CSV file per quantity (`TraceCsv`). Pure: no files,
 * no Node or VS Code; the CLI and the extension write what this produces.
 *
 * Records hold *views* of the trainer's buffers: they are valid until the generator is resumed,
 * so a consumer serializes each record before asking for the next one.
 */
import { describeDataset } from './data';
import { adamBiasCorrections, type OptimizerState } from './optimizers';
import type { DataSpec, ResolvedNetwork, ResolvedOptimizer } from './spec';
import type { Evaluation } from './network';
import { Trainer, type NonFinite } from './trainer';

export const TRACE_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// JSON numbers
// ---------------------------------------------------------------------------------------------

/** A number as JSON: finite numbers exactly as JSON.stringify writes them (shortest round-trip form), others as strings. */
export function jsonNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  return x !== x ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

/** `[v0,v1,…]` of `len` values from `offset`. */
export function jsonVector(values: ArrayLike<number>, offset = 0, len = values.length - offset): string {
  let s = '[';
  for (let i = 0; i < len; i++) {
    if (i > 0) s += ',';
    s += jsonNumber(values[offset + i]);
  }
  return s + ']';
}

/** A row-major rows × cols matrix as nested arrays. */
export function jsonMatrix(values: ArrayLike<number>, rows: number, cols: number): string {
  let s = '[';
  for (let r = 0; r < rows; r++) {
    if (r > 0) s += ',';
    s += jsonVector(values, r * cols, cols);
  }
  return s + ']';
}

/** JSON.stringify with typed arrays as arrays and non-finite numbers as "NaN" / "Infinity" / "-Infinity". */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Uint32Array || v instanceof Int32Array) return Array.from(v);
    return v;
  });
}

// ---------------------------------------------------------------------------------------------
// The resolved network as a plain object (the trace header's `network`)
// ---------------------------------------------------------------------------------------------

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Number of trainable scalars (W, b, γ, β). */
export function parameterCount(net: ResolvedNetwork): number {
  let n = 0;
  for (const l of net.layers) n += l.weights.length + l.size + (l.batchNorm ? 2 * l.size : 0);
  return n;
}

/** The data: name, counts, classes; the validation share when there is one. */
export function dataText(net: ResolvedNetwork): string {
  const base = describeDataset(net.train);
  return net.validation.count > 0 ? `${base} + ${plural(net.validation.count, 'validation example')}` : base;
}

/** The optimizer fields its update rule uses. */
export function optimizerObject(o: ResolvedOptimizer): Record<string, unknown> {
  switch (o.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov':
      return { type: o.type, learningRate: o.learningRate, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weightDecay };
    case 'rmsprop':
      return { type: o.type, learningRate: o.learningRate, alpha: o.alpha, epsilon: o.epsilon, momentum: o.momentum, weightDecay: o.weightDecay };
    case 'adam':
    case 'adamw':
      return { type: o.type, learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay };
  }
}

/** The network with every default resolved (no parameter values, no data rows), for the trace header. */
export function resolvedObject(net: ResolvedNetwork, epochs: number, dataSpec?: DataSpec): Record<string, unknown> {
  const input: Record<string, unknown> = { layer: 1, size: net.inputSize };
  if (net.inputName !== undefined) input.name = net.inputName;
  const layers = net.layers.map((l) => {
    const o: Record<string, unknown> = { layer: l.index, size: l.size };
    if (l.name !== undefined) o.name = l.name;
    o.activation = l.activation;
    if (l.activation === 'leaky-relu') o.leak = l.leak;
    o.init = l.init;
    o.dropout = l.dropout;
    o.batchNorm = l.batchNorm ? { momentum: l.batchNorm.momentum, epsilon: l.batchNorm.epsilon } : null;
    o.residual = l.residual;
    return o;
  });
  const data: Record<string, unknown> = {
    description: dataText(net),
    name: net.train.name,
    trainExamples: net.train.count,
    validationExamples: net.validation.count,
    inputSize: net.train.inputSize,
    targetSize: net.train.targetSize,
  };
  if (net.train.inputNames) data.inputNames = net.train.inputNames;
  if (net.train.classNames) data.classNames = net.train.classNames;
  if (net.train.source) data.source = net.train.source;
  // Where builtin or CSV data came from (inline rows are in the batch records).
  if (dataSpec && !('targets' in dataSpec)) data.spec = dataSpec;
  const out: Record<string, unknown> = { name: net.name };
  if (net.description !== undefined) out.description = net.description;
  Object.assign(out, {
    seed: net.seed,
    layers: [input, ...layers],
    loss: net.loss,
    optimizer: optimizerObject(net.optimizer),
    training: { ...net.training, epochs },
    data,
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/** Parameters of one computing layer (views): W is n × k row-major. */
export interface LayerParamsView {
  layer: number;
  n: number;
  k: number;
  W: Float64Array;
  b: Float64Array;
  gamma: Float64Array | null;
  beta: Float64Array | null;
}

interface At {
  /** The trainer's micro-step that produced the record (1-based; the header is step 0). */
  step: number;
  epoch: number;
  batch: number;
}

export type TraceRecord =
  | { kind: 'header'; step: 0; network: Record<string, unknown>; batchesPerEpoch: number; parameters: LayerParamsView[] }
  | (At & { kind: 'batch'; batchIndex: number; examples: Uint32Array; m: number; nIn: number; nOut: number; inputs: Float64Array; targets: Float64Array })
  | (At & {
      kind: 'forward';
      examples: Uint32Array;
      layer: number;
      m: number;
      n: number;
      z: Float64Array;
      a: Float64Array;
      dropoutMask: Float64Array | null;
      batchNorm: { mean: Float64Array; variance: Float64Array; xhat: Float64Array; y: Float64Array } | null;
    })
  | (At & { kind: 'loss'; examples: Uint32Array; loss: number; costs: Float64Array })
  | (At & { kind: 'delta'; examples: Uint32Array; layer: number; rule: 'BP1' | 'BP2'; m: number; n: number; delta: Float64Array })
  | (At & { kind: 'gradient'; layer: number; n: number; k: number; weights: Float64Array; biases: Float64Array; gamma: Float64Array | null; beta: Float64Array | null })
  | (At & { kind: 'clip'; normBefore: number; scale: number })
  | (At & {
      kind: 'update';
      params: LayerParamsView;
      state: { weights: OptimizerState; biases: OptimizerState; gamma: OptimizerState | null; beta: OptimizerState | null };
    })
  | { kind: 'epoch'; step: number; epoch: number; train: Evaluation; validation: Evaluation | null }
  | (At & { kind: 'stopped'; layer: number; quantity: NonFinite['quantity']; origin: string; message: string });

export interface TraceOptions {
  /** `"backprop-stepper <version>"`. */
  generator: string;
  /** The network file's `data` (named in the header for builtin and CSV data). */
  dataSpec?: DataSpec;
  /** Stop after this micro-step (default: the end of training). */
  lastStep?: number;
  /** Where a non-finite gradient first came from (for the `stopped` record). */
  origin?: (t: Trainer) => string;
}

function paramsView(t: Trainer, i: number): LayerParamsView {
  const p = t.model.layers[i];
  return { layer: p.spec.index, n: p.spec.size, k: p.spec.inputSize, W: p.W, b: p.b, gamma: p.gamma, beta: p.beta };
}

/**
 * Runs `t` from its current step (normally 0) and yields the trace's records in order: the header,
 * then per mini-batch `batch`, `forward` 2…L, `loss`, `delta` L…2, `gradient` L…2, [`clip`],
 * `update` 2…L, and `epoch` after an epoch's last update. A non-finite gradient yields `stopped`
 * and ends the trace before the update (as `backprop-stepper trace`).
 */
export function* traceRecords(t: Trainer, options: TraceOptions): Generator<TraceRecord, void, void> {
  const model = t.model;
  const ws = t.ws;
  const net = t.net;
  const K = model.layers.length;
  const hasClip = t.program.some((s) => s.phase === 'clip');
  const last = Math.min(options.lastStep ?? t.totalSteps, t.totalSteps);
  yield {
    kind: 'header',
    step: 0,
    network: resolvedObject(net, t.epochs, options.dataSpec),
    batchesPerEpoch: t.batchesPerEpoch,
    parameters: model.layers.map((_, i) => paramsView(t, i)),
  };
  const gradients = function* (at: At): Generator<TraceRecord, void, void> {
    for (let i = K - 1; i >= 0; i--) {
      const p = model.layers[i];
      // Without clipping the records come at layer 2's gradient step; each layer's own step is earlier.
      const step = hasClip ? at.step : at.step - i;
      yield { kind: 'gradient', step, epoch: at.epoch, batch: at.batch, layer: i + 2, n: p.spec.size, k: p.spec.inputSize, weights: p.dW, biases: p.db, gamma: p.dGamma, beta: p.dBeta };
    }
  };
  while (t.step < last) {
    const e = t.next();
    if (!e) break;
    const at: At = { step: e.step, epoch: e.epoch, batch: e.batch };
    const m = ws.m;
    switch (e.kind) {
      case 'forward': {
        const i = e.layer - 2;
        if (i === 0) {
          yield { kind: 'batch', ...at, batchIndex: e.batchIndex, examples: e.examples, m, nIn: model.inputSize, nOut: model.outputSize, inputs: ws.X.subarray(0, m * model.inputSize), targets: ws.T.subarray(0, m * model.outputSize) };
        }
        const n = model.layers[i].spec.size;
        const buf = ws.layers[i];
        const len = m * n;
        yield {
          kind: 'forward',
          ...at,
          examples: e.examples,
          layer: e.layer,
          m,
          n,
          z: e.z,
          a: e.a,
          dropoutMask: buf.mask ? buf.mask.subarray(0, len) : null,
          batchNorm: buf.Xhat ? { mean: buf.mean!.subarray(0, n), variance: buf.variance!.subarray(0, n), xhat: buf.Xhat.subarray(0, len), y: buf.Y.subarray(0, len) } : null,
        };
        break;
      }
      case 'loss':
        yield { kind: 'loss', ...at, examples: e.examples, loss: e.loss, costs: e.costs };
        break;
      case 'delta':
        yield { kind: 'delta', ...at, examples: e.examples, layer: e.layer, rule: e.rule, m, n: model.layers[e.layer - 2].spec.size, delta: e.delta };
        break;
      case 'gradient':
        if (e.nonFinite) {
          const pos = t.position;
          yield {
            kind: 'stopped',
            step: e.step,
            epoch: pos.epoch,
            batch: pos.batch,
            layer: e.layer,
            quantity: e.nonFinite.quantity,
            origin: options.origin ? options.origin(t) : 'a gradient',
            message: 'a gradient is NaN or infinite; training stopped before the update',
          };
          return;
        }
        if (!hasClip && e.layer === 2) yield* gradients(at);
        break;
      case 'clip':
        yield* gradients(at);
        yield { kind: 'clip', ...at, normBefore: e.normBefore, scale: e.scale };
        break;
      case 'update':
        yield {
          kind: 'update',
          ...at,
          params: paramsView(t, e.layer - 2),
          state: { weights: e.stateW, biases: e.stateB, gamma: e.stateGamma, beta: e.stateBeta },
        };
        break;
      case 'epoch-end':
        yield { kind: 'epoch', step: e.step, epoch: e.epoch, train: e.train, validation: e.validation };
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON Lines
// ---------------------------------------------------------------------------------------------

/** The optimizer state of a tensor after its update, named as in the trace: the fields of its rule, with Adam's m̂ and v̂. */
export function stateFields(opt: ResolvedOptimizer, s: OptimizerState): { step: number; arrays: [string, Float64Array][]; scalars: [string, number][] } {
  const arrays: [string, Float64Array][] = [];
  const scalars: [string, number][] = [];
  if (opt.type === 'adam' || opt.type === 'adamw') {
    const m = s.mean!;
    const v = s.square!;
    arrays.push(['m', m], ['v', v]);
    if (s.step > 0) {
      const { c1, c2 } = adamBiasCorrections(opt, s.step);
      const mHat = new Float64Array(m.length);
      const vHat = new Float64Array(v.length);
      for (let i = 0; i < m.length; i++) {
        mHat[i] = m[i] / c1;
        vHat[i] = v[i] / c2;
      }
      scalars.push(['biasCorrection1', c1], ['biasCorrection2', c2]);
      arrays.push(['mHat', mHat], ['vHat', vHat]);
    }
  } else {
    if (s.square) arrays.push(['squareAvg', s.square]);
    if (s.momentum) arrays.push(['momentumBuffer', s.momentum]);
  }
  return { step: s.step, arrays, scalars };
}

/** Optimizer state of one tensor (rows × cols; rows 0 for a vector) as JSON, in the trace's field order. */
function stateJson(opt: ResolvedOptimizer, s: OptimizerState, rows: number, cols: number): string {
  const arr = (a: Float64Array) => (rows > 0 ? jsonMatrix(a, rows, cols) : jsonVector(a));
  const f = stateFields(opt, s);
  let out = `{"step":${f.step}`;
  if (opt.type === 'adam' || opt.type === 'adamw') {
    out += `,"m":${arr(f.arrays[0][1])},"v":${arr(f.arrays[1][1])}`;
    if (f.scalars.length > 0) out += `,"biasCorrection1":${jsonNumber(f.scalars[0][1])},"biasCorrection2":${jsonNumber(f.scalars[1][1])},"mHat":${arr(f.arrays[2][1])},"vHat":${arr(f.arrays[3][1])}`;
  } else {
    for (const [name, a] of f.arrays) out += `,"${name}":${arr(a)}`;
  }
  return out + '}';
}

/** One record as a line of the JSON Lines trace (without the line end), as docs/trace-format.md specifies. */
export function traceRecordJson(r: TraceRecord, opt: ResolvedOptimizer, generator: string): string {
  switch (r.kind) {
    case 'header': {
      const parameters = r.parameters.map((p) => {
        let s = `{"layer":${p.layer},"weights":${jsonMatrix(p.W, p.n, p.k)},"biases":${jsonVector(p.b)}`;
        if (p.gamma) s += `,"gamma":${jsonVector(p.gamma)},"beta":${jsonVector(p.beta!)}`;
        return s + '}';
      });
      const header = toJson({ kind: 'header', version: TRACE_VERSION, generator, network: r.network, batchesPerEpoch: r.batchesPerEpoch });
      return `${header.slice(0, -1)},"parameters":[${parameters.join(',')}]}`;
    }
    case 'batch':
      return (
        `{"kind":"batch","epoch":${r.epoch},"batch":${r.batch},"batchIndex":${r.batchIndex},"examples":${jsonVector(r.examples)},` +
        `"inputs":${jsonMatrix(r.inputs, r.m, r.nIn)},"targets":${jsonMatrix(r.targets, r.m, r.nOut)}}`
      );
    case 'forward': {
      let s = `{"kind":"forward","epoch":${r.epoch},"batch":${r.batch},"examples":${jsonVector(r.examples)},"layer":${r.layer},"z":${jsonMatrix(r.z, r.m, r.n)},"a":${jsonMatrix(r.a, r.m, r.n)}`;
      if (r.dropoutMask) s += `,"dropoutMask":${jsonMatrix(r.dropoutMask, r.m, r.n)}`;
      const bn = r.batchNorm;
      if (bn) s += `,"batchNorm":{"mean":${jsonVector(bn.mean)},"variance":${jsonVector(bn.variance)},"xhat":${jsonMatrix(bn.xhat, r.m, r.n)},"y":${jsonMatrix(bn.y, r.m, r.n)}}`;
      return s + '}';
    }
    case 'loss':
      return `{"kind":"loss","epoch":${r.epoch},"batch":${r.batch},"loss":${jsonNumber(r.loss)},"costs":${jsonVector(r.costs)}}`;
    case 'delta':
      return `{"kind":"delta","epoch":${r.epoch},"batch":${r.batch},"layer":${r.layer},"rule":"${r.rule}","delta":${jsonMatrix(r.delta, r.m, r.n)}}`;
    case 'gradient': {
      let s = `{"kind":"gradient","epoch":${r.epoch},"batch":${r.batch},"layer":${r.layer},"weights":${jsonMatrix(r.weights, r.n, r.k)},"biases":${jsonVector(r.biases)}`;
      if (r.gamma) s += `,"gamma":${jsonVector(r.gamma)},"beta":${jsonVector(r.beta!)}`;
      return s + '}';
    }
    case 'clip':
      return `{"kind":"clip","epoch":${r.epoch},"batch":${r.batch},"normBefore":${jsonNumber(r.normBefore)},"scale":${jsonNumber(r.scale)}}`;
    case 'update': {
      const p = r.params;
      let s = `{"kind":"update","epoch":${r.epoch},"batch":${r.batch},"layer":${p.layer},"weights":${jsonMatrix(p.W, p.n, p.k)},"biases":${jsonVector(p.b)}`;
      if (p.gamma) s += `,"gamma":${jsonVector(p.gamma)},"beta":${jsonVector(p.beta!)}`;
      s += `,"state":{"weights":${stateJson(opt, r.state.weights, p.n, p.k)},"biases":${stateJson(opt, r.state.biases, 0, p.n)}`;
      if (r.state.gamma && r.state.beta) s += `,"gamma":${stateJson(opt, r.state.gamma, 0, p.n)},"beta":${stateJson(opt, r.state.beta, 0, p.n)}`;
      return s + '}}';
    }
    case 'epoch':
      return toJson({ kind: 'epoch', epoch: r.epoch, train: r.train, validation: r.validation });
    case 'stopped':
      return toJson({ kind: 'stopped', epoch: r.epoch, batch: r.batch, layer: r.layer, quantity: r.quantity, origin: r.origin, message: r.message });
  }
}

// ---------------------------------------------------------------------------------------------
// CSV, one file per quantity
// ---------------------------------------------------------------------------------------------

/** A number in a CSV cell: the shortest round-trip form; NaN, inf and -inf as pandas and numpy read them. */
export function csvNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  return x !== x ? 'NaN' : x > 0 ? 'inf' : '-inf';
}

/** The columns of every tensor file (z.csv, W.csv, …). */
export const CSV_COLUMNS = 'step,epoch,batch,example,layer,j,k,value';
const CLIP_COLUMNS = 'step,epoch,batch,norm_before,scale';
const EPOCH_COLUMNS = 'step,epoch,train_loss,train_accuracy,train_count,validation_loss,validation_accuracy,validation_count';
const OPTIMIZER_COLUMNS = 'step,epoch,batch,layer,tensor,field,j,k,value';

/**
 * The files, in the order they are listed (docs/trace-format.md, "CSV export"). Tensor files share
 * CSV_COLUMNS; `j` and `k` are 1-based as in the notation w^l_jk, `example` is the 0-based training
 * row as in the JSON trace; a cell that does not apply is empty.
 */
export const CSV_FILES = [
  'x', 't', 'z', 'a', 'dropout_mask', 'bn_mean', 'bn_variance', 'bn_xhat', 'bn_y', 'cost', 'loss', 'delta',
  'dW', 'db', 'dgamma', 'dbeta', 'clip', 'W', 'b', 'gamma', 'beta', 'optimizer', 'epoch',
] as const;
export type CsvQuantity = (typeof CSV_FILES)[number];

/** Accumulates trace records as CSV text, one file per quantity (`files()` lists the non-empty ones). */
export class TraceCsv {
  private readonly parts = new Map<CsvQuantity, string[]>();
  private chars = 0;

  constructor(private readonly opt: ResolvedOptimizer) {}

  /** Characters written so far (to warn about or refuse very large exports). */
  get size(): number {
    return this.chars;
  }

  private push(q: CsvQuantity, line: string): void {
    let list = this.parts.get(q);
    if (!list) {
      list = [q === 'clip' ? CLIP_COLUMNS : q === 'epoch' ? EPOCH_COLUMNS : q === 'optimizer' ? OPTIMIZER_COLUMNS : CSV_COLUMNS];
      this.parts.set(q, list);
    }
    list.push(line);
    this.chars += line.length + 1;
  }

  /** Per-example m × n values: one row per (example, neuron j). */
  private perExample(q: CsvQuantity, at: At, examples: Uint32Array, layer: number | '', values: Float64Array, n: number): void {
    const head = `${at.step},${at.epoch},${at.batch},`;
    for (let x = 0; x < examples.length; x++) {
      const ex = examples[x];
      for (let j = 0; j < n; j++) this.push(q, `${head}${ex},${layer},${j + 1},,${csvNumber(values[x * n + j])}`);
    }
  }

  /** A matrix n × k (rows j, columns k) of layer l. */
  private matrix(q: CsvQuantity, head: string, layer: number, values: Float64Array, n: number, k: number): void {
    for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) this.push(q, `${head},${layer},${j + 1},${c + 1},${csvNumber(values[j * k + c])}`);
  }

  private vector(q: CsvQuantity, head: string, layer: number, values: Float64Array): void {
    for (let j = 0; j < values.length; j++) this.push(q, `${head},${layer},${j + 1},,${csvNumber(values[j])}`);
  }

  private params(head: string, p: LayerParamsView): void {
    this.matrix('W', head, p.layer, p.W, p.n, p.k);
    this.vector('b', head, p.layer, p.b);
    if (p.gamma) this.vector('gamma', head, p.layer, p.gamma);
    if (p.beta) this.vector('beta', head, p.layer, p.beta);
  }

  private state(at: At, layer: number, tensor: string, s: OptimizerState, rows: number, cols: number): void {
    const head = `${at.step},${at.epoch},${at.batch},${layer},${tensor}`;
    const f = stateFields(this.opt, s);
    this.push('optimizer', `${head},step,,,${f.step}`);
    for (const [name, v] of f.scalars) this.push('optimizer', `${head},${name},,,${csvNumber(v)}`);
    for (const [name, a] of f.arrays) {
      if (rows > 0) for (let j = 0; j < rows; j++) for (let c = 0; c < cols; c++) this.push('optimizer', `${head},${name},${j + 1},${c + 1},${csvNumber(a[j * cols + c])}`);
      else for (let j = 0; j < a.length; j++) this.push('optimizer', `${head},${name},${j + 1},,${csvNumber(a[j])}`);
    }
  }

  add(r: TraceRecord): void {
    switch (r.kind) {
      case 'header':
        // The initial parameters, at step 0 (no epoch or batch yet).
        for (const p of r.parameters) this.params('0,,,', p);
        break;
      case 'batch':
        this.perExample('x', r, r.examples, 1, r.inputs, r.nIn);
        this.perExample('t', r, r.examples, '', r.targets, r.nOut);
        break;
      case 'forward':
        this.perExample('z', r, r.examples, r.layer, r.z, r.n);
        this.perExample('a', r, r.examples, r.layer, r.a, r.n);
        if (r.dropoutMask) this.perExample('dropout_mask', r, r.examples, r.layer, r.dropoutMask, r.n);
        if (r.batchNorm) {
          const head = `${r.step},${r.epoch},${r.batch},`;
          this.vector('bn_mean', head, r.layer, r.batchNorm.mean);
          this.vector('bn_variance', head, r.layer, r.batchNorm.variance);
          this.perExample('bn_xhat', r, r.examples, r.layer, r.batchNorm.xhat, r.n);
          this.perExample('bn_y', r, r.examples, r.layer, r.batchNorm.y, r.n);
        }
        break;
      case 'loss':
        this.perExample('cost', r, r.examples, '', r.costs, 1);
        this.push('loss', `${r.step},${r.epoch},${r.batch},,,,,${csvNumber(r.loss)}`);
        break;
      case 'delta':
        this.perExample('delta', r, r.examples, r.layer, r.delta, r.n);
        break;
      case 'gradient': {
        const head = `${r.step},${r.epoch},${r.batch},`;
        this.matrix('dW', head, r.layer, r.weights, r.n, r.k);
        this.vector('db', head, r.layer, r.biases);
        if (r.gamma) this.vector('dgamma', head, r.layer, r.gamma);
        if (r.beta) this.vector('dbeta', head, r.layer, r.beta);
        break;
      }
      case 'clip':
        this.push('clip', `${r.step},${r.epoch},${r.batch},${csvNumber(r.normBefore)},${csvNumber(r.scale)}`);
        break;
      case 'update': {
        const p = r.params;
        this.params(`${r.step},${r.epoch},${r.batch},`, p);
        this.state(r, p.layer, 'W', r.state.weights, p.n, p.k);
        this.state(r, p.layer, 'b', r.state.biases, 0, p.n);
        if (r.state.gamma) this.state(r, p.layer, 'gamma', r.state.gamma, 0, p.n);
        if (r.state.beta) this.state(r, p.layer, 'beta', r.state.beta, 0, p.n);
        break;
      }
      case 'epoch': {
        const v = r.validation;
        const cells = [r.train.loss, r.train.accuracy, r.train.count].map(csvNumber).join(',');
        const vcells = v ? [v.loss, v.accuracy, v.count].map(csvNumber).join(',') : ',,';
        this.push('epoch', `${r.step},${r.epoch},${cells},${vcells}`);
        break;
      }
      case 'stopped':
        break;
    }
  }

  /** The CSV files (name `<quantity>.csv`, text with `\n` line ends), in CSV_FILES order, only those with rows. */
  files(): { name: string; text: string }[] {
    const out: { name: string; text: string }[] = [];
    for (const q of CSV_FILES) {
      const list = this.parts.get(q);
      if (list) out.push({ name: `${q}.csv`, text: list.join('\n') + '\n' });
    }
    return out;
  }
}

/** Trace formats the exporters write. */
export type TraceFormat = 'jsonl' | 'csv';

/**
 * The characters a trace of `net` would take, up to `lastStep` (default: the end of training), projected
 * from its header and its first mini-batch (run on a fresh trainer; nothing is written). Exporters use it to
 * refuse, before training, a trace too large to hold in memory, and to say how large it would be.
 */
export function estimateTraceChars(net: ResolvedNetwork, epochs: number, format: TraceFormat, lastStep?: number): number {
  const t = new Trainer(net, { epochs, historyBytes: 1024 * 1024 });
  const last = Math.min(lastStep ?? t.totalSteps, t.totalSteps);
  const sample = Math.min(last, t.program.length);
  const csv = format === 'csv' ? new TraceCsv(net.optimizer) : null;
  let header = 0;
  let chars = 0;
  for (const r of traceRecords(t, { generator: 'estimate', lastStep: sample })) {
    const n = csv ? (csv.add(r), csv.size - header - chars) : traceRecordJson(r, net.optimizer, 'estimate').length + 1;
    if (r.kind === 'header') header = n;
    else chars += n;
  }
  const steps = Math.max(1, t.step);
  return Math.round(header + (chars / steps) * last);
}
