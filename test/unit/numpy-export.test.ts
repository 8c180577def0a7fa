// The NumPy export: the generated script, run by a real python3 with NumPy, prints the trace of
// training (--trace); every number is compared with the engine's own trace of the same network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportError, INLINE_DATA_LIMIT, Trainer, loadNetwork, numpyScript, traceRecordJson, traceRecords, type ResolvedNetwork } from '../../src/engine';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'backprop-numpy-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Relative tolerance, against the largest magnitude of each compared array (see docs/exports.md). */
const TOLERANCE = 1e-12;
/** Absolute tolerance for values that are zero up to rounding noise. */
const ABSOLUTE = 1e-15;

/** A python3 with NumPy: the first on PATH (or $PYTHON) that imports numpy. */
function findPython(): string {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3', 'python'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import numpy, sys; print(numpy.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  assert.fail(
    'The NumPy export tests need python3 with NumPy and none was found (tried ' +
      candidates.join(', ') +
      '). Install it (Debian/Ubuntu: sudo apt-get install python3-numpy; or pip install numpy) or set $PYTHON to such an interpreter.',
  );
}
const PYTHON = findPython();

async function resolve(text: string, name: string): Promise<ResolvedNetwork> {
  const r = await loadNetwork(text, name);
  assert.ok(r.network, `${name} does not load: ${JSON.stringify(r.diagnostics)}`);
  return r.network;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every number of an array (nested), or the number itself. */
function flat(v: Json): number[] {
  if (Array.isArray(v)) return v.flatMap(flat);
  if (typeof v === 'number') return [v];
  if (v === 'NaN') return [NaN];
  if (v === 'Infinity') return [Infinity];
  if (v === '-Infinity') return [-Infinity];
  throw new Error(`not a number: ${JSON.stringify(v)}`);
}

interface Stats {
  numbers: number;
  worst: number;
  where: string;
}

/** Compare `ours` (engine) with `theirs` (numpy) field by field; arrays normwise relative. */
function compare(ours: Json, theirs: Json, path: string, stats: Stats): void {
  if (ours !== null && typeof ours === 'object' && !Array.isArray(ours)) {
    assert.ok(theirs !== null && typeof theirs === 'object' && !Array.isArray(theirs), `${path}: numpy wrote ${JSON.stringify(theirs)}`);
    for (const [k, v] of Object.entries(ours)) {
      if (path.endsWith(':header') && (k === 'network' || k === 'generator' || k === 'version')) continue;
      assert.ok(k in theirs, `${path}.${k} is missing from the numpy trace`);
      compare(v, theirs[k], `${path}.${k}`, stats);
    }
    return;
  }
  if (Array.isArray(ours) && ours.some((e) => e !== null && typeof e === 'object' && !Array.isArray(e))) {
    assert.ok(Array.isArray(theirs) && theirs.length === ours.length, `${path}: numpy wrote ${JSON.stringify(theirs)}`);
    ours.forEach((e, i) => compare(e, theirs[i], `${path}[${i}]`, stats));
    return;
  }
  if (typeof ours === 'string' || typeof ours === 'boolean' || ours === null) {
    if (!(typeof ours === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(ours))) {
      assert.deepEqual(theirs, ours, path);
      return;
    }
  }
  const a = flat(ours);
  const b = flat(theirs);
  assert.equal(b.length, a.length, `${path}: ${b.length} numbers from numpy, ${a.length} from the engine`);
  if (/examples$|\.count$|\.step$|batchIndex$|\.layer$/.test(path)) {
    assert.deepEqual(b, a, path);
    return;
  }
  const scale = Math.max(...a.map(Math.abs));
  for (let i = 0; i < a.length; i++) {
    stats.numbers++;
    if (Object.is(a[i], b[i]) || (a[i] === b[i])) continue;
    const err = Math.abs(a[i] - b[i]) / scale;
    // A result that is zero up to rounding (the bias gradient of a batch-normalized layer, Σδ = 0) is all noise: absolute 1e-15.
    if (!(err <= TOLERANCE) && Math.abs(a[i] - b[i]) <= ABSOLUTE) continue;
    if (!(err <= TOLERANCE)) assert.fail(`${path}[${i}]: engine ${a[i]}, numpy ${b[i]} (relative error ${err.toExponential(2)} > ${TOLERANCE})`);
    if (err > stats.worst) {
      stats.worst = err;
      stats.where = `${path}[${i}]`;
    }
  }
}

/** Generate, run and compare; returns what was compared. */
function runAndCompare(net: ResolvedNetwork, name: string, epochs?: number, dataCsv?: boolean): Stats & { records: number } {
  const scriptName = `${name}.py`;
  const exp = numpyScript(net, { scriptName, sourceName: `${name}.backprop.json`, generator: 'backprop-stepper test', ...(epochs ? { epochs } : {}), ...(dataCsv !== undefined ? { dataCsv } : {}) });
  const path = join(dir, scriptName);
  writeFileSync(path, exp.script);
  if (exp.data) writeFileSync(join(dir, exp.data.name), exp.data.text);
  const r = spawnSync(PYTHON, [path, '--trace'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  assert.equal(r.status, 0, `${scriptName} failed:\n${r.stderr}`);
  const theirs = r.stdout.split('\n').filter((l) => l).map((l) => JSON.parse(l) as Json & { kind: string });
  const t = new Trainer(net, epochs ? { epochs } : {});
  const ours: (Json & { kind: string })[] = [];
  for (const rec of traceRecords(t, { generator: 'test' })) ours.push(JSON.parse(traceRecordJson(rec, net.optimizer, 'test')) as Json & { kind: string });
  assert.equal(theirs.length, ours.length, `${name}: numpy wrote ${theirs.length} records, the engine ${ours.length}`);
  const stats: Stats = { numbers: 0, worst: 0, where: '' };
  ours.forEach((o, i) => {
    assert.equal(theirs[i].kind, o.kind, `${name}: record ${i}`);
    compare(o, theirs[i], `${name}#${i}:${o.kind}`, stats);
  });
  return { ...stats, records: ours.length };
}

function report(name: string, s: Stats & { records: number }): void {
  console.log(`  ${name}: ${s.records} records, ${s.numbers} numbers, worst relative difference ${s.worst.toExponential(2)}${s.where ? ` (${s.where})` : ''}`);
}

const example = (name: string) => readFileSync(join(root, 'examples', `${name}.backprop.json`), 'utf8');

test('numpy export: Mazur reproduces every number of the trace (and w³₁₁ = 0.35891648 after the step)', async () => {
  const net = await resolve(example('mazur'), 'mazur.backprop.json');
  const s = runAndCompare(net, 'mazur');
  report('mazur', s);
  assert.equal(s.records, 12);
  const out = spawnSync(PYTHON, [join(dir, 'mazur.py')], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /forward {2}layer 2: z = \[\[0\.3775 +0\.3925 *\]\]/);
  assert.match(out.stdout, /update {3}layer 3: W = \[\[0\.3589164797/);
  assert.match(out.stdout, /epoch +1: 0\.2910277737/);
});

test('numpy export: the shipped examples (xor, iris, digits through a data CSV)', async () => {
  for (const [name, epochs] of [['xor', 30], ['iris', 3], ['digits', 1]] as const) {
    // digits: 300 of its 1,797 images (still over INLINE_DATA_LIMIT numbers, so the data goes to a CSV).
    const text = name === 'digits' ? example(name).replace('"builtin": "digits"', '"builtin": "digits", "samples": 300') : example(name);
    const net = await resolve(text, `${name}.backprop.json`);
    if (name === 'digits') assert.equal(net.train.count + net.validation.count, 300);
    const s = runAndCompare(net, name, epochs);
    report(name, s);
    assert.ok(s.numbers > 100);
  }
});

const NETWORKS: Record<string, object> = {
  'momentum-tanh-mse': {
    layers: [{ size: 2 }, { size: 3, activation: 'tanh' }, { size: 1, activation: 'linear' }],
    loss: 'mse', optimizer: { type: 'momentum', learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 },
    training: { batchSize: 3, epochs: 4 }, data: { builtin: 'circle', samples: 10 },
  },
  'nesterov-leaky-bce': {
    seed: 5, layers: [{ size: 2 }, { size: 4, activation: 'leaky-relu', leak: 0.2 }, { size: 1, activation: 'sigmoid' }],
    loss: 'binary-cross-entropy', optimizer: { type: 'nesterov', learningRate: 0.2 },
    training: { batchSize: 2, epochs: 3, shuffle: true }, data: { builtin: 'xor' },
  },
  'sgd-relu-softmax-clip-value': {
    seed: 2, layers: [{ size: 2 }, { size: 5, activation: 'relu', init: 'he-normal' }, { size: 3, activation: 'softmax' }],
    loss: 'cross-entropy', optimizer: { type: 'sgd', learningRate: 0.5, weightDecay: 0.001 },
    training: { batchSize: 4, epochs: 3, clipValue: 0.05, validationSplit: 0.25 }, data: { builtin: 'blobs', samples: 18 },
  },
  'rmsprop-dropout-residual-bce': {
    seed: 7, layers: [{ size: 2 }, { size: 3, activation: 'leaky-relu', leak: 0.1, dropout: 0.3 }, { size: 3, activation: 'linear', residual: true }, { size: 1, activation: 'sigmoid' }],
    loss: 'binary-cross-entropy', optimizer: { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, weightDecay: 0.01 },
    training: { batchSize: 3, epochs: 3, shuffle: true }, data: { builtin: 'xor' },
  },
  'rmsprop-plain-sigmoid': {
    layers: [{ size: 2 }, { size: 3, activation: 'sigmoid', init: 'xavier-normal' }, { size: 1, activation: 'sigmoid' }],
    loss: 'mse', optimizer: { type: 'rmsprop' }, training: { batchSize: 4, epochs: 5, trainBiases: false }, data: { builtin: 'and' },
  },
  // The biases of a batch-normalized layer have a zero gradient up to rounding (Σδ = 0): with Adam,
  // which divides by √v, that noise would decide their updates, so this network uses momentum.
  'momentum-batchnorm-dropout-clip': {
    seed: 3, layers: [{ size: 2 }, { size: 4, activation: 'relu', batchNorm: true, dropout: 0.25 }, { size: 4, activation: 'tanh', residual: true, batchNorm: { momentum: 0.2 } }, { size: 3, activation: 'softmax' }],
    loss: 'cross-entropy', optimizer: { type: 'momentum', learningRate: 0.05, weightDecay: 0.05 },
    training: { batchSize: 5, epochs: 3, shuffle: true, clipNorm: 0.5, clipValue: 0.3, validationSplit: 0.25 }, data: { builtin: 'blobs', samples: 23 },
  },
  'adam-l2-dropout-mse': {
    seed: 4, layers: [{ size: 4 }, { size: 6, activation: 'sigmoid', dropout: 0.5 }, { size: 3, activation: 'softmax' }],
    loss: 'cross-entropy', optimizer: { type: 'adam', learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01 },
    training: { batchSize: 7, epochs: 2, shuffle: true, validationSplit: 0.1 }, data: { builtin: 'iris', samples: 40, standardize: true },
  },
  'adamw-moons-uniform': {
    seed: 11, layers: [{ size: 2 }, { size: 6, activation: 'tanh', init: 'uniform' }, { size: 6, activation: 'relu', residual: true }, { size: 1, activation: 'sigmoid' }],
    loss: 'binary-cross-entropy', optimizer: { type: 'adamw', learningRate: 0.01 },
    training: { batchSize: 8, epochs: 3, shuffle: true, clipNorm: 1 }, data: { builtin: 'moons', samples: 30, standardize: true },
  },
};

for (const [name, spec] of Object.entries(NETWORKS)) {
  test(`numpy export: ${name} matches the engine to ${TOLERANCE} relative`, async () => {
    const net = await resolve(JSON.stringify(spec), `${name}.backprop.json`);
    const s = runAndCompare(net, name);
    report(name, s);
    assert.ok(s.numbers > 50);
  });
}

test('numpy export: the same numbers with the data inline and in a CSV file next to the script', async () => {
  const net = await resolve(JSON.stringify(NETWORKS['sgd-relu-softmax-clip-value']), 'csv.backprop.json');
  const inline = numpyScript(net, { scriptName: 'a.py', sourceName: 'x', generator: 'g', dataCsv: false });
  assert.equal(inline.data, undefined);
  assert.match(inline.script, /X_TRAIN = np\.array\(\[/);
  const csv = numpyScript(net, { scriptName: 'b.py', sourceName: 'x', generator: 'g', dataCsv: true });
  assert.equal(csv.data?.name, 'b.data.csv');
  assert.match(csv.data!.text, /^split,x1,x2,t1,t2,t3\ntrain,/);
  assert.equal(csv.data!.text.split('\n').filter((l) => l.startsWith('validation,')).length, net.validation.count);
  report('csv data', runAndCompare(net, 'csv-data', undefined, true));
  // Large data goes to a CSV by default.
  const digits = await resolve(example('digits'), 'digits.backprop.json');
  assert.ok((digits.train.count + digits.validation.count) * 74 > INLINE_DATA_LIMIT);
  assert.ok(numpyScript(digits, { scriptName: 'd.py', sourceName: 'x', generator: 'g' }).data);
});

test('numpy export: the script embeds the initial weights exactly and names BP1–BP4', async () => {
  const net = await resolve(example('iris'), 'iris.backprop.json');
  const { script } = numpyScript(net, { scriptName: 'iris.py', sourceName: 'iris.backprop.json', generator: 'g' });
  for (const l of net.layers) for (const w of l.weights) assert.ok(script.includes(String(w)), `weight ${w} is not written exactly`);
  for (const rule of ['BP1', 'BP2', 'BP3', 'BP4']) assert.ok(script.includes(rule), rule);
  assert.match(script, /torch\.optim\.Adam/);
  assert.doesNotMatch(script, /momentumBuffer/, 'only the optimizer in use is written');
  assert.doesNotMatch(script, /import (torch|scipy|pandas)/);
});

test('numpy export: what cannot be written faithfully is refused with the reason', async () => {
  const net = await resolve(example('mazur'), 'mazur.backprop.json');
  const broken = { ...net, layers: net.layers.map((l, i) => (i === 0 ? { ...l, weights: Float64Array.from([NaN, 0, 0, 0]) } : l)) };
  assert.throws(() => numpyScript(broken, { scriptName: 'x.py', sourceName: 'x', generator: 'g' }), (e: unknown) => e instanceof ExportError && /initial weights of layers\[1\] holds NaN/.test(e.message));
  const odd = { ...net, layers: net.layers.map((l) => ({ ...l, activation: 'swish' as never })) };
  assert.throws(() => numpyScript(odd, { scriptName: 'x.py', sourceName: 'x', generator: 'g' }), /layers\[1\]\.activation "swish" is not supported by the NumPy export/);
});
