// The stepper: the micro-step program, pause granularities, exact step back, bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchHistory, Stepper, Trainer, type StepEvent } from '../../src/engine';
import { Rng } from '../../src/engine/rng';
import { dataset, mazur, network, optimizer } from './helpers';
import type { Activation, LossKind, OptimizerKind } from '../../src/engine/spec';

/** Every number an event carries, as raw bits (so "equal" means bit-identical). */
function bits(e: StepEvent | null): string {
  if (!e) return 'null';
  const parts: string[] = [e.kind, String(e.step), String(e.epoch), String(e.batch), Array.from(e.examples).join(',')];
  const add = (a: ArrayLike<number>) => parts.push(Buffer.from(Float64Array.from(a).buffer).toString('hex'));
  switch (e.kind) {
    case 'forward': add(e.z); add(e.a); break;
    case 'loss': add([e.loss]); add(e.costs); break;
    case 'delta': add(e.delta); break;
    case 'gradient': add(e.dW); add(e.db); add([e.norm]); break;
    case 'clip': add([e.normBefore, e.scale]); break;
    case 'update': add(e.W); add(e.b); if (e.stateW.mean) add(e.stateW.mean); if (e.stateW.square) add(e.stateW.square); break;
    case 'epoch-end': add([e.train.loss, e.train.accuracy]); break;
  }
  return parts.join('|');
}

/** A network that uses everything random or stateful: shuffle, dropout, batch norm, Adam, clipping. */
function busyNetwork(epochs = 3) {
  const rng = new Rng(9, 1);
  const inputs = Array.from({ length: 10 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]);
  const targets = inputs.map((x) => (x[0] * x[1] > 0 ? [1, 0] : [0, 1]));
  return network({
    inputSize: 3,
    layers: [
      { size: 5, activation: 'relu', batchNorm: true },
      { size: 5, activation: 'tanh', dropout: 0.4, residual: true },
      { size: 2, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    optimizer: optimizer('adam', { learningRate: 0.05 }),
    training: { batchSize: 4, epochs, shuffle: true, clipNorm: 1 },
    train: dataset(inputs, targets),
    seed: 42,
  });
}

test('the micro-step program of a mini-batch follows BP1–BP4 order', () => {
  const t = new Trainer(busyNetwork(1));
  const seq: string[] = [];
  for (let i = 0; i < t.program.length; i++) {
    const e = t.next()!;
    seq.push('layer' in e ? `${e.kind} ${e.layer}` : e.kind);
  }
  assert.deepEqual(seq, ['forward 2', 'forward 3', 'forward 4', 'loss', 'delta 4', 'delta 3', 'delta 2', 'gradient 4', 'gradient 3', 'gradient 2', 'clip', 'update 2', 'update 3', 'update 4']);
  assert.equal(t.stepsPerEpoch, 3 * t.program.length + 1, '3 mini-batches (4, 4, 2 examples) and an epoch end');
});

test('positions count epochs and batches from 1 and cover the last partial batch', () => {
  const t = new Trainer(busyNetwork(2));
  const seen: string[] = [];
  for (let e = t.next(); e; e = t.next()) if (e.kind === 'loss') seen.push(`${e.epoch}.${e.batch}:${e.examples.length}`);
  assert.deepEqual(seen, ['1.1:4', '1.2:4', '1.3:2', '2.1:4', '2.2:4', '2.3:2']);
  assert.ok(t.finished);
  assert.equal(t.next(), null);
});

test('shuffling is seeded: every epoch is a permutation, and epochs differ', () => {
  const t = new Trainer(busyNetwork(2));
  const epochs: number[][] = [[], []];
  for (let e = t.next(); e; e = t.next()) if (e.kind === 'loss') epochs[e.epoch - 1].push(...e.examples);
  for (const ex of epochs) assert.deepEqual([...ex].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(epochs[0], epochs[1]);
});

test('granularities pause where they should', () => {
  const t = new Trainer(busyNetwork(2));
  assert.equal(t.stepsToPause('layer'), 1);
  assert.equal(t.stepsToPause('phase'), 3, 'the forward phase has three layers');
  assert.equal(t.stepsToPause('batch'), t.program.length);
  assert.equal(t.stepsToPause('epoch'), t.stepsPerEpoch);
  assert.equal(t.stepsToPause('end'), t.totalSteps);
  t.advance(t.stepsToPause('phase'));
  assert.deepEqual([t.position.phase, t.position.layer], ['forward', 4]);
  t.advance(t.stepsToPause('phase'));
  assert.equal(t.position.phase, 'loss');
  t.advance(t.stepsToPause('phase'));
  assert.deepEqual([t.position.phase, t.position.layer], ['delta', 2]);
  t.advance(t.stepsToPause('batch'));
  assert.deepEqual([t.position.phase, t.position.layer, t.position.batch], ['update', 4, 1]);
  t.advance(t.stepsToPause('epoch'));
  assert.equal(t.position.phase, 'epoch-end');
  assert.equal(t.position.epoch, 1);
});

test('the same file and seed give identical numbers on every run; stepping equals running', () => {
  const a = new Trainer(busyNetwork());
  const b = new Trainer(busyNetwork());
  const sa: string[] = [];
  for (let e = a.next(); e; e = a.next()) sa.push(bits(e));
  b.run();
  assert.equal(Buffer.from(a.model.layers[1].W.buffer).toString('hex'), Buffer.from(b.model.layers[1].W.buffer).toString('hex'));
  const c = new Trainer(busyNetwork());
  const sc: string[] = [];
  for (let e = c.next(); e; e = c.next()) sc.push(bits(e));
  assert.deepEqual(sc, sa);
});

test('step back returns to identical bits, then forward again replays identical bits', () => {
  const t = new Trainer(busyNetwork(), { historyBytes: 4096, recentCheckpoints: 2 });
  const forward: string[] = ['start'];
  for (let e = t.next(); e; e = t.next()) forward.push(bits(e));
  const rng = new Rng(3, 3);
  for (let trial = 0; trial < 60; trial++) {
    const target = 1 + rng.int(t.totalSteps);
    const e = t.goTo(target);
    assert.equal(t.step, target);
    assert.equal(bits(e), forward[target], `goTo(${target})`);
    // Step back one at a time, a few times, then forward.
    for (let k = 1; k <= 3 && target - k >= 1; k++) assert.equal(bits(t.back()), forward[target - k], `back to ${target - k}`);
    const from = t.step;
    for (let k = 1; k <= 5 && from + k <= t.totalSteps; k++) assert.equal(bits(t.next()), forward[from + k], `forward to ${from + k}`);
  }
  t.goTo(0);
  assert.equal(t.step, 0);
  assert.equal(t.position.phase, 'start');
  // Parameters are back to their initial values.
  const fresh = new Trainer(busyNetwork());
  assert.deepEqual(Array.from(t.model.layers[0].W), Array.from(fresh.model.layers[0].W));
});

test('checkpoint memory stays bounded over 100,000 steps and step back still works', () => {
  const net = mazur(true, 10001); // 10 micro-steps per epoch
  const budget = 16 * 1024;
  const t = new Trainer(net, { historyBytes: budget });
  const before = process.memoryUsage();
  let last: StepEvent | null = null;
  for (let i = 0; i < 100000; i++) last = t.next();
  assert.ok(last);
  const stats = t.checkpointStats;
  assert.ok(stats.bytes <= budget + 16 * 1024, `checkpoints use ${stats.bytes} bytes`);
  assert.ok(stats.interval > stats.base, `checkpoints were thinned (grid ${stats.base}, now every ${stats.interval} batches)`);
  const after = process.memoryUsage();
  assert.ok(after.arrayBuffers - before.arrayBuffers < 8 * 1024 * 1024, `array buffers grew by ${after.arrayBuffers - before.arrayBuffers}`);
  // Reference: a second trainer run straight to step 50,000 without events.
  const ref = new Trainer(net);
  ref.run(50000);
  const e = t.goTo(50000)!;
  assert.equal(t.step, 50000);
  assert.deepEqual(Array.from(t.model.layers[1].W), Array.from(ref.model.layers[1].W));
  assert.ok(e.step === 50000);
});

test('a NaN is caught at the gradient step, before the update that would spread it', () => {
  const net = network({
    inputSize: 1,
    layers: [{ size: 2, activation: 'relu', weights: [[1], [1]], biases: [0, 0] }, { size: 1, activation: 'linear', weights: [[1, 1]], biases: [0] }],
    loss: 'mse',
    optimizer: optimizer('sgd', { learningRate: 1e10 }),
    training: { epochs: 50 },
    train: dataset([[1e150]], [[0]]),
  });
  const t = new Trainer(net);
  const r = t.run();
  assert.ok(r.stopped, 'training stopped');
  assert.equal(r.stopped!.phase, 'gradient');
  assert.equal(t.position.phase, 'gradient');
  assert.equal(t.peek()!.phase === 'gradient' || t.peek()!.phase === 'update', true);
  // Parameters are still finite: the bad gradient was never applied.
  for (const p of t.model.layers) for (const v of p.W) assert.ok(Number.isFinite(v));
});

test('health signals: dead ReLUs, exploding gradients and rising loss are reported', () => {
  const dead = network({
    inputSize: 2,
    layers: [{ size: 3, activation: 'relu', weights: [[-1, -1], [-1, -1], [1, 1]], biases: [-5, -5, 0] }, { size: 1, activation: 'sigmoid' }],
    loss: 'mse',
    train: dataset([[0.5, 0.5], [1, 0.2]], [[1], [0]]),
    training: { batchSize: 2 },
  });
  const t = new Trainer(dead);
  const f = t.next()!;
  assert.equal(f.kind, 'forward');
  if (f.kind === 'forward') assert.ok(Math.abs(f.deadShare - 2 / 3) < 1e-12, `dead share ${f.deadShare}`);

  const boom = network({
    inputSize: 1,
    layers: [{ size: 1, activation: 'linear', weights: [[3]], biases: [0] }, { size: 1, activation: 'linear', weights: [[3]], biases: [0] }],
    loss: 'mse',
    optimizer: optimizer('sgd', { learningRate: 0.5 }),
    training: { epochs: 40 },
    train: dataset([[2]], [[1]]),
  });
  const tb = new Trainer(boom);
  let exploding = false;
  let rising = false;
  for (let e = tb.next(); e; e = tb.next()) {
    if (e.kind === 'gradient' && e.exploding) exploding = true;
    if (e.kind === 'loss' && e.rising) rising = true;
    if (e.nonFinite) break;
  }
  assert.ok(exploding, 'an exploding gradient was flagged');
  assert.ok(rising, 'a rising loss was flagged');
});

test('Stepper: neuron and example granularities are views inside a layer step, both directions', () => {
  const t = new Trainer(busyNetwork(1));
  const s = new Stepper(t);
  let v = s.forward('neuron');
  assert.equal(v.event!.kind, 'forward');
  assert.equal(v.neuron, 0);
  for (let j = 1; j < 5; j++) assert.equal(s.forward('neuron').neuron, j);
  assert.equal(t.step, 1, 'still the first layer step');
  v = s.forward('neuron');
  assert.deepEqual([t.step, v.neuron], [2, 0]);
  v = s.backward('neuron');
  assert.deepEqual([t.step, v.neuron], [1, 4], 'back into the previous layer, last neuron');
  v = s.forward('example');
  assert.deepEqual([t.step, v.example], [2, 0]);
  assert.equal(s.forward('example').example, 1);
  assert.equal(s.backward('example').example, 0);
});

test('Stepper: phase, batch and epoch steps go back to the previous pause of the same kind', () => {
  const t = new Trainer(busyNetwork(2));
  const s = new Stepper(t);
  s.forward('phase');
  assert.equal(t.position.phase, 'forward');
  s.forward('phase');
  assert.equal(t.position.phase, 'loss');
  s.forward('phase');
  assert.deepEqual([t.position.phase, t.position.layer], ['delta', 2]);
  s.backward('phase');
  assert.equal(t.position.phase, 'loss');
  s.backward('phase');
  assert.deepEqual([t.position.phase, t.position.layer], ['forward', 4]);
  s.forward('epoch');
  assert.equal(t.position.phase, 'epoch-end');
  s.forward('batch');
  assert.deepEqual([t.position.epoch, t.position.batch, t.position.phase], [2, 1, 'update']);
  s.backward('batch');
  assert.equal(t.position.phase, 'epoch-end', 'the epoch end is a pause of every coarse granularity');
  s.backward('batch');
  assert.deepEqual([t.position.epoch, t.position.batch, t.position.phase], [1, 3, 'update']);
  s.backward('epoch');
  assert.equal(t.step, 0);
  s.forward('end');
  assert.ok(t.finished);
});

test('batch history stays bounded: every batch until full, then evenly thinned; truncation is exact', () => {
  const h = new BatchHistory(2, 8);
  for (let b = 0; b < 8; b++) h.record(b, 0, b * 10);
  assert.deepEqual(Array.from(h.samples(0).batch), [0, 1, 2, 3, 4, 5, 6, 7]);
  h.record(8, 0, 80);
  assert.equal(h.stride, 2);
  assert.deepEqual(Array.from(h.samples(0).batch), [0, 2, 4, 6, 8]);
  assert.deepEqual(Array.from(h.samples(0).value), [0, 20, 40, 60, 80]);
  for (let b = 9; b < 40; b++) h.record(b, 0, b * 10);
  assert.ok(h.length <= 8);
  const s = h.samples(0);
  for (let i = 0; i < s.batch.length; i++) assert.equal(s.value[i], s.batch[i] * 10);
  assert.ok(Number.isNaN(h.samples(1).value[0]), 'a field never written reads NaN');
  h.truncate(17);
  assert.ok(h.samples(0).batch.every((b) => b < 17));
});

test('loss and gradient-norm history survive step back unchanged', () => {
  const t = new Trainer(busyNetwork(3));
  t.run();
  const losses = Array.from(t.losses.value);
  const norms = Array.from(t.gradientNorms(3).value);
  assert.equal(losses.length, 9, 'one loss per mini-batch');
  t.goTo(Math.floor(t.totalSteps / 3));
  assert.ok(t.losses.value.length < 9);
  t.run();
  assert.deepEqual(Array.from(t.losses.value), losses);
  assert.deepEqual(Array.from(t.gradientNorms(3).value), norms);
});

test('plain SGD: the single-loop update of the fast path gives the bits of layer-by-layer stepping', () => {
  for (const hidden of [3, 40]) {
    const rng = new Rng(hidden, 9);
    const inputs = Array.from({ length: 12 }, () => Array.from({ length: 5 }, () => rng.uniform(-1, 1)));
    const targets = inputs.map((x) => [x[0] > 0 ? 1 : 0, x[1] > 0 ? 1 : 0]);
    const make = () =>
      network({
        inputSize: 5,
        layers: [{ size: hidden, activation: 'tanh' }, { size: 2, activation: 'sigmoid' }],
        loss: 'binary-cross-entropy',
        optimizer: optimizer('sgd', { learningRate: 0.3 }),
        training: { batchSize: 5, epochs: 4, shuffle: true },
        train: dataset(inputs, targets),
      });
    const stepped = new Trainer(make());
    while (stepped.next());
    const ran = new Trainer(make());
    assert.equal(ran.fastPath, hidden === 3 ? 'small' : 'layers');
    ran.run();
    assert.equal(Buffer.from(ran.model.params.slice().buffer).toString('hex'), Buffer.from(stepped.model.params.slice().buffer).toString('hex'), `hidden ${hidden}`);
  }
});

test('rebase: the current state becomes step 0 of a new run; step back stops there', () => {
  const t = new Trainer(busyNetwork(3));
  t.run(t.stepsPerEpoch + 5);
  const W = Array.from(t.model.params);
  t.rebase();
  assert.equal(t.step, 0);
  assert.equal(t.position.phase, 'start');
  assert.equal(t.losses.value.length, 0);
  assert.deepEqual(Array.from(t.model.params), W, 'parameters kept');
  t.run(2 * t.program.length);
  assert.notDeepEqual(Array.from(t.model.params), W);
  t.goTo(0);
  assert.deepEqual(Array.from(t.model.params), W, 'step 0 is the rebased state');
  // Replaying from the rebased start is deterministic.
  t.run(2 * t.program.length);
  const once = Array.from(t.model.params);
  t.goTo(0);
  t.run(2 * t.program.length);
  assert.deepEqual(Array.from(t.model.params), once);
});

test('the small-network fast path gives the bits of stepping, for every activation and loss', () => {
  const cases: [Activation, Activation, LossKind, OptimizerKind][] = [
    ['relu', 'softmax', 'cross-entropy', 'adam'],
    ['leaky-relu', 'linear', 'mse', 'nesterov'],
    ['linear', 'sigmoid', 'binary-cross-entropy', 'rmsprop'],
    ['sigmoid', 'tanh', 'mse', 'sgd'],
    ['tanh', 'sigmoid', 'mse', 'momentum'],
    ['sigmoid', 'sigmoid', 'mse', 'sgd'],
  ];
  for (const [hidden, out, loss, opt] of cases) {
    const rng = new Rng(7, 3);
    const inputs = Array.from({ length: 7 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    const targets = inputs.map((x) => (loss === 'cross-entropy' ? (x[0] > 0 ? [1, 0] : [0, 1]) : [x[0] > 0 ? 0.9 : 0.1, x[1] > 0 ? 0.8 : 0.2]));
    const make = () =>
      network({
        inputSize: 2,
        layers: [{ size: 3, activation: hidden, biases: [0.1, -0.2, 0.05] }, { size: 2, activation: out }],
        loss,
        optimizer: optimizer(opt, { learningRate: 0.05 }),
        training: { batchSize: 3, epochs: 3, shuffle: true },
        train: dataset(inputs, targets),
      });
    const stepped = new Trainer(make());
    while (stepped.next());
    const ran = new Trainer(make());
    assert.equal(ran.fastPath, 'small');
    ran.run();
    const hex = (t: Trainer) => Buffer.from(t.model.params.slice().buffer).toString('hex');
    assert.equal(hex(ran), hex(stepped), `${hidden} → ${out}, ${loss}, ${opt}`);
    assert.deepEqual(Array.from(ran.losses.value), Array.from(stepped.losses.value));
  }
});

test('goTo the current step after running without events rebuilds that step\'s event', () => {
  const stepped = new Trainer(busyNetwork(1));
  const events: string[] = [];
  for (let e = stepped.next(); e; e = stepped.next()) events.push(bits(e));
  const t = new Trainer(busyNetwork(1));
  t.run(17);
  assert.equal(t.last, null);
  assert.equal(bits(t.goTo(17)), events[16]);
  assert.equal(t.step, 17);
  assert.equal(t.goTo(0), null);
});

test('edit and continue: an edit at the current step recomputes its mini-batch; history starts there and replays exactly', () => {
  const net = busyNetwork(3);
  const t = new Trainer(net, { recentCheckpoints: 1 });
  const P = t.program.length;
  // Into the middle of the 5th mini-batch (epoch 2), at a delta step.
  const start = 4 * P + 1; // epoch 1 has 3 batches and an epoch-end step
  const target = start + t.model.layers.length + 2;
  t.goTo(target);
  assert.equal(t.position.phase, 'delta');
  const before = bits(t.last);
  const e = t.edit(() => {
    t.model.layers[0].W[0] += 0.25;
  });
  assert.equal(t.step, target);
  assert.equal(e?.kind, 'delta');
  assert.notEqual(bits(e), before, 'the edit changes this step’s numbers');
  assert.equal(t.firstStep, start);
  // A second trainer that starts from the edited parameters at the same batch gives the same bits:
  // stepping back to the floor and forward again reproduces the edited run exactly.
  const after = bits(e);
  const later: string[] = [];
  for (let i = 0; i < 2 * P; i++) later.push(bits(t.next()));
  assert.equal(bits(t.goTo(target)), after);
  for (let i = 0; i < 2 * P; i++) assert.equal(bits(t.next()), later[i]);
  // Step back cannot go before the edit's mini-batch.
  assert.equal(t.goTo(0), null);
  assert.equal(t.step, start);
  assert.equal(new Stepper(t).backward('epoch').event, null);
  assert.equal(t.step, start);
  // A second edit at the floor itself edits the same mini-batch.
  assert.equal(t.edit(() => (t.model.layers[0].b[0] += 0.1)), null);
  assert.deepEqual([t.step, t.firstStep], [start, start]);
  // The learning rate is read at every update: editing it changes the next update only.
  t.goTo(start + P - 1);
  const lrBefore = bits(t.goTo(start + P));
  t.goTo(start + P - 1);
  t.edit(() => (net.optimizer.learningRate = 0));
  const u = t.next();
  assert.equal(u?.kind, 'update');
  assert.notEqual(bits(u), lrBefore);
});
