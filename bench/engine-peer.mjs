// Backprop Stepper's engine as an EXTRA_PEERS entry of the peer benchmark kit (bench-peers).
//
// Usage: node bench/engine-peer.mjs [--harness DIR] --task tiny|digits|mnist|wide [harness options]
//   DIR (or $BENCH_PEERS_DIR) is the kit directory holding harness.mjs; run.mjs passes it.
//
// Training goes through the engine's real path: one `Trainer` over the task's data (batch size of
// the task, no shuffle, epoch evaluation off) whose `run()` is timed. So the timed work is exactly
// what the extension's "run without pauses" executes: the micro-step program (forward per layer,
// loss, δ per layer, gradient per layer, update), the gradient norms and loss history it records,
// and its step-back checkpoints (history on, default budget). The harness starts every timed run
// at example 0 with the weights carried over: `Trainer.rebase()` makes the current state step 0
// of a new run (dropping the old run's history and checkpoints), which is inside the timing.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

// ---------- locate the kit and the engine ----------
const argv = process.argv.slice(2);
let kitDir = process.env.BENCH_PEERS_DIR || '';
const hi = argv.indexOf('--harness');
if (hi >= 0) {
  kitDir = argv[hi + 1];
  argv.splice(hi, 2);
}
if (!kitDir) {
  for (const c of ['/work/shared/bench-peers', resolve(HERE, '..', '..', 'shared', 'bench-peers')]) {
    if (existsSync(join(c, 'harness.mjs'))) {
      kitDir = c;
      break;
    }
  }
}
if (!kitDir || !existsSync(join(kitDir, 'harness.mjs'))) {
  console.error('engine-peer: no bench-peers kit found (pass --harness DIR or set BENCH_PEERS_DIR)');
  process.exit(2);
}
const enginePath = join(HERE, '..', 'dist', 'engine.mjs');
if (!existsSync(enginePath)) {
  console.error('engine-peer: dist/engine.mjs is missing: run `npm run build` first');
  process.exit(2);
}
const { runBench, parseArgs, TASKS, makeData, initParams } = await import(pathToFileURL(join(kitDir, 'harness.mjs')).href);
// The bundle has no CommonJS require (test/unit/bundle.test.ts checks the browser build the same way).
const engine = await import(pathToFileURL(enginePath).href);
const { Trainer, Model, Workspace, evaluate, wasmAvailable } = engine;

// ---------- the task as a resolved network ----------
const opts = parseArgs(argv);
const spec = TASKS[opts.task];
const data = makeData(spec, Float64Array);
const sizes = spec.sizes;
const L = sizes.length - 1;
const isCE = spec.loss === 'softmax_ce';
const nIn = sizes[0];
const nOut = sizes[L];

/** Examples [start, start+count) of the harness data, as an engine Dataset (views, no copy). */
function slice(start, count) {
  return {
    name: `${opts.task}[${start}, ${start + count})`,
    count,
    inputSize: nIn,
    targetSize: nOut,
    inputs: data.X.subarray(start * nIn, (start + count) * nIn),
    targets: data.Y.subarray(start * nOut, (start + count) * nOut),
  };
}

const EMPTY = { name: 'empty', count: 0, inputSize: nIn, targetSize: nOut, inputs: new Float64Array(0), targets: new Float64Array(0) };

/** params[l] = { W (out × in, row-major), b }: the starting point of the next Trainer. */
function resolvedNetwork(params, train, epochs = 1) {
  return {
    name: `bench-peers ${opts.task}`,
    seed: spec.seed,
    inputSize: nIn,
    layers: params.map((p, l) => ({
      index: l + 2,
      size: sizes[l + 1],
      inputSize: sizes[l],
      activation: l < L - 1 ? 'sigmoid' : isCE ? 'softmax' : 'sigmoid',
      leak: 0.01,
      weights: p.W,
      biases: p.b,
      init: 'given',
      dropout: 0,
      batchNorm: null,
      residual: false,
    })),
    loss: isCE ? 'cross-entropy' : 'mse',
    optimizer: {
      type: 'sgd', learningRate: spec.lr, momentum: 0, dampening: 0, nesterov: false,
      beta1: 0.9, beta2: 0.999, epsilon: 1e-8, alpha: 0.99, weightDecay: 0,
    },
    training: { batchSize: spec.batch, epochs, shuffle: false, trainBiases: true, clipNorm: null, clipValue: null, validationSplit: 0 },
    train,
    validation: EMPTY,
  };
}

let params = null; // initial parameters of the current series of runs
let trainer = null; // one Trainer over the whole task data, rebased at the start of every run

const impl = {
  init() {
    params = initParams(spec, Float64Array).map((p) => ({ W: p.W, b: p.b }));
    trainer = null;
  },
  train(start, count) {
    if (count <= 0) return;
    if (start !== 0) throw new Error(`engine-peer: runs start at example 0 in the harness, not ${start}`);
    // The harness trains examples [0, count) from the current weights: make the current state step 0
    // (Trainer.rebase) and run that many mini-batches. count is a multiple of the batch, or the whole
    // task, whose last batch is the epoch's partial one, exactly as the harness splits it.
    if (!trainer) trainer = new Trainer(resolvedNetwork(params, slice(0, data.X.length / nIn), 1 << 20), { evaluateEpochs: false });
    else trainer.rebase();
    const { stopped } = trainer.run(Math.ceil(count / spec.batch) * trainer.program.length);
    if (stopped) throw new Error(`non-finite ${stopped.quantity} at ${stopped.phase} layer ${stopped.layer}`);
  },
  evalLoss(count) {
    const m = trainer ? trainer.model : new Model(resolvedNetwork(params, slice(0, count)));
    const ws = new Workspace(m, Math.min(256, count));
    return evaluate(m, ws, slice(0, count)).loss;
  },
};

await runBench('engine', 'float64', impl, {
  engine: 'backprop-stepper Trainer.run() (history on, epoch evaluation off)',
  wasm_simd: wasmAvailable(),
}, opts);
