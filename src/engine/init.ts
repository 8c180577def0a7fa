/**
 * Weight initialization, as torch.nn.init documents it (gain 1 for Xavier, gain √2 for He / ReLU):
 * - uniform:        U(−1/√n_in, 1/√n_in)  (the "small random" init of torch.nn.Linear)
 * - xavier-uniform: U(−a, a), a = √(6 / (n_in + n_out))
 * - xavier-normal:  N(0, 2 / (n_in + n_out))
 * - he-uniform:     U(−a, a), a = √(6 / n_in)
 * - he-normal:      N(0, 2 / n_in)
 * Biases start at 0. Each layer draws from its own stream of the seed, so changing one layer
 * never changes another's initial weights.
 */
import { Rng, STREAM } from './rng';
import type { Activation, InitKind } from './spec';

export function defaultInit(activation: Activation): InitKind {
  return activation === 'relu' || activation === 'leaky-relu' ? 'he-uniform' : 'xavier-uniform';
}

/** Initial W^l (row-major n_out × n_in) for layer `layerIndex` (2…L). */
export function initWeights(kind: InitKind, nIn: number, nOut: number, seed: number, layerIndex: number): Float64Array {
  const w = new Float64Array(nIn * nOut);
  const rng = new Rng(seed, STREAM.init + layerIndex);
  const uniform = (a: number) => {
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * a;
  };
  const normal = (std: number) => {
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
  };
  switch (kind) {
    case 'uniform':
      uniform(1 / Math.sqrt(nIn));
      break;
    case 'xavier-uniform':
      uniform(Math.sqrt(6 / (nIn + nOut)));
      break;
    case 'xavier-normal':
      normal(Math.sqrt(2 / (nIn + nOut)));
      break;
    case 'he-uniform':
      uniform(Math.sqrt(6 / nIn));
      break;
    case 'he-normal':
      normal(Math.sqrt(2 / nIn));
      break;
  }
  return w;
}
