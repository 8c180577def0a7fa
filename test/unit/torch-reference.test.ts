// The engine against PyTorch (float64, torch.autograd + torch.optim), case by case: every
// mini-batch's loss and every parameter after every update. The numbers were produced by
// test/reference/torch_reference.py and stored in test/fixtures/torch-reference.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Trainer } from '../../src/engine';
import type { OptimizerKind } from '../../src/engine/spec';
import { assertClose, dataset, network, optimizer } from './helpers';

interface Case {
  name: string;
  inputSize: number;
  layers: { size: number; activation: string; weights: number[][]; biases: number[]; batchNorm: boolean; residual: boolean }[];
  loss: 'mse' | 'cross-entropy' | 'binary-cross-entropy';
  optimizer: { type: OptimizerKind; learningRate: number; momentum?: number; dampening?: number; alpha?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number };
  training: { batchSize: number; epochs: number; clipNorm?: number; clipValue?: number; trainBiases?: boolean };
  data: { inputs: number[][]; targets: number[][] };
  losses: number[];
  parameters: { weights: number[][]; biases: number[]; gamma?: number[]; beta?: number[]; runningMean?: number[]; runningVar?: number[] }[][];
}

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'torch-reference.json'), 'utf8')) as { cases: Case[] };

for (const c of fixture.cases) {
  test(`PyTorch reference: ${c.name}`, () => {
    const o = c.optimizer;
    const net = network({
      inputSize: c.inputSize,
      layers: c.layers.map((l) => ({ ...l, activation: l.activation as never })),
      loss: c.loss,
      optimizer: optimizer(o.type, {
        learningRate: o.learningRate,
        ...(o.momentum !== undefined ? { momentum: o.momentum } : {}),
        ...(o.dampening !== undefined ? { dampening: o.dampening } : {}),
        ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
        ...(o.beta1 !== undefined ? { beta1: o.beta1 } : {}),
        ...(o.beta2 !== undefined ? { beta2: o.beta2 } : {}),
        ...(o.epsilon !== undefined ? { epsilon: o.epsilon } : {}),
        ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
      }),
      training: {
        batchSize: c.training.batchSize,
        epochs: c.training.epochs,
        clipNorm: c.training.clipNorm ?? null,
        clipValue: c.training.clipValue ?? null,
        trainBiases: c.training.trainBiases ?? true,
      },
      train: dataset(c.data.inputs, c.data.targets),
    });
    const t = new Trainer(net);
    let batch = 0;
    for (let e = t.next(); e; e = t.next()) {
      if (e.kind === 'loss') {
        assert.ok(Math.abs(e.loss - c.losses[e.batchIndex]) <= 1e-12 * Math.max(1, Math.abs(c.losses[e.batchIndex])), `batch ${e.batchIndex}: loss ${e.loss} vs torch ${c.losses[e.batchIndex]}`);
      }
      if (e.kind === 'update' && e.layer === c.layers.length + 1) {
        const expected = c.parameters[batch];
        t.model.layers.forEach((p, i) => {
          const x = expected[i];
          const what = `batch ${batch} layer ${i + 2}`;
          assertClose(p.W, x.weights.flat(), 1e-11, `${what} W`);
          // Before batch normalization, ∂C/∂b is exactly 0 in theory and ~1e-17 rounding noise in
          // practice; Adam divides that noise by its own square root, so both frameworks move b by
          // noise of order η·1e-8. Everywhere else the tolerance is 1e-11.
          // The running mean (a mean of z = Wa + b) inherits that noise.
          const noisy = x.gamma !== undefined && o.type.startsWith('adam');
          assertClose(p.b, x.biases, noisy ? 1e-8 : 1e-11, `${what} b`);
          if (x.gamma) {
            assertClose(p.gamma!, x.gamma, 1e-11, `${what} γ`);
            assertClose(p.beta!, x.beta!, 1e-11, `${what} β`);
            assertClose(p.runningMean!, x.runningMean!, noisy ? 1e-9 : 1e-12, `${what} running mean`);
            assertClose(p.runningVar!, x.runningVar!, 1e-12, `${what} running var`);
          }
        });
        batch++;
      }
    }
    assert.equal(batch, c.parameters.length, 'number of updates');
  });
}
