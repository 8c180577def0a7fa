// The shipped examples (examples/*.backprop.json): each one validates cleanly, says what to watch for,
// and does what its description claims — trained here headlessly with the engine, and the claim
// checked against the measured numbers (printed as test diagnostics).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadNetwork, Trainer, type DataHost, type NetworkFile, type ResolvedNetwork, type StepEvent } from '../../src/engine';
import { DebugRuntime } from '../../src/debug/runtime';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();
const examplesDir = join(root, 'examples');
const files = readdirSync(examplesDir).filter((f) => f.endsWith('.backprop.json')).sort();

const text = (id: string): string => readFileSync(join(examplesDir, `${id}.backprop.json`), 'utf8');
/** CSV data (if an example ever uses some) relative to the example, as the extension reads it. */
const host = (file: string): DataHost => ({ readText: async (p) => readFileSync(join(dirname(file), p), 'utf8') });

async function resolve(id: string, edit?: (file: NetworkFile) => void): Promise<ResolvedNetwork> {
  let source = text(id);
  if (edit) {
    const file = JSON.parse(source) as NetworkFile;
    edit(file);
    source = JSON.stringify(file);
  }
  const path = join(examplesDir, `${id}.backprop.json`);
  const { network, diagnostics } = await loadNetwork(source, path, host(path));
  assert.ok(network, `${id}: ${diagnostics.map((d) => d.message).join('; ')}`);
  return network;
}

/** Trains to the end without pauses; the per-epoch evaluations. */
async function train(id: string, edit?: (file: NetworkFile) => void): Promise<ReturnType<Trainer['epochResult']>[]> {
  const t = new Trainer(await resolve(id, edit));
  const { stopped } = t.run();
  assert.equal(stopped, null, `${id}: training stopped on ${JSON.stringify(stopped)}`);
  return t.epochResults;
}

/** Each layer's gradient norm in the first mini-batch, and the layers the engine flags as vanishing. */
async function firstBatchGradients(id: string): Promise<{ norms: Map<number, number>; vanishing: number[]; exploding: number[] }> {
  const t = new Trainer(await resolve(id));
  const norms = new Map<number, number>();
  const vanishing: number[] = [];
  const exploding: number[] = [];
  for (let s = 0; s < t.program.length; s++) {
    const e = t.next();
    if (e?.kind !== 'gradient') continue;
    norms.set(e.layer, e.norm);
    if (e.vanishing) vanishing.push(e.layer);
    if (e.exploding) exploding.push(e.layer);
  }
  return { norms, vanishing: vanishing.sort((a, b) => a - b), exploding };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const accuracies = (epochs: { train: { accuracy: number } }[]) => epochs.map((e) => Math.round(e.train.accuracy * 100)).join(' ');
const last = <T>(a: T[]): T => a[a.length - 1];

// ── Every example ──

test('the examples folder holds every example the walkthrough and README name', () => {
  for (const id of ['mazur', 'xor', 'circle', 'spiral', 'iris', 'digits', 'deep-sigmoid', 'deep-relu', 'deep-batchnorm', 'deep-residual', 'high-lr', 'overfit', 'regularized', 'momentum', 'adam']) {
    assert.ok(files.includes(`${id}.backprop.json`), `examples/${id}.backprop.json`);
  }
});

for (const f of files) {
  test(`${f}: validates with no errors or warnings, has a name and a description of what to watch`, async () => {
    const path = join(examplesDir, f);
    const source = readFileSync(path, 'utf8');
    const { network, diagnostics } = await loadNetwork(source, path, host(path));
    assert.deepEqual(diagnostics.map((d) => `${d.severity}: ${d.message}`), []);
    assert.ok(network, 'resolves');
    const raw = JSON.parse(source) as NetworkFile;
    assert.ok(raw.name && raw.name.trim().length > 0, 'name');
    assert.ok(network.description && network.description.length >= 80, 'a description of a few sentences');
    // Data a copy can still find: builtin or inline (a CSV file would have to be copied along with it).
    assert.ok(!('csv' in raw.data), 'no CSV data: the "New Network from Example" command copies the file alone');
  });
}

test('examples/README.md lists every example; the walkthrough pages name existing examples and images', () => {
  const readme = readFileSync(join(examplesDir, 'README.md'), 'utf8');
  for (const f of files) assert.ok(readme.includes(`](${f})`), `examples/README.md links ${f}`);
  const walkthrough = join(root, 'media', 'walkthrough');
  const pages = readdirSync(walkthrough).filter((f) => f.endsWith('.md'));
  assert.ok(pages.length >= 5, 'a page per walkthrough step');
  for (const page of pages) {
    const md = readFileSync(join(walkthrough, page), 'utf8');
    for (const [, alt, src] of md.matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)) {
      assert.ok(alt.length > 20, `${page}: ${src} has alt text`);
      assert.ok(existsSync(join(walkthrough, src)), `${page}: ${src} exists`);
    }
    for (const [, id] of md.matchAll(/`([a-z-]+)`/g)) {
      if (/^(deep|high|over|regul|momentum|adam|circle|spiral|lab|mazur|xor|iris|digits)/.test(id)) assert.ok(files.includes(`${id}.backprop.json`), `${page} names the example ${id}`);
    }
  }
});

// ── The claims ──

test('mazur: the numbers of the worked example, checkable by hand', async () => {
  const t = new Trainer(await resolve('mazur'));
  const events: StepEvent[] = [];
  for (let e = t.next(); e; e = t.next()) events.push(e);
  const f2 = events.find((e) => e.kind === 'forward' && e.layer === 2);
  const loss = events.find((e) => e.kind === 'loss');
  const u3 = events.find((e) => e.kind === 'update' && e.layer === 3);
  assert.ok(f2?.kind === 'forward' && loss?.kind === 'loss' && u3?.kind === 'update', 'forward², loss and update³ events');
  assert.deepEqual(Array.from(f2.z, (v) => +v.toFixed(10)), [0.3775, 0.3925]);
  assert.equal(+loss.loss.toFixed(9), 0.298371109);
  assert.equal(+u3.W[0].toFixed(8), 0.35891648);
  assert.equal(+last(t.epochResults).train.loss.toFixed(9), 0.291027774);
});

test('xor: stuck at 75% for ~120 epochs, 100% around epoch 130 with the hidden layer; never above 75% without it', async (t: TestContext) => {
  const epochs = await train('xor');
  const first100 = epochs.findIndex((e) => e.train.accuracy === 1) + 1;
  const lastLoss = last(epochs).train.loss;
  t.diagnostic(`first epoch at 100%: ${first100}; loss after 2000 epochs ${lastLoss.toExponential(3)}`);
  assert.ok(epochs.slice(0, 110).every((e) => e.train.accuracy <= 0.75), 'at most 75% for the first 110 epochs');
  assert.ok(first100 >= 115 && first100 <= 145, `100% around epoch 130 (${first100})`);
  assert.ok(epochs.slice(first100).every((e) => e.train.accuracy === 1), 'and stays there');
  assert.ok(lastLoss < 2e-3, 'the loss keeps falling to about 0.001');
  // The same data and training with the hidden layer removed: a line cannot separate XOR.
  const linear = await train('xor', (file) => {
    file.layers.splice(1, 1);
  });
  const best = Math.max(...linear.map((e) => e.train.accuracy));
  t.diagnostic(`without the hidden layer: best accuracy ${pct(best)}`);
  assert.ok(best <= 0.75, 'without the hidden layer: 75% at best');
});

test('circle: below 75% for 10 epochs, then the tanh hidden layer closes the boundary around the disc (98%, validation 95%)', async (t: TestContext) => {
  const epochs = await train('circle');
  const end = last(epochs);
  t.diagnostic(`accuracy per epoch: ${accuracies(epochs)}; validation at the end ${pct(end.validation!.accuracy)}`);
  assert.ok(epochs.slice(0, 10).every((e) => e.train.accuracy < 0.75), 'below 75% for the first 10 epochs (a line cannot enclose a disc)');
  assert.equal(Math.round(end.train.accuracy * 100), 98, 'ends at 98%');
  assert.equal(Math.round(end.validation!.accuracy * 100), 95, 'and 95% on the validation set');
});

test('spiral: two ReLU layers of 16 separate three interleaved arms (90% at epoch 24, then 90–96%)', async (t: TestContext) => {
  const epochs = await train('spiral');
  const first90 = epochs.findIndex((e) => e.train.accuracy >= 0.9) + 1;
  t.diagnostic(`accuracy per epoch: ${accuracies(epochs)}; ≥ 90% first at epoch ${first90}`);
  assert.ok(epochs[0].train.accuracy < 0.5, 'starts below 50%');
  assert.equal(first90, 24, 'passes 90% at epoch 24');
  assert.ok(epochs.slice(first90 - 1).every((e) => e.train.accuracy >= 0.9 && Math.round(e.train.accuracy * 100) <= 96), 'and stays between 90% and 96%');
});

test('iris: validation accuracy passes 90% within a few dozen epochs', async (t: TestContext) => {
  const epochs = await train('iris');
  const first90 = epochs.findIndex((e) => e.validation!.accuracy >= 0.9) + 1;
  t.diagnostic(`validation ≥ 90% first at epoch ${first90}; at the end ${pct(last(epochs).validation!.accuracy)}`);
  assert.ok(first90 >= 1 && first90 <= 50, 'validation ≥ 90% within 50 epochs');
  assert.ok(last(epochs).validation!.accuracy >= 0.9, 'and at the end');
});

test('digits: training accuracy passes 99% within a few epochs and reaches 100%; validation a few points lower', async (t: TestContext) => {
  const epochs = await train('digits');
  const first99 = epochs.findIndex((e) => e.train.accuracy >= 0.99) + 1;
  const end = last(epochs);
  const gap = end.train.accuracy - end.validation!.accuracy;
  t.diagnostic(`train ≥ 99% first at epoch ${first99}; at the end train ${pct(end.train.accuracy)}, validation ${pct(end.validation!.accuracy)}`);
  assert.ok(first99 >= 1 && first99 <= 6, 'train ≥ 99% within 6 epochs');
  assert.equal(Math.max(...epochs.map((e) => e.train.accuracy)), 1);
  assert.ok(gap > 0.01 && gap < 0.08, `a gap of a few points (${pct(gap)})`);
});

test('deep-sigmoid vs deep-relu: same depth and data; the sigmoid gradient vanishes in the first layers, the ReLU one does not', async (t: TestContext) => {
  const sig = await firstBatchGradients('deep-sigmoid');
  const relu = await firstBatchGradients('deep-relu');
  const out = Math.max(...sig.norms.keys());
  const ratio = sig.norms.get(2)! / relu.norms.get(2)!;
  const decay = sig.norms.get(2)! / sig.norms.get(out)!;
  t.diagnostic(`first mini-batch ‖∂C/∂W²‖: sigmoid ${sig.norms.get(2)!.toExponential(2)}, ReLU ${relu.norms.get(2)!.toExponential(2)} (ratio ${ratio.toExponential(2)}); sigmoid layer 2 / layer ${out}: ${decay.toExponential(2)}; vanishing: sigmoid [${sig.vanishing}], ReLU [${relu.vanishing}]`);
  assert.ok(sig.norms.get(2)! > 3e-10 && sig.norms.get(2)! < 3e-9, 'sigmoid: about 1e-9 in layer 2');
  assert.ok(relu.norms.get(2)! > 0.04 && relu.norms.get(2)! < 0.09, 'ReLU: about 0.06 in layer 2');
  assert.ok(ratio < 1e-6, 'layer 2 of the sigmoid network gets less than a millionth of the ReLU gradient');
  assert.ok(decay < 1e-8, 'more than eight decades between the output layer and layer 2');
  assert.deepEqual(sig.vanishing, [2, 3, 4], 'the engine flags layers 2, 3 and 4 as vanishing (the panel badge)');
  assert.deepEqual([relu.vanishing, relu.exploding], [[], []], 'no vanishing or exploding gradient with ReLU');

  const sigEpochs = await train('deep-sigmoid');
  const reluEpochs = await train('deep-relu');
  t.diagnostic(`accuracy per epoch: sigmoid ${accuracies(sigEpochs)}; ReLU ${accuracies(reluEpochs)}`);
  assert.ok(sigEpochs.every((e) => e.train.accuracy === 0.5), 'the sigmoid network stays at 50% for all 30 epochs');
  assert.ok(Math.abs(last(sigEpochs).train.loss - Math.log(2)) < 0.01, 'its loss stays at ln 2 (a coin flip)');
  assert.ok(reluEpochs.findIndex((e) => e.train.accuracy >= 0.9) + 1 <= 4, 'the ReLU network passes 90% by epoch 4');
  assert.ok(last(reluEpochs).train.accuracy >= 0.95, 'and ends above 95%');
});

test('deep-batchnorm: batch normalization revives the deep sigmoid network', async (t: TestContext) => {
  const sig = await firstBatchGradients('deep-sigmoid');
  const bn = await firstBatchGradients('deep-batchnorm');
  const ratio = bn.norms.get(2)! / sig.norms.get(2)!;
  const epochs = await train('deep-batchnorm');
  t.diagnostic(`first mini-batch ‖∂C/∂W²‖ ${bn.norms.get(2)!.toExponential(2)} (${ratio.toExponential(2)}× deep-sigmoid's); accuracy per epoch ${accuracies(epochs)}`);
  assert.ok(bn.norms.get(2)! > 1.5 && bn.norms.get(2)! < 3, 'about 2 in layer 2');
  assert.ok(ratio > 1e9 && ratio < 1e10, 'a gradient 10⁹ times larger than deep-sigmoid\'s');
  assert.deepEqual(bn.vanishing, []);
  assert.ok(last(epochs).train.accuracy >= 0.9, 'ends above 90% where deep-sigmoid stays at 50%');
  assert.ok(Math.max(...epochs.slice(0, 5).map((e) => e.train.accuracy)) < 0.8, 'it takes a while: below 80% for the first 5 epochs');
});

test('deep-residual: with skip connections the deep tanh network learns in one epoch; without them it crawls', async (t: TestContext) => {
  const res = await firstBatchGradients('deep-residual');
  const plainGrads = new Trainer(await resolve('deep-residual', (f) => f.layers.forEach((l) => delete (l as { residual?: boolean }).residual)));
  let plain2 = NaN;
  for (let s = 0; s < plainGrads.program.length; s++) {
    const e = plainGrads.next();
    if (e?.kind === 'gradient' && e.layer === 2) plain2 = e.norm;
  }
  const epochs = await train('deep-residual');
  const plain = await train('deep-residual', (f) => f.layers.forEach((l) => delete (l as { residual?: boolean }).residual));
  const plainFirst90 = plain.findIndex((e) => e.train.accuracy >= 0.9) + 1;
  t.diagnostic(`first mini-batch ‖∂C/∂W²‖: residual ${res.norms.get(2)!.toExponential(2)}, without ${plain2.toExponential(2)}; accuracy per epoch: residual ${accuracies(epochs)}; without ${accuracies(plain)} (≥ 90% first at epoch ${plainFirst90})`);
  const gain = res.norms.get(2)! / plain2;
  assert.ok(gain > 35 && gain < 70, `the skips carry δ back: a layer 2 gradient about 50× larger (${gain.toFixed(1)})`);
  assert.ok(epochs[0].train.accuracy >= 0.85, 'residual: ≥ 85% after the first epoch');
  assert.ok(plain[0].train.accuracy <= 0.55, 'without the skips: about 50% after the first epoch');
  assert.ok(plainFirst90 > 10, 'without the skips: more than 10 epochs to reach 90%');
  assert.ok(last(epochs).train.accuracy >= 0.95, 'residual: ≥ 95% at the end');
});

test('high-lr: η = 1 diverges (rising loss, exploding gradient, then Infinity in the first epoch); η = 0.3 trains', async (t: TestContext) => {
  const tr = new Trainer(await resolve('high-lr'));
  const P = tr.program.length;
  let rising = 0;
  let exploding = 0;
  const losses: number[] = [];
  let nan: StepEvent | null = null;
  for (let e = tr.next(); e; e = tr.next()) {
    if (e.kind === 'loss') {
      losses.push(e.loss);
      if (e.rising && !rising) rising = e.step;
    }
    if (e.kind === 'gradient' && e.exploding && !exploding) exploding = e.step;
    if (e.nonFinite) {
      nan = e;
      break;
    }
  }
  const batch = (step: number) => Math.ceil(step / P);
  t.diagnostic(`mini-batch losses ${losses.map((l) => l.toPrecision(3)).join(', ')}; rising at step ${rising} (batch ${batch(rising)}), exploding at step ${exploding} (batch ${batch(exploding)}), non-finite at step ${nan?.step} (batch ${nan && batch(nan.step)}): ${JSON.stringify(nan?.nonFinite)}`);
  assert.ok(nan, 'a NaN or infinity');
  assert.equal(nan.epoch, 1, 'in the first epoch');
  assert.equal(batch(nan.step), 8, 'at mini-batch 8');
  assert.deepEqual(nan.nonFinite, { phase: 'loss', layer: null, quantity: 'loss' });
  assert.equal(batch(rising), 4, 'the rising-loss badge at mini-batch 4');
  assert.equal(batch(exploding), 4, 'the exploding-gradient badge at mini-batch 4');
  assert.deepEqual(losses.slice(0, 4).map((l) => l.toPrecision(3)), ['1.61', '28.5', '207', '1.19e+5'], 'the loss multiplies');
  assert.equal(losses[7], Infinity, 'and overflows at mini-batch 8');

  // The debugger's default exception breakpoint (NaN) stops there on Continue, before the update.
  const { runtime } = await DebugRuntime.load(text('high-lr'), 'high-lr.backprop.json', undefined);
  assert.ok(runtime, 'the debug runtime loads');
  runtime.setExceptionFilters([{ filterId: 'nan' }]);
  const stop = await runtime.continue(() => {});
  const firstUpdate = (batch(nan.step) - 1) * P + tr.program.findIndex((m) => m.phase === 'update') + 1;
  t.diagnostic(`the debugger stops at step ${runtime.trainer.step} (${stop.description}); the mini-batch's first update is step ${firstUpdate}`);
  assert.equal(stop.reason, 'exception');
  assert.equal(batch(runtime.trainer.step), 8, 'in mini-batch 8');
  assert.ok(runtime.trainer.step >= nan.step && runtime.trainer.step < firstUpdate, 'before its update');

  // The remedy the description suggests.
  const fixed = await train('high-lr', (f) => {
    f.optimizer!.learningRate = 0.3;
  });
  const calm = new Trainer(await resolve('high-lr', (f) => {
    f.optimizer!.learningRate = 0.3;
  }));
  let warnings = 0;
  for (let e = calm.next(); e; e = calm.next()) if (e.nonFinite || (e.kind === 'gradient' && e.exploding) || (e.kind === 'loss' && e.rising)) warnings++;
  t.diagnostic(`η = 0.3: accuracy per epoch ${accuracies(fixed)}; health signals: ${warnings}`);
  assert.ok(last(fixed).train.accuracy >= 0.88, 'η = 0.3: about 90% after the same 10 epochs');
  assert.equal(warnings, 0, 'η = 0.3: no rising loss, exploding gradient or NaN');
});

test('overfit vs regularized: validation loss rises while training loss falls; dropout + weight decay keep the gap small', async (t: TestContext) => {
  const base = await train('overfit');
  const reg = await train('regularized');
  const vBase = base.map((e) => e.validation!.loss);
  const best = Math.min(...vBase);
  const bestEpoch = vBase.indexOf(best) + 1;
  const gap = (e: (typeof base)[number]) => e.validation!.loss - e.train.loss;
  const [endBase, endReg] = [last(base), last(reg)];
  t.diagnostic(
    `overfit: best validation loss ${best.toFixed(3)} at epoch ${bestEpoch}, at the end ${endBase.validation!.loss.toFixed(3)} (train ${endBase.train.loss.toExponential(2)}), ` +
      `accuracy train ${pct(endBase.train.accuracy)} validation ${pct(endBase.validation!.accuracy)}; ` +
      `regularized: validation ${endReg.validation!.loss.toFixed(3)} (train ${endReg.train.loss.toFixed(3)}), accuracy train ${pct(endReg.train.accuracy)} validation ${pct(endReg.validation!.accuracy)}; gaps ${gap(endBase).toFixed(3)} vs ${gap(endReg).toFixed(3)}`,
  );
  assert.equal(bestEpoch, 5, 'the baseline validation loss is lowest at epoch 5');
  assert.equal(best.toFixed(2), '0.14');
  assert.equal(endBase.validation!.loss.toFixed(2), '0.47', 'then climbs to 0.47');
  assert.ok(endBase.train.loss > 0.0005 && endBase.train.loss < 0.002, 'while the training loss falls to about 0.001');
  assert.deepEqual([endBase.train.accuracy, endBase.validation!.accuracy], [1, 0.9], 'the baseline memorizes the training set: 100% / 90%');
  assert.deepEqual([endReg.validation!.loss.toFixed(2), gap(endReg).toFixed(2), gap(endBase).toFixed(2)], ['0.13', '0.09', '0.47'], 'regularized: validation loss 0.13, gap 0.09 against 0.47');
  assert.equal(endReg.validation!.accuracy, 0.98, 'regularized: 98% validation accuracy');

  // Dropout: of the hidden neurons with z > 0 (ReLU passes them), the share whose a reads 0, and the scale of the rest.
  const tr = new Trainer(await resolve('regularized'));
  let dropped = 0;
  let active = 0;
  let scale = 0;
  for (let s = 0; s < 10 * tr.program.length; s++) {
    const e = tr.next();
    if (e?.kind !== 'forward' || e.layer === 4) continue;
    e.z.forEach((z, i) => {
      if (z <= 0) return;
      active++;
      if (e.a[i] === 0) dropped++;
      else scale = Math.max(scale, e.a[i] / z);
    });
  }
  t.diagnostic(`regularized: ${pct(dropped / active)} of the active hidden neurons dropped in the first 10 mini-batches; the others scaled by ${scale.toFixed(4)}`);
  assert.ok(dropped / active > 0.25 && dropped / active < 0.35, 'about 30% of the neurons with z > 0 read a = 0');
  assert.ok(Math.abs(scale - 1 / 0.7) < 1e-9, 'the others are scaled by 1/0.7');
  assert.ok(endReg.validation!.loss < endBase.validation!.loss / 2, 'the regularized validation loss is under half the baseline\'s');
  assert.ok(endReg.validation!.accuracy > endBase.validation!.accuracy, 'and it classifies the held-out half better');
});

test('momentum vs adam: same network, data, seed and η = 0.02; Adam reaches a far lower loss in 30 epochs', async (t: TestContext) => {
  const m = await train('momentum');
  const a = await train('adam');
  const [em, ea] = [last(m), last(a)];
  t.diagnostic(`after 30 epochs: momentum loss ${em.train.loss.toFixed(3)} (${pct(em.train.accuracy)}), Adam ${ea.train.loss.toFixed(3)} (${pct(ea.train.accuracy)})`);
  const mf = JSON.parse(text('momentum')) as NetworkFile;
  const af = JSON.parse(text('adam')) as NetworkFile;
  assert.deepEqual([mf.layers, mf.data, mf.seed, mf.training, mf.optimizer?.learningRate], [af.layers, af.data, af.seed, af.training, af.optimizer?.learningRate], 'only the optimizer differs');
  assert.deepEqual([em.train.loss.toFixed(2), Math.round(em.train.accuracy * 100)], ['0.88', 58], 'momentum: loss 0.88, 58%');
  assert.deepEqual([ea.train.loss.toFixed(2), Math.round(ea.train.accuracy * 100)], ['0.21', 93], 'Adam: loss 0.21, 93%');
});

test('contributes.walkthroughs: every step has a page, localized text, command links to real commands and examples', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: { id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }[] }[] };
  };
  const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
  const ours = new Set(pkg.contributes.commands.map((c) => c.command));
  const builtin = new Set(['workbench.action.debug.stepOver', 'workbench.action.debug.stepInto', 'workbench.action.debug.stepBack', 'workbench.action.debug.reverseContinue', 'workbench.action.debug.continue']);
  const known = (id: string) => ours.has(id) || builtin.has(id);
  const text = (s: string) => {
    const m = /^%(.+)%$/.exec(s);
    assert.ok(m, `"${s.slice(0, 30)}…" is a package.nls.json key`);
    assert.ok(nls[m[1]], `package.nls.json has ${m[1]}`);
    return nls[m[1]];
  };
  const [walk] = pkg.contributes.walkthroughs;
  assert.ok(walk.steps.length >= 4);
  assert.equal(walk.steps[0].id, 'openExample', 'the first step opens an example');
  let stepThroughLinks = 0;
  for (const step of walk.steps) {
    text(step.title);
    const description = text(step.description);
    const page = step.media.markdown ?? step.media.image;
    assert.ok(page && existsSync(join(root, page)), `${step.id}: ${page} exists`);
    for (const [, cmd, arg] of description.matchAll(/\(command:([\w.]+)(?:\?([^)]+))?\)/g)) {
      assert.ok(known(cmd), `${step.id}: command ${cmd} is contributed or built in`);
      if (arg) {
        const parsed = JSON.parse(decodeURIComponent(arg)) as { example?: string; stepThrough?: boolean };
        assert.ok(parsed.example && files.includes(`${parsed.example}.backprop.json`), `${step.id}: example ${parsed.example} ships`);
        if (parsed.stepThrough) stepThroughLinks++;
      }
    }
    for (const ev of step.completionEvents ?? []) {
      const m = /^onCommand:(.+)$/.exec(ev);
      assert.ok(m && known(m[1]), `${step.id}: completion event ${ev}`);
    }
  }
  assert.ok(stepThroughLinks >= 1, 'one link copies an example and pauses before its first step');
  assert.match(text(walk.steps[0].description), /command:backprop\.newFromExample\?[^)]*mazur[^)]*stepThrough/);
});
