// The headless CLI, run as users run it: the built bundle dist/cli.js in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();
const CLI = join(root, 'dist', 'cli.js');
const MAZUR = join(root, 'examples', 'mazur.backprop.json');
const XOR = join(root, 'examples', 'xor.backprop.json');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI)) assert.fail(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'backprop-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function tempFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

function assertClose(actual: unknown, expected: number[], tol: number, what: string): void {
  const values = (Array.isArray(actual) ? actual : [actual]).flat(2) as number[];
  assert.equal(values.length, expected.length, `${what}: ${JSON.stringify(actual)}`);
  values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `${what}[${i}] = ${v}, expected ${expected[i]} ± ${tol}`));
}

function noStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `stack trace on stderr:\n${stderr}`);
}

type Rec = Record<string, unknown> & { kind: string };

function trace(...args: string[]): { code: number | null; records: Rec[]; stderr: string } {
  const r = cli('trace', ...args);
  return { code: r.code, records: lines(r.stdout).map((l) => JSON.parse(l) as Rec), stderr: r.stderr };
}

const BAD = `{
  "layers": [
    { "size": 2 },
    { "size": 1, "activation": "sigmoidd" }
  ],
  "loss": "mse",
  "data": { "builtin": "xor" }
}
`;

// Relu hidden layer, linear output, MSE and a learning rate of 10⁶: the weights explode within a few epochs.
const DIVERGING = JSON.stringify({
  name: 'diverging',
  layers: [{ size: 2 }, { size: 4, activation: 'relu' }, { size: 1, activation: 'linear' }],
  loss: 'mse',
  optimizer: { type: 'sgd', learningRate: 1e6 },
  training: { batchSize: 1, epochs: 100 },
  data: { builtin: 'xor' },
});

test('validate: a good file exits 0 with a summary line', () => {
  const r = cli('validate', MAZUR);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mazur\.backprop\.json: valid/);
  assert.match(r.stdout, /Mazur 2-2-2/);
  for (const f of ['xor', 'iris', 'digits']) assert.equal(cli('validate', join(root, 'examples', `${f}.backprop.json`)).code, 0, f);
});

test('validate: an error exits 1 with file:line:col: error: path: message', () => {
  const path = tempFile('bad.backprop.json', BAD);
  const r = cli('validate', path);
  assert.equal(r.code, 1);
  const first = lines(r.stdout)[0];
  assert.ok(first.startsWith(`${path}:4:`), first);
  assert.match(first, /: error: layers\[1\]\.activation: .*sigmoidd.*did you mean "sigmoid"/);
  assert.match(r.stdout, /1 error/);
});

test('validate: a missing file exits 2 with one line on stderr', () => {
  const r = cli('validate', 'no/such/x.json');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.deepEqual(lines(r.stderr), ['backprop-stepper: cannot read "no/such/x.json": no such file']);
});

test('train on Mazur prints the epoch line with the error after one step, 0.291027774', () => {
  const r = cli('train', MAZUR);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
  const out = lines(r.stdout);
  assert.equal(out.length, 2, r.stdout);
  assert.match(out[0], /^Mazur 2-2-2: 2 → 2 sigmoid → 2 sigmoid, mse, sgd lr 0\.5/);
  assert.match(out[1], /^epoch 1\/1 {2}loss 0\.291027774 {2}accuracy 100\.00% {2}\d+\.\d{3}s$/);
});

test('train --epochs overrides the file; --seed changes the initialization reproducibly', () => {
  const r = cli('train', XOR, '--epochs', '3');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).filter((l) => l.startsWith('epoch')).length, 3);
  const h1 = trace(XOR, '--epochs', '1', '--seed', '7').records[0];
  const h2 = trace(XOR, '--epochs=1', '--seed=7').records[0];
  const h3 = trace(XOR, '--epochs', '1').records[0];
  assert.deepEqual(h1.parameters, h2.parameters);
  assert.notDeepEqual(h1.parameters, h3.parameters);
  assert.equal((h1.network as { seed: number }).seed, 7);
  assert.equal((h3.network as { seed: number }).seed, 1);
});

test('trace on Mazur: header, record order and the worked example\'s numbers', () => {
  const { code, records, stderr } = trace(MAZUR);
  assert.equal(code, 0, stderr);
  const [header, ...rest] = records;
  assert.equal(header.kind, 'header');
  assert.equal(header.version, 1);
  const net = header.network as Record<string, unknown>;
  assert.equal(net.name, 'Mazur 2-2-2');
  assert.equal(net.seed, 1);
  assert.equal(net.loss, 'mse');
  assert.deepEqual(
    (net.layers as { size: number; activation?: string }[]).map((l) => [l.size, l.activation ?? null]),
    [[2, null], [2, 'sigmoid'], [2, 'sigmoid']],
  );
  assert.equal((net.optimizer as { learningRate: number }).learningRate, 0.5);
  assert.equal((net.training as { trainBiases: boolean }).trainBiases, false);
  assert.deepEqual(header.parameters, [
    { layer: 2, weights: [[0.15, 0.2], [0.25, 0.3]], biases: [0.35, 0.35] },
    { layer: 3, weights: [[0.4, 0.45], [0.5, 0.55]], biases: [0.6, 0.6] },
  ]);

  const seq = rest.map((r) => (r.kind === 'delta' ? `delta ${r.layer} ${r.rule}` : r.layer !== undefined ? `${r.kind} ${r.layer}` : r.kind));
  assert.deepEqual(seq, ['batch', 'forward 2', 'forward 3', 'loss', 'delta 3 BP1', 'delta 2 BP2', 'gradient 3', 'gradient 2', 'update 2', 'update 3', 'epoch']);
  for (const r of rest.slice(0, -1)) {
    assert.equal(r.epoch, 1);
    assert.equal(r.batch, 1);
  }
  const by = (s: string) => rest[seq.indexOf(s)];
  assert.deepEqual(by('batch').examples, [0]);
  assertClose(by('forward 2').z, [0.3775, 0.3925], 1e-12, 'z²');
  assertClose(by('forward 3').a, [0.75136507, 0.772928465], 1e-9, 'a³');
  assertClose(by('loss').loss, [0.298371109], 1e-9, 'C');
  assertClose(by('delta 3 BP1').delta, [0.138498562, -0.038098237], 1e-9, 'δ³');
  assertClose(by('delta 2 BP2').delta, [0.008771355, 0.009954255], 1e-9, 'δ²');
  assertClose(by('gradient 3').weights, [0.082167041, 0.082667628, -0.02260254, -0.022740242], 1e-9, '∂C/∂W³');
  const w3 = by('update 3').weights as number[][];
  assertClose(w3[0], [0.35891648, 0.408666186], 1e-9, 'W³ row 1 after the update');
  assert.deepEqual(by('update 3').biases, [0.6, 0.6], 'biases fixed');
  assert.deepEqual(by('update 3').state, { weights: { step: 1 }, biases: { step: 0 } });
  const epoch = by('epoch') as unknown as { train: { loss: number; accuracy: number }; validation: unknown };
  assertClose(epoch.train.loss, [0.291027774], 1e-9, 'C after the step');
  assert.equal(epoch.validation, null);
});

test('trace with clipping, batch normalization, dropout and Adam: gradients (after clipping) precede the clip record', () => {
  const path = tempFile(
    'fancy.backprop.json',
    JSON.stringify({
      layers: [{ size: 2 }, { size: 3, activation: 'tanh', batchNorm: true, dropout: 0.5 }, { size: 1, activation: 'sigmoid' }],
      loss: 'binary-cross-entropy',
      optimizer: { type: 'adam', learningRate: 0.01 },
      training: { batchSize: 4, epochs: 1, clipNorm: 0.01 },
      data: { builtin: 'xor' },
    }),
  );
  const { code, records, stderr } = trace(path);
  assert.equal(code, 0, stderr);
  const kinds = records.map((r) => `${r.kind}${r.layer ?? ''}`);
  assert.deepEqual(kinds, ['header', 'batch', 'forward2', 'forward3', 'loss', 'delta3', 'delta2', 'gradient3', 'gradient2', 'clip', 'update2', 'update3', 'epoch']);
  const fwd = records[2] as unknown as { dropoutMask: number[][]; batchNorm: { mean: number[]; variance: number[]; xhat: number[][] } };
  assert.equal(fwd.dropoutMask.length, 4);
  for (const v of fwd.dropoutMask.flat()) assert.ok(v === 0 || v === 2, `mask value ${v}`);
  assert.equal(fwd.batchNorm.mean.length, 3);
  assert.equal(fwd.batchNorm.xhat.length, 4);
  const clip = records[9] as unknown as { normBefore: number; scale: number };
  assert.ok(clip.scale < 1);
  // The gradient records are the clipped ones: their global norm is the clip norm.
  let sq = 0;
  for (const g of [records[7], records[8]]) for (const key of ['weights', 'biases', 'gamma', 'beta']) for (const v of [g[key] ?? []].flat(2) as number[]) sq += v * v;
  assertClose(Math.sqrt(sq), [0.01], 1e-6, 'clipped gradient norm');
  const update = records[10] as unknown as { gamma: number[]; state: { weights: Record<string, unknown> } };
  assert.equal(update.gamma.length, 3);
  for (const key of ['step', 'm', 'v', 'biasCorrection1', 'biasCorrection2', 'mHat', 'vHat']) assert.ok(key in update.state.weights, key);
});

test('trace | head -1: the reader going away ends the program quietly', async () => {
  if (!existsSync(CLI)) assert.fail(`${CLI} is missing: run npm run build first`);
  const child = spawn(process.execPath, [CLI, 'trace', XOR, '--epochs', '5000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let first = '';
  child.stdout.on('data', (d: Buffer) => {
    if (first === '') {
      first = d.toString().split('\n')[0];
      child.stdout.destroy();
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  assert.equal((JSON.parse(first) as Rec).kind, 'header');

  // And through a real shell pipe.
  const sh = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${CLI}" trace "${XOR}" | head -1`], { encoding: 'utf8' });
  assert.equal(sh.stderr, '');
  assert.equal(lines(sh.stdout).length, 1);
});

test('gradcheck passes on Mazur and XOR', () => {
  for (const file of [MAZUR, XOR]) {
    const r = cli('gradcheck', file);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^layer 2: max relative error \S+ at w²_\d\d/m);
    assert.match(r.stdout, /^largest: [wb][²³]_\d+ \(layers\[\d\]\./m);
    assert.match(r.stdout, /^PASS/m);
  }
  assert.equal(cli('gradcheck', MAZUR, '--epsilon', '1e-5').code, 0);
});

test('usage errors exit 2 with one line on stderr', () => {
  for (const args of [['frobnicate', MAZUR], ['train'], ['train', MAZUR, '--bogus'], ['validate', MAZUR, '--epochs', '2'], ['train', MAZUR, '--epochs', '0'], ['gradcheck', MAZUR, '--epsilon', '-1'], ['train', MAZUR, MAZUR]]) {
    const r = cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(lines(r.stderr).length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^backprop-stepper: /);
    noStackTrace(r.stderr);
  }
  assert.match(cli('frobnicate').stderr, /unknown command "frobnicate"/);
  const help = cli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:/);
  assert.match(cli('--version').stdout, /^backprop-stepper \d+\.\d+\.\d+/);
});

test('train stops on NaN/Infinity with exit 3 and says where and what to try', () => {
  const path = tempFile('diverging.backprop.json', DIVERGING);
  const r = cli('train', path);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  noStackTrace(r.stderr);
  const err = lines(r.stderr);
  assert.equal(err.length, 1, r.stderr);
  assert.match(err[0], /stopped at epoch \d+, batch \d+ .*layer \d.*NaN or infinite/);
  assert.match(err[0], /lower learning rate/);
  assert.match(err[0], /clip/);
  assert.ok(lines(r.stdout).some((l) => l.startsWith('epoch')), 'the epochs before the stop are printed');

  // trace writes the non-finite numbers as strings and ends with a "stopped" record.
  const t = trace(path);
  assert.equal(t.code, 3);
  const last = t.records[t.records.length - 1];
  assert.equal(last.kind, 'stopped');
  assert.ok(t.records.some((rec) => JSON.stringify(rec).match(/"(NaN|-?Infinity)"/)), 'a non-finite number as a string');
});

test('a file with errors makes train exit 1 with the diagnostics on stderr', () => {
  const path = tempFile('bad2.backprop.json', BAD);
  const r = cli('train', path);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /:4:\d+: error: layers\[1\]\.activation/);
});

test('docs/trace-format.md: the worked example is the real Mazur trace', () => {
  const doc = readFileSync(join(root, 'docs', 'trace-format.md'), 'utf8');
  const block = (lang: string) => {
    const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc);
    assert.ok(m, `a \`\`\`${lang} block`);
    return m[1];
  };
  const actual = lines(cli('trace', MAZUR).stdout);
  assert.deepEqual(JSON.parse(block('json')), JSON.parse(actual[0]), 'the header');
  assert.deepEqual(lines(block('jsonl')), actual.slice(1), 'the records, verbatim');
  for (const kind of ['header', 'batch', 'forward', 'loss', 'delta', 'gradient', 'clip', 'update', 'epoch', 'stopped']) {
    assert.match(doc, new RegExp('^### `' + kind + '`', 'm'), `documents ${kind}`);
  }
});
