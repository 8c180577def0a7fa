// Backprop Stepper's engine as an EXTRA_PEERS entry of the peer benchmark kit (bench-peers).
//
// Usage: node bench/engine-peer.mjs [--harness DIR] --task tiny|digits|mnist|wide [harness options]
//   DIR (or $BENCH_PEERS_DIR) is the kit directory holding harness.mjs; run.mjs passes it.
//
// Training goes through the engine's real path: every harness `train(start, count)` call builds a
// `Trainer` over the examples [start, start+count) of the harness data (batch size of the task,
// no shuffle, one epoch, epoch evaluation off), starting from the current parameters, and calls
// `run()`. So the timed work is exactly what the extension's "run without pauses" executes:
// the micro-step program (forward per layer, loss, δ per layer, gradient per layer, update per
// layer), the gradient norms and loss history it records, and its step-back checkpoints (history
// on, default budget). The Trainer is rebuilt per call because the harness restarts every call
// at example 0 with the weights carried over, which a Trainer has no API for; the cost of that
// construction (one arena, one checkpoint) is included in the timings.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
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
const engine = await importEngine(enginePath);
const { Trainer, Model, Workspace, evaluate, wasmAvailable } = engine;

/**
 * Import dist/engine.mjs. If the bundle still carries a CommonJS `require` (jsonc-parser's UMD
 * build inlined into the ESM bundle: "Dynamic require of ./impl/format is not supported"), give
 * it one that resolves from jsonc-parser's own folder, and say so on stderr.
 */
async function importEngine(path) {
  const url = pathToFileURL(path).href;
  try {
    return await import(url);
  } catch (e) {
    if (!/Dynamic require/.test(String(e?.message))) throw e;
    const jsonc = join(HERE, '..', 'node_modules', 'jsonc-parser', 'lib', 'umd', 'main.js');
    globalThis.require = createRequire(jsonc);
    process.stderr.write(`note: ${path} calls require() (jsonc-parser's UMD build bundled into ESM); shimmed with createRequire\n`);
    return await import(url + '?require-shim');
  }
}

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
function resolvedNetwork(params, train) {
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
    training: { batchSize: spec.batch, epochs: 1, shuffle: false, trainBiases: true, clipNorm: null, clipValue: null, validationSplit: 0 },
    train,
    validation: EMPTY,
  };
}

let params = null; // current parameters: views into the last Trainer's model (copied by the next Model)
let model = null; // the model holding them

const impl = {
  init() {
    params = initParams(spec, Float64Array).map((p) => ({ W: p.W, b: p.b }));
    model = null;
  },
  train(start, count) {
    if (count <= 0) return;
    const trainer = new Trainer(resolvedNetwork(params, slice(start, count)), { evaluateEpochs: false });
    const { stopped } = trainer.run();
    if (stopped) throw new Error(`non-finite ${stopped.quantity} at ${stopped.phase} layer ${stopped.layer}`);
    model = trainer.model;
    params = model.layers.map((p) => ({ W: p.W, b: p.b }));
  },
  evalLoss(count) {
    const m = model ?? new Model(resolvedNetwork(params, slice(0, count)));
    const ws = new Workspace(m, Math.min(256, count));
    return evaluate(m, ws, slice(0, count)).loss;
  },
};

await runBench('engine', 'float64', impl, {
  engine: 'backprop-stepper Trainer.run() (history on, epoch evaluation off)',
  wasm_simd: wasmAvailable(),
}, opts);
