// Three steps of every update rule on one parameter θ₀ = 1 with gradients g = 0.5, −0.3, 0.2, against
// values worked out by hand from the formulas torch.optim documents (the PyTorch runs themselves are
// in torch-reference.test.ts). Derivations of the first steps are in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizerState, optimizerStep } from '../../src/engine';
import type { OptimizerKind, ResolvedOptimizer } from '../../src/engine/spec';
import { optimizer } from './helpers';

const GRADS = [0.5, -0.3, 0.2];

function run(type: OptimizerKind, over: Partial<ResolvedOptimizer>): number[] {
  const opt = optimizer(type, over);
  const theta = Float64Array.of(1);
  const state = createOptimizerState(opt, 1);
  return GRADS.map((g) => {
    optimizerStep(opt, theta, Float64Array.of(g), state);
    return theta[0];
  });
}

const CASES: [string, OptimizerKind, Partial<ResolvedOptimizer>, number[]][] = [
  // θ ← θ − ηg: 1 − 0.05 = 0.95, 0.95 + 0.03 = 0.98, 0.98 − 0.02 = 0.96
  ['sgd', 'sgd', { learningRate: 0.1 }, [0.95, 0.98, 0.96]],
  // g + λθ: 0.5 + 0.01 = 0.51 → 0.949; −0.3 + 0.00949 → 0.978051; …
  ['sgd with weight decay', 'sgd', { learningRate: 0.1, weightDecay: 0.01 }, [0.949, 0.978051, 0.957072949]],
  // b₁ = g₁ = 0.5 → 0.95; b₂ = 0.9·0.5 − 0.3 = 0.15 → 0.935; b₃ = 0.135 + 0.2 = 0.335 → 0.9015
  ['momentum', 'momentum', { learningRate: 0.1, momentum: 0.9 }, [0.95, 0.935, 0.9015]],
  // dampening τ = 0.1 applies from the second step: b₂ = 0.45 − 0.9·0.3 = 0.18 → 0.932
  ['momentum with dampening', 'momentum', { learningRate: 0.1, momentum: 0.9, dampening: 0.1 }, [0.95, 0.932, 0.8978]],
  // g + μb: 0.5 + 0.45 = 0.95 → 0.905; −0.3 + 0.135 = −0.165 → 0.9215; 0.2 + 0.3015 → 0.87135
  ['nesterov', 'nesterov', { learningRate: 0.1, momentum: 0.9 }, [0.905, 0.9215, 0.87135]],
  // s₁ = 0.01·0.25 = 0.0025, √s₁ = 0.05: θ₁ = 1 − 0.01·0.5/(0.05 + 1e-8) = 0.90000002
  ['rmsprop', 'rmsprop', { learningRate: 0.01 }, [0.900000019999996, 0.9516397890605408, 0.9189417611849852]],
  ['rmsprop with momentum', 'rmsprop', { learningRate: 0.01, momentum: 0.5 }, [0.900000019999996, 0.9016397990605389, 0.8697616607152547]],
  // m₁ = 0.05, v₁ = 0.00025, m̂ = 0.5, v̂ = 0.25: θ₁ = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002
  ['adam', 'adam', { learningRate: 0.1 }, [0.900000002, 0.8808501989417752, 0.846107430790882]],
  ['adam with L2 weight decay', 'adam', { learningRate: 0.1, weightDecay: 0.1 }, [0.9000000016666666, 0.8613529972101512, 0.8078745546785667]],
  // decoupled: θ ← θ(1 − ηλ) = 0.99 first, then the Adam step: 0.890000002
  ['adamw', 'adamw', { learningRate: 0.1, weightDecay: 0.1 }, [0.890000002, 0.8619501989217752, 0.8185879287816642]],
];

for (const [name, type, over, expected] of CASES) {
  test(`${name}: three steps by hand`, () => {
    const got = run(type, over);
    got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-15, `step ${i + 1}: θ = ${v}, expected ${expected[i]}`));
  });
}

test('optimizer state counts steps and keeps its buffers', () => {
  const opt = optimizer('adam', { learningRate: 0.1 });
  const state = createOptimizerState(opt, 1);
  const theta = Float64Array.of(1);
  optimizerStep(opt, theta, Float64Array.of(0.5), state);
  assert.equal(state.step, 1);
  assert.ok(Math.abs(state.mean![0] - 0.05) < 1e-15, 'm = (1 − β₁)g');
  assert.ok(Math.abs(state.square![0] - 0.00025) < 1e-17, 'v = (1 − β₂)g²');
  assert.equal(createOptimizerState(optimizer('sgd'), 3).momentum, null, 'plain SGD keeps no buffer');
});
