// Mazur, "A Step by Step Backpropagation Example" (2015), recomputed in float64
// (../shared/reference/worked-examples.md): the first step to 1e-9, with biases fixed and trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer, Workspace, forwardAll, type StepEvent } from '../../src/engine';
import { assertClose, mazur } from './helpers';

function collect(trainBiases: boolean) {
  const t = new Trainer(mazur(trainBiases));
  const events: StepEvent[] = [];
  for (let e = t.next(); e; e = t.next()) {
    // Copy the views: they are only valid until the next step.
    events.push(JSON.parse(JSON.stringify(e, (_k, v) => (v instanceof Float64Array || v instanceof Uint32Array ? Array.from(v) : v))));
  }
  return { t, events };
}

test('Mazur 2-2-2: forward, loss, deltas, gradients and updated weights match to 1e-9', () => {
  const { events } = collect(false);
  const fwd = events.filter((e) => e.kind === 'forward');
  assert.deepEqual(fwd.map((e) => e.layer), [2, 3]);
  assertClose(fwd[0].z, [0.3775, 0.3925], 1e-9, 'z²');
  assertClose(fwd[0].a, [0.593269992, 0.596884378], 1e-9, 'a²');
  assertClose(fwd[1].z, [1.105905967, 1.224921404], 1e-9, 'z³');
  assertClose(fwd[1].a, [0.75136507, 0.772928465], 1e-9, 'a³');
  const loss = events.find((e) => e.kind === 'loss')!;
  assert.ok(Math.abs(loss.loss - 0.298371109) < 1e-9, `C = ${loss.loss}`);
  const deltas = events.filter((e) => e.kind === 'delta');
  assert.deepEqual(deltas.map((e) => [e.layer, e.rule]), [[3, 'BP1'], [2, 'BP2']]);
  assertClose(deltas[0].delta, [0.138498562, -0.038098237], 1e-9, 'δ³');
  assertClose(deltas[1].delta, [0.008771355, 0.009954255], 1e-9, 'δ²');
  const grads = events.filter((e) => e.kind === 'gradient');
  assertClose(grads[0].dW, [0.082167041, 0.082667628, -0.02260254, -0.022740242], 1e-9, '∂C/∂W³');
  assertClose(grads[1].dW, [0.000438568, 0.000877135, 0.000497713, 0.000995425], 1e-9, '∂C/∂W²');
  assertClose(grads[0].db, [0.138498562, -0.038098237], 1e-9, '∂C/∂b³ = δ³ (BP3)');
  const updates = events.filter((e) => e.kind === 'update');
  assert.deepEqual(updates.map((e) => e.layer), [2, 3]);
  assertClose(updates[0].W, [0.149780716, 0.199561432, 0.249751144, 0.299502287], 1e-9, 'W² after');
  assertClose(updates[1].W, [0.35891648, 0.408666186, 0.51130127, 0.561370121], 1e-9, 'W³ after');
  assertClose(updates[0].b, [0.35, 0.35], 0, 'b² unchanged (biases fixed)');
  const end = events.find((e) => e.kind === 'epoch-end')!;
  assert.ok(Math.abs(end.train.loss - 0.291027774) < 1e-9, `C after one step = ${end.train.loss}`);
});

test('Mazur 2-2-2 with biases trained: C after one step is 0.280471447', () => {
  const { events } = collect(true);
  const updates = events.filter((e) => e.kind === 'update');
  assertClose(updates[1].b, [0.6 - 0.5 * 0.138498562, 0.6 + 0.5 * 0.038098237], 1e-9, 'b³ after');
  const end = events.find((e) => e.kind === 'epoch-end')!;
  assert.ok(Math.abs(end.train.loss - 0.280471447) < 1e-9, `C = ${end.train.loss}`);
});

test('Mazur 2-2-2 after 10,000 steps (biases fixed): C = 3.5102e-05, outputs 0.01591362 / 0.98406427', () => {
  const t = new Trainer(mazur(false, 10000));
  t.run();
  const last = t.epochResults[t.epochResults.length - 1];
  assert.ok(Math.abs(last.train.loss - 3.5102e-5) < 5e-10, `C = ${last.train.loss}`);
  const ws = new Workspace(t.model, 1);
  ws.loadBatch(t.net.train.inputs, t.net.train.targets, [0], 1);
  forwardAll(t.model, ws, { training: false, seed: 1, batchNumber: 0 });
  assertClose(ws.layers[1].A.subarray(0, 2), [0.01591362, 0.98406427], 5e-9, 'a³ after 10,000 steps');
});
