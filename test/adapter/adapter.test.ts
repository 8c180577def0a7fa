// The debug adapter over the real Debug Adapter Protocol: `node dist/debugAdapter.js` driven by
// @vscode/debugadapter-testsupport's DebugClient (run `npm run build` first; `npm test` does).
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ADAPTER = resolve('dist/debugAdapter.js');
const MAZUR = resolve('examples/mazur.backprop.json');
// Lines of examples/mazur.backprop.json: layer 1 (input) 7, layer 2 8, layer 3 9, "loss" 11, "optimizer" 12.
const LINE = { input: 7, layer2: 8, layer3: 9, loss: 11, optimizer: 12 };

let dc: DebugClient;
let tmp: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bp-adapter-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function start(): Promise<void> {
  dc = new DebugClient('node', ADAPTER, 'backprop');
  await dc.start();
}
afterEach(async () => {
  await dc.stop().catch(() => {});
});

function writeNet(name: string, net: object | string): string {
  const p = join(tmp, name);
  writeFileSync(p, typeof net === 'string' ? net : JSON.stringify(net, null, 2));
  return p;
}

interface Setup {
  lines?: DebugProtocol.SourceBreakpoint[];
  functions?: DebugProtocol.FunctionBreakpoint[];
  exceptions?: DebugProtocol.ExceptionFilterOptions[];
}

/** Launch, set breakpoints in the configuration phase, and wait for the first stop. */
async function launch(args: Record<string, unknown>, setup: Setup = {}): Promise<{ stopped: DebugProtocol.StoppedEvent; bps: DebugProtocol.Breakpoint[] }> {
  await start();
  let bps: DebugProtocol.Breakpoint[] = [];
  const config = (async () => {
    await dc.waitForEvent('initialized');
    if (setup.lines) bps = (await dc.setBreakpointsRequest({ source: { path: String(args.network ?? MAZUR) }, breakpoints: setup.lines })).body.breakpoints;
    if (setup.functions) bps = bps.concat((await dc.setFunctionBreakpointsRequest({ breakpoints: setup.functions })).body.breakpoints);
    await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: setup.exceptions ?? [{ filterId: 'nan' }] });
    await dc.configurationDoneRequest();
  })();
  const stoppedP = dc.waitForEvent('stopped', 10000) as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([config, dc.initializeRequest({ adapterID: 'backprop', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true, supportsInvalidatedEvent: true }).then(() => dc.launchRequest({ network: MAZUR, ...args } as DebugProtocol.LaunchRequestArguments))]);
  return { stopped: await stoppedP, bps };
}

async function position(): Promise<{ step: number; phase: string; layer: number | null; neuron: number | null; finished: boolean }> {
  return (await dc.customRequest('backprop/position')).body;
}

async function topFrame(): Promise<DebugProtocol.StackFrame> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
}

/** Run a stepping request and wait for the stop it causes. */
async function stepping(request: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped', 10000) as Promise<DebugProtocol.StoppedEvent>;
  await request();
  return stopped;
}
const next = () => stepping(() => dc.nextRequest({ threadId: 1 }));

/** A scope by its kind: the current layer's, the network's or training's (not the equations scope). */
function scopeOf(scopes: DebugProtocol.Scope[], kind: 'Layer' | 'Network' | 'Training'): DebugProtocol.Scope {
  const s = scopes.find((x) => x.name.startsWith(kind) && !x.name.endsWith('with numbers'));
  assert.ok(s, `${kind} scope in ${scopes.map((x) => x.name).join(', ')}`);
  return s;
}

async function evaluate(expression: string): Promise<string> {
  return (await dc.evaluateRequest({ expression, context: 'watch', frameId: 1 })).body.result;
}
const num = async (expression: string) => Number(await evaluate(expression));

/** Elements of a vector variable in a scope: "Layer l" scope → variable → [i] values. */
async function vectorInScope(kind: 'Layer' | 'Network', name: string): Promise<number[]> {
  const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
  const vars = (await dc.variablesRequest({ variablesReference: scopeOf(scopes, kind).variablesReference })).body.variables;
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `variable ${name} in ${vars.map((x) => x.name).join(', ')}`);
  assert.ok(v.variablesReference > 0, `${name} is expandable: ${v.value}`);
  const items = (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
  return items.map((i) => Number(i.value));
}

function close(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `${what}[${i}] = ${a}, expected ${expected[i]}`));
}

// Mazur's published numbers (A Step by Step Backpropagation Example, 2015).
const MAZUR_Z2 = [0.3775, 0.3925];
const MAZUR_A2 = [0.593269992, 0.596884378];
const MAZUR_A3 = [0.75136507, 0.772928465];
const MAZUR_D3 = [0.138498562, -0.038098236];
const MAZUR_D2 = [0.00877135468, 0.00995425470];

describe('debug adapter over DAP (Mazur 2-2-2)', () => {
  it('launches, stops on entry at layer 2 and reports one thread', async () => {
    const { stopped } = await launch({});
    assert.equal(stopped.body.reason, 'entry');
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.name), ['training']);
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames[0].line, LINE.layer2);
    assert.equal(frames[0].source?.path, MAZUR);
    assert.match(frames.at(-1)!.name, /^epoch 1\/1/);
    assert.deepEqual(await position(), { step: 0, phase: 'start', layer: null, epoch: 1, batch: 1, batchIndex: 0, neuron: null, example: null, totalSteps: 10, finished: false });
  });

  it('Step Over walks layer steps; frames name the equation and point at the layer line; Variables hold Mazur’s z, a, δ', async () => {
    await launch({});
    await next();
    let f = await topFrame();
    assert.equal(f.name, 'z² = W²a¹ + b²,  a² = σ(z²)');
    assert.equal(f.line, LINE.layer2);
    close(await vectorInScope('Layer', 'z²'), MAZUR_Z2, 1e-12, 'z²');
    close(await vectorInScope('Layer', 'a²'), MAZUR_A2, 1e-9, 'a²');
    const names = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((s) => s.name);
    assert.deepEqual(names.slice(1), ['forward pass, layer 2', 'example (data row 0)', 'mini-batch 1/1', 'epoch 1/1  (step 1/10)']);
    await next(); // forward 3
    f = await topFrame();
    assert.equal(f.line, LINE.layer3);
    close(await vectorInScope('Layer', 'a³'), MAZUR_A3, 1e-8, 'a³');
    await next(); // loss
    f = await topFrame();
    assert.equal(f.line, LINE.loss);
    assert.ok(Math.abs((await num('loss')) - 0.298371109) < 1e-9);
    await next(); // δ³ (BP1)
    f = await topFrame();
    assert.equal(f.name, 'δ³ = ∂C/∂a³ ⊙ σ′(z³)   (BP1)');
    close(await vectorInScope('Layer', 'δ³'), MAZUR_D3, 1e-9, 'δ³');
    await next(); // δ² (BP2)
    f = await topFrame();
    assert.equal(f.name, 'δ² = ((W³)ᵀδ³) ⊙ σ′(z²)   (BP2)');
    assert.equal(f.line, LINE.layer2);
    close(await vectorInScope('Layer', 'δ²'), MAZUR_D2, 1e-11, 'δ²');
    // The whole network is in the Network scope, layer by layer.
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    assert.deepEqual(scopes.map((s) => s.name), ['Layer 2, with numbers', 'Layer 2', 'Network', 'Training']);
    // The equation of δ² with Mazur's numbers (BP2): δ²₁ = (w³₁₁δ³₁ + w³₂₁δ³₂)·σ′(z²₁).
    const eq = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    assert.deepEqual(eq.map((v) => v.name), ['δ²₁', 'δ²₂']);
    assert.equal(eq[0].value, '0.00877135469   ← (Σₖ w³ₖ₁ δ³ₖ)·σ′(z²₁) = (0.4·0.138498562 + 0.5·(-0.0380982365))·0.241300709   (BP2, σ′ = a(1 − a) = 0.241300709)');
    const training = (await dc.variablesRequest({ variablesReference: scopeOf(scopes, 'Training').variablesReference })).body.variables;
    assert.equal(training.find((v) => v.name === 'step')?.value, '5 of 10');
    assert.equal(training.find((v) => v.name === 'learningRate')?.value, '0.5');
  });

  it('matrices show shape and summary and expand by rows', async () => {
    await launch({});
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const vars = (await dc.variablesRequest({ variablesReference: scopeOf(scopes, 'Layer').variablesReference })).body.variables;
    const W = vars.find((v) => v.name === 'W²')!;
    assert.equal(W.type, 'matrix 2×2');
    assert.match(W.value, /^2×2 {2}\(min 0\.15, max 0\.3, mean 0\.225, norm 0\.463680925\)$/);
    const rows = (await dc.variablesRequest({ variablesReference: W.variablesReference })).body.variables;
    assert.deepEqual(rows.map((r) => r.name), ['[0]', '[1]']);
    assert.equal(rows[1].evaluateName, 'W2[1]');
    const row1 = (await dc.variablesRequest({ variablesReference: rows[1].variablesReference })).body.variables;
    assert.deepEqual(row1.map((r) => [r.name, r.value, r.evaluateName]), [
      ['[0]', '0.25', 'W2[1][0]'],
      ['[1]', '0.3', 'W2[1][1]'],
    ]);
    // Not yet computed quantities say so instead of showing stale numbers.
    const z = vars.find((v) => v.name === 'z²')!;
    assert.match(z.value, /not computed yet in this mini-batch/);
  });

  it('Step Into steps neuron by neuron; the frame shows the neuron’s equation', async () => {
    await launch({});
    await stepping(() => dc.stepInRequest({ threadId: 1 }));
    assert.equal((await position()).neuron, 0);
    assert.match((await topFrame()).name, /^z²₁ = Σₖ w²₁ₖ a¹ₖ \+ b²₁/);
    // The neuron's equation with Mazur's numbers, in the first scope.
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    assert.equal(scopes[0].name, 'Neuron 1 of layer 2, with numbers');
    const eq = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    assert.deepEqual(
      eq.map((v) => [v.name, v.value]),
      [
        ['z²₁', '0.3775   ← Σₖ w²₁ₖ a¹ₖ + b²₁ = 0.15·0.05 + 0.2·0.1 + 0.35'],
        ['a²₁', '0.593269992   ← sigmoid(0.3775)'],
      ],
    );
    await stepping(() => dc.stepInRequest({ threadId: 1 }));
    assert.deepEqual([(await position()).step, (await position()).neuron], [1, 1]);
    await stepping(() => dc.stepInRequest({ threadId: 1 }));
    assert.deepEqual([(await position()).step, (await position()).neuron], [2, 0]);
    // DAP 'instruction' granularity on Step Over also means one neuron.
    await stepping(() => dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
    assert.deepEqual([(await position()).step, (await position()).neuron], [2, 1]);
  });

  it('Step Out goes to the end of the phase, then of the mini-batch', async () => {
    await launch({});
    await next(); // forward 2
    await stepping(() => dc.stepOutRequest({ threadId: 1 }));
    assert.deepEqual(await position().then((p) => [p.step, p.phase, p.layer]), [2, 'forward', 3]);
    await stepping(() => dc.stepOutRequest({ threadId: 1 }));
    assert.deepEqual(await position().then((p) => [p.step, p.phase, p.layer]), [9, 'update', 3]);
  });

  it('Step Back and Reverse Continue return to identical values', async () => {
    const { bps } = await launch({}, { lines: [{ line: LINE.layer3 }] });
    assert.equal(bps[0].verified, true, bps[0].message);
    assert.equal(bps[0].line, LINE.layer3);
    let stop = await stepping(() => dc.continueRequest({ threadId: 1 })); // forward 3 (step 2)
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await position()).step, 2);
    const a3 = await evaluate('a3');
    stop = await stepping(() => dc.continueRequest({ threadId: 1 })); // δ³ (step 4)
    assert.equal((await position()).step, 4);
    const d3 = await evaluate('delta3');
    const d3bits = await evaluate('delta3[0]');
    stop = await stepping(() => dc.continueRequest({ threadId: 1 })); // gradient 3 (step 6)
    await stepping(() => dc.continueRequest({ threadId: 1 })); // update 3 (step 9)
    assert.equal((await position()).step, 9);
    const w3 = Number(await evaluate('W3[0][0]'));
    assert.ok(Math.abs(w3 - 0.35891648) < 1e-8, `w³₁₁ after the update = ${w3}`);
    // `explain` in the Debug Console: the update with its numbers (Mazur: w⁺₅ = 0.4 − 0.5·0.082167041).
    const explained = (await dc.evaluateRequest({ expression: 'explain', context: 'repl' })).body.result;
    assert.match(explained, /^w³₁₁ ← w − η ∂C\/∂w = 0\.4 − 0\.5·0\.0821670406 = 0\.35891648\d*$/m);
    assert.match(explained, /^b³₁ = 0\.6 {3}\(biases are not trained\)$/m);
    stop = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await position()).step, 6);
    await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal((await position()).step, 4);
    assert.equal(await evaluate('delta3'), d3);
    assert.equal(await evaluate('delta3[0]'), d3bits);
    assert.equal(await evaluate('W3[0][0]'), '0.4');
    await stepping(() => dc.stepBackRequest({ threadId: 1 }));
    await stepping(() => dc.stepBackRequest({ threadId: 1 }));
    assert.equal((await position()).step, 2);
    assert.equal(await evaluate('a3'), a3);
    await next();
    await next();
    assert.equal(await evaluate('delta3[0]'), d3bits);
  });

  it('conditional, hit-count and logpoint breakpoints; a bad condition is reported on the breakpoint', async () => {
    const { stopped, bps } = await launch(
      { stopOnEntry: false },
      { lines: [{ line: LINE.layer2, condition: 'step > 3' }, { line: LINE.layer3, hitCondition: '3' }, { line: LINE.loss, logMessage: 'loss {loss}' }, { line: LINE.input }, { line: 3, condition: 'x' }] },
    );
    assert.deepEqual(bps.map((b) => b.verified), [true, true, true, false, false]);
    assert.match(bps[3].message!, /layer 1 is the input/);
    assert.match(bps[4].message!, /declares no layer/);
    // δ² at step 5 is the first layer-2 step with step > 3; layer 3's 3rd hit (gradient 3) is step 6.
    assert.equal(stopped.body.reason, 'breakpoint');
    assert.equal((await position()).step, 5);
    await stepping(() => dc.continueRequest({ threadId: 1 }));
    assert.equal((await position()).step, 6);
    const bad = (await dc.setBreakpointsRequest({ source: { path: MAZUR }, breakpoints: [{ line: LINE.layer2, condition: 'max(abs(delt)) <' }] })).body.breakpoints;
    assert.equal(bad[0].verified, false);
    assert.ok(bad[0].message && bad[0].message.length > 5, bad[0].message);
  });

  it('a logpoint prints its message with values and does not stop', async () => {
    await start();
    const out: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => out.push(e.body.output));
    const config = (async () => {
      await dc.waitForEvent('initialized');
      await dc.setBreakpointsRequest({ source: { path: MAZUR }, breakpoints: [{ line: LINE.loss, logMessage: 'epoch {epoch}: loss {loss}' }] });
      await dc.configurationDoneRequest();
    })();
    const stopped = dc.waitForEvent('stopped', 10000) as Promise<DebugProtocol.StoppedEvent>;
    await Promise.all([config, dc.launch({ network: MAZUR, stopOnEntry: false })]);
    const s = await stopped;
    assert.equal(s.body.description, 'training finished');
    const line = out.find((o) => o.startsWith('epoch 1: loss'));
    assert.ok(line, out.join(''));
    assert.ok(Math.abs(Number(line.split('loss ')[1]) - 0.298371109) < 1e-6, line);
    assert.ok(out.some((o) => /^epoch 1\/1: loss 0\.2910277/.test(o)), 'epoch summary after the update: ' + out.join(''));
  });

  it('function breakpoints stop at phases; unknown names are unverified with a suggestion', async () => {
    const { stopped, bps } = await launch({ stopOnEntry: false }, { functions: [{ name: 'update3' }, { name: 'backward' }, { name: 'updat' }] });
    assert.deepEqual(bps.map((b) => b.verified), [true, true, false]);
    assert.match(bps[2].message!, /did you mean "update"/);
    assert.equal(stopped.body.reason, 'function breakpoint');
    assert.equal((await position()).step, 4);
    await stepping(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'update3' }] }).then(() => dc.continueRequest({ threadId: 1 })));
    assert.deepEqual(await position().then((p) => [p.step, p.phase, p.layer]), [9, 'update', 3]);
  });

  it('exception breakpoints: exploding gradient with a condition, and NaN before the update', async () => {
    const { stopped } = await launch({ stopOnEntry: false }, { exceptions: [{ filterId: 'nan' }, { filterId: 'exploding', condition: 'gradNorm > 0.05' }] });
    assert.equal(stopped.body.reason, 'exception');
    assert.match(stopped.body.description!, /^exploding gradient: ‖∂C\/∂W³‖ = 0\.1877409\d+$/);
    assert.deepEqual(await position().then((p) => [p.step, p.phase, p.layer]), [6, 'gradient', 3]);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description!, /exploding/);
    await dc.stop();

    const nanNet = writeNet('nan.backprop.json', {
      layers: [{ size: 1 }, { size: 1, activation: 'linear', weights: [[1e300]], biases: [0] }],
      loss: 'mse',
      training: { batchSize: 1, epochs: 3 },
      data: { inputs: [[1e10]], targets: [[0]] },
    });
    const r = await launch({ network: nanNet, stopOnEntry: false });
    assert.equal(r.stopped.body.reason, 'exception');
    // The engine checks the gradient before the update that would spread it to the weights.
    assert.equal(r.stopped.body.description, 'NaN or Infinity in ∂C/∂W² (stopped before the update that would spread it)');
    assert.deepEqual(await position().then((p) => [p.step, p.phase]), [4, 'gradient']);
    assert.equal(await evaluate('z2[0]'), 'Infinity');
    assert.equal(await evaluate('W2[0][0]'), '1e+300');
  });

  it('data breakpoints stop when a weight changes', async () => {
    await launch({});
    const info = await dc.dataBreakpointInfoRequest({ name: 'W3[0][0]' });
    assert.equal(info.body.dataId, 'W3[0][0]');
    const bad = await dc.dataBreakpointInfoRequest({ name: 'W9[0][0]' });
    assert.equal(bad.body.dataId, null);
    // From the Variables view: an element of a row of W³, and of the vector b².
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const net = (await dc.variablesRequest({ variablesReference: scopeOf(scopes, 'Network').variablesReference })).body.variables;
    const layer3 = (await dc.variablesRequest({ variablesReference: net.find((v) => v.name === 'layer 3')!.variablesReference })).body.variables;
    const W3 = layer3.find((v) => v.name === 'W³')!;
    const row1 = (await dc.variablesRequest({ variablesReference: W3.variablesReference })).body.variables[1];
    assert.equal((await dc.dataBreakpointInfoRequest({ variablesReference: row1.variablesReference, name: '[0]' })).body.dataId, 'W3[1][0]');
    const b3 = layer3.find((v) => v.name === 'b³')!;
    assert.equal((await dc.dataBreakpointInfoRequest({ variablesReference: b3.variablesReference, name: '[1]' })).body.dataId, 'b3[1]');
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'W3[0][0]' }] });
    const s = await stepping(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(s.body.reason, 'data breakpoint');
    assert.deepEqual(await position().then((p) => [p.step, p.phase, p.layer]), [9, 'update', 3]);
    assert.match(s.body.description!, /W3\[0\]\[0\] changed to 0\.35891648/);
  });

  it('evaluates expressions with clear errors', async () => {
    await launch({});
    for (let i = 0; i < 4; i++) await next();
    assert.equal(await evaluate('W2[0][1]'), '0.2');
    assert.ok(Math.abs((await num('max(abs(delta3))')) - 0.138498562) < 1e-9);
    assert.ok(Math.abs((await num('sigmoid(z2[0]) - a2[0]'))) < 1e-15);
    assert.equal(await evaluate('epoch == 1 && loss > 0.29'), 'true');
    await assert.rejects(dc.evaluateRequest({ expression: 'delt3', context: 'watch' }), /unknown name "delt3".*did you mean "delta3"/);
    await assert.rejects(dc.evaluateRequest({ expression: 'dW2', context: 'watch' }), /not computed yet in this mini-batch/);
    const repl = await dc.evaluateRequest({ expression: 'W3', context: 'repl' });
    assert.ok(repl.body.variablesReference > 0);
    const completions = await dc.completionsRequest({ text: 'del', column: 4 });
    assert.ok(completions.body.targets.some((t) => t.label === 'delta2'));
  });

  it('setVariable edits a weight and recomputes the current step (edit and continue)', async () => {
    await launch({});
    await next(); // forward 2
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const vars = (await dc.variablesRequest({ variablesReference: scopeOf(scopes, 'Layer').variablesReference })).body.variables;
    const W = vars.find((v) => v.name === 'W²')!;
    const row0 = (await dc.variablesRequest({ variablesReference: W.variablesReference })).body.variables[0];
    const res = await dc.setVariableRequest({ variablesReference: row0.variablesReference, name: '[0]', value: '0.5' });
    assert.equal(res.body.value, '0.5');
    // z²₁ = 0.5·0.05 + 0.20·0.10 + 0.35
    assert.ok(Math.abs((await num('z2[0]')) - 0.395) < 1e-15);
    assert.equal((await position()).step, 1);
    // A hyper-parameter, by name in the Training scope (variables are fetched again after an edit).
    const scopes2 = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const tr = await dc.setVariableRequest({ variablesReference: scopeOf(scopes2, 'Training').variablesReference, name: 'learningRate', value: '0.25' });
    assert.equal(tr.body.value, '0.25');
    assert.equal(await evaluate('lr'), '0.25');
    const scopes3 = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const vars2 = (await dc.variablesRequest({ variablesReference: scopeOf(scopes3, 'Layer').variablesReference })).body.variables;
    const z = vars2.find((v) => v.name === 'z²')!;
    // An input of the current mini-batch, from the Network scope's layer 1.
    const netVars = (await dc.variablesRequest({ variablesReference: scopeOf(scopes3, 'Network').variablesReference })).body.variables;
    const layer1 = (await dc.variablesRequest({ variablesReference: netVars.find((v) => v.name === 'layer 1')!.variablesReference })).body.variables;
    const x = layer1.find((v) => v.name === 'a¹ = x')!;
    assert.equal((await dc.setVariableRequest({ variablesReference: x.variablesReference, name: '[0]', value: '0.1' })).body.value, '0.1');
    // z²₁ = 0.5·0.1 + 0.20·0.10 + 0.35 (the edited weight stays)
    assert.ok(Math.abs((await num('z2[0]')) - 0.42) < 1e-15, await evaluate('z2'));
    await assert.rejects(dc.setVariableRequest({ variablesReference: z.variablesReference, name: '[0]', value: '1' }), /computed|cannot/);
  });

  it('restart goes back to step 0 with the same numbers', async () => {
    await launch({});
    await next();
    const z = await evaluate('z2');
    await next();
    await stepping(() => dc.restartRequest({}));
    assert.equal((await position()).step, 0);
    await next();
    assert.equal(await evaluate('z2'), z);
  });

  it('pause stops a long run; the host stays responsive', async () => {
    const long = writeNet('long.backprop.json', {
      layers: [{ size: 64 }, { size: 32, activation: 'relu' }, { size: 10, activation: 'softmax' }],
      loss: 'cross-entropy',
      optimizer: { type: 'adam', learningRate: 0.001 },
      training: { batchSize: 8, epochs: 2000 },
      data: { builtin: 'digits' },
    });
    await launch({ network: long });
    await dc.continueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);
    assert.ok(Date.now() - t0 < 1000, 'a request is answered while training runs');
    const s = await stepping(() => dc.pauseRequest({ threadId: 1 }));
    assert.equal(s.body.reason, 'pause');
    const p = await position();
    assert.ok(p.step > 0 && !p.finished, `paused at step ${p.step}`);
  });

  it('a malformed network file fails the launch with the located message', async () => {
    const bad = writeNet('bad.backprop.json', readMazurWith('"sigmoid", "weights": [[0.15', '"sigmod", "weights": [[0.15'));
    await start();
    const out: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => out.push(e.body.output));
    await dc.initializeRequest();
    const terminated = dc.waitForEvent('terminated', 5000);
    await assert.rejects(dc.launchRequest({ network: bad } as DebugProtocol.LaunchRequestArguments), /layers\[1\]\.activation: "sigmod" is not an activation; did you mean "sigmoid"\?/);
    await terminated;
    assert.ok(out.some((o) => o.includes('bad.backprop.json:8:')), out.join(''));
    await dc.stop();
    await start();
    await dc.initializeRequest();
    await assert.rejects(dc.launchRequest({ network: join(tmp, 'missing.backprop.json') } as DebugProtocol.LaunchRequestArguments), /Cannot read the network file .*missing\.backprop\.json: no such file/);
    await dc.stop();
    await start();
    await dc.initializeRequest();
    await assert.rejects(dc.launchRequest({ network: MAZUR, historyMB: 0 } as DebugProtocol.LaunchRequestArguments), /"historyMB": 0 must be a number of megabytes from 1 to 65536/);
  });

  it('runs without debugging to the end (noDebug)', async () => {
    await start();
    const out: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => out.push(e.body.output));
    const terminated = dc.waitForEvent('terminated', 20000);
    await Promise.all([dc.configurationSequence(), dc.launch({ network: resolve('examples/xor.backprop.json'), noDebug: true, epochs: 200 })]);
    await terminated;
    assert.ok(out.some((o) => o.startsWith('epoch 200/200: loss')), out.slice(-3).join(''));
  });
});

function readMazurWith(from: string, to: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const text: string = require('node:fs').readFileSync(MAZUR, 'utf8');
  assert.ok(text.includes(from));
  return text.replace(from, to);
}
