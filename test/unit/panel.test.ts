// The panel's view of a session (src/debug/panel.ts) and the message protocol (src/shared/protocol.ts):
// Mazur's published numbers in the snapshot, the substituted equation linked to its operands, the
// phase strip, tables, histories against the engine, the gradient check against finite differences,
// and validation that rejects malformed messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DebugRuntime } from '../../src/debug/runtime';
import { buildSnapshot, checkGradient, texNumber } from '../../src/debug/panel';
import { DEFAULT_SELECTION, dec, parseFromWebview, parseRefKey, parseToWebview, refKey, type Selection, type Snapshot } from '../../src/shared/protocol';
import { contentSecurityPolicy, panelHtml } from '../../src/shared/panelHtml';

const noop = (): void => {};
const MAZUR = readFileSync(new URL('../../examples/mazur.backprop.json', import.meta.url), 'utf8');
const opts = { name: 'mazur.backprop.json', reason: 'step', granularity: 'layer' as const };

async function mazur(): Promise<DebugRuntime> {
  const { runtime } = await DebugRuntime.load(MAZUR, 'mazur.backprop.json', undefined);
  assert.ok(runtime);
  return runtime;
}

const snap = (rt: DebugRuntime, sel: Partial<Selection> = {}): Snapshot => {
  const s = buildSnapshot(rt, { ...DEFAULT_SELECTION, ...sel }, opts);
  // Every snapshot survives JSON (as VS Code sends it) and passes the webview's validation.
  const wire = JSON.parse(JSON.stringify({ type: 'snapshot', seq: 1, sentAt: 0, snapshot: s }));
  const parsed = parseToWebview(wire);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return s;
};

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test('Mazur forward: z² and a² of the example, the phase strip, the general and substituted equations', async () => {
  const rt = await mazur();
  const s0 = snap(rt);
  assert.equal(s0.position.phase, 'start');
  assert.equal(s0.layers[1].z, null, 'nothing computed at the start');
  assert.equal(s0.equation.substituted, null);
  await rt.stepForward('layer', noop);
  const s = snap(rt);
  assert.equal(s.position.phase, 'forward');
  assert.equal(s.position.layer, 2);
  close(dec(s.layers[1].z![0]), 0.3775);
  close(dec(s.layers[1].z![1]), 0.3925);
  close(dec(s.layers[1].a![0]), 0.593269992, 1e-9);
  close(dec(s.layers[1].a![1]), 0.596884378, 1e-9);
  assert.deepEqual(s.layers[0].a, [0.05, 0.1]);
  assert.equal(s.layers[2].z, null, 'layer 3 is not computed yet');
  assert.equal(s.phases.find((c) => c.state === 'current')!.label, 'forward 2');
  assert.deepEqual(s.phases.map((c) => c.label), ['forward 2', 'forward 3', 'loss', 'δ³ (BP1)', 'δ² (BP2)', '∂C/∂W³, ∂C/∂b³', '∂C/∂W², ∂C/∂b²', 'update 2', 'update 3', 'epoch end']);
  assert.match(s.equation.general, /z\^\{2\} = W\^\{2\} a\^\{1\} \+ b\^\{2\}/);
  // w²₁₁·x₁ + w²₁₂·x₂ + b²₁ with each number linked to its origin.
  const tex = s.equation.substituted!;
  assert.ok(tex.includes('\\htmlData{ref=W:2:0:0, v=0.15}{0.15}'), tex);
  assert.ok(tex.includes('\\htmlData{ref=a:1:0, v=0.05}{0.05}'), tex);
  assert.ok(tex.includes('\\htmlData{ref=b:2:0, v=0.35}{0.35}'), tex);
  assert.ok(tex.includes('\\htmlData{ref=z:2:0, v=0.3775}{0.3775}'), tex);
  assert.ok(tex.includes('{0.593270}') || tex.includes('{0.59327}'), tex);
  assert.deepEqual(s.equation.text, ['z²₁ = Σₖ w²₁ₖ a¹ₖ + b²₁ = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775', 'a²₁ = sigmoid(0.3775) = 0.593269992']);
  // The selected neuron drives the equation.
  const s2 = snap(rt, { layer: 2, neuron: 1 });
  assert.ok(s2.equation.text[0].startsWith('z²₂ = '), s2.equation.text[0]);
  assert.ok(s2.equation.text[0].endsWith('= 0.3925'));
});

test('Mazur backward: δ³ (BP1), δ² (BP2) with the upstream δ and σ′ linked, gradients and the update', async () => {
  const rt = await mazur();
  for (let i = 0; i < 4; i++) await rt.stepForward('layer', noop); // δ³
  let s = snap(rt);
  assert.equal(s.equation.rule, 'BP1');
  close(dec(s.layers[2].delta![0]), 0.138498562, 1e-9);
  close(dec(s.layers[2].delta![1]), -0.0380982365, 1e-10);
  await rt.stepForward('layer', noop); // δ²
  s = snap(rt);
  assert.equal(s.equation.rule, 'BP2');
  assert.match(s.equation.general, /\(W\^\{3\}\)\^T \\delta\^\{3\}/);
  const tex = s.equation.substituted!;
  assert.ok(tex.includes('\\htmlData{ref=W:3:0:0, v=0.4}{0.4}'), tex);
  assert.ok(tex.includes('ref=delta:3:1, v=-0.0380982365166}{(-0.0381)}'), tex);
  assert.ok(tex.includes('ref=sigmaPrime:2:0, v=0.241300708572}{0.2413}'), tex);
  assert.ok(tex.includes('{0.00877135}'), tex);
  close(dec(s.layers[1].delta![0]), 0.00877135468, 1e-11);
  assert.ok(s.equation.text[0].includes('= 0.00877135469'), s.equation.text[0]);
  await rt.stepForward('layer', noop); // ∂³
  s = snap(rt, { layer: 3, neuron: 0, weight: 0, tables: ['W', 'dW', 'b', 'db', 'optimizer'] });
  assert.equal(s.equation.rule, 'BP3, BP4');
  assert.ok(s.equation.substituted!.includes('{0.0821670}') || s.equation.substituted!.includes('{0.082167}'), s.equation.substituted!);
  const dW = s.tables.find((t) => t.kind === 'dW')!;
  assert.equal(dW.rows, 2);
  close(dec(dW.values[0]), 0.0821670406, 1e-10);
  assert.ok(dec(s.layers[2].gradNorm!) > 0);
  const opt = s.tables.find((t) => t.kind === 'optimizer')!;
  assert.match(opt.title, /keeps no state/);
  for (let i = 0; i < 3; i++) await rt.stepForward('layer', noop); // update 3
  s = snap(rt, { layer: 3, neuron: 0, weight: 0, tables: ['W'] });
  assert.equal(s.equation.rule, 'update');
  close(dec(s.tables[0].values[0]), 0.35891648, 1e-8);
  assert.ok(s.equation.substituted!.includes('{0.358916}'), s.equation.substituted!);
  assert.ok(s.equation.text[0].includes('0.4 − 0.5·0.0821670406 = 0.35891648'), s.equation.text[0]);
});

test('tables of a large layer are the selected row; edges only for small layers; the 784-input layer is sent once per snapshot', async () => {
  const net = {
    layers: [{ size: 784 }, { size: 128, activation: 'relu' }, { size: 10, activation: 'softmax' }],
    loss: 'cross-entropy',
    training: { batchSize: 4, epochs: 1 },
    data: { inputs: Array.from({ length: 8 }, (_, r) => Array.from({ length: 784 }, (_, i) => ((r * 31 + i) % 17) / 17)), targets: Array.from({ length: 8 }, (_, r) => Array.from({ length: 10 }, (_, c) => (c === r % 10 ? 1 : 0))) },
  };
  const { runtime: rt } = await DebugRuntime.load(JSON.stringify(net), 'big.backprop.json', undefined);
  assert.ok(rt);
  for (let i = 0; i < 2; i++) await rt.stepForward('layer', noop);
  const s = snap(rt, { layer: 2, neuron: 5, tables: ['W'] });
  assert.equal(s.layers[0].a!.length, 784);
  assert.equal(s.layers[1].edges, null, '128×784 weights are not sent as edges');
  assert.equal(s.layers[2].edges!.length, 1280);
  const W = s.tables[0];
  assert.equal(W.rows, 1);
  assert.equal(W.rowOffset, 5);
  assert.equal(W.values.length, 784);
  assert.equal(dec(W.values[3]), rt.trainer.model.layers[0].W[5 * 784 + 3]);
  assert.ok(JSON.stringify(s).length < 200_000, `snapshot is ${JSON.stringify(s).length} bytes`);
  assert.ok(s.layers[1].deadShare !== null);
});

test('histories: the loss per mini-batch and gradient norms are the engine\'s; the selected weight over time by replay, with the session left where it was', async () => {
  const net = {
    seed: 3,
    layers: [{ size: 2 }, { size: 3, activation: 'tanh' }, { size: 1, activation: 'sigmoid' }],
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.05 },
    training: { batchSize: 2, epochs: 3 },
    data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
  };
  const { runtime: rt } = await DebugRuntime.load(JSON.stringify(net), 'xor.backprop.json', undefined);
  assert.ok(rt);
  // Record w³₁₂ and Adam's state after every mini-batch by stepping.
  const expected: number[] = [];
  for (let b = 0; b < 5; b++) {
    await rt.stepForward('batch', noop);
    if (rt.trainer.position.phase !== 'update') await rt.stepForward('batch', noop);
    expected.push(rt.trainer.model.layers[1].W[1]);
  }
  await rt.stepForward('layer', noop);
  await rt.stepForward('layer', noop); // mid-batch 6
  const before = rt.trainer.step;
  const z2 = rt.trainer.ws.layers[0].Z.slice();
  const s = snap(rt, { layer: 3, neuron: 0, weight: 1 });
  assert.equal(rt.trainer.step, before, 'the replay returns to the step');
  assert.deepEqual(rt.trainer.ws.layers[0].Z.slice(), z2, 'with the same values');
  const w = s.history.weight!;
  assert.equal(w.label, 'w³₁₂');
  assert.deepEqual(w.value.x, [1, 2, 3, 4, 5]);
  assert.deepEqual(w.value.y.map(dec), expected);
  assert.deepEqual(Object.keys(w.state).sort(), ['m̂', 'v̂']);
  // Loss history = the engine's, batch numbers 1-based; the per-epoch evaluation; gradient norms per layer.
  const l = rt.trainer.losses;
  assert.deepEqual(s.history.loss.y.map(dec), Array.from(l.value));
  assert.deepEqual(s.history.loss.x, Array.from(l.batch, (b) => b + 1));
  assert.equal(s.history.epochTrain.x.length, 2);
  assert.deepEqual(Object.keys(s.history.gradNorms), ['2', '3']);
  assert.equal(s.history.gradNorms['3'].y.length, 5);
  // Incremental: one more batch appends.
  await rt.stepForward('batch', noop);
  const s2 = snap(rt, { layer: 3, neuron: 0, weight: 1 });
  assert.deepEqual(s2.history.weight!.value.x, [1, 2, 3, 4, 5, 6]);
  assert.equal(dec(s2.history.weight!.value.y[5]), rt.trainer.model.layers[1].W[1]);
  // Two inputs: the decision boundary over a grid, one probability per cell.
  assert.ok(s.boundary);
  assert.equal(s.boundary.values.length, s.boundary.n * s.boundary.n);
  assert.ok(s.boundary.values.every((v) => v >= 0 && v <= 1));
  assert.equal(s.boundary.points.length, 4);
});

test('gradient check of the selected weight: backpropagation agrees with finite differences; bad requests are refused with a reason', async () => {
  const rt = await mazur();
  assert.throws(() => checkGradient(rt, 3, 0, 0), /No mini-batch/);
  await rt.stepForward('layer', noop);
  const r = checkGradient(rt, 3, 0, 0);
  assert.equal(r.label, '∂C/∂w³₁₁');
  close(dec(r.analytic), 0.0821670406, 1e-10);
  assert.ok(dec(r.relError) < 1e-7, String(r.relError));
  assert.equal(r.verdict, 'pass');
  close(dec(checkGradient(rt, 2, 0, null).analytic), 0.00877135468, 1e-10);
  assert.throws(() => checkGradient(rt, 1, 0, 0), /layer 1 has no weights/);
  assert.throws(() => checkGradient(rt, 2, 5, 0), /neurons 1…2/);
});

test('health badges: exploding gradients and NaN with remedies', async () => {
  const net = {
    seed: 1,
    layers: [{ size: 1 }, { size: 1, activation: 'linear', weights: [[3]], biases: [0] }, { size: 1, activation: 'linear', weights: [[3]], biases: [0] }],
    loss: 'mse',
    optimizer: { type: 'sgd', learningRate: 5 },
    training: { batchSize: 1, epochs: 30 },
    data: { inputs: [[100]], targets: [[1]] },
  };
  const { runtime: rt } = await DebugRuntime.load(JSON.stringify(net), 'blow.backprop.json', undefined);
  assert.ok(rt);
  for (let i = 0; i < 6; i++) await rt.stepForward('layer', noop); // through the gradients of batch 1
  let s = snap(rt);
  const ex = s.health.find((b) => b.kind === 'exploding');
  assert.ok(ex, JSON.stringify(s.health));
  assert.match(ex.detail, /clip/);
  for (let i = 0; i < 60 && !s.health.some((b) => b.kind === 'nan'); i++) {
    await rt.stepForward('layer', noop);
    s = snap(rt);
  }
  assert.ok(s.health.some((b) => b.kind === 'nan' && b.severity === 'error'), JSON.stringify(s.health));
});

test('protocol: refs round-trip; malformed messages are refused with a reason; numbers outside JSON travel as strings', () => {
  assert.deepEqual(parseRefKey(refKey({ q: 'W', l: 3, j: 1, k: 0 })), { q: 'W', l: 3, j: 1, k: 0 });
  assert.equal(parseRefKey('W:3:1:0"><script>'), null);
  assert.ok(parseFromWebview({ type: 'ready', version: 1 }).ok);
  assert.ok(parseFromWebview({ type: 'select', selection: DEFAULT_SELECTION }).ok);
  const bad = [
    [null, /not an object/],
    [{ type: 'action', action: 'rm -rf' }, /unknown action/],
    [{ type: 'select', selection: { ...DEFAULT_SELECTION, layer: -1 } }, /selection.layer/],
    [{ type: 'select', selection: { ...DEFAULT_SELECTION, tables: ['W', 'eval'] } }, /selection.tables/],
    [{ type: 'request', id: 1, request: { kind: 'gradientCheck', layer: 1, neuron: 0, weight: 0 } }, /layer ≥ 2/],
    [{ type: 'evil' }, /unknown message type/],
  ] as const;
  for (const [msg, re] of bad) {
    const r = parseFromWebview(msg);
    assert.ok(!r.ok && re.test(r.error), JSON.stringify(r));
  }
  const r = parseToWebview({ type: 'snapshot', seq: 1, sentAt: 0, snapshot: { name: 'x' } });
  assert.ok(!r.ok && /malformed snapshot.position/.test(r.error));
  assert.equal(texNumber(0.00877135468), '0.008771');
  assert.equal(texNumber(-3.2e-7), '-3.2 \\times 10^{-7}');
  assert.equal(texNumber(NaN), '\\text{NaN}');
  assert.equal(dec('-Infinity'), -Infinity);
});

test('panel HTML: a nonce CSP with no inline or eval, only local assets', () => {
  const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abcdef0123456789abcdef', scriptUri: 'https://x.vscode-cdn.net/dist/webview/main.js', styleUri: 'https://x.vscode-cdn.net/dist/webview/main.css' });
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', 'abcdef0123456789abcdef');
  assert.ok(html.includes(csp.replace(/'/g, "'")));
  assert.match(csp, /^default-src 'none'; script-src 'nonce-abcdef0123456789abcdef';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.equal((html.match(/<script /g) ?? []).length, 1);
  assert.ok(html.includes('<script nonce="abcdef0123456789abcdef" src="https://x.vscode-cdn.net/dist/webview/main.js">'));
  assert.throws(() => panelHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUri: '' }), /nonce/);
});

test('every example and every layer kind: each step of two mini-batches gives a valid snapshot whose LaTeX KaTeX accepts', async () => {
  const katex = (await import('katex')).default;
  const tex = (s: string): void => {
    katex.renderToString(s, { throwOnError: true, strict: 'ignore', trust: (c: { command: string }) => c.command === '\\htmlData', displayMode: true });
  };
  const files = ['mazur', 'xor', 'iris', 'digits'].map((n) => ({ name: `${n}.backprop.json`, text: readFileSync(new URL(`../../examples/${n}.backprop.json`, import.meta.url), 'utf8') }));
  const data = { inputs: [[0.2, -0.4, 0.9], [1, 0.5, -0.3], [-0.7, 0.1, 0.4], [0.3, 0.8, -0.9]], targets: [[1, 0], [0, 1], [1, 0], [0, 1]] };
  const kinds: { name: string; text: string }[] = ([
    { layers: [{ size: 3 }, { size: 3, activation: 'tanh', batchNorm: {} }, { size: 3, activation: 'relu', residual: true }, { size: 2, activation: 'softmax' }], loss: 'cross-entropy', optimizer: { type: 'nesterov', learningRate: 0.1, momentum: 0.9 }, training: { batchSize: 2, epochs: 2, clipNorm: 1 } },
    { layers: [{ size: 3 }, { size: 4, activation: 'leaky-relu', dropout: 0.5 }, { size: 2, activation: 'sigmoid' }], loss: 'binary-cross-entropy', optimizer: { type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, training: { batchSize: 4, epochs: 2 } },
    { layers: [{ size: 3 }, { size: 2, activation: 'linear' }, { size: 2, activation: 'sigmoid' }], loss: 'mse', optimizer: { type: 'adamw', learningRate: 0.01, weightDecay: 0.1 }, training: { batchSize: 1, epochs: 1, clipValue: 0.5 } },
    { layers: [{ size: 3 }, { size: 2, activation: 'relu' }, { size: 2, activation: 'sigmoid' }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.1, weightDecay: 0.01 }, training: { batchSize: 3, epochs: 1 } },
  ] as object[]).map((k, i) => ({ name: `kind${i}.backprop.json`, text: JSON.stringify({ seed: 2, ...k, data }) }));
  for (const f of [...files, ...kinds]) {
    const { runtime: rt, diagnostics } = await DebugRuntime.load(f.text, f.name, undefined);
    assert.ok(rt, `${f.name}: ${DebugRuntime.describeDiagnostics(diagnostics)}`);
    const steps = Math.min(rt.trainer.totalSteps, 2 * rt.trainer.program.length + 1);
    const seen = new Set<string>();
    for (let i = 0; i <= steps; i++) {
      for (const layer of [1, 2, rt.L]) {
        const s = snap(rt, { layer, neuron: 1, example: 1, weight: layer > 1 ? 1 : null, neurons: 'delta', edges: 'dW', tables: ['W', 'b', 'dW', 'db', 'optimizer'] });
        tex(s.equation.general);
        if (s.equation.substituted) tex(s.equation.substituted);
        assert.ok(s.equation.substituted === null || s.equation.text.length > 0, `${f.name} step ${i}: text beside the LaTeX`);
        seen.add(s.equation.rule);
      }
      if (i === 1) {
        // Inside a layer step: neuron by neuron, then example by example.
        await rt.stepForward('neuron', noop);
        const s = snap(rt);
        assert.equal(s.position.neuron, 0);
        if (s.equation.substituted) tex(s.equation.substituted);
      }
      await rt.stepForward('layer', noop);
    }
    for (const rule of ['forward', 'loss', 'BP1', 'BP2', 'BP3, BP4', 'update']) assert.ok(seen.has(rule), `${f.name}: no ${rule} step seen (${[...seen].join(', ')})`);
  }
});

test('before the first loss step there is no loss: no value and no NaN badge; then Mazur\'s E_total', async () => {
  const rt = await mazur();
  for (let i = 0; i < 2; i++) {
    await rt.stepForward('layer', noop); // forward 2, forward 3
    const s = snap(rt);
    assert.equal(s.position.loss, null);
    assert.deepEqual(s.health.map((b) => b.kind), [], 'nothing is wrong with a loss not computed yet');
  }
  await rt.stepForward('layer', noop); // the loss
  const s = snap(rt);
  assert.equal(s.position.phase, 'loss');
  close(dec(s.position.loss!), 0.298371109, 1e-9); // Mazur: E_total = 0.298371109
  assert.deepEqual(s.health.map((b) => b.kind), []);
});
