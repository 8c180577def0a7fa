// The debugger runtime (src/debug/runtime.ts) driven directly on network files: stepping, breakpoints,
// values and edit-and-continue, with the numbers they should produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DebugRuntime, fmt, type LaunchOptions, type StepGranularity, type StopInfo } from '../../src/debug/runtime';
import { formatValue, type Tensor, type Value } from '../../src/debug/expr';
import { sup } from '../../src/debug/notation';

// Lines: 4 input layer, 5–10 layer 2 (one object over six lines), 11 layer 3, 13 "loss", 14–17 "optimizer".
// Program of a mini-batch (P = 9): 1 forward² 2 forward³ 3 loss 4 δ³ 5 δ² 6 ∂³ 7 ∂² 8 update² 9 update³;
// batch 2 is 10–18, the epoch ends at 19; epoch 2 is 20–38.
const NET = `{
  "seed": 1,
  "layers": [
    { "size": 2 },
    {
      "size": 3,
      "activation": "sigmoid",
      "weights": [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],
      "biases": [0.1, 0.2, 0.3]
    },
    { "size": 1, "activation": "sigmoid", "weights": [[0.7, -0.8, 0.9]], "biases": [0.05] }
  ],
  "loss": "mse",
  "optimizer": {
    "type": "sgd",
    "learningRate": 0.5
  },
  "training": { "batchSize": 3, "epochs": 2 },
  "data": { "inputs": [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.8]], "targets": [[0], [1], [1], [0], [1], [0]] }
}`;
const LAYER2 = { first: 5, inside: 8, last: 10 };

/** Batch norm, dropout, a residual layer, softmax, Adam, clipping, shuffling and validation data. */
const BUSY = JSON.stringify({
  seed: 3,
  layers: [{ size: 3 }, { size: 4, activation: 'relu', batchNorm: true, dropout: 0.3 }, { size: 4, activation: 'tanh', dropout: 0.2, residual: true }, { size: 2, activation: 'softmax' }],
  loss: 'cross-entropy',
  optimizer: { type: 'adam', learningRate: 0.01 },
  training: { batchSize: 3, epochs: 2, clipNorm: 1, validationSplit: 0.25, shuffle: true },
  data: {
    inputs: [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0], [0.5, 0.5, 1], [0.2, 0.8, 0.3], [0.1, 0.1, 0.1], [0.9, 0.2, 0.4]],
    targets: [[1, 0], [0, 1], [0, 1], [1, 0], [1, 0], [0, 1], [1, 0], [0, 1]],
  },
});

const noop = (): void => {};
/** n steps of granularity g. */
async function go(rt: DebugRuntime, n: number, g: StepGranularity = 'layer'): Promise<void> {
  for (let i = 0; i < n; i++) await rt.stepForward(g, noop);
}

async function load(text: string, options: LaunchOptions = {}): Promise<DebugRuntime> {
  const { runtime, diagnostics } = await DebugRuntime.load(text, 'net.backprop.json', undefined, options);
  assert.ok(runtime, DebugRuntime.describeDiagnostics(diagnostics));
  return runtime;
}

const where = (rt: DebugRuntime): { step: number; neuron: number | null; example: number | null } => ({ step: rt.trainer.step, neuron: rt.stepper.view.neuron, example: rt.stepper.view.example });

function tensorOf(v: Value | undefined): Tensor {
  assert.ok(typeof v === 'object', `expected a tensor, got ${String(v)}`);
  return v;
}
const data = (rt: DebugRuntime, name: string): number[] => Array.from(tensorOf(rt.lookup(name)).data);
const shape = (rt: DebugRuntime, name: string): readonly number[] => tensorOf(rt.lookup(name)).shape;
const num = (rt: DebugRuntime, name: string): number => rt.lookup(name) as number;

/** Continue repeatedly; the steps it stops at (until the end). */
async function stops(rt: DebugRuntime, max = 20): Promise<{ steps: number[]; last: StopInfo }> {
  const steps: number[] = [];
  let last: StopInfo = { reason: 'step', hitBreakpointIds: [] };
  for (let i = 0; i < max; i++) {
    last = await rt.continue(noop);
    if (last.reason === 'end') break;
    steps.push(rt.trainer.step);
  }
  return { steps, last };
}

function assertClose(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected}`);
}

/** Every listed name has a value or a clear Error (never undefined, never a TypeError/RangeError). */
function checkAllNames(rt: DebugRuntime, label: string): Map<string, string> {
  const errors = new Map<string, string>();
  for (const name of rt.nameList()) {
    let v: Value | undefined;
    try {
      v = rt.lookup(name);
    } catch (e) {
      assert.ok(e instanceof Error, `${label}: ${name} threw a non-Error`);
      assert.ok(!(e instanceof TypeError) && !(e instanceof RangeError), `${label}: ${name} threw ${e.name}: ${e.message}`);
      assert.ok(e.message.length > 20, `${label}: ${name}: message too short: ${e.message}`);
      errors.set(name, e.message);
      continue;
    }
    assert.notEqual(v, undefined, `${label}: ${name} is listed but has no value`);
  }
  return errors;
}

// ── Stepping ──

test('stepping by example walks the rows of a batch of 3, then the next layer step; step back returns', async () => {
  const rt = await load(NET);
  await rt.stepForward('example', noop);
  assert.deepEqual(where(rt), { step: 1, neuron: null, example: 0 });
  assert.deepEqual([shape(rt, 'x'), shape(rt, 'z2')], [[3, 2], [3, 3]]);
  assert.deepEqual(data(rt, 'z2').slice(0, 3), [0.1, 0.2, 0.3], 'x₀ = (0, 0): z² row 0 = b²');
  for (const example of [1, 2]) {
    await rt.stepForward('example', noop);
    assert.deepEqual(where(rt), { step: 1, neuron: null, example });
  }
  await rt.stepForward('example', noop);
  assert.deepEqual(where(rt), { step: 2, neuron: null, example: 0 }, 'past the last example: forward³, first example');
  rt.stepBack('example');
  assert.deepEqual(where(rt), { step: 1, neuron: null, example: 2 });
  rt.stepBack('example');
  assert.deepEqual(where(rt), { step: 1, neuron: null, example: 1 });
  assertClose(data(rt, 'z2')[3], 0.1 * 0 + -0.2 * 1 + 0.1, 'z² row 1 after stepping back');
});

test('neuron stepping rolls from the last neuron to the next layer step', async () => {
  const rt = await load(NET);
  await rt.stepForward('neuron', noop);
  assert.deepEqual(where(rt), { step: 1, neuron: 0, example: null });
  await go(rt, 2, 'neuron');
  assert.deepEqual(where(rt), { step: 1, neuron: 2, example: null });
  await rt.stepForward('neuron', noop);
  assert.deepEqual(where(rt), { step: 2, neuron: 0, example: null }, 'layer 3 has one neuron');
  await rt.stepForward('neuron', noop);
  assert.deepEqual(where(rt), { step: 3, neuron: null, example: null }, 'the loss has no neurons');
});

test('step out: sub-step → end of phase, phase end → end of batch, batch end → epoch end; then the end', async () => {
  const rt = await load(NET);
  await rt.stepForward('neuron', noop);
  assert.equal((await rt.stepOut(noop)).reason, 'step');
  assert.deepEqual(where(rt), { step: 2, neuron: null, example: null }, 'from forward² neuron 1 to the end of the forward phase');
  rt.restart();
  await rt.stepForward('layer', noop);
  await rt.stepForward('neuron', noop);
  assert.deepEqual(where(rt), { step: 2, neuron: 0, example: null });
  await rt.stepOut(noop);
  assert.deepEqual(where(rt), { step: 2, neuron: null, example: null }, 'a sub-step of the phase’s last step ends that step');
  await rt.stepOut(noop);
  assert.equal(rt.trainer.step, 9, 'at the end of the forward phase: to the end of the mini-batch');
  await rt.stepOut(noop);
  assert.equal(rt.trainer.step, 19, 'at the end of the mini-batch: to the end of the epoch');
  assert.equal(rt.trainer.position.phase, 'epoch-end');
  assert.deepEqual([(await rt.stepOut(noop)).reason, rt.trainer.step, rt.finished], ['end', 38, true]);
  for (const g of ['layer', 'neuron', 'example', 'batch'] as const) assert.equal((await rt.stepForward(g, noop)).reason, 'end', g);
  assert.equal((await rt.continue(noop)).reason, 'end');
  assert.equal((await rt.stepOut(noop)).reason, 'end');
});

// ── Breakpoints ──

test('line breakpoints: any line of a multi-line layer maps to it (reported on its first line); loss and optimizer lines', async () => {
  const rt = await load(NET);
  const r = rt.setLineBreakpoints([{ line: LAYER2.first }, { line: LAYER2.inside }, { line: LAYER2.last }, { line: 4 }, { line: 2 }, { line: 11 }, { line: 13 }, { line: 15 }]);
  assert.deepEqual(r.slice(0, 3).map((b) => [b.verified, b.line]), [[true, 5], [true, 5], [true, 5]]);
  assert.ok(!r[3].verified && !r[4].verified);
  assert.match(r[3].message ?? '', /layer 1 is the input/);
  assert.match(r[4].message ?? '', /line 2 declares no layer.*from line 5/);
  assert.deepEqual(r.slice(5).map((b) => [b.verified, b.line]), [[true, 11], [true, 13], [true, 15]]);

  rt.setLineBreakpoints([{ line: LAYER2.inside }]);
  const first = await rt.continue(noop);
  assert.deepEqual([first.reason, first.description], ['breakpoint', 'layer 2']);
  assert.deepEqual((await stops(rt, 4)).steps, [5, 7, 8, 10], 'forward², δ², ∂², update², then the next batch');

  rt.restart();
  rt.setLineBreakpoints([{ line: 13 }]);
  assert.deepEqual((await stops(rt, 2)).steps, [3, 12]);
  rt.restart();
  rt.setLineBreakpoints([{ line: 16 }]);
  assert.deepEqual((await stops(rt, 3)).steps, [8, 9, 17]);
});

test('a line shared by two layers ("}, {") belongs to the layer that starts there, where its frames point', async () => {
  const rt = await load(`{
  "layers": [{
    "size": 2
  }, {
    "size": 3,
    "activation": "sigmoid"
  }, {
    "size": 1,
    "activation": "sigmoid"
  }],
  "loss": "mse",
  "data": { "inputs": [[0, 1]], "targets": [[1]] }
}`);
  assert.deepEqual([rt.source.layerLine(2), rt.source.layerLine(3)], [4, 7]);
  const r = rt.setLineBreakpoints([{ line: 3 }, { line: 4 }, { line: 6 }, { line: 7 }, { line: 10 }]);
  assert.deepEqual(r.map((b) => [b.verified, b.line]), [[false, 3], [true, 4], [true, 4], [true, 7], [true, 7]]);
  rt.setLineBreakpoints([{ line: 7 }]);
  await rt.continue(noop);
  assert.equal(rt.event?.kind === 'forward' && rt.event.layer, 3);
});

test('function breakpoints: epoch, batch, forward2, clip; update9 and misspelt names are unverified', async () => {
  const rt = await load(NET);
  const bad = rt.setFunctionBreakpoints([{ name: 'update9' }, { name: 'forwrd' }, { name: 'loss2' }]);
  assert.ok(bad.every((b) => !b.verified));
  assert.equal(bad[0].message, 'layer 9 does not compute: layers 2…3 do.');
  assert.match(bad[1].message ?? '', /did you mean "forward"/);
  assert.match(bad[2].message ?? '', /"loss" has no layer number/);
  for (const [name, expected] of [['epoch', [19, 38]], ['batch', [9, 18, 28, 37]], ['forward2', [1, 10, 20, 29]]] as const) {
    rt.restart();
    assert.ok(rt.setFunctionBreakpoints([{ name }])[0].verified);
    const { steps, last } = await stops(rt);
    assert.deepEqual(steps, expected, name);
    assert.equal(last.reason, 'end');
  }
  rt.restart();
  rt.setFunctionBreakpoints([{ name: 'epoch' }]);
  const s = await rt.continue(noop);
  assert.deepEqual([s.reason, s.description], ['function breakpoint', 'epoch']);

  const clipped = await load(NET.replace('"epochs": 2', '"epochs": 1, "clipNorm": 0.01'));
  clipped.setFunctionBreakpoints([{ name: 'clip' }]);
  const c = await clipped.continue(noop);
  assert.deepEqual([c.reason, clipped.trainer.step, clipped.event?.kind], ['function breakpoint', 8, 'clip']);
  const e = clipped.event as { normBefore: number; scale: number };
  assertClose(e.scale, 0.01 / (e.normBefore + 1e-6), 'clip scale');
});

test('hit counts >= 2 and % 2; a hit count that does not parse is unverified', async () => {
  const rt = await load(NET);
  rt.setLineBreakpoints([{ line: LAYER2.inside, hitCondition: '>= 2' }]);
  assert.deepEqual((await stops(rt, 4)).steps, [5, 7, 8, 10]);
  rt.restart();
  rt.setLineBreakpoints([{ line: LAYER2.inside, hitCondition: '% 2' }]);
  assert.deepEqual((await stops(rt, 4)).steps, [5, 8, 14, 17]);
  const r = rt.setLineBreakpoints([{ line: LAYER2.inside, hitCondition: 'abc' }, { line: 13, hitCondition: '% 0' }]);
  assert.deepEqual(r.map((b) => b.verified), [false, false]);
  assert.match(r[0].message ?? '', /hit count "abc" is not understood/);
  assert.match(r[1].message ?? '', /never stop/);
});

test('conditions: unknown names are reported when set; a condition that throws stops and says why', async () => {
  const rt = await load(NET);
  const r = rt.setLineBreakpoints([{ line: LAYER2.inside, condition: 'foo > 1' }, { line: 13, condition: 'max(mask2) > 0' }, { line: 11, condition: 'epoch == 2 && batch == 1' }]);
  assert.deepEqual(r.map((b) => b.verified), [false, false, true]);
  assert.match(r[0].message ?? '', /unknown name "foo"/);
  assert.match(r[1].message ?? '', /unknown name "mask2"/);
  assert.deepEqual((await stops(rt, 4)).steps, [21, 23, 25, 28], 'layer 3 in epoch 2, batch 1: forward³, δ³, ∂³, update³');

  rt.restart();
  rt.setLineBreakpoints([{ line: LAYER2.inside, condition: 'z2[99] > 0' }]);
  const log: string[] = [];
  const s = await rt.continue((t) => log.push(t));
  assert.deepEqual([s.reason, rt.trainer.step, log.length], ['breakpoint', 1, 1]);
  assert.match(log[0], /^breakpoint condition "z2\[99\] > 0" failed: .+ — stopping here\.\n$/);
});

test('logpoints print real values and never stop', async () => {
  const rt = await load(NET);
  rt.setLineBreakpoints([{ line: LAYER2.inside, logMessage: 'step {step}: b2 = {b2}' }, { line: 13, logMessage: 'loss {loss}, costs {costs}' }]);
  const log: string[] = [];
  assert.equal((await rt.continue((t) => log.push(t))).reason, 'end');
  const ref = await load(NET);
  await go(ref, 3);
  const loss = ref.currentLoss();
  assert.equal(log[0], 'step 1: b2 = [0.1, 0.2, 0.3]\n');
  assert.equal(log[1], `loss ${formatValue(loss)}, costs ${formatValue(tensorOf(ref.lookup('costs')))}\n`);
  assert.equal(log[2], 'step 5: b2 = [0.1, 0.2, 0.3]\n');
  assert.equal(log.filter((l) => l.startsWith('step ')).length, 16, 'four layer-2 steps in each of four mini-batches');
  assert.equal(log.filter((l) => l.startsWith('loss ')).length, 4);
  assert.equal(log.filter((l) => l.startsWith('epoch ')).length, 2);
});

test('exception filters: vanishing and rising, with and without conditions', async () => {
  // Seven layers of sigmoids with weights 0.01: each layer down multiplies δ by about 0.0075.
  const layers: object[] = [{ size: 2 }];
  for (let i = 1; i <= 7; i++) {
    const size = i === 7 ? 1 : 3;
    layers.push({ size, activation: 'sigmoid', weights: Array.from({ length: size }, () => Array<number>(i === 1 ? 2 : 3).fill(0.01)) });
  }
  const deep = JSON.stringify({ layers, loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.1 }, training: { batchSize: 2 }, data: { inputs: [[0, 1], [1, 0], [1, 1], [0, 0]], targets: [[1], [0], [1], [0]] } });
  let rt = await load(deep);
  rt.setExceptionFilters([{ filterId: 'nan' }, { filterId: 'vanishing' }]);
  let s = await rt.continue(noop);
  assert.deepEqual([s.reason, rt.event?.kind], ['exception', 'gradient']);
  const norm = num(rt, 'gradNorm');
  assert.ok(norm < 1e-7 && norm > 0, String(norm));
  assert.equal(s.description, `vanishing gradient: ‖∂C/∂W${sup(rt.currentLayer)}‖ = ${fmt(norm)}`);
  const firstVanishing = rt.trainer.step;
  rt.restart();
  rt.setExceptionFilters([{ filterId: 'vanishing', condition: 'gradNorm < 1e-12' }]);
  s = await rt.continue(noop);
  assert.equal(s.reason, 'exception');
  assert.ok(rt.trainer.step > firstVanishing && num(rt, 'gradNorm') < 1e-12);
  rt = await load(deep);
  rt.setExceptionFilters([{ filterId: 'vanishing', condition: 'gradNorm < 0' }]);
  assert.equal((await rt.continue(noop)).reason, 'end');

  // A linear neuron with η = 10 diverges: the loss grows ~×100 per step.
  const diverging = JSON.stringify({ layers: [{ size: 1 }, { size: 1, activation: 'linear', weights: [[0.5]] }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 10 }, training: { batchSize: 1, epochs: 20 }, data: { inputs: [[1], [0.5]], targets: [[1], [0]] } });
  rt = await load(diverging);
  rt.setExceptionFilters([{ filterId: 'nan' }, { filterId: 'rising' }]);
  s = await rt.continue(noop);
  assert.deepEqual([s.reason, s.description, rt.event?.kind], ['exception', 'loss rising', 'loss']);
  const losses = Array.from(rt.trainer.losses.value);
  assert.equal(losses.length, 4, 'the moving average needs four losses');
  assert.ok(losses[3] > 1.5 * losses[0] && num(rt, 'loss') === losses[3]);
  rt = await load(diverging);
  rt.setExceptionFilters([{ filterId: 'rising', condition: 'loss > 1000' }]);
  s = await rt.continue(noop);
  assert.equal(s.reason, 'exception');
  assert.equal(rt.trainer.losses.value.length, 3, 'the condition replaces the default test');
  assert.ok(num(rt, 'loss') > 1000 && rt.trainer.losses.value[1] <= 1000);
});

test('data breakpoint on a bias stops at the updates that change it', async () => {
  const rt = await load(NET);
  assert.deepEqual(rt.dataBreakpointInfo('b2[0]'), { dataId: 'b2[0]', description: 'b2[0] changes' });
  const info = rt.dataBreakpointInfo('W2[5][0]');
  assert.ok(info.dataId === null && /W2 has 3 rows: index 5 is out of range 0…2/.test(info.description), info.description);
  assert.ok(rt.setDataBreakpoints([{ dataId: 'b2[0]' }])[0].verified);
  const s = await rt.continue(noop);
  assert.deepEqual([s.reason, rt.trainer.step], ['data breakpoint', 8]);
  assert.equal(s.description, `b2[0] changed to ${fmt(data(rt, 'b2')[0])}`);
  assert.notEqual(data(rt, 'b2')[0], 0.1);
  await rt.continue(noop);
  assert.equal(rt.trainer.step, 17);
  // Reverse continue from a step after the first change (but before the second) lands on that change.
  rt.restart();
  await rt.continue(noop);
  await go(rt, 3);
  const back = await rt.reverseContinue();
  assert.deepEqual([back.reason, rt.trainer.step], ['data breakpoint', 8]);
});

test('reverse continue: the latest earlier matching step; logpoints never stop; conditions see the replayed step', async () => {
  const rt = await load(NET);
  assert.equal((await rt.continue(noop)).reason, 'end');
  rt.setLineBreakpoints([{ line: LAYER2.inside, condition: 'epoch == 1 && batch == 2' }]);
  let s = await rt.reverseContinue();
  assert.deepEqual([s.reason, rt.trainer.step], ['breakpoint', 17]);
  assert.deepEqual(data(rt, 'x'), [1, 1, 0.5, 0.5, 0.2, 0.8], 'the values of that step');
  await rt.reverseContinue();
  assert.equal(rt.trainer.step, 16);
  rt.setLineBreakpoints([]);
  s = await rt.reverseContinue();
  assert.deepEqual([s.reason, s.description, rt.trainer.step], ['step', 'start of training', 0]);

  await rt.continue(noop);
  rt.setLineBreakpoints([{ line: LAYER2.inside, logMessage: 'z2 = {z2}' }]);
  s = await rt.reverseContinue();
  assert.equal(rt.trainer.step, 0, `a logpoint does not stop going back (stopped: ${s.description})`);

  rt.setLineBreakpoints([]);
  rt.setFunctionBreakpoints([{ name: 'gradient2' }]);
  const norms: number[] = [];
  for (let i = 0; i < 3; i++) {
    await rt.continue(noop);
    norms.push(num(rt, 'gradNorm'));
  }
  assert.equal(rt.trainer.step, 26);
  assert.ok(norms[0] !== norms[2] && norms[1] !== norms[2]);
  rt.setFunctionBreakpoints([{ name: 'gradient2', condition: `gradNorm != ${norms[2]}` }]);
  s = await rt.reverseContinue();
  assert.deepEqual([s.reason, rt.trainer.step], ['function breakpoint', 16]);
  assert.equal(num(rt, 'gradNorm'), norms[1]);
});

// ── Values ──

test('every listed name has a value or a clear message at the start, mid-forward, after loss and gradients, at the epoch end', async () => {
  const rt = await load(BUSY);
  assert.equal(rt.trainer.program.length, 14);
  for (const n of ['mask2', 'mask3', 'mu2', 'var2', 'gamma2', 'beta2']) assert.ok(rt.nameList().includes(n), n);
  let errors = checkAllNames(rt, 'start');
  assert.match(errors.get('x') ?? '', /no mini-batch has started/);
  assert.match(errors.get('z2') ?? '', /not computed yet/);
  await rt.stepForward('layer', noop);
  errors = checkAllNames(rt, 'forward 2');
  assert.ok(!errors.has('z2') && !errors.has('mu2') && !errors.has('mask2') && errors.has('z3'));
  await go(rt, 3);
  assert.equal(rt.event?.kind, 'loss');
  errors = checkAllNames(rt, 'loss');
  assert.ok(!errors.has('costs') && errors.has('delta4'));
  await go(rt, 2, 'phase');
  assert.equal(rt.trainer.position.phase, 'gradient');
  errors = checkAllNames(rt, 'gradients');
  assert.deepEqual([...errors.keys()], [], 'everything of the mini-batch is computed');
  await rt.stepForward('epoch', noop);
  errors = checkAllNames(rt, 'epoch end');
  for (const n of ['x', 'z2', 'costs', 'mask2']) assert.match(errors.get(n) ?? '', /no mini-batch is in progress at the end of epoch 1 \(the next step starts epoch 2\)/, n);
  assert.ok(!errors.has('W2') && !errors.has('gamma2') && !errors.has('accuracy'));
  await rt.stepForward('end', noop);
  assert.match(checkAllNames(rt, 'end').get('z2') ?? '', /training is finished/);
});

test('batch norm and dropout values: μ, σ², γ, β, the mask', async () => {
  const rt = await load(BUSY);
  await rt.stepForward('layer', noop);
  const z = data(rt, 'z2');
  const [mu, v] = [data(rt, 'mu2'), data(rt, 'var2')];
  for (let j = 0; j < 4; j++) {
    const col = [z[j], z[4 + j], z[8 + j]];
    const mean = (col[0] + col[1] + col[2]) / 3;
    assertClose(mu[j], mean, `μ[${j}]`);
    assertClose(v[j], col.reduce((s, x) => s + (x - mean) ** 2, 0) / 3, `σ²[${j}] (biased)`);
  }
  assert.deepEqual(data(rt, 'gamma2'), [1, 1, 1, 1]);
  assert.deepEqual(data(rt, 'beta2'), [0, 0, 0, 0]);
  const mask = data(rt, 'mask2');
  const a = data(rt, 'a2');
  assert.deepEqual(shape(rt, 'mask2'), [3, 4]);
  assert.ok(mask.every((m) => m === 0 || Math.abs(m - 1 / 0.7) < 1e-12), mask.join());
  mask.forEach((m, i) => m === 0 && assert.equal(a[i], 0));
  await rt.stepForward('batch', noop);
  assert.notDeepEqual(data(rt, 'gamma2'), [1, 1, 1, 1], 'γ is trained');
});

test('currentLoss is the mean of the batch costs; vectors for a batch of 1, matrices otherwise', async () => {
  const rt = await load(BUSY);
  await rt.stepForward('phase', noop);
  await rt.stepForward('layer', noop);
  const e = rt.event;
  assert.ok(e?.kind === 'loss');
  const costs = data(rt, 'costs');
  assert.equal(costs.length, 3);
  assertClose(rt.currentLoss(), (costs[0] + costs[1] + costs[2]) / 3, 'loss', 1e-15);
  assertClose(rt.currentLoss(), e.loss, 'event loss', 1e-15);
  assert.equal(num(rt, 'loss'), rt.currentLoss());
  assert.deepEqual([shape(rt, 'x'), shape(rt, 'y'), shape(rt, 'a4'), shape(rt, 'W3'), shape(rt, 'b3')], [[3, 3], [3, 2], [3, 2], [4, 4], [4]]);

  const mazur = await load(readFileSync('examples/mazur.backprop.json', 'utf8'));
  await mazur.stepForward('layer', noop);
  assert.deepEqual([shape(mazur, 'x'), shape(mazur, 'z2'), shape(mazur, 'a'), shape(mazur, 'W2')], [[2], [2], [2], [2, 2]]);
  assertClose(data(mazur, 'z2')[0], 0.3775, 'Mazur z²₁');
  await go(mazur, 2);
  assertClose(mazur.currentLoss(), 0.298371109, 'Mazur total error', 1e-9);
  assert.deepEqual(shape(mazur, 'costs'), [1]);
});

// ── Edit and continue ──

const VALUE_NAMES = ['x', 'y', 'z2', 'a2', 'delta2', 'W2', 'b2', 'dW2', 'db2', 'z3', 'a3', 'delta3', 'W3', 'b3', 'dW3', 'db3', 'costs', 'loss'];
function snapshot(rt: DebugRuntime): Record<string, unknown> {
  const out: Record<string, unknown> = { step: rt.trainer.step };
  for (const n of VALUE_NAMES) {
    try {
      const v = rt.lookup(n);
      out[n] = typeof v === 'object' ? Array.from(v.data) : v;
    } catch (e) {
      out[n] = (e as Error).message;
    }
  }
  return out;
}

test('edits at step 0 give the values of a network file that had them from the start', async () => {
  const momentumNet = NET.replace('"sgd"', '"momentum"'); // μ = 0.9 by default
  const cases: { base: string; edit: (rt: DebugRuntime) => Promise<unknown>; text: string }[] = [
    { base: NET, edit: async (rt) => rt.setValue('W2[0][1]', 0.25), text: NET.replace('[[0.1, -0.2]', '[[0.1, 0.25]') },
    { base: NET, edit: async (rt) => rt.setValue('b2[2]', -0.7), text: NET.replace('[0.1, 0.2, 0.3]', '[0.1, 0.2, -0.7]') },
    { base: NET, edit: async (rt) => rt.setValue('lr', 0.2), text: NET.replace('"learningRate": 0.5', '"learningRate": 0.2') },
    // An input can be edited once its mini-batch is loaded (step 1); the edit applies from the batch start.
    { base: NET, edit: async (rt) => (await rt.stepForward('layer', noop), rt.setValue('x[1][0]', 0.75)), text: NET.replace('[0, 1], [1, 0]', '[0.75, 1], [1, 0]') },
    { base: momentumNet, edit: async (rt) => rt.setValue('momentum', 0.5), text: momentumNet.replace('"learningRate": 0.5', '"learningRate": 0.5, "momentum": 0.5') },
    { base: momentumNet, edit: async (rt) => rt.setValue('weightDecay', 0.05), text: momentumNet.replace('"learningRate": 0.5', '"learningRate": 0.5, "weightDecay": 0.05') },
    // Weight decay on plain SGD leaves the whole-block update loop (Continue and stepping agree).
    { base: NET, edit: async (rt) => rt.setValue('weightDecay', 0.05), text: NET.replace('"learningRate": 0.5', '"learningRate": 0.5, "weightDecay": 0.05') },
  ];
  for (const [i, c] of cases.entries()) {
    assert.notEqual(c.text, c.base, `case ${i} edits the file`);
    const edited = await load(c.base);
    const fresh = await load(c.text);
    await c.edit(edited);
    if (edited.trainer.step) await fresh.stepForward('layer', noop);
    for (const g of ['layer', 'phase', 'batch', 'layer', 'layer', 'epoch', 'batch'] as const) {
      await edited.stepForward(g, noop);
      await fresh.stepForward(g, noop);
      assert.deepEqual(snapshot(edited), snapshot(fresh), `case ${i}, after ${g}`);
    }
  }
});

test('edits mid-batch recompute the batch: W, b, lr, x (batch of 1 and of 3)', async () => {
  const rt = await load(NET);
  await go(rt, 5);
  assert.equal(rt.setValue('W2[0][1]', 2), 2);
  assert.equal(rt.setValue('b2[0]', -1), -1);
  assert.deepEqual(where(rt), { step: 5, neuron: null, example: null }, 'the position is kept');
  const z = data(rt, 'z2');
  assert.equal(z[0], -1, 'x₀ = (0, 0)');
  assertClose(z[3], 2 * 1 - 1, 'x₁ = (0, 1)');
  assertClose(z[6], 0.1 * 1 - 1, 'x₂ = (1, 0)');
  await go(rt, 2);
  const [W, dW] = [data(rt, 'W2'), data(rt, 'dW2')];
  assert.equal(rt.setValue('lr', 0.1), 0.1);
  assert.equal(num(rt, 'lr'), 0.1);
  await rt.stepForward('layer', noop);
  assert.equal(rt.event?.kind, 'update');
  data(rt, 'W2').forEach((w, i) => assertClose(w, W[i] - 0.1 * dW[i], `W²[${i}] after the update with η = 0.1`, 1e-15));

  const batch3 = await load(NET);
  await batch3.stepForward('layer', noop);
  assert.equal(batch3.setValue('x[1][0]', 0.75), 0.75);
  assert.deepEqual(data(batch3, 'x'), [0, 0, 0.75, 1, 1, 0]);
  assertClose(data(batch3, 'z2')[3], 0.1 * 0.75 - 0.2 * 1 + 0.1, 'z² row 1 from the edited input');
  assert.throws(() => batch3.setValue('x[1]', 1), /x is 3×2 .*write x\[row\]\[column\]/);
  assert.throws(() => batch3.setValue('x[3][0]', 1), /x is 3×2: index \[3\]\[0\] is out of range/);

  const one = await load(readFileSync('examples/mazur.backprop.json', 'utf8'));
  assert.throws(() => one.setValue('x[0]', 1), /x is not loaded yet: no mini-batch has started/);
  await one.stepForward('layer', noop);
  assert.equal(one.setValue('x[0]', 0.1), 0.1);
  assert.deepEqual(data(one, 'x'), [0.1, 0.1]);
  assertClose(data(one, 'z2')[0], 0.15 * 0.1 + 0.2 * 0.1 + 0.35, 'Mazur z²₁ with x₁ = 0.1');
  assert.equal(one.setValue('x[0][1]', 0.3), 0.3, 'x[row][col] on a batch of one');
  assert.deepEqual(data(one, 'x'), [0.1, 0.3]);
  assert.throws(() => one.setValue('x[2]', 1), /x is a vector of 2: index \[2\] is out of range/);
});

test('refused edits say why', async () => {
  const rt = await load(NET);
  await rt.stepForward('layer', noop);
  const before = snapshot(rt);
  assert.throws(() => rt.setValue('z2[0]', 1), /"z2\[0\]" cannot be edited: .*z, a, δ and gradients are computed/);
  assert.throws(() => rt.setValue('W2[0][1]', NaN), /must be a finite number \(got NaN\)/);
  assert.throws(() => rt.setValue('b2[0]', Infinity), /must be a finite number \(got Infinity\)/);
  assert.throws(() => rt.setValue('W2[3][0]', 1), /W2 has 3 rows: index 3 is out of range 0…2/);
  assert.throws(() => rt.setValue('W2[0][2]', 1), /W2 has 2 columns: index 2 is out of range 0…1/);
  assert.throws(() => rt.setValue('b4[0]', 1), /layer 4 has no parameters: layers 2…3 do/);
  assert.throws(() => rt.setValue('lr', -1), /lr must be ≥ 0/);
  assert.throws(() => rt.setValue('toString', 1), /"toString" cannot be edited/);
  assert.throws(() => rt.setValue('constructor', 1), /"constructor" cannot be edited/);
  // Plain SGD keeps no momentum buffer: switching momentum on would not apply.
  assert.throws(() => rt.setValue('momentum', 0.5), /launched without momentum/);
  assert.throws(() => rt.setValue('beta1', 0.5), /beta1 is used only by adam and adamw/);
  assert.deepEqual(snapshot(rt), before, 'nothing changed');
  const momentum = await load(NET.replace('"sgd"', '"momentum"'));
  assert.throws(() => momentum.setValue('momentum', 1.5), /momentum must be in \[0, 1\)/);
  assert.equal(momentum.setValue('momentum', 0.5), 0.5);
  assert.equal(momentum.setValue('weightDecay', 0.01), 0.01);
  const adam = await load(BUSY);
  assert.throws(() => adam.setValue('momentum', 0.5), /adam has no momentum setting/);
  assert.equal(adam.setValue('beta1', 0.8), 0.8);
});

test('step back after an edit stops at the start of the edited mini-batch, which shows no stale values', async () => {
  const rt = await load(NET);
  await rt.stepForward('batch', noop);
  await rt.stepForward('layer', noop);
  assert.deepEqual(data(rt, 'x'), [1, 1, 0.5, 0.5, 0.2, 0.8], 'batch 2 holds data rows 3–5');
  await go(rt, 4);
  assert.equal(rt.trainer.step, 14);
  const W = data(rt, 'W2');
  rt.setValue('b2[0]', 1);
  assertClose(data(rt, 'z2')[0], W[0] + W[1] + 1, 'z² row 0 of batch 2 with the edited bias');
  rt.stepBack('batch');
  assert.equal(rt.trainer.step, 9);
  const s = rt.stepBack('layer');
  assert.deepEqual([s.description, rt.trainer.step], ['history starts at the last edit', 9]);
  assert.throws(() => rt.lookup('x'), /history starts at the last edit, before mini-batch 2 of epoch 1/);
  assert.throws(() => rt.lookup('z2'), /history starts at the last edit/);
  assert.equal(data(rt, 'b2')[0], 1);
  const r = await rt.reverseContinue();
  assert.deepEqual([r.description, rt.trainer.step], ['history starts at the last edit', 9]);
  // Editing again here edits the mini-batch that starts here.
  assert.equal(rt.setValue('b2[1]', 2), 2);
  assert.deepEqual([rt.trainer.step, rt.trainer.firstStep, rt.event], [9, 9, null]);
  await rt.stepForward('layer', noop);
  assert.deepEqual(data(rt, 'x'), [1, 1, 0.5, 0.5, 0.2, 0.8]);
  assert.deepEqual(data(rt, 'b2').slice(0, 2), [1, 2]);
  const z = data(rt, 'z2');
  assertClose(z[0], W[0] + W[1] + 1, 'z² row 0 replayed');
  assertClose(z[1], W[2] + W[3] + 2, 'z² row 0, neuron 2, with the second edit');
});

// ── Pause ──

test('pause() stops a long continue within a slice, in the middle of training', async () => {
  const rt = await load(readFileSync('examples/digits.backprop.json', 'utf8'), { epochs: 2000 });
  assert.equal(rt.trainer.epochs, 2000);
  rt.setExceptionFilters([{ filterId: 'nan' }]);
  let pausedAt = 0;
  const timer = setTimeout(() => {
    pausedAt = performance.now();
    rt.pause();
  }, 50);
  const lines: string[] = [];
  const s = await rt.continue((t) => lines.push(t));
  clearTimeout(timer);
  assert.equal(s.reason, 'pause');
  assert.ok(performance.now() - pausedAt < 250, 'promptly (a slice is ~16 ms)');
  assert.ok(!rt.isRunning && rt.trainer.step > 0 && rt.trainer.step < rt.trainer.totalSteps / 10, `paused at ${rt.trainer.step} of ${rt.trainer.totalSteps}`);
  assert.equal(lines.length, rt.trainer.epochsCompleted, 'one line per finished epoch');
  checkAllNames(rt, 'paused');
  assert.equal(rt.stepper.view.event?.step, rt.trainer.step, 'the view is the step paused at');
});

test('a condition on a value the step has not computed is not met there (no stop, no log); other failures stop', async () => {
  const rt = await load(NET);
  const logs: string[] = [];
  const log = (t: string) => logs.push(t);
  // Layer 2 is computed at forward (step 1), δ (5), gradient (7) and update (8): δ² exists from step 5.
  const [bp] = rt.setLineBreakpoints([{ line: LAYER2.inside, condition: 'max(abs(delta2)) > 0' }]);
  assert.equal(bp.verified, true);
  let s = await rt.continue(log);
  assert.deepEqual([s.reason, rt.trainer.step, rt.trainer.position.phase], ['breakpoint', 5, 'delta']);
  assert.deepEqual(logs, []);
  // Out of range is a real failure: it stops at the first layer-2 step and says why.
  rt.restart();
  rt.setLineBreakpoints([{ line: LAYER2.inside, condition: 'z2[0][9] > 0' }]);
  s = await rt.continue(log);
  assert.deepEqual([s.reason, rt.trainer.step], ['breakpoint', 1]);
  assert.match(logs.join(''), /breakpoint condition "z2\[0\]\[9\] > 0" failed: .*out of range.* — stopping here/);
});
