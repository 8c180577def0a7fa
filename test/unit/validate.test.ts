// The network-file validator (src/engine/validate.ts) and resolver (src/engine/resolve.ts):
// malformed files with their exact path, message, severity and line; valid files with their
// resolved defaults; a seeded fuzz proving loadNetwork never throws; the shipped JSON schema.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../src/engine/diagnostics';
import { defaultInit, initWeights } from '../../src/engine/init';
import { Rng } from '../../src/engine/rng';
import { networkJsonSchema, type NetworkFile, type OptimizerKind } from '../../src/engine/spec';
import { parseNetworkText, suggestName } from '../../src/engine/validate';
import { loadNetwork, resolveNetwork } from '../../src/engine/resolve';
import type { DataHost } from '../../src/engine/data';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();

// ---------------------------------------------------------------------------------------------
// A template with a fixed layout, so that every part has a known line. With the default three layers:
//   1 {            5 layers[1]      9 optimizer (or "description")
//   2 "name"       6 layers[2]     10 training (or "$schema")
//   3 "layers": [  7 ],            11 data
//   4 layers[0]    8 loss          12 extra (when given)
// With n layers, layers[i] is on line 4 + i and everything after moves by n − 3.
// ---------------------------------------------------------------------------------------------

const XOR = '{"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]]}';

interface Parts {
  layers?: string[];
  loss?: string;
  optimizer?: string;
  training?: string;
  data?: string;
  extra?: string;
}

function net(p: Parts = {}): string {
  const layers = p.layers ?? ['{"size": 2}', '{"size": 2, "activation": "sigmoid"}', '{"size": 1}'];
  return [
    '{',
    '  "name": "t",',
    '  "layers": [',
    ...layers.map((l, i) => `    ${l}${i < layers.length - 1 ? ',' : ''}`),
    '  ],',
    `  "loss": ${p.loss ?? '"mse"'},`,
    `  ${p.optimizer !== undefined ? `"optimizer": ${p.optimizer}` : '"description": "-"'},`,
    `  ${p.training !== undefined ? `"training": ${p.training}` : '"$schema": "../schemas/backprop.schema.json"'},`,
    `  "data": ${p.data ?? XOR}${p.extra !== undefined ? ',' : ''}`,
    ...(p.extra !== undefined ? [`  ${p.extra}`] : []),
    '}',
  ].join('\n');
}

/** Lines of the template with 3 layers. */
const L = { layer0: 4, layer1: 5, layer2: 6, loss: 8, optimizer: 9, training: 10, data: 11, extra: 12 } as const;

interface Case {
  name: string;
  text: string;
  path: string;
  message: string | RegExp;
  severity?: 'error' | 'warning';
  line: number;
}

const softmaxOut = ['{"size": 2}', '{"size": 3, "activation": "relu"}', '{"size": 2, "activation": "softmax"}'];
const ONE_HOT = '{"inputs": [[0, 0], [1, 1]], "targets": [[1, 0], [0, 1]]}';

const cases: Case[] = [
  // Syntax.
  { name: 'a line comment', text: net().replace('"name": "t",', '"name": "t", // my net'), path: '', message: 'comments are not allowed', line: 2 },
  { name: 'a block comment', text: net({ loss: '/* squared */ "mse"' }), path: '', message: 'comments are not allowed', line: L.loss },
  { name: 'trailing comma in an array', text: net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 1},'] }), path: '', message: 'trailing comma', line: L.layer2 },
  { name: 'trailing comma in an object', text: net({ optimizer: '{"type": "sgd",}' }), path: '', message: 'trailing comma: JSON does not allow a comma after the last property', line: L.optimizer },
  { name: 'missing comma between properties', text: '{\n  "layers": [{"size": 2}, {"size": 1}]\n  "loss": "mse"\n}', path: '', message: 'expected a comma after this value (before "loss")', line: 2 },
  { name: 'single-quoted string', text: net({ loss: "'mse'" }), path: '', message: 'double quotes', line: L.loss },
  { name: 'unquoted property name', text: '{\n  layers: []\n}', path: '', message: 'property names need double quotes', line: 2 },
  { name: 'NaN literal', text: net({ training: '{"clipNorm": NaN}' }), path: '', message: 'NaN is not allowed in JSON', line: L.training },
  { name: 'capitalised True', text: net({ training: '{"shuffle": True}' }), path: '', message: 'JSON literals are lowercase: write true', line: L.training },
  { name: 'leading zero', text: net({ training: '{"epochs": 010}' }), path: '', message: 'leading zeros', line: L.training },
  { name: 'unterminated string', text: net({ loss: '"mse' }), path: '', message: 'unterminated string', line: L.loss },
  { name: 'unclosed object', text: net().replace(/\n\}$/, ''), path: '', message: "expected '}' to close the object opened at line 1", line: L.data },
  { name: 'empty file', text: '', path: '', message: 'the file is empty', line: 1 },
  { name: 'not an object', text: '[\n  {"size": 2}\n]', path: '', message: 'a network file is a JSON object', line: 1 },
  // Required fields, unknown fields, types.
  { name: 'missing loss', text: '{\n  "layers": [{"size": 2}, {"size": 1}],\n  "data": {"builtin": "xor"}\n}', path: 'loss', message: 'the network file needs "loss"', line: 1 },
  { name: 'missing layers', text: '{\n  "loss": "mse",\n  "data": {"builtin": "xor"}\n}', path: 'layers', message: 'needs "layers"', line: 1 },
  { name: 'missing data', text: '{\n  "layers": [{"size": 2}, {"size": 1}],\n  "loss": "mse"\n}', path: 'data', message: 'needs "data"', line: 1 },
  { name: 'layer without size', text: net({ layers: ['{"size": 2}', '{"activation": "relu"}', '{"size": 1}'] }), path: 'layers[1].size', message: 'a layer needs "size"', line: L.layer1 },
  { name: 'misspelt layer field', text: net({ layers: ['{"size": 2}', '{"size": 2, "activaton": "relu"}', '{"size": 1}'] }), path: 'layers[1].activaton', message: '"activaton" is not a field of a layer; did you mean "activation"?', line: L.layer1 },
  { name: 'misspelt activation', text: net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 1, "activation": "sigmod"}'] }), path: 'layers[2].activation', message: '"sigmod" is not an activation; did you mean "sigmoid"? (one of linear, sigmoid, tanh, relu, leaky-relu, softmax)', line: L.layer2 },
  { name: 'misspelt loss', text: net({ loss: '"crossentropy"' }), path: 'loss', message: 'did you mean "cross-entropy"?', line: L.loss },
  { name: 'misspelt optimizer type', text: net({ optimizer: '{"type": "adma"}' }), path: 'optimizer.type', message: '"adma" is not an optimizer; did you mean "adam"?', line: L.optimizer },
  { name: 'init alias', text: net({ layers: ['{"size": 2}', '{"size": 2, "init": "glorot"}', '{"size": 1}'] }), path: 'layers[1].init', message: 'did you mean "xavier-uniform"?', line: L.layer1 },
  { name: 'lr for learningRate', text: net({ optimizer: '{"type": "sgd", "lr": 0.1}' }), path: 'optimizer.lr', message: 'did you mean "learningRate"?', line: L.optimizer },
  { name: 'training field at the top level', text: net({ extra: '"epochs": 10' }), path: 'epochs', message: 'it belongs in "training"', line: L.extra },
  { name: 'unknown field without a suggestion', text: net({ extra: '"colour": "red"' }), path: 'colour', message: '"colour" is not a field of the network file (fields: $schema, name', line: L.extra },
  { name: 'duplicate key', text: net({ layers: ['{"size": 2}', '{"size": 2, "size": 3}', '{"size": 1}'] }), path: 'layers[1].size', message: 'appears more than once', line: L.layer1 },
  { name: 'layers is not an array', text: net().replace(/"layers": \[[\s\S]*?\n {2}\],/, '"layers": {"size": 2},'), path: 'layers', message: 'expected an array of layers', line: 3 },
  { name: 'size in quotes', text: net({ layers: ['{"size": 2}', '{"size": "2"}', '{"size": 1}'] }), path: 'layers[1].size', message: 'write it without quotes: 2', line: L.layer1 },
  { name: 'fractional size', text: net({ layers: ['{"size": 2}', '{"size": 2.5}', '{"size": 1}'] }), path: 'layers[1].size', message: 'not a whole number', line: L.layer1 },
  { name: 'zero size', text: net({ layers: ['{"size": 2}', '{"size": 0}', '{"size": 1}'] }), path: 'layers[1].size', message: '0 is out of range: expected a whole number ≥ 1 (the number of neurons)', line: L.layer1 },
  { name: 'negative input size', text: net({ layers: ['{"size": -1}', '{"size": 2}', '{"size": 1}'] }), path: 'layers[0].size', message: 'expected a whole number ≥ 1 (the number of inputs)', line: L.layer0 },
  { name: 'boolean as a string', text: net({ training: '{"shuffle": "true"}' }), path: 'training.shuffle', message: 'write it without quotes: true', line: L.training },
  { name: 'seed not an integer', text: net({ extra: '"seed": 1.5' }), path: 'seed', message: 'not a whole number', line: L.extra },
  // Layers.
  { name: 'activation on the input layer', text: net({ layers: ['{"size": 2, "activation": "relu"}', '{"size": 2}', '{"size": 1}'] }), path: 'layers[0].activation', message: 'not allowed on the input layer', line: L.layer0 },
  { name: 'weights on the input layer', text: net({ layers: ['{"size": 2, "weights": [[1, 2]]}', '{"size": 2}', '{"size": 1}'] }), path: 'layers[0].weights', message: 'only gives the number of inputs', line: L.layer0 },
  { name: 'only one layer', text: net({ layers: ['{"size": 2}'] }), path: 'layers', message: 'a network needs at least 2 layers', line: 3 },
  { name: 'too many weight rows', text: net({ layers: ['{"size": 2}', '{"size": 2, "weights": [[1, 2], [3, 4], [5, 6]]}', '{"size": 1}'] }), path: 'layers[1].weights', message: 'weights has 3 rows but layers[1] has 2 neurons', line: L.layer1 },
  { name: 'short weight row', text: net({ layers: ['{"size": 2}', '{"size": 2, "weights": [[1, 2], [3]]}', '{"size": 1}'] }), path: 'layers[1].weights[1]', message: 'row 1 of the weights (neuron 1 of layers[1]) has 1 number but the previous layer (layers[0]) has 2 neurons: each row needs 2', line: L.layer1 },
  { name: 'weight not a number', text: net({ layers: ['{"size": 2}', '{"size": 2, "weights": [[1, 2], [3, "x"]]}', '{"size": 1}'] }), path: 'layers[1].weights[1][1]', message: 'expected a number (a weight), got a string', line: L.layer1 },
  { name: 'biases length', text: net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 1, "biases": [0, 0]}'] }), path: 'layers[2].biases', message: 'biases has 2 numbers but layers[2] has 1 neuron', line: L.layer2 },
  { name: 'overflowing literal', text: net({ layers: ['{"size": 2}', '{"size": 2, "biases": [1e400, 0]}', '{"size": 1}'] }), path: 'layers[1].biases[0]', message: '1e400 is not a finite number', line: L.layer1 },
  { name: 'softmax on a hidden layer', text: net({ layers: ['{"size": 2}', '{"size": 2, "activation": "softmax"}', '{"size": 1}'] }), path: 'layers[1].activation', message: 'softmax is only allowed on the output layer (layers[2])', line: L.layer1 },
  { name: 'softmax with mse', text: net({ layers: softmaxOut, data: ONE_HOT }), path: 'loss', message: 'mse with a softmax output layer (layers[2]) is not supported; use "cross-entropy"', line: L.loss },
  { name: 'softmax with binary-cross-entropy', text: net({ layers: softmaxOut, loss: '"binary-cross-entropy"', data: ONE_HOT }), path: 'loss', message: 'binary-cross-entropy needs a sigmoid output layer, but layers[2] uses softmax', line: L.loss },
  { name: 'cross-entropy without softmax', text: net({ loss: '"cross-entropy"' }), path: 'loss', message: 'cross-entropy needs a softmax output layer, but layers[2] uses sigmoid (the default)', line: L.loss },
  { name: 'binary-cross-entropy with tanh', text: net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 1, "activation": "tanh"}'], loss: '"binary-cross-entropy"' }), path: 'loss', message: 'binary-cross-entropy needs a sigmoid output layer (outputs in (0, 1)), but layers[2] uses tanh', line: L.loss },
  { name: 'dropout on the output layer', text: net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 1, "dropout": 0.5}'] }), path: 'layers[2].dropout', message: 'dropout is not allowed on the output layer', line: L.layer2 },
  { name: 'dropout of 1', text: net({ layers: ['{"size": 2}', '{"size": 2, "dropout": 1}', '{"size": 1}'] }), path: 'layers[1].dropout', message: 'expected a number in [0, 1)', line: L.layer1 },
  { name: 'residual with different sizes', text: net({ layers: ['{"size": 2}', '{"size": 3, "residual": true}', '{"size": 1}'] }), path: 'layers[1].residual', message: 'layers[1] has 3 neurons and layers[0] has 2', line: L.layer1 },
  { name: 'residual on a binary-cross-entropy output', text: net({ layers: ['{"size": 2}', '{"size": 1}', '{"size": 1, "residual": true}'], loss: '"binary-cross-entropy"' }), path: 'layers[2].residual', message: 'not allowed on the output layer with binary-cross-entropy', line: L.layer2 },
  { name: 'residual on softmax', text: net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 2, "activation": "softmax", "residual": true}'], loss: '"cross-entropy"', data: ONE_HOT }), path: 'layers[2].residual', message: 'not allowed on a softmax layer', line: L.layer2 },
  { name: 'batchNorm with the default batch size', text: net({ layers: ['{"size": 2}', '{"size": 2, "batchNorm": true}', '{"size": 1}'] }), path: 'layers[1].batchNorm', message: 'batch normalization needs mini-batches of at least 2 examples, but training.batchSize is 1 (the default)', line: L.layer1 },
  { name: 'batchNorm with batchSize 1', text: net({ layers: ['{"size": 2}', '{"size": 2, "batchNorm": {"epsilon": 0.001}}', '{"size": 1}'], training: '{"batchSize": 1}' }), path: 'layers[1].batchNorm', message: /training\.batchSize is 1; set/, line: L.layer1 },
  { name: 'batchNorm momentum out of range', text: net({ layers: ['{"size": 2}', '{"size": 2, "batchNorm": {"momentum": 2}}', '{"size": 1}'], training: '{"batchSize": 2}' }), path: 'layers[1].batchNorm.momentum', message: 'expected a number in [0, 1]', line: L.layer1 },
  { name: 'too many neurons', text: net({ layers: ['{"size": 2}', '{"size": 5000}', '{"size": 1}'] }), path: 'layers[1].size', message: 'more than the limit of 4,096 per layer', line: L.layer1 },
  { name: 'too many weights', text: net({ layers: ['{"size": 2}', '{"size": 2000}', '{"size": 1000}', '{"size": 1}'] }), path: 'layers[2].size', message: 'layers[2] would have 2,000,000 weights (1000 × 2000); the limit is 1,000,000 per layer', line: L.layer2 },
  { name: 'init and weights', text: net({ layers: ['{"size": 2}', '{"size": 1, "init": "he-normal", "weights": [[1, 2]]}'] }), path: 'layers[1].init', message: '"init" is ignored because "weights" are given', severity: 'warning', line: L.layer1 },
  { name: 'leak without leaky-relu', text: net({ layers: ['{"size": 2}', '{"size": 2, "activation": "relu", "leak": 0.1}', '{"size": 1}'] }), path: 'layers[1].leak', message: 'only used by the leaky-relu activation', severity: 'warning', line: L.layer1 },
  // Optimizer.
  { name: 'learning rate 0', text: net({ optimizer: '{"type": "adam", "learningRate": 0}' }), path: 'optimizer.learningRate', message: '0 is out of range: expected a number > 0 (the learning rate η)', line: L.optimizer },
  { name: 'negative learning rate', text: net({ optimizer: '{"type": "sgd", "learningRate": -0.1}' }), path: 'optimizer.learningRate', message: 'expected a number > 0', line: L.optimizer },
  { name: 'optimizer without type', text: net({ optimizer: '{"learningRate": 0.1}' }), path: 'optimizer.type', message: 'the optimizer needs "type"', line: L.optimizer },
  { name: 'beta1 with sgd', text: net({ optimizer: '{"type": "sgd", "beta1": 0.9}' }), path: 'optimizer.beta1', message: '"beta1" is ignored by sgd; it is used by adam, adamw', severity: 'warning', line: L.optimizer },
  { name: 'momentum with adam', text: net({ optimizer: '{"type": "adam", "momentum": 0.9}' }), path: 'optimizer.momentum', message: '"momentum" is ignored by adam', severity: 'warning', line: L.optimizer },
  { name: 'alpha with momentum', text: net({ optimizer: '{"type": "momentum", "alpha": 0.9}' }), path: 'optimizer.alpha', message: 'it is used by rmsprop', severity: 'warning', line: L.optimizer },
  { name: 'nesterov with dampening', text: net({ optimizer: '{"type": "nesterov", "dampening": 0.5}' }), path: 'optimizer.dampening', message: 'nesterov needs zero dampening', line: L.optimizer },
  { name: 'beta2 of 1', text: net({ optimizer: '{"type": "adam", "beta2": 1}' }), path: 'optimizer.beta2', message: 'expected a number in [0, 1)', line: L.optimizer },
  // Training.
  { name: 'clipNorm 0', text: net({ training: '{"clipNorm": 0}' }), path: 'training.clipNorm', message: 'expected a number > 0 (the maximum gradient norm)', line: L.training },
  { name: 'negative clipValue', text: net({ training: '{"clipValue": -1}' }), path: 'training.clipValue', message: 'expected a number > 0', line: L.training },
  { name: 'validationSplit 1', text: net({ training: '{"validationSplit": 1}' }), path: 'training.validationSplit', message: 'expected a number in [0, 1)', line: L.training },
  { name: 'negative validationSplit', text: net({ training: '{"validationSplit": -0.1}' }), path: 'training.validationSplit', message: 'expected a number in [0, 1)', line: L.training },
  { name: 'epochs 0', text: net({ training: '{"epochs": 0}' }), path: 'training.epochs', message: 'expected a whole number ≥ 1 (passes over the training data)', line: L.training },
  { name: 'fractional batchSize', text: net({ training: '{"batchSize": 1.5}' }), path: 'training.batchSize', message: 'not a whole number', line: L.training },
  { name: 'misspelt training field', text: net({ training: '{"batch_size": 4}' }), path: 'training.batch_size', message: 'did you mean "batchSize"?', line: L.training },
  // Data.
  { name: 'inline row with the wrong input count', text: net({ data: '{"inputs": [[0, 0], [0]], "targets": [[0], [1]]}' }), path: 'data.inputs[1]', message: 'this example has 1 input but the input layer (layers[0]) has size 2', line: L.data },
  { name: 'inline row with the wrong target count', text: net({ data: '{"inputs": [[0, 0]], "targets": [[0, 1]]}' }), path: 'data.targets[0]', message: 'this example has 2 targets but the output layer (layers[2]) has 1 neuron', line: L.data },
  { name: 'inline rows do not pair up', text: net({ data: '{"inputs": [[0, 0], [1, 1]], "targets": [[0]]}' }), path: 'data.targets', message: 'there are 2 rows of inputs but 1 row of targets', line: L.data },
  { name: 'inline data value not a number', text: net({ data: '{"inputs": [[0, null]], "targets": [[0]]}' }), path: 'data.inputs[0][1]', message: 'got null', line: L.data },
  { name: 'inline data without targets', text: net({ data: '{"inputs": [[0, 0]]}' }), path: 'data.targets', message: 'inline data needs "targets"', line: L.data },
  { name: 'data of no known kind', text: net({ data: '{"file": 3}' }), path: 'data.file', message: 'did you mean "csv"?', line: L.data },
  { name: 'data with nothing recognizable', text: net({ data: '{}' }), path: 'data', message: 'data needs either "inputs" and "targets"', line: L.data },
  { name: 'misspelt builtin dataset', text: net({ data: '{"builtin": "xo"}' }), path: 'data.builtin', message: '"xo" is not a builtin dataset; did you mean "xor"?', line: L.data },
  { name: 'builtin and csv together', text: net({ data: '{"builtin": "xor", "csv": "a.csv", "target": "y"}' }), path: 'data', message: 'both "builtin" and "csv"', line: L.data },
  { name: 'too many samples', text: net({ data: '{"builtin": "spiral", "samples": 1000000000}' }), path: 'data.samples', message: 'more than the limit of 100,000', line: L.data },
  { name: 'csv target used as an input', text: net({ data: '{"csv": "iris.csv", "target": "species", "inputs": ["sepal_length", "species"]}' }), path: 'data.inputs[1]', message: '"species" is the target column', line: L.data },
  { name: 'csv without target', text: net({ data: '{"csv": "iris.csv"}' }), path: 'data.target', message: 'CSV data needs "target"', line: L.data },
];

function find(ds: Diagnostic[], path: string, message: string | RegExp): Diagnostic | undefined {
  return ds.find((d) => d.path === path && (typeof message === 'string' ? d.message.includes(message) : message.test(d.message)));
}

describe('parseNetworkText: malformed files', () => {
  it(`has at least 40 cases (${cases.length})`, () => assert.ok(cases.length >= 40));
  for (const c of cases) {
    it(c.name, () => {
      const { file, diagnostics } = parseNetworkText(c.text, 'case.backprop.json');
      const d = find(diagnostics, c.path, c.message);
      assert.ok(d, `no diagnostic at ${JSON.stringify(c.path)} matching ${String(c.message)}; got:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
      assert.equal(d.severity, c.severity ?? 'error', formatDiagnostic(d));
      assert.equal(d.line, c.line, formatDiagnostic(d));
      assert.equal(d.file, 'case.backprop.json');
      assert.ok(d.column !== undefined && d.column >= 1);
      assert.ok(d.offset !== undefined && d.offset >= 0 && d.offset <= c.text.length);
      assert.ok(d.length !== undefined && d.offset + d.length <= c.text.length);
      assert.equal(file === undefined, hasErrors(diagnostics), 'file is returned exactly when there are no errors');
    });
  }

  it('points at the value: the column and length of a misspelt activation', () => {
    const text = net({ layers: ['{"size": 2}', '{"size": 2}', '{"size": 1, "activation": "sigmod"}'] });
    const d = parseNetworkText(text).diagnostics[0];
    assert.equal(text.slice(d.offset!, d.offset! + d.length!), '"sigmod"');
    assert.equal(d.column, text.split('\n')[L.layer2 - 1].indexOf('"sigmod"') + 1);
    assert.equal(d.file, undefined, 'no file name given');
  });

  it('formats as file:line:column: severity: path: message', () => {
    const text = net({ layers: ['{"size": 2}', '{"size": 2, "activaton": "relu"}', '{"size": 1}'] });
    const d = parseNetworkText(text, 'xor.backprop.json').diagnostics[0];
    assert.equal(formatDiagnostic(d), 'xor.backprop.json:5:17: error: layers[1].activaton: "activaton" is not a field of a layer; did you mean "activation"?');
  });

  it('reports comments and trailing commas together with the problems behind them', () => {
    const text = net({ loss: '"mse" /* squared error */', optimizer: '{"type": "sgdd",}' });
    const ds = parseNetworkText(text).diagnostics;
    assert.ok(find(ds, '', 'comments are not allowed'));
    assert.ok(find(ds, '', 'trailing comma'));
    assert.ok(find(ds, 'optimizer.type', 'did you mean "sgd"?'));
  });

  it('reports one error per line after a real syntax error, not a cascade', () => {
    const ds = parseNetworkText('{\n  layers: [1, 2]\n}').diagnostics;
    assert.equal(ds.filter((d) => d.line === 2).length, 1, ds.map(formatDiagnostic).join('\n'));
  });

  it('says which line an unclosed bracket was opened on', () => {
    const text = '{\n  "layers": [\n    {"size": 2},\n    {"size": 1}\n  "loss": "mse"\n}';
    const ds = parseNetworkText(text).diagnostics;
    assert.ok(ds.length > 0 && ds.every((d) => d.severity === 'error'));
  });

  it('accepts a byte-order mark before the object', () => {
    const { file, diagnostics } = parseNetworkText('\uFEFF' + MAZUR);
    assert.deepEqual(diagnostics, []);
    assert.ok(file);
  });

  it('suggestName: near misses, separators, case and aliases', () => {
    assert.equal(suggestName('tahn', ['linear', 'sigmoid', 'tanh', 'relu']), 'tanh');
    assert.equal(suggestName('leaky_relu', ['relu', 'leaky-relu']), 'leaky-relu');
    assert.equal(suggestName('ReLU', ['relu', 'tanh']), 'relu');
    assert.equal(suggestName('banana', ['relu', 'tanh']), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Valid files.
// ---------------------------------------------------------------------------------------------

/** Mazur's worked example, as in the doc comment of spec.ts. */
const MAZUR = `{
  "name": "Mazur 2-2-2",
  "layers": [
    { "size": 2 },
    { "size": 2, "activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "biases": [0.35, 0.35] },
    { "size": 2, "activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "biases": [0.60, 0.60] }
  ],
  "loss": "mse",
  "optimizer": { "type": "sgd", "learningRate": 0.5 },
  "training": { "batchSize": 1, "epochs": 1, "trainBiases": false },
  "data": { "inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]] }
}`;

/** Every field of the format in one file. */
const EVERYTHING = `{
  "$schema": "../schemas/backprop.schema.json",
  "name": "Iris, all features",
  "description": "Every field of the format.",
  "seed": 7,
  "layers": [
    { "size": 4, "name": "measurements" },
    { "size": 8, "name": "hidden 1", "activation": "relu", "init": "he-normal", "dropout": 0.25, "batchNorm": { "momentum": 0.2, "epsilon": 0.001 } },
    { "size": 8, "activation": "leaky-relu", "leak": 0.2, "residual": true, "batchNorm": true },
    { "size": 8, "activation": "tanh", "init": "xavier-normal", "batchNorm": false, "residual": false, "dropout": 0 },
    { "size": 3, "name": "species", "activation": "softmax", "init": "uniform", "biases": [0.1, 0.2, 0.3] }
  ],
  "loss": "cross-entropy",
  "optimizer": { "type": "adamw", "learningRate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7, "weightDecay": 0.05 },
  "training": { "batchSize": 16, "epochs": 3, "shuffle": true, "trainBiases": true, "clipNorm": 5, "clipValue": 1, "validationSplit": 0.2 },
  "data": { "builtin": "iris", "standardize": true }
}`;

describe('valid files', () => {
  it('Mazur: no diagnostics, the given weights and the file\'s settings', async () => {
    assert.deepEqual(parseNetworkText(MAZUR).diagnostics, []);
    const { network, diagnostics } = await loadNetwork(MAZUR, 'mazur.backprop.json');
    assert.deepEqual(diagnostics, []);
    assert.ok(network);
    assert.equal(network.name, 'Mazur 2-2-2');
    assert.equal(network.inputSize, 2);
    assert.deepEqual(network.layers.map((l) => [l.index, l.inputSize, l.size, l.activation, l.init]), [
      [2, 2, 2, 'sigmoid', 'given'],
      [3, 2, 2, 'sigmoid', 'given'],
    ]);
    assert.deepEqual(Array.from(network.layers[0].weights), [0.15, 0.2, 0.25, 0.3]);
    assert.deepEqual(Array.from(network.layers[1].weights), [0.4, 0.45, 0.5, 0.55]);
    assert.deepEqual(Array.from(network.layers[1].biases), [0.6, 0.6]);
    assert.equal(network.optimizer.type, 'sgd');
    assert.equal(network.optimizer.learningRate, 0.5);
    assert.equal(network.optimizer.momentum, 0);
    assert.equal(network.training.trainBiases, false);
    assert.equal(network.train.count, 1);
    assert.deepEqual(Array.from(network.train.inputs), [0.05, 0.1]);
    assert.deepEqual(Array.from(network.train.targets), [0.01, 0.99]);
    assert.equal(network.validation.count, 0);
  });

  it('every feature: no diagnostics, every value carried over', async () => {
    assert.deepEqual(parseNetworkText(EVERYTHING).diagnostics, []);
    const { network, diagnostics } = await loadNetwork(EVERYTHING, 'everything.backprop.json');
    assert.deepEqual(diagnostics, []);
    assert.ok(network);
    assert.equal(network.seed, 7);
    assert.equal(network.description, 'Every field of the format.');
    assert.equal(network.inputName, 'measurements');
    assert.deepEqual(network.layers.map((l) => l.index), [2, 3, 4, 5]);
    assert.deepEqual(network.layers.map((l) => l.inputSize), [4, 8, 8, 8]);
    assert.deepEqual(network.layers.map((l) => l.init), ['he-normal', 'he-uniform', 'xavier-normal', 'uniform']);
    assert.deepEqual(network.layers.map((l) => l.dropout), [0.25, 0, 0, 0]);
    assert.deepEqual(network.layers.map((l) => l.batchNorm), [{ momentum: 0.2, epsilon: 0.001 }, { momentum: 0.1, epsilon: 1e-5 }, null, null]);
    assert.deepEqual(network.layers.map((l) => l.residual), [false, true, false, false]);
    assert.deepEqual(network.layers.map((l) => l.leak), [0.01, 0.2, 0.01, 0.01]);
    assert.equal(network.layers[0].name, 'hidden 1');
    assert.deepEqual(Array.from(network.layers[3].biases), [0.1, 0.2, 0.3]);
    assert.deepEqual(Array.from(network.layers[0].weights), Array.from(initWeights('he-normal', 4, 8, 7, 2)));
    assert.deepEqual(Array.from(network.layers[3].weights), Array.from(initWeights('uniform', 8, 3, 7, 5)));
    assert.deepEqual(network.optimizer, {
      type: 'adamw',
      learningRate: 0.01,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      beta1: 0.8,
      beta2: 0.99,
      epsilon: 1e-7,
      alpha: 0.99,
      weightDecay: 0.05,
    });
    assert.deepEqual(network.training, { batchSize: 16, epochs: 3, shuffle: true, trainBiases: true, clipNorm: 5, clipValue: 1, validationSplit: 0.2 });
    assert.equal(network.train.count, 120);
    assert.equal(network.validation.count, 30);
    assert.equal(network.train.inputSize, 4);
    assert.equal(network.validation.targetSize, 3);
  });

  it('defaults: seed 1, sigmoid, xavier-uniform, zero biases, sgd 0.1 without an optimizer, training defaults, name from the file', async () => {
    const text = '{"layers": [{"size": 2}, {"size": 3}, {"size": 1, "activation": "relu"}], "loss": "mse", "data": {"builtin": "xor"}}';
    const { network, diagnostics } = await loadNetwork(text, 'nets/tiny.backprop.json');
    assert.deepEqual(diagnostics, []);
    assert.ok(network);
    assert.equal(network.name, 'tiny');
    assert.equal(network.seed, 1);
    const [h, o] = network.layers;
    assert.equal(h.activation, 'sigmoid');
    assert.equal(h.init, 'xavier-uniform');
    assert.equal(o.init, defaultInit('relu'));
    assert.equal(o.init, 'he-uniform');
    assert.equal(h.leak, 0.01);
    assert.equal(h.dropout, 0);
    assert.equal(h.batchNorm, null);
    assert.equal(h.residual, false);
    assert.deepEqual(Array.from(h.biases), [0, 0, 0]);
    assert.deepEqual(Array.from(h.weights), Array.from(initWeights('xavier-uniform', 2, 3, 1, 2)));
    assert.deepEqual(Array.from(o.weights), Array.from(initWeights('he-uniform', 3, 1, 1, 3)));
    assert.deepEqual(network.optimizer, {
      type: 'sgd',
      learningRate: 0.1,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      alpha: 0.99,
      weightDecay: 0,
    });
    assert.deepEqual(network.training, { batchSize: 1, epochs: 1, shuffle: false, trainBiases: true, clipNorm: null, clipValue: null, validationSplit: 0 });
    assert.equal(network.train.count, 4);
    assert.equal(network.validation.count, 0);
  });

  const optimizerDefaults: [OptimizerKind, string, Partial<Record<string, number | boolean>>][] = [
    ['sgd', '', { learningRate: 0.001, momentum: 0, nesterov: false, weightDecay: 0, dampening: 0 }],
    ['sgd', ', "momentum": 0.5', { learningRate: 0.001, momentum: 0.5, nesterov: false }],
    ['momentum', '', { learningRate: 0.001, momentum: 0.9, nesterov: false }],
    ['nesterov', '', { learningRate: 0.001, momentum: 0.9, nesterov: true, dampening: 0 }],
    ['rmsprop', '', { learningRate: 0.01, alpha: 0.99, epsilon: 1e-8, momentum: 0, weightDecay: 0 }],
    ['adam', '', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }],
    ['adamw', '', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 }],
  ];
  for (const [type, extra, expected] of optimizerDefaults) {
    it(`optimizer defaults as torch.optim: ${type}${extra}`, async () => {
      const { network, diagnostics } = await loadNetwork(net({ optimizer: `{"type": "${type}"${extra}}` }), 'o.backprop.json');
      assert.deepEqual(diagnostics, []);
      assert.ok(network);
      for (const [k, v] of Object.entries(expected)) assert.equal(network.optimizer[k as keyof typeof network.optimizer], v, `${type}.${k}`);
    });
  }

  it('validation split: ceil(count · split) examples chosen by the seed, both parts in file order', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `[${i}, ${i}]`).join(', ');
    const targets = Array.from({ length: 20 }, (_, i) => `[${i / 100}]`).join(', ');
    const data = `{"inputs": [${rows}], "targets": [${targets}]}`;
    const load = (seed: number) => loadNetwork(net({ data, training: '{"validationSplit": 0.3}' }), 's.backprop.json', undefined, { seed });
    const { network, diagnostics } = await load(1);
    assert.deepEqual(diagnostics, []);
    assert.ok(network);
    assert.equal(network.validation.count, 6);
    assert.equal(network.train.count, 14);
    const train = Array.from({ length: 14 }, (_, i) => network.train.inputs[2 * i]);
    const held = Array.from({ length: 6 }, (_, i) => network.validation.inputs[2 * i]);
    assert.deepEqual([...train, ...held].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), 'a partition of the examples');
    assert.deepEqual(train, [...train].sort((a, b) => a - b), 'training examples keep the file order');
    assert.deepEqual(held, [...held].sort((a, b) => a - b), 'validation examples keep the file order');
    assert.notDeepEqual(held, [14, 15, 16, 17, 18, 19], 'not simply the last rows');
    held.forEach((x, i) => assert.equal(network.validation.targets[i], x / 100, 'targets travel with their inputs'));
    const again = (await load(1)).network!;
    assert.deepEqual(Array.from(again.validation.inputs), Array.from(network.validation.inputs), 'the same seed, the same split');
    const other = (await load(2)).network!;
    assert.notDeepEqual(Array.from(other.validation.inputs), Array.from(network.validation.inputs), 'another seed, another split');
  });

  it('warnings do not stop a file from loading', async () => {
    const { network, diagnostics } = await loadNetwork(net({ optimizer: '{"type": "sgd", "beta1": 0.9}' }), 'w.backprop.json');
    assert.ok(network);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].severity, 'warning');
  });
});

// ---------------------------------------------------------------------------------------------
// Data against the network (resolveNetwork, through loadNetwork so that diagnostics are located).
// ---------------------------------------------------------------------------------------------

const csvHost = (files: Record<string, string>): DataHost => ({
  readText: async (path) => {
    if (!(path in files)) throw new Error(`ENOENT: no such file ${path}`);
    return files[path];
  },
});

interface LoadCase extends Case {
  host?: DataHost;
  file?: string;
}

const loadCases: LoadCase[] = [
  { name: 'builtin data with more inputs than the input layer', text: net({ layers: ['{"size": 3}', '{"size": 2}', '{"size": 1}'], data: '{"builtin": "xor"}' }), path: 'data', message: 'the examples have 2 inputs but the input layer (layers[0]) has size 3', line: L.data },
  { name: 'builtin data with fewer targets than outputs', text: net({ layers: ['{"size": 4}', '{"size": 5}', '{"size": 2}'], data: '{"builtin": "iris"}' }), path: 'data', message: 'the examples have 3 targets but the output layer (layers[2]) has 2 neurons', line: L.data },
  { name: 'cross-entropy with targets that are not probabilities', text: net({ layers: softmaxOut, loss: '"cross-entropy"', data: '{"inputs": [[0, 0], [1, 1]], "targets": [[1, 0], [1, 1]]}' }), path: 'data.targets[1]', message: 'sums to 2: softmax with cross-entropy needs targets that are probabilities', line: L.data },
  { name: 'cross-entropy with a negative target', text: net({ layers: softmaxOut, loss: '"cross-entropy"', data: '{"inputs": [[0, 0]], "targets": [[2, -1]]}' }), path: 'data.targets[0]', message: 'has a negative value', line: L.data },
  { name: 'binary-cross-entropy with a target of 2', text: net({ loss: '"binary-cross-entropy"', data: '{"inputs": [[0, 0], [1, 1]], "targets": [[0], [2]]}' }), path: 'data.targets[1]', message: 'binary-cross-entropy needs targets between 0 and 1', line: L.data },
  { name: 'sigmoid output with unreachable targets', text: net({ data: '{"inputs": [[0, 0], [1, 1]], "targets": [[0], [5]]}' }), path: 'data.targets[1]', message: 'a sigmoid output only reaches (0, 1)', severity: 'warning', line: L.data },
  { name: 'validation split leaves nothing to train on', text: net({ layers: ['{"size": 2}', '{"size": 2}'], data: '{"builtin": "mazur"}', training: '{"validationSplit": 0.5}' }), path: 'training.validationSplit', message: 'leaving none to train on', line: L.training - 1 },
  { name: 'batch larger than the training set', text: net({ training: '{"batchSize": 10}' }), path: 'training.batchSize', message: 'batchSize 10 is larger than the 4 training examples', severity: 'warning', line: L.training },
  { name: 'batch norm with one training example', text: net({ layers: ['{"size": 2}', '{"size": 2, "batchNorm": true}', '{"size": 2}'], data: '{"builtin": "mazur"}', training: '{"batchSize": 2}' }), path: 'layers[1].batchNorm', message: 'only 1 training example', line: L.layer1 },
  { name: 'batch norm with a last batch of one', text: net({ layers: ['{"size": 2}', '{"size": 2, "batchNorm": true}', '{"size": 1}'], data: '{"inputs": [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5]], "targets": [[0], [1], [1], [0], [1]]}', training: '{"batchSize": 2}' }), path: 'training.batchSize', message: 'leave a last batch of 1 example', severity: 'warning', line: L.training },
  { name: 'missing CSV file', text: net({ layers: ['{"size": 4}', '{"size": 3, "activation": "softmax"}'], loss: '"cross-entropy"', data: '{"csv": "missing.csv", "target": "species"}' }), path: 'data.csv', message: 'missing.csv', host: csvHost({}), line: L.data - 1 },
  { name: 'CSV column that does not exist (located in the CSV file)', text: net({ layers: ['{"size": 1}', '{"size": 2, "activation": "softmax"}'], loss: '"cross-entropy"', data: '{"csv": "p.csv", "target": "klass"}' }), path: 'data.target', message: 'no column "klass"', host: csvHost({ 'p.csv': 'x,class\n1,a\n2,b\n' }), file: 'p.csv', line: 1 },
];

describe('loadNetwork: data against the network', () => {
  for (const c of loadCases) {
    it(c.name, async () => {
      const { network, diagnostics } = await loadNetwork(c.text, 'case.backprop.json', c.host);
      const d = find(diagnostics, c.path, c.message);
      assert.ok(d, `no diagnostic at ${JSON.stringify(c.path)} matching ${String(c.message)}; got:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
      assert.equal(d.severity, c.severity ?? 'error', formatDiagnostic(d));
      assert.equal(d.line, c.line, formatDiagnostic(d));
      assert.equal(d.file, c.file ?? 'case.backprop.json');
      assert.equal(network === undefined, hasErrors(diagnostics));
    });
  }

  it('a CSV file that loads: classes one-hot, sizes checked', async () => {
    const text = net({ layers: ['{"size": 1}', '{"size": 2, "activation": "softmax"}'], loss: '"cross-entropy"', data: '{"csv": "p.csv", "target": "class"}' });
    const { network, diagnostics } = await loadNetwork(text, 'c.backprop.json', csvHost({ 'p.csv': 'x,class\n1,a\n2,b\n3,a\n' }));
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
    assert.ok(network);
    assert.equal(network.train.count, 3);
  });

  it('resolveNetwork on a hand-built object validates it instead of crashing', () => {
    const bad = { layers: [{ size: 2 }, { size: 2, weights: [[1]] }], loss: 'mse', data: { builtin: 'xor' } } as unknown as NetworkFile;
    const data = { name: 'd', count: 1, inputSize: 2, targetSize: 2, inputs: new Float64Array(2), targets: new Float64Array(2) };
    const r = resolveNetwork(bad, data);
    assert.equal(r.network, undefined);
    assert.ok(find(r.diagnostics, 'layers[1].weights', 'weights has 1 row but layers[1] has 2 neurons'));
    const ok = resolveNetwork({ layers: [{ size: 2 }, { size: 2 }], loss: 'mse', data: { builtin: 'xor' } }, data);
    assert.ok(ok.network);
    assert.equal(ok.network.layers[0].index, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Garbage in: loadNetwork never throws.
// ---------------------------------------------------------------------------------------------

describe('loadNetwork never throws', () => {
  const bases = [MAZUR, EVERYTHING, net({ data: '{"builtin": "spiral", "samples": 50, "noise": 0.1}' })];
  const replacements = ['"x"', '[]', '{}', 'null', 'true', '-1', '0', '1e400', '[[1]]', '{"a": 1}', '""', '2.5'];
  const junk = '{}[],:"0123456789.-e tfnx\\/\n';

  function mutate(text: string, rng: Rng): string {
    switch (rng.int(6)) {
      case 0: // truncate
        return text.slice(0, rng.int(text.length));
      case 1: {
        // swap two characters
        const a = rng.int(text.length);
        const b = rng.int(text.length);
        const chars = [...text];
        [chars[a], chars[b]] = [chars[b], chars[a]];
        return chars.join('');
      }
      case 2: {
        // delete a few characters
        const a = rng.int(text.length);
        return text.slice(0, a) + text.slice(a + 1 + rng.int(4));
      }
      case 3: {
        // insert a junk character
        const a = rng.int(text.length);
        return text.slice(0, a) + junk[rng.int(junk.length)] + text.slice(a);
      }
      case 4: {
        // replace a value (number, string, true/false/null) by a value of another type
        const values = [...text.matchAll(/-?\d+(?:\.\d+)?(?:e-?\d+)?|"[^"]*"|true|false|null/g)].filter((m) => text[(m.index ?? 0) + m[0].length] !== ':' && !/^"\s*:/.test(text.slice((m.index ?? 0) + m[0].length)));
        if (values.length === 0) return text;
        const m = values[rng.int(values.length)];
        const at = m.index ?? 0;
        return text.slice(0, at) + replacements[rng.int(replacements.length)] + text.slice(at + m[0].length);
      }
      default: {
        // rename a key
        const keys = [...text.matchAll(/"([A-Za-z$]+)"\s*:/g)];
        if (keys.length === 0) return text;
        const m = keys[rng.int(keys.length)];
        const at = (m.index ?? 0) + 1 + rng.int(m[1].length);
        return text.slice(0, at) + text.slice(at + 1);
      }
    }
  }

  it('300 seeded mutations of valid files come back with diagnostics, located in the text', async () => {
    const rng = new Rng(20240601, 7);
    const host = csvHost({});
    let withErrors = 0;
    for (let i = 0; i < 300; i++) {
      let text = bases[i % bases.length];
      const times = 1 + rng.int(3);
      for (let k = 0; k < times; k++) text = mutate(text, rng);
      let result: Awaited<ReturnType<typeof loadNetwork>>;
      try {
        result = await loadNetwork(text, 'fuzz.backprop.json', host);
      } catch (e) {
        assert.fail(`mutation ${i} threw ${String(e)}:\n${text}`);
      }
      assert.ok(Array.isArray(result.diagnostics));
      if (hasErrors(result.diagnostics)) {
        withErrors++;
        assert.equal(result.network, undefined, `mutation ${i}: a network despite errors`);
      } else {
        assert.ok(result.network, `mutation ${i}: no errors but no network:\n${text}\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
      }
      for (const d of result.diagnostics) {
        assert.ok(d.message.length > 0 && !d.message.includes('internal error'), `mutation ${i}: ${formatDiagnostic(d)}`);
        if (d.file === 'fuzz.backprop.json') {
          assert.ok(d.line !== undefined && d.line >= 1 && d.column !== undefined && d.column >= 1, `mutation ${i}: unlocated ${formatDiagnostic(d)}`);
          assert.ok(d.offset !== undefined && d.offset >= 0 && d.offset <= text.length, `mutation ${i}: offset ${d.offset}`);
        }
      }
    }
    assert.ok(withErrors > 150, `most mutations should be errors (${withErrors})`);
  });

  it('random bytes and odd inputs', async () => {
    const rng = new Rng(99, 3);
    const odd = ['', ' ', 'null', '0', '"x"', '[]', '{}', '{"layers": null}', '{"layers": [null, null], "loss": "mse", "data": null}', '{"__proto__": {"size": 1}}'];
    for (let i = 0; i < 50; i++) odd.push(Array.from({ length: rng.int(60) }, () => String.fromCharCode(rng.int(128))).join(''));
    for (const text of odd) {
      const r = await loadNetwork(text, 'odd.backprop.json');
      assert.ok(hasErrors(r.diagnostics), `expected an error for ${JSON.stringify(text)}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('JSON schema', () => {
  it('schemas/backprop.schema.json (generated by npm run build) equals networkJsonSchema()', () => {
    const shipped: unknown = JSON.parse(readFileSync(join(root, 'schemas', 'backprop.schema.json'), 'utf8'));
    assert.deepEqual(shipped, networkJsonSchema());
  });
});
