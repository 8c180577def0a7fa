// Build resolved networks directly (without the file validator), for engine tests.
import { defaultInit, initWeights } from '../../src/engine/init';
import type { Activation, Dataset, LossKind, OptimizerKind, ResolvedLayer, ResolvedNetwork, ResolvedOptimizer, ResolvedTraining } from '../../src/engine/spec';

export interface LayerOpts {
  size: number;
  activation?: Activation;
  weights?: number[][];
  biases?: number[];
  dropout?: number;
  batchNorm?: boolean;
  residual?: boolean;
  leak?: number;
}

export function dataset(inputs: number[][], targets: number[][], name = 'test'): Dataset {
  return {
    name,
    count: inputs.length,
    inputSize: inputs[0]?.length ?? 0,
    targetSize: targets[0]?.length ?? 0,
    inputs: Float64Array.from(inputs.flat()),
    targets: Float64Array.from(targets.flat()),
  };
}

export function optimizer(type: OptimizerKind, over: Partial<ResolvedOptimizer> = {}): ResolvedOptimizer {
  const isAdam = type === 'adam' || type === 'adamw';
  return {
    type,
    learningRate: type === 'rmsprop' ? 0.01 : isAdam ? 0.001 : 0.1,
    momentum: type === 'momentum' || type === 'nesterov' ? 0.9 : 0,
    dampening: 0,
    nesterov: type === 'nesterov',
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    alpha: 0.99,
    weightDecay: type === 'adamw' ? 0.01 : 0,
    ...over,
  };
}

export function network(opts: {
  inputSize: number;
  layers: LayerOpts[];
  loss: LossKind;
  optimizer?: ResolvedOptimizer;
  training?: Partial<ResolvedTraining>;
  train: Dataset;
  validation?: Dataset;
  seed?: number;
}): ResolvedNetwork {
  const seed = opts.seed ?? 1;
  let prev = opts.inputSize;
  const layers: ResolvedLayer[] = opts.layers.map((l, i) => {
    const activation = l.activation ?? 'sigmoid';
    const index = i + 2;
    const layer: ResolvedLayer = {
      index,
      size: l.size,
      inputSize: prev,
      activation,
      leak: l.leak ?? 0.01,
      weights: l.weights ? Float64Array.from(l.weights.flat()) : initWeights(defaultInit(activation), prev, l.size, seed, index),
      biases: l.biases ? Float64Array.from(l.biases) : new Float64Array(l.size),
      init: l.weights ? 'given' : defaultInit(activation),
      dropout: l.dropout ?? 0,
      batchNorm: l.batchNorm ? { momentum: 0.1, epsilon: 1e-5 } : null,
      residual: l.residual ?? false,
    };
    prev = l.size;
    return layer;
  });
  return {
    name: 'test',
    seed,
    inputSize: opts.inputSize,
    layers,
    loss: opts.loss,
    optimizer: opts.optimizer ?? optimizer('sgd'),
    training: { batchSize: 1, epochs: 1, shuffle: false, trainBiases: true, clipNorm: null, clipValue: null, validationSplit: 0, ...opts.training },
    train: opts.train,
    validation: opts.validation ?? dataset([], [], 'empty'),
  };
}

/** The Mazur 2-2-2 network (sigmoid, MSE, SGD η = 0.5, one example). */
export function mazur(trainBiases: boolean, epochs = 1): ResolvedNetwork {
  return network({
    inputSize: 2,
    layers: [
      { size: 2, activation: 'sigmoid', weights: [[0.15, 0.2], [0.25, 0.3]], biases: [0.35, 0.35] },
      { size: 2, activation: 'sigmoid', weights: [[0.4, 0.45], [0.5, 0.55]], biases: [0.6, 0.6] },
    ],
    loss: 'mse',
    optimizer: optimizer('sgd', { learningRate: 0.5 }),
    training: { trainBiases, epochs },
    train: dataset([[0.05, 0.1]], [[0.01, 0.99]], 'mazur'),
  });
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= tol)) throw new Error(`${what}[${i}] = ${a}, expected ${e} (tolerance ${tol})`);
  }
}
