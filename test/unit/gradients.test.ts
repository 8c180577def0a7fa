// Backpropagation against central finite differences, on seeded random small networks, for every
// hidden activation × output/loss pairing × optimizer × regularizer. The gradient is checked after
// a few updates with that optimizer, so it is tested at a point the optimizer itself produced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer, allParams, gradientCheck, gemmNN, gemmNT, gemmTN, wasmAvailable } from '../../src/engine';
import { Rng } from '../../src/engine/rng';
import type { Activation, LossKind, OptimizerKind } from '../../src/engine/spec';
import { dataset, network, optimizer, type LayerOpts } from './helpers';

const HIDDEN: Activation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu'];
const OUTPUTS: [Activation, LossKind][] = [
  ['sigmoid', 'mse'],
  ['linear', 'mse'],
  ['tanh', 'mse'],
  ['softmax', 'cross-entropy'],
  ['sigmoid', 'binary-cross-entropy'],
];
const OPTIMIZERS: OptimizerKind[] = ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'];
const REGULARIZERS = ['none', 'dropout', 'batchNorm', 'residual', 'weightDecay', 'clipNorm', 'clipValue'] as const;

function randomData(seed: number, n: number, nIn: number, nOut: number, loss: LossKind) {
  const rng = new Rng(seed, 77);
  const inputs = Array.from({ length: n }, () => Array.from({ length: nIn }, () => rng.uniform(-1, 1)));
  const targets = Array.from({ length: n }, () => {
    if (loss === 'cross-entropy') {
      const row = new Array(nOut).fill(0);
      row[rng.int(nOut)] = 1;
      return row;
    }
    if (loss === 'binary-cross-entropy') return Array.from({ length: nOut }, () => (rng.next() < 0.5 ? 0 : 1));
    return Array.from({ length: nOut }, () => rng.uniform(0, 1));
  });
  return dataset(inputs, targets);
}

let combos = 0;
for (const hidden of HIDDEN) {
  for (const [outAct, loss] of OUTPUTS) {
    test(`finite differences: hidden ${hidden}, output ${outAct} + ${loss}, every optimizer × regularizer`, () => {
      let seed = 1;
      for (const opt of OPTIMIZERS) {
        for (const reg of REGULARIZERS) {
          seed++;
          // Random non-zero biases: with zero biases a dead ReLU layer makes z exactly 0 above it,
          // a kink where finite differences and every framework's backprop legitimately disagree.
          const rb = new Rng(seed, 5);
          const biases = (n: number) => Array.from({ length: n }, () => rb.uniform(-0.2, 0.2));
          const layers: LayerOpts[] = [
            { size: 4, activation: hidden, biases: biases(4) },
            { size: 4, activation: hidden, biases: biases(4), dropout: reg === 'dropout' ? 0.3 : 0, batchNorm: reg === 'batchNorm', residual: reg === 'residual' },
            { size: 3, activation: outAct, biases: biases(3) },
          ];
          const net = network({
            inputSize: 3,
            layers,
            loss,
            seed,
            optimizer: optimizer(opt, reg === 'weightDecay' ? { weightDecay: 0.05 } : {}),
            training: { batchSize: 3, epochs: 2, shuffle: true, clipNorm: reg === 'clipNorm' ? 0.1 : null, clipValue: reg === 'clipValue' ? 0.01 : null },
            train: randomData(seed, 7, 3, 3, loss),
          });
          const t = new Trainer(net);
          // Two full mini-batches with this optimizer, then stop after the third batch's forward pass.
          t.run(2 * t.program.length + 3);
          const ws = t.ws;
          const result = gradientCheck(t.model, { X: ws.X, T: ws.T, m: ws.m, seed: net.seed, batchNumber: t.position.batchIndex }, allParams(t.model), 1e-6);
          const bad = result.entries.filter((e) => e.relError > 1e-5 && e.absError > 1e-8);
          assert.equal(bad.length, 0, `${opt} + ${reg}: ${bad.length} parameters disagree, e.g. ${JSON.stringify(bad[0])}`);
          assert.ok(result.entries.length >= 3 * 4 + 4 + 4 * 4 + 4 + 4 * 3 + 3, 'every parameter was checked');
          combos++;
        }
      }
    });
  }
}

test('the sweep covered every combination', () => {
  assert.equal(combos, HIDDEN.length * OUTPUTS.length * OPTIMIZERS.length * REGULARIZERS.length);
});

test('gradient check detects a wrong gradient', () => {
  const net = network({ inputSize: 2, layers: [{ size: 3, activation: 'tanh' }, { size: 1, activation: 'sigmoid' }], loss: 'mse', train: randomData(3, 4, 2, 1, 'mse'), training: { batchSize: 4 } });
  const t = new Trainer(net);
  t.run(2);
  const ws = t.ws;
  // Corrupt σ′ by swapping the activation of a copy: the check must report a large error.
  const wrong = { ...net, layers: net.layers.map((l, i) => (i === 0 ? { ...l, activation: 'sigmoid' as const } : l)) };
  const t2 = new Trainer(wrong);
  t2.run(2);
  const good = gradientCheck(t.model, { X: ws.X, T: ws.T, m: ws.m, seed: 1, batchNumber: 0 }, allParams(t.model));
  assert.ok(good.maxRelError < 1e-6, `correct gradient: ${good.maxRelError}`);
  // Mix: analytic gradients of one model against the numeric gradients of another are far apart.
  const other = gradientCheck(t2.model, { X: ws.X, T: ws.T, m: ws.m, seed: 1, batchNumber: 0 }, allParams(t2.model));
  const diff = good.entries.map((e, i) => Math.abs(e.analytic - other.entries[i].numeric));
  assert.ok(Math.max(...diff) > 1e-3, 'different models give different gradients');
});

test('blocked kernels equal textbook loops for every size remainder', () => {
  const rng = new Rng(5, 1);
  for (const [m, n, k] of [[1, 1, 1], [1, 4, 2], [3, 5, 7], [4, 4, 4], [5, 9, 6], [8, 3, 13], [13, 17, 11]]) {
    const A = Float64Array.from({ length: m * k }, () => rng.uniform(-1, 1));
    const B = Float64Array.from({ length: n * k }, () => rng.uniform(-1, 1));
    const bias = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const C = new Float64Array(m * n);
    gemmNT(m, n, k, A, B, bias, C);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[j * k + p];
      assert.equal(C[i * n + j], s + bias[j], `NT ${m}×${n}×${k} at ${i},${j}`);
    }
    // NN: (m×n)·(n×k)
    const D = Float64Array.from({ length: m * n }, () => rng.uniform(-1, 1));
    const W = Float64Array.from({ length: n * k }, () => rng.uniform(-1, 1));
    const G = new Float64Array(m * k);
    gemmNN(m, n, k, D, W, G);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += D[i * n + p] * W[p * k + j];
      assert.equal(G[i * k + j], s, `NN ${m}×${n}×${k} at ${i},${j}`);
    }
    // TN: (m×n)ᵀ·(m×k)
    const dW = new Float64Array(n * k);
    gemmTN(m, n, k, D, A, 0.5, dW);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += D[p * n + i] * A[p * k + j];
      assert.equal(dW[i * k + j], s * 0.5, `TN ${m}×${n}×${k} at ${i},${j}`);
    }
  }
});

test('the WebAssembly SIMD kernel and the JavaScript loops give bit-identical training', () => {
  assert.ok(wasmAvailable(), 'WebAssembly SIMD is available in Node 20');
  const rng = new Rng(11, 2);
  const n = 40;
  const inputs = Array.from({ length: n }, () => Array.from({ length: 37 }, () => rng.next()));
  const targets = Array.from({ length: n }, () => {
    const r = new Array(10).fill(0);
    r[rng.int(10)] = 1;
    return r;
  });
  const make = () =>
    network({
      inputSize: 37,
      layers: [{ size: 23, activation: 'tanh' }, { size: 18, activation: 'relu', residual: false, dropout: 0.2 }, { size: 10, activation: 'softmax' }],
      loss: 'cross-entropy',
      optimizer: optimizer('momentum', { learningRate: 0.05 }),
      training: { batchSize: 13, epochs: 3, shuffle: true },
      train: dataset(inputs, targets),
    });
  const simd = new Trainer(make());
  const js = new Trainer(make(), { wasm: false });
  assert.ok(simd.model.arena.wasm !== null && js.model.arena.wasm === null);
  simd.run();
  js.run();
  for (let i = 0; i < 3; i++) {
    assert.equal(Buffer.from(simd.model.layers[i].W.slice().buffer).toString('hex'), Buffer.from(js.model.layers[i].W.slice().buffer).toString('hex'), `W${i + 2}`);
  }
  assert.equal(simd.epochResults[2].train.loss, js.epochResults[2].train.loss);
});
