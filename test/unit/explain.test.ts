// The equations with their numbers (src/debug/explain.ts): each line's operands are the engine's values at
// that step, and each result is the value the engine computed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugRuntime, fmt } from '../../src/debug/runtime';
import { explainNeuron, explainStep } from '../../src/debug/explain';

const noop = (): void => {};
/** Negative operands are parenthesized in products. */
const num = (x: number): string => (x < 0 ? `(${fmt(x)})` : fmt(x));

async function load(net: object): Promise<DebugRuntime> {
  const { runtime, diagnostics } = await DebugRuntime.load(JSON.stringify(net), 'net.backprop.json', undefined);
  assert.ok(runtime, DebugRuntime.describeDiagnostics(diagnostics));
  return runtime;
}

/** A 2-3-2 ReLU/softmax network on a batch of two, with given weights. */
const SOFTMAX = {
  seed: 1,
  layers: [
    { size: 2 },
    { size: 3, activation: 'relu', weights: [[0.5, -0.4], [-0.3, 0.8], [0.2, 0.1]], biases: [0.1, -0.1, 0] },
    { size: 2, activation: 'softmax', weights: [[0.3, -0.6, 0.9], [-0.2, 0.4, 0.7]], biases: [0, 0.05] },
  ],
  loss: 'cross-entropy',
  optimizer: { type: 'adam', learningRate: 0.01 },
  training: { batchSize: 2, epochs: 1 },
  data: { inputs: [[1, 0.5], [-0.5, 2]], targets: [[1, 0], [0, 1]] },
};

test('forward: z = Σ w·a + b with the real weights and inputs, a = σ(z); the second example of the batch', async () => {
  const rt = await load(SOFTMAX);
  await rt.stepForward('layer', noop);
  const z = rt.lookup('z2') as { data: Float64Array };
  const a = rt.lookup('a2') as { data: Float64Array };
  // Example 2 (x = [-0.5, 2]), neuron 2: w = [-0.3, 0.8], b = -0.1.
  const e = explainNeuron(rt, 1, 1)!;
  assert.equal(e.title, 'neuron 2 of layer 2, example 2 of 2');
  assert.deepEqual(e.lines, [`z²₂ = Σₖ w²₂ₖ a¹ₖ + b²₂ = (-0.3)·(-0.5) + 0.8·2 + (-0.1) = ${fmt(z.data[4])}`, `a²₂ = relu(${fmt(z.data[4])}) = ${fmt(a.data[4])}`]);
  assert.equal(z.data[4], -0.3 * -0.5 + 0.8 * 2 - 0.1);
});

test('δᴸ for softmax with cross-entropy is a − y; BP2 through ReLU uses σ′ = [z > 0]; the loss per example and the batch mean', async () => {
  const rt = await load(SOFTMAX);
  await rt.stepForward('layer', noop);
  await rt.stepForward('layer', noop);
  await rt.stepForward('layer', noop); // loss
  const costs = rt.lookup('costs') as { data: Float64Array };
  const loss = explainStep(rt, 1);
  const a3 = rt.lookup('a3') as { data: Float64Array };
  assert.equal(loss, `C₂ = −1·ln ${fmt(a3.data[3])} = ${fmt(costs.data[1])}   (a³ against the target y)\nC = (1/2) Σₓ Cₓ = ${fmt(rt.currentLoss())}   (the mini-batch's cost)`);
  await rt.stepForward('layer', noop); // δ³
  const d3 = rt.lookup('delta3') as { data: Float64Array };
  assert.deepEqual(explainNeuron(rt, 0, 0)!.lines, [`δ³₁ = a³₁ − y₁ = ${fmt(a3.data[0])} − 1 = ${fmt(d3.data[0])}   (BP1)`]);
  await rt.stepForward('layer', noop); // δ²
  const d2 = rt.lookup('delta2') as { data: Float64Array };
  const z2 = rt.lookup('z2') as { data: Float64Array };
  // Neuron 1 of example 1: z = 0.5·1 − 0.4·0.5 + 0.1 = 0.4 > 0, so σ′ = 1.
  const line = explainNeuron(rt, 0, 0)!.lines[0];
  assert.equal(line, `δ²₁ = (Σₖ w³ₖ₁ δ³ₖ)·σ′(z²₁) = (0.3·${num(d3.data[0])} + (-0.2)·${num(d3.data[1])})·1 = ${fmt(d2.data[0])}   (BP2, σ′ = [z > 0] = 1)`);
  assert.ok(z2.data[0] > 0);
});

test('gradients of a batch are means; updates by Adam show the new values; long rows are cut with their sum', async () => {
  const rt = await load(SOFTMAX);
  for (let i = 0; i < 6; i++) await rt.stepForward('layer', noop); // ∂³
  const dW3 = rt.lookup('dW3') as { data: Float64Array };
  const g = explainNeuron(rt, 1, 0)!;
  assert.equal(g.title, 'neuron 2 of layer 3');
  assert.equal(g.lines[0], `∂C/∂w³₂₁ = (1/2) Σₓ a²₁ δ³₂ = ${fmt(dW3.data[3])}   (BP4)`);
  for (let i = 0; i < 3; i++) await rt.stepForward('layer', noop); // update 3
  const W3 = rt.lookup('W3') as { data: Float64Array };
  assert.equal(explainNeuron(rt, 0, 0)!.lines[0], `w³₁₁ ← ${fmt(W3.data[0])}   (adam: ∂C/∂w = ${fmt(dW3.data[0])})`);

  const wide = await load({
    layers: [{ size: 40 }, { size: 2, activation: 'sigmoid' }],
    loss: 'mse',
    training: { batchSize: 1, epochs: 1 },
    data: { inputs: [Array.from({ length: 40 }, (_, i) => i / 40)], targets: [[0, 1]] },
  });
  await wide.stepForward('layer', noop);
  const z = wide.lookup('z2') as { data: Float64Array };
  const line = explainNeuron(wide, 0, 0)!.lines[0];
  assert.match(line, /^z²₁ = Σₖ w²₁ₖ a¹ₖ \+ b²₁ = (\S+·\S+ \+ ){5}… \(40 terms, Σ = \S+\) \+ \S+ = (\S+)$/);
  assert.equal(line.split(' = ').at(-1), fmt(z.data[0]));
});

test('steps without a per-neuron equation say so', async () => {
  const rt = await load(SOFTMAX);
  assert.equal(explainNeuron(rt, 0, 0), null);
  assert.match(explainStep(rt, 0), /no per-neuron equation/);
});

test('in the Variables view an equation shows its result first (the view is narrow)', async () => {
  const { resultFirst } = await import('../../src/debug/adapter');
  assert.deepEqual(resultFirst('w³₁₁ ← w − η ∂C/∂w = 0.4 − 0.5·0.0821670406 = 0.35891648'), { name: 'w³₁₁', value: '0.35891648   ← w − η ∂C/∂w = 0.4 − 0.5·0.0821670406' });
  assert.deepEqual(resultFirst('δ³₁ = a³₁ − y₁ = 0.7 − 1 = -0.3   (BP1)'), { name: 'δ³₁', value: '-0.3   ← a³₁ − y₁ = 0.7 − 1   (BP1)' });
  assert.deepEqual(resultFirst('b³₁ = 0.6   (biases are not trained)'), { name: 'b³₁', value: '0.6   (biases are not trained)' });
  assert.deepEqual(resultFirst('w³₁₁ ← 0.35   (adam: ∂C/∂w = 0.1)'), { name: 'w³₁₁', value: '0.35   (adam: ∂C/∂w = 0.1)' });
  assert.deepEqual(resultFirst('… (784 weights in this row)'), { name: '…', value: '(784 weights in this row)' });
});

test('tensor summaries in Variables show a NaN instead of skipping it, and norms that do not overflow', async () => {
  const { summarize } = await import('../../src/debug/adapter');
  assert.equal(summarize({ data: Float64Array.of(1, NaN, 3), shape: [3] }), '[1, NaN, 3]  (3: min NaN, max NaN, mean NaN, norm NaN)');
  assert.equal(summarize({ data: Float64Array.of(3e200, 4e200), shape: [1, 2] }), '1×2  (min 3e200, max 4e200, mean 3.5e200, norm 5e200)');
});
