/**
 * From a validated network file and its data to the `ResolvedNetwork` the engine runs: every default
 * filled in, the weights generated, the data checked against the network and split for validation.
 *
 * Defaults (documented here once):
 * - seed 1; activation sigmoid; leak 0.01; biases 0; weights from `initWeights(init ?? defaultInit(activation), …)`;
 *   dropout 0; residual false; batchNorm true → { momentum 0.1, epsilon 1e-5 }.
 * - optimizer, as torch.optim: sgd lr 0.001 (momentum 0, honoured when given); momentum → SGD with
 *   momentum 0.9; nesterov → SGD Nesterov with momentum 0.9; rmsprop lr 0.01, α 0.99, ε 1e-8,
 *   momentum 0; adam / adamw lr 0.001, β 0.9 / 0.999, ε 1e-8; weightDecay 0 (adamw 0.01); dampening 0.
 *   Fields a type does not use still get these values (they are ignored by the update rule).
 * - no optimizer at all → plain gradient descent (sgd) with learning rate 0.1. torch's 0.001 is meant
 *   for long runs; a teaching file that names no optimizer wants each step to visibly change the
 *   weights of a small sigmoid network (Mazur's walkthrough uses 0.5, Nielsen's book 3.0).
 * - training: batchSize 1, epochs 1, shuffle false, trainBiases true, no clipping, validationSplit 0.
 */
import type { Diagnostic } from './diagnostics';
import { hasErrors } from './diagnostics';
import { defaultInit, initWeights } from './init';
import { STREAM, streamKey, uniformAt } from './rng';
import { loadData, type DataHost } from './data';
import type {
  Activation,
  Dataset,
  InputLayerSpec,
  LayerSpec,
  NetworkFile,
  OptimizerKind,
  OptimizerSpec,
  ResolvedLayer,
  ResolvedNetwork,
  ResolvedOptimizer,
  ResolvedTraining,
  TrainingSpec,
} from './spec';
import { analyzeNetworkText, locateDiagnostic } from './validate';
import { resolveExercise } from './exercise';

/** The learning rate when the file has no `optimizer` (see the header comment). */
export const DEFAULT_LEARNING_RATE_WITHOUT_OPTIMIZER = 0.1;

/** torch.optim defaults per optimizer type. */
const LR_DEFAULT: Record<OptimizerKind, number> = { sgd: 0.001, momentum: 0.001, nesterov: 0.001, rmsprop: 0.01, adam: 0.001, adamw: 0.001 };

export function resolveOptimizer(spec: OptimizerSpec | undefined): ResolvedOptimizer {
  if (!spec) return resolveOptimizer({ type: 'sgd', learningRate: DEFAULT_LEARNING_RATE_WITHOUT_OPTIMIZER });
  const type = spec.type;
  const momentumDefault = type === 'momentum' || type === 'nesterov' ? 0.9 : 0;
  return {
    type,
    learningRate: spec.learningRate ?? LR_DEFAULT[type],
    momentum: spec.momentum ?? momentumDefault,
    dampening: spec.dampening ?? 0,
    nesterov: type === 'nesterov',
    beta1: spec.beta1 ?? 0.9,
    beta2: spec.beta2 ?? 0.999,
    epsilon: spec.epsilon ?? 1e-8,
    alpha: spec.alpha ?? 0.99,
    weightDecay: spec.weightDecay ?? (type === 'adamw' ? 0.01 : 0),
  };
}

export function resolveTraining(spec: TrainingSpec | undefined): ResolvedTraining {
  return {
    batchSize: spec?.batchSize ?? 1,
    epochs: spec?.epochs ?? 1,
    shuffle: spec?.shuffle ?? false,
    trainBiases: spec?.trainBiases ?? true,
    clipNorm: spec?.clipNorm ?? null,
    clipValue: spec?.clipValue ?? null,
    validationSplit: spec?.validationSplit ?? 0,
  };
}

/** Examples [start, start + count) of a dataset, as a new dataset. */
/** The examples `rows` of a dataset (in that order), as a new dataset. */
function pickRows(data: Dataset, rows: ArrayLike<number>): Dataset {
  const nIn = data.inputSize;
  const nOut = data.targetSize;
  const inputs = new Float64Array(rows.length * nIn);
  const targets = new Float64Array(rows.length * nOut);
  for (let x = 0; x < rows.length; x++) {
    const r = rows[x];
    inputs.set(data.inputs.subarray(r * nIn, r * nIn + nIn), x * nIn);
    targets.set(data.targets.subarray(r * nOut, r * nOut + nOut), x * nOut);
  }
  return { ...data, count: rows.length, inputs, targets };
}

/**
 * The validation split: a seeded random choice of nVal examples (so that a file sorted by class,
 * like iris, still validates on every class); both parts keep the file's order.
 */
function splitRows(count: number, nVal: number, seed: number): { train: number[]; validation: number[] } {
  if (nVal <= 0) return { train: Array.from({ length: count }, (_, i) => i), validation: [] };
  const perm = Array.from({ length: count }, (_, i) => i);
  const key = streamKey(seed, STREAM.split);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(key, i) * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const held = new Set(perm.slice(count - nVal));
  const train: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < count; i++) (held.has(i) ? validation : train).push(i);
  return { train, validation };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function rowText(values: Float64Array, r: number, n: number): string {
  const shown = Array.from(values.subarray(r * n, r * n + Math.min(n, 8)), (v) => String(Math.round(v * 1e6) / 1e6));
  return `[${shown.join(', ')}${n > 8 ? ', …' : ''}]`;
}

/**
 * Fills the defaults of a network file and checks its data against it. The file should have passed
 * `parseNetworkText`; it is validated again here (cheaply) so that a hand-built object cannot crash the
 * resolver. Diagnostics carry JSON paths only; `loadNetwork` locates them in the text.
 */
export function resolveNetwork(file: NetworkFile, data: Dataset): { network?: ResolvedNetwork; diagnostics: Diagnostic[] } {
  let text: string | undefined;
  try {
    text = JSON.stringify(file);
  } catch {
    text = undefined;
  }
  if (text === undefined) return { diagnostics: [{ severity: 'error', path: '', message: 'the network is not a JSON value' }] };
  const checked = analyzeNetworkText(text);
  if (hasErrors(checked.diagnostics) || !checked.file) {
    const strip = (d: Diagnostic): Diagnostic => ({ severity: d.severity, path: d.path, message: d.message });
    return { diagnostics: checked.diagnostics.map(strip) };
  }
  return resolveChecked(file, data);
}

/** `resolveNetwork` for a file that is known to be valid. */
function resolveChecked(file: NetworkFile, data: Dataset): { network?: ResolvedNetwork; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (path: string, message: string) => diagnostics.push({ severity: 'error', path, message });
  const warning = (path: string, message: string) => diagnostics.push({ severity: 'warning', path, message });

  const seed = file.seed ?? 1;
  const input = file.layers[0] as InputLayerSpec;
  const specs = file.layers.slice(1) as LayerSpec[];
  const last = specs.length; // index in file.layers of the output layer
  const inline = typeof file.data === 'object' && file.data !== null && 'targets' in file.data;

  // Layers.
  const layers: ResolvedLayer[] = [];
  let prevSize = input.size;
  specs.forEach((s, k) => {
    const index = k + 2; // notation: layers[0] is layer 1
    const activation: Activation = s.activation ?? 'sigmoid';
    const nIn = prevSize;
    const nOut = s.size;
    let weights: Float64Array;
    let init: ResolvedLayer['init'];
    if (s.weights) {
      weights = new Float64Array(nOut * nIn);
      s.weights.forEach((row, j) => weights.set(row, j * nIn));
      init = 'given';
    } else {
      init = s.init ?? defaultInit(activation);
      weights = initWeights(init, nIn, nOut, seed, index);
    }
    const biases = s.biases ? Float64Array.from(s.biases) : new Float64Array(nOut);
    const bn = s.batchNorm;
    const layer: ResolvedLayer = {
      index,
      size: nOut,
      inputSize: nIn,
      activation,
      leak: s.leak ?? 0.01,
      weights,
      biases,
      init,
      dropout: s.dropout ?? 0,
      batchNorm: bn === true ? { momentum: 0.1, epsilon: 1e-5 } : bn ? { momentum: bn.momentum ?? 0.1, epsilon: bn.epsilon ?? 1e-5 } : null,
      residual: s.residual ?? false,
    };
    if (s.name !== undefined) layer.name = s.name;
    layers.push(layer);
    prevSize = nOut;
  });
  const output = layers[layers.length - 1];
  const optimizer = resolveOptimizer(file.optimizer);
  const training = resolveTraining(file.training);

  // Data against the network.
  if (data.count === 0) error('data', 'the dataset has no examples');
  if (data.inputSize !== input.size) {
    error('data', `the examples have ${plural(data.inputSize, 'input')} but the input layer (layers[0]) has size ${input.size}`);
  }
  if (data.targetSize !== output.size) {
    error('data', `the examples have ${plural(data.targetSize, 'target')} but the output layer (layers[${last}]) has ${plural(output.size, 'neuron')}`);
  }
  if (data.inputs.length !== data.count * data.inputSize || data.targets.length !== data.count * data.targetSize) {
    error('data', 'the dataset is inconsistent: its matrices do not have count × size values');
  }
  if (hasErrors(diagnostics)) return { diagnostics };

  const n = data.targetSize;
  const targetPath = (r: number) => (inline ? `data.targets[${r}]` : 'data');
  const where = (r: number) => (inline ? 'this target row' : `example ${r + 1} (target ${rowText(data.targets, r, n)})`);
  const finiteRow = (values: Float64Array, size: number) => {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return Math.floor(i / size);
    return -1;
  };
  const badInput = finiteRow(data.inputs, data.inputSize);
  if (badInput >= 0) error(inline ? `data.inputs[${badInput}]` : 'data', `example ${badInput + 1} has an input that is not a finite number`);
  const badTarget = finiteRow(data.targets, n);
  if (badTarget >= 0) error(targetPath(badTarget), `example ${badTarget + 1} has a target that is not a finite number`);
  if (hasErrors(diagnostics)) return { diagnostics };

  if (file.loss === 'cross-entropy') {
    for (let r = 0; r < data.count; r++) {
      let sum = 0;
      let negative = false;
      for (let j = 0; j < n; j++) {
        const t = data.targets[r * n + j];
        if (t < 0) negative = true;
        sum += t;
      }
      if (negative || Math.abs(sum - 1) > 1e-6) {
        error(
          targetPath(r),
          `${where(r)} ${negative ? 'has a negative value' : `sums to ${Math.round(sum * 1e6) / 1e6}`}: softmax with cross-entropy needs targets that are probabilities (non-negative, summing to 1), e.g. one-hot rows like [0, 1, 0]`,
        );
        break;
      }
    }
  } else if (file.loss === 'binary-cross-entropy') {
    for (let i = 0; i < data.targets.length; i++) {
      const t = data.targets[i];
      if (t < 0 || t > 1) {
        const r = Math.floor(i / n);
        error(targetPath(r), `${where(r)} has ${t}: binary-cross-entropy needs targets between 0 and 1 (usually 0 or 1)`);
        break;
      }
    }
  } else if (output.activation === 'sigmoid' || output.activation === 'tanh') {
    const [lo, hi] = output.activation === 'sigmoid' ? [0, 1] : [-1, 1];
    for (let i = 0; i < data.targets.length; i++) {
      const t = data.targets[i];
      if (t < lo || t > hi) {
        const r = Math.floor(i / n);
        warning(
          targetPath(r),
          `${where(r)} has ${t}, but a ${output.activation} output only reaches (${lo}, ${hi}); the cost can never reach 0 — scale the targets or use a linear output layer`,
        );
        break;
      }
    }
  }

  // Validation split: ceil(count · split) examples chosen at random from the seed (see splitRows).
  const split = training.validationSplit;
  const nVal = split > 0 ? Math.ceil(data.count * split) : 0;
  const nTrain = data.count - nVal;
  if (nTrain <= 0) {
    error(
      file.training?.validationSplit !== undefined ? 'training.validationSplit' : 'data',
      `validationSplit ${split} holds out all ${plural(data.count, 'example')}, leaving none to train on; use a smaller split`,
    );
  }
  if (hasErrors(diagnostics)) return { diagnostics };

  const batchPath = file.training?.batchSize !== undefined ? 'training.batchSize' : 'training';
  if (training.batchSize > nTrain) {
    warning(batchPath, `batchSize ${training.batchSize} is larger than the ${plural(nTrain, 'training example')}; every batch will be the whole training set`);
  }
  const bnLayer = layers.find((l) => l.batchNorm !== null);
  if (bnLayer) {
    const bnPath = `layers[${bnLayer.index - 1}].batchNorm`;
    if (nTrain < 2) {
      error(bnPath, `batch normalization needs mini-batches of at least 2 examples, but there is only ${plural(nTrain, 'training example')}`);
    } else if (training.batchSize < nTrain && nTrain % training.batchSize === 1) {
      warning(
        batchPath,
        `${nTrain} training examples in batches of ${training.batchSize} leave a last batch of 1 example, where batch normalization gives z − μ = 0; choose a batchSize that leaves a remainder of 0 or ≥ 2`,
      );
    }
  }
  if (hasErrors(diagnostics)) return { diagnostics };

  const network: ResolvedNetwork = {
    name: file.name ?? data.name,
    seed,
    inputSize: input.size,
    layers,
    loss: file.loss,
    optimizer,
    training,
    ...(() => {
      const rows = splitRows(data.count, nVal, seed);
      return { train: nVal > 0 ? pickRows(data, rows.train) : data, validation: pickRows(data, rows.validation) };
    })(),
  };
  if (file.description !== undefined) network.description = file.description;
  if (input.name !== undefined) network.inputName = input.name;
  if (file.exercise) {
    const ex = resolveExercise(file.exercise, network);
    diagnostics.push(...ex.diagnostics);
    if (!ex.exercise || hasErrors(ex.diagnostics)) return { diagnostics };
    network.exercise = ex.exercise;
  }
  return { network, diagnostics };
}

/** `mazur.backprop.json` → `mazur`; `dir/net.json` → `net`. */
function baseName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.backprop\.json$/i, '').replace(/\.json$/i, '') || base;
}

/**
 * Parses, validates, loads the data of and resolves a network file. Never throws: every problem is a
 * diagnostic located in the network file (or, for a CSV file's contents, in that file).
 */
export async function loadNetwork(
  text: string,
  fileName: string,
  host?: DataHost,
  /** Override the file's `seed` (initialization, shuffling, dropout, generated data, the split). */
  options: { seed?: number } = {},
): Promise<{ file?: NetworkFile; network?: ResolvedNetwork; diagnostics: Diagnostic[] }> {
  let parsed: ReturnType<typeof analyzeNetworkText>;
  try {
    parsed = analyzeNetworkText(text, fileName);
  } catch (e) {
    return { diagnostics: [internalError(e, fileName)] };
  }
  const diagnostics = [...parsed.diagnostics];
  const parsedFile = parsed.file;
  if (!parsedFile || hasErrors(diagnostics)) return { diagnostics };
  const file = options.seed !== undefined ? { ...parsedFile, seed: options.seed } : parsedFile;
  const locate = (ds: Diagnostic[]) => ds.map((d) => locateDiagnostic(d, parsed, fileName));
  try {
    const loaded = await loadData(file.data, host ? { seed: file.seed ?? 1, host } : { seed: file.seed ?? 1 });
    diagnostics.push(...locate(loaded.diagnostics));
    if (!loaded.dataset || hasErrors(loaded.diagnostics)) return { file, diagnostics };
    const resolved = resolveChecked(file, loaded.dataset);
    diagnostics.push(...locate(resolved.diagnostics));
    if (!resolved.network || hasErrors(resolved.diagnostics)) return { file, diagnostics };
    const network = resolved.network;
    if (file.name === undefined) {
      network.name = baseName(fileName);
      if (network.exercise && file.exercise?.title === undefined) network.exercise.title = network.name;
    }
    return { file, network, diagnostics };
  } catch (e) {
    diagnostics.push(internalError(e, fileName));
    return { file, diagnostics };
  }
}

function internalError(e: unknown, fileName: string): Diagnostic {
  return {
    severity: 'error',
    path: '',
    message: `internal error while loading the network (please report it): ${e instanceof Error ? e.message : String(e)}`,
    file: fileName,
    offset: 0,
    length: 0,
    line: 1,
    column: 1,
  };
}
