// The exporters: the trace as CSV against the JSON Lines trace, the trained network file (exact
// round trip: bit-identical z and a), and `backprop-stepper export` as users run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CSV_COLUMNS,
  ExportError,
  estimateTraceChars,
  Model,
  TraceCsv,
  Trainer,
  Workspace,
  forwardAll,
  loadNetwork,
  relativePosixPath,
  traceRecordJson,
  traceRecords,
  trainedFileName,
  trainedLabel,
  trainedNetworkText,
  trainedPosition,
  type ResolvedNetwork,
} from '../../src/engine';

const root = join(__dirname, '..', '..');
const CLI = join(root, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'backprop-exports-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const example = (name: string) => readFileSync(join(root, 'examples', `${name}.backprop.json`), 'utf8');

async function load(text: string, name = 'test.backprop.json') {
  const r = await loadNetwork(text, name);
  assert.ok(r.network && r.file, `${name}: ${JSON.stringify(r.diagnostics)}`);
  return { net: r.network, file: r.file };
}

/** A network with every per-quantity file: dropout, batch norm, residual, clipping, Adam, validation. */
const FEATURES = JSON.stringify({
  name: 'features', seed: 3,
  layers: [{ size: 2 }, { size: 4, activation: 'relu', batchNorm: true, dropout: 0.25 }, { size: 4, activation: 'tanh', residual: true }, { size: 3, activation: 'softmax' }],
  loss: 'cross-entropy', optimizer: { type: 'adam', learningRate: 0.01 },
  training: { batchSize: 5, epochs: 2, shuffle: true, clipNorm: 0.5, validationSplit: 0.25 },
  data: { builtin: 'blobs', samples: 23 },
});

type Rec = Record<string, unknown> & { kind: string; epoch: number; batch: number };

function jsonl(net: ResolvedNetwork): Rec[] {
  const t = new Trainer(net);
  const out: Rec[] = [];
  // Records are views of the trainer's buffers: serialize each before the next.
  for (const r of traceRecords(t, { generator: 'g' })) out.push(JSON.parse(traceRecordJson(r, net.optimizer, 'g')) as Rec);
  return out;
}

function csvFiles(net: ResolvedNetwork): Map<string, string[][]> {
  const csv = new TraceCsv(net.optimizer);
  for (const r of traceRecords(new Trainer(net), { generator: 'g' })) csv.add(r);
  return new Map(csv.files().map((f) => [f.name, f.text.trimEnd().split('\n').map((l) => l.split(','))]));
}

test('CSV export: every number of the JSON Lines trace, one file per quantity, in the documented columns', async () => {
  const { net } = await load(FEATURES);
  const records = jsonl(net);
  const files = csvFiles(net);
  assert.deepEqual([...files.keys()], ['x.csv', 't.csv', 'z.csv', 'a.csv', 'dropout_mask.csv', 'bn_mean.csv', 'bn_variance.csv', 'bn_xhat.csv', 'bn_y.csv', 'cost.csv', 'loss.csv', 'delta.csv', 'dW.csv', 'db.csv', 'dgamma.csv', 'dbeta.csv', 'clip.csv', 'W.csv', 'b.csv', 'gamma.csv', 'beta.csv', 'optimizer.csv', 'epoch.csv']);
  for (const [name, rows] of files) {
    if (!['clip.csv', 'epoch.csv', 'optimizer.csv'].includes(name)) assert.equal(rows[0].join(','), CSV_COLUMNS, name);
  }
  // Index the CSV rows by (epoch, batch, example, layer, j, k).
  const index = (name: string) => {
    const m = new Map<string, number>();
    for (const r of files.get(name)!.slice(1)) m.set(r.slice(1, 7).join('|'), Number(r[7]));
    return m;
  };
  let checked = 0;
  const expectPerExample = (file: string, rec: Rec, layer: string, values: number[][]) => {
    const m = index(file);
    const examples = rec.examples as number[] ?? (records.find((r) => r.kind === 'batch' && r.epoch === rec.epoch && r.batch === rec.batch)!.examples as number[]);
    values.forEach((row, x) => row.forEach((v, j) => {
      assert.equal(m.get([rec.epoch, rec.batch, examples[x], layer, j + 1, ''].join('|')), v, `${file} epoch ${rec.epoch} batch ${rec.batch} example ${examples[x]} j ${j + 1}`);
      checked++;
    }));
  };
  const expectMatrix = (file: string, rec: Rec, layer: number, values: number[][]) => {
    const m = index(file);
    values.forEach((row, j) => row.forEach((v, k) => {
      assert.equal(m.get([rec.epoch, rec.batch, '', layer, j + 1, k + 1].join('|')), v, `${file} ${rec.epoch}/${rec.batch} layer ${layer} w_${j + 1}${k + 1}`);
      checked++;
    }));
  };
  const expectVector = (file: string, rec: Rec, layer: number, values: number[]) => {
    const m = index(file);
    values.forEach((v, j) => {
      assert.equal(m.get([rec.epoch, rec.batch, '', layer, j + 1, ''].join('|')), v, `${file} ${rec.epoch}/${rec.batch} layer ${layer} j ${j + 1}`);
      checked++;
    });
  };
  for (const r of records) {
    const layer = r.layer as number;
    switch (r.kind) {
      case 'batch':
        expectPerExample('x.csv', r, '1', r.inputs as number[][]);
        expectPerExample('t.csv', r, '', r.targets as number[][]);
        break;
      case 'forward': {
        expectPerExample('z.csv', r, String(layer), r.z as number[][]);
        expectPerExample('a.csv', r, String(layer), r.a as number[][]);
        if (r.dropoutMask) expectPerExample('dropout_mask.csv', r, String(layer), r.dropoutMask as number[][]);
        const bn = r.batchNorm as { mean: number[]; variance: number[]; xhat: number[][]; y: number[][] } | undefined;
        if (bn) {
          expectVector('bn_mean.csv', r, layer, bn.mean);
          expectVector('bn_variance.csv', r, layer, bn.variance);
          expectPerExample('bn_xhat.csv', r, String(layer), bn.xhat);
          expectPerExample('bn_y.csv', r, String(layer), bn.y);
        }
        break;
      }
      case 'loss': {
        expectPerExample('cost.csv', r, '', (r.costs as number[]).map((c) => [c]));
        const row = files.get('loss.csv')!.find((c) => c[1] === String(r.epoch) && c[2] === String(r.batch))!;
        assert.equal(Number(row[7]), r.loss);
        break;
      }
      case 'delta':
        expectPerExample('delta.csv', r, String(layer), r.delta as number[][]);
        break;
      case 'gradient':
        expectMatrix('dW.csv', r, layer, r.weights as number[][]);
        expectVector('db.csv', r, layer, r.biases as number[]);
        if (r.gamma) expectVector('dgamma.csv', r, layer, r.gamma as number[]);
        if (r.beta) expectVector('dbeta.csv', r, layer, r.beta as number[]);
        break;
      case 'clip': {
        const row = files.get('clip.csv')!.find((c) => c[1] === String(r.epoch) && c[2] === String(r.batch))!;
        assert.deepEqual(row.slice(3).map(Number), [r.normBefore, r.scale]);
        break;
      }
      case 'update': {
        expectMatrix('W.csv', r, layer, r.weights as number[][]);
        expectVector('b.csv', r, layer, r.biases as number[]);
        if (r.gamma) expectVector('gamma.csv', r, layer, r.gamma as number[]);
        const state = (r.state as { weights: { m: number[][]; vHat: number[][]; step: number } }).weights;
        const opt = files.get('optimizer.csv')!.filter((c) => c[1] === String(r.epoch) && c[2] === String(r.batch) && c[3] === String(layer) && c[4] === 'W');
        assert.equal(Number(opt.find((c) => c[5] === 'step')![8]), state.step);
        assert.equal(Number(opt.find((c) => c[5] === 'm' && c[6] === '1' && c[7] === '2')![8]), state.m[0][1]);
        assert.equal(Number(opt.find((c) => c[5] === 'vHat' && c[6] === '2' && c[7] === '1')![8]), state.vHat[1][0]);
        break;
      }
      case 'epoch': {
        const row = files.get('epoch.csv')!.find((c) => c[1] === String(r.epoch))!;
        const train = r.train as { loss: number; accuracy: number; count: number };
        const val = r.validation as { loss: number; accuracy: number; count: number };
        assert.deepEqual(row.slice(2).map(Number), [train.loss, train.accuracy, train.count, val.loss, val.accuracy, val.count]);
        break;
      }
    }
  }
  // The initial parameters are the step-0 rows of W.csv and b.csv.
  const header = records[0] as unknown as { parameters: { layer: number; weights: number[][] }[] };
  const w0 = files.get('W.csv')!.filter((c) => c[0] === '0' && c[4] === '2' && c[5] === '1' && c[6] === '1');
  assert.equal(Number(w0[0][7]), header.parameters[0].weights[0][0]);
  assert.ok(checked > 2000, `${checked} values checked`);
  // Nothing else: the row counts of the per-example and parameter files are exactly those values.
  const zCount = records.filter((r) => r.kind === 'forward').reduce((n, r) => n + (r.z as number[][]).flat().length, 0);
  assert.equal(files.get('z.csv')!.length - 1, zCount);
});

test('CSV export: Mazur, z² = (0.3775, 0.3925) and w³₁₁ = 0.35891648 after the update, with the step numbers of the debugger', async () => {
  const { net } = await load(example('mazur'));
  const files = csvFiles(net);
  assert.deepEqual(files.get('z.csv')!.slice(1, 3), [['1', '1', '1', '0', '2', '1', '', '0.3775'], ['1', '1', '1', '0', '2', '2', '', '0.39249999999999996']]);
  assert.deepEqual(files.get('W.csv')!.find((r) => r[0] === '9' && r[4] === '3' && r[5] === '1' && r[6] === '1'), ['9', '1', '1', '', '3', '1', '1', '0.35891647971788465']);
  assert.deepEqual(files.get('loss.csv')![1], ['3', '1', '1', '', '', '', '', '0.2983711087600027']);
  assert.deepEqual(files.get('delta.csv')![1].slice(0, 6), ['4', '1', '1', '0', '3', '1']);
  assert.deepEqual(files.get('dW.csv')![1].slice(0, 7), ['6', '1', '1', '', '3', '1', '1'], 'the gradient of layer 3 is step 6, before layer 2 at step 7');
  assert.deepEqual(files.get('epoch.csv')![1], ['10', '1', '0.29102777369359933', '1', '1', '', '', '']);
});

/** z and a of every layer for the whole training set, in training or evaluation mode, from a fresh model of `net`. */
function forwardOutputs(net: ResolvedNetwork, training: boolean, model?: Model): Float64Array[] {
  const m = model ?? new Model(net);
  const ws = new Workspace(m, net.train.count);
  ws.loadBatch(net.train.inputs, net.train.targets, Uint32Array.from({ length: net.train.count }, (_, i) => i), net.train.count);
  forwardAll(m, ws, { training, seed: net.seed, batchNumber: 7, trackRunningStats: false });
  return ws.layers.flatMap((b) => [b.Z.slice(0, net.train.count * b.Z.length / ws.capacity), b.A.slice(0, net.train.count * b.A.length / ws.capacity)]);
}

function assertBitIdentical(a: Float64Array[], b: Float64Array[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((arr, i) => arr.forEach((v, e) => assert.ok(Object.is(v, b[i][e]), `${what}: buffer ${i} element ${e}: ${v} vs ${b[i][e]}`)));
}

test('trained network file: validates, and its z and a on the training data are bit-identical to the trained model', async () => {
  const cases: [string, string, number][] = [
    ['mazur', example('mazur'), 9], // after the update of both layers: w³₁₁ = 0.35891648
    ['iris', example('iris'), 3020], // 41 epochs of 73 steps, then 3 mini-batches of 9
    ['xor', example('xor'), 1234],
    ['dropout-residual', JSON.stringify({ seed: 9, layers: [{ size: 2 }, { size: 3, activation: 'leaky-relu', leak: 0.1, dropout: 0.3 }, { size: 3, activation: 'linear', residual: true }, { size: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', optimizer: { type: 'rmsprop', momentum: 0.5 }, training: { batchSize: 3, epochs: 40, shuffle: true }, data: { builtin: 'xor' } }), Infinity],
  ];
  for (const [name, text, steps] of cases) {
    const { net, file } = await load(text, `${name}.backprop.json`);
    const t = new Trainer(net);
    t.run(steps);
    const saved = trainedNetworkText({ file, net, model: t.model, position: trainedPosition(t), sourceName: `${name}.backprop.json` });
    const again = await load(saved, `${name}.trained.backprop.json`);
    const diagnostics = (await loadNetwork(saved, 'saved.backprop.json')).diagnostics;
    assert.deepEqual(diagnostics, [], `${name}: the saved file has no errors or warnings`);
    for (let i = 0; i < net.layers.length; i++) {
      assert.ok(again.net.layers[i].weights.every((w, e) => Object.is(w, t.model.layers[i].W[e])), `${name}: W of layer ${i + 2} read back exactly`);
      assert.ok(again.net.layers[i].biases.every((w, e) => Object.is(w, t.model.layers[i].b[e])), `${name}: b of layer ${i + 2}`);
    }
    for (const training of [false, true]) assertBitIdentical(forwardOutputs(again.net, training), forwardOutputs(net, training, t.model), `${name} (training ${training})`);
    assert.equal(again.net.seed, net.seed);
    assert.deepEqual(again.file.optimizer, file.optimizer);
    assert.deepEqual(again.file.training, file.training);
    assert.deepEqual(again.file.data, file.data);
    if (name === 'mazur') {
      assert.equal(again.net.name, 'Mazur 2-2-2 (trained, epoch 1)');
      assert.equal(again.net.layers[1].weights[0], 0.35891647971788465);
      assert.match(saved, /"weights": \[\n\s+\[0\.35891647971788465, 0\.4086661860762334\],/);
    }
    if (name === 'iris') assert.equal(again.net.name, 'Iris 4-8-3 (trained, epoch 42, batch 3 of 8)');
  }
});

test('trained network file: names, batch normalization, CSV data paths and refusals', async () => {
  assert.equal(trainedLabel({ step: 0, updates: 0, epoch: 1, batch: 1, batchesPerEpoch: 4, epochsCompleted: 0, finished: false }), '(initial weights)');
  assert.equal(trainedLabel({ step: 99, updates: 12, epoch: 4, batch: 1, batchesPerEpoch: 4, epochsCompleted: 3, finished: false }), '(trained, epoch 3)');
  assert.equal(trainedLabel({ step: 99, updates: 14, epoch: 4, batch: 2, batchesPerEpoch: 4, epochsCompleted: 3, finished: false }), '(trained, epoch 4, batch 2 of 4)');
  assert.equal(trainedFileName('/a/b/mazur.backprop.json'), 'mazur.trained.backprop.json');
  assert.equal(relativePosixPath('/w/out', '/w/data/x.csv'), '../data/x.csv');
  assert.equal(relativePosixPath('/w/data', '/w/data/x.csv'), 'x.csv');

  // Batch normalization: γ, β and the running statistics have no field in the file format.
  const bn = await load(FEATURES);
  const t = new Trainer(bn.net);
  assert.match(trainedNetworkText({ file: bn.file, net: bn.net, model: t.model, position: trainedPosition(t), sourceName: 'f' }), /"batchNorm": true/, 'before the first update it is exact');
  t.run(20);
  assert.throws(
    () => trainedNetworkText({ file: bn.file, net: bn.net, model: t.model, position: trainedPosition(t), sourceName: 'f' }),
    (e: unknown) => e instanceof ExportError && /layers\[1\] uses batch normalization: its trained γ, β and running statistics have no field/.test(e.message),
  );

  // Diverged weights are refused, naming the layer.
  const { net, file } = await load(example('mazur'));
  const m = new Trainer(net);
  m.model.layers[1].W[2] = NaN;
  assert.throws(() => trainedNetworkText({ file, net, model: m.model, position: trainedPosition(m), sourceName: 'm' }), /layers\[2\] is NaN: a trained network with NaN or infinite parameters cannot be saved/);

  // A CSV path is rewritten for the new folder; −0 stays −0.
  const csvNet = '{ "layers": [{ "size": 2 }, { "size": 1, "activation": "linear", "weights": [[-0, 1]] }], "loss": "mse", "data": { "csv": "data/d.csv", "target": "y" } }';
  const parsed = await loadNetwork(csvNet, join(dir, 'c.backprop.json'), { readText: async () => 'a,b,y\n1,2,3\n4,5,6\n' });
  assert.ok(parsed.network && parsed.file);
  const c = new Trainer(parsed.network);
  const saved = trainedNetworkText({ file: parsed.file, net: parsed.network, model: c.model, position: trainedPosition(c), sourceName: 'c', csvPath: '../data/d.csv' });
  assert.match(saved, /"csv": "\.\.\/data\/d\.csv"/);
  assert.match(saved, /\[-0, 1\]/);
  assert.ok(Object.is(JSON.parse(saved).layers[1].weights[0][0], -0));
});

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI)) assert.fail(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('backprop-stepper export: jsonl (= trace), csv folder, trained network, numpy script; clear usage errors', () => {
  const work = join(dir, 'cli');
  mkdirSync(work, { recursive: true });
  const mazur = join(work, 'mazur.backprop.json');
  writeFileSync(mazur, example('mazur'));

  const trace = spawnSync(process.execPath, [CLI, 'trace', mazur], { encoding: 'utf8' }).stdout;
  const j = cli('export', mazur, '--format', 'jsonl');
  assert.equal(j.code, 0, j.stderr);
  assert.equal(j.stdout, trace, 'export --format jsonl writes what trace writes');
  const jf = cli('export', mazur, '--format=jsonl', '--out', join(work, 'm.jsonl'));
  assert.equal(jf.code, 0, jf.stderr);
  assert.equal(readFileSync(join(work, 'm.jsonl'), 'utf8'), trace);
  assert.match(jf.stdout, /m\.jsonl: 12 records/);

  const c = cli('export', mazur, '--format', 'csv');
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(readdirSync(join(work, 'mazur-trace')).sort(), ['W.csv', 'a.csv', 'b.csv', 'cost.csv', 'dW.csv', 'db.csv', 'delta.csv', 'epoch.csv', 'loss.csv', 'optimizer.csv', 't.csv', 'x.csv', 'z.csv']);
  assert.match(readFileSync(join(work, 'mazur-trace', 'z.csv'), 'utf8'), /^step,epoch,batch,example,layer,j,k,value\n1,1,1,0,2,1,,0\.3775\n/);

  const n = cli('export', mazur, '--format', 'network');
  assert.equal(n.code, 0, n.stderr);
  assert.match(n.stdout, /mazur\.trained\.backprop\.json: Mazur 2-2-2 \(trained, epoch 1\), training loss 0\.291027774/);
  const saved = JSON.parse(readFileSync(join(work, 'mazur.trained.backprop.json'), 'utf8')) as { layers: { weights?: number[][] }[] };
  assert.equal(saved.layers[2].weights![0][0], 0.35891647971788465);
  assert.equal(cli('validate', join(work, 'mazur.trained.backprop.json')).code, 0);
  const retrace = spawnSync(process.execPath, [CLI, 'trace', join(work, 'mazur.trained.backprop.json')], { encoding: 'utf8' }).stdout.split('\n');
  assert.match(retrace[4], /"loss":0\.29102777369359933/, 'the saved network starts where training ended: its first loss is the error after the step');

  const p = cli('export', mazur, '--format', 'numpy', '--out', join(work, 'py', 'm.py'), '--epochs', '2');
  assert.equal(p.code, 0, p.stderr);
  assert.match(readFileSync(join(work, 'py', 'm.py'), 'utf8'), /^EPOCHS = 2$/m);

  const usage: [string[], RegExp][] = [
    [['export', mazur], /export: say what to write with --format jsonl, csv, network or numpy/],
    [['export', mazur, '--format', 'xml'], /--format must be jsonl, csv, network or numpy, got "xml"/],
    [['export', mazur, '--format', 'csv', '--epsilon', '1'], /export does not take --epsilon/],
    [['trace', mazur, '--format', 'csv'], /trace does not take --format \(only export does/],
    [['export', '--format', 'csv'], /export: expected one network file/],
    [['export', mazur, '--format'], /option --format needs a value/],
  ];
  for (const [args, message] of usage) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const missing = cli('export', join(work, 'nope.backprop.json'), '--format', 'numpy');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read ".*nope\.backprop\.json": no such file/);
  const bn = join(work, 'bn.backprop.json');
  writeFileSync(bn, FEATURES);
  const refused = cli('export', bn, '--format', 'network');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot export .*bn\.backprop\.json as network: layers\[1\] uses batch normalization/);
});

test('estimateTraceChars projects the trace size from the first mini-batch (within 25% of the written trace)', async () => {
  for (const [name, text] of [['xor', example('xor')], ['iris', example('iris')], ['features', FEATURES]] as const) {
    const { net } = await load(text, `${name}.backprop.json`);
    const t = new Trainer(net);
    let jsonChars = 0;
    const csv = new TraceCsv(net.optimizer);
    for (const r of traceRecords(t, { generator: 'estimate' })) {
      jsonChars += traceRecordJson(r, net.optimizer, 'estimate').length + 1;
      csv.add(r);
    }
    for (const [format, actual] of [['jsonl', jsonChars], ['csv', csv.size]] as const) {
      const estimate = estimateTraceChars(net, net.training.epochs, format);
      const ratio = estimate / actual;
      console.log(`${name} ${format}: estimated ${estimate} characters, written ${actual} (×${ratio.toFixed(3)})`);
      assert.ok(ratio > 0.75 && ratio < 1.25, `${name} ${format}: estimate ${estimate} vs ${actual}`);
    }
    // Up to a step: about that share of the run.
    const half = Math.floor(t.totalSteps / 2);
    const part = estimateTraceChars(net, net.training.epochs, 'jsonl', half);
    assert.ok(part < estimateTraceChars(net, net.training.epochs, 'jsonl') * 0.65, `${name}: half the steps, about half the size`);
  }
  // A large network's full trace is estimated in a moment, and is far beyond what an editor should hold.
  const big = JSON.stringify({ name: 'big', seed: 1, layers: [{ size: 64 }, { size: 256, activation: 'relu' }, { size: 10, activation: 'softmax' }], loss: 'cross-entropy', optimizer: { type: 'adam', learningRate: 0.001 }, training: { batchSize: 32, epochs: 50 }, data: { builtin: 'digits' } });
  const { net } = await load(big, 'big.backprop.json');
  const t0 = Date.now();
  const chars = estimateTraceChars(net, 50, 'jsonl');
  assert.ok(chars > 2 ** 30, `${chars} characters`);
  assert.ok(Date.now() - t0 < 5000, 'estimated from one mini-batch');
});
