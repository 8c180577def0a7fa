/** One-line descriptions of a resolved network and its data, and the resolved network as a plain object. */
import { describeDataset, type DataSpec, type ResolvedLayer, type ResolvedNetwork, type ResolvedOptimizer } from '../engine';
import { plural, short } from './output';

function layerText(l: ResolvedLayer): string {
  const extras: string[] = [];
  if (l.activation === 'leaky-relu' && l.leak !== 0.01) extras.push(`leak ${short(l.leak)}`);
  if (l.batchNorm) extras.push('batch norm');
  if (l.dropout > 0) extras.push(`dropout ${short(l.dropout)}`);
  if (l.residual) extras.push('residual');
  return `${l.size} ${l.activation}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

export function optimizerText(o: ResolvedOptimizer): string {
  const parts = [`${o.type} lr ${short(o.learningRate)}`];
  if ((o.type === 'sgd' || o.type === 'momentum' || o.type === 'nesterov' || o.type === 'rmsprop') && o.momentum > 0) parts.push(`momentum ${short(o.momentum)}`);
  if (o.weightDecay > 0) parts.push(`weight decay ${short(o.weightDecay)}`);
  return parts.join(', ');
}

export function parameterCount(net: ResolvedNetwork): number {
  let n = 0;
  for (const l of net.layers) n += l.weights.length + l.size + (l.batchNorm ? 2 * l.size : 0);
  return n;
}

/** The data: name, counts, classes; the validation share when there is one. */
export function dataText(net: ResolvedNetwork): string {
  const base = describeDataset(net.train);
  return net.validation.count > 0 ? `${base} + ${plural(net.validation.count, 'validation example')}` : base;
}

/** `Mazur 2-2-2: 2 → 2 sigmoid → 2 sigmoid, mse, sgd lr 0.5, batch 1, 1 epoch, seed 1, 12 parameters | data: …` */
export function networkLine(net: ResolvedNetwork, epochs: number): string {
  const t = net.training;
  const layers = [String(net.inputSize), ...net.layers.map(layerText)].join(' → ');
  const clip: string[] = [];
  if (t.clipValue !== null) clip.push(`clip value ${short(t.clipValue)}`);
  if (t.clipNorm !== null) clip.push(`clip norm ${short(t.clipNorm)}`);
  const parts = [
    layers,
    net.loss,
    optimizerText(net.optimizer),
    `batch ${t.batchSize}${t.shuffle ? ' shuffled' : ''}`,
    plural(epochs, 'epoch'),
    ...clip,
    ...(t.trainBiases ? [] : ['biases fixed']),
    `seed ${net.seed}`,
    plural(parameterCount(net), 'parameter'),
  ];
  return `${net.name}: ${parts.join(', ')} | data ${dataText(net)}`;
}

/** The optimizer fields its update rule uses. */
export function optimizerObject(o: ResolvedOptimizer): Record<string, unknown> {
  switch (o.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov':
      return { type: o.type, learningRate: o.learningRate, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weightDecay };
    case 'rmsprop':
      return { type: o.type, learningRate: o.learningRate, alpha: o.alpha, epsilon: o.epsilon, momentum: o.momentum, weightDecay: o.weightDecay };
    case 'adam':
    case 'adamw':
      return { type: o.type, learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay };
  }
}

/** The network with every default resolved (no parameter values, no data rows), for the trace header. */
export function resolvedObject(net: ResolvedNetwork, epochs: number, dataSpec?: DataSpec): Record<string, unknown> {
  const input: Record<string, unknown> = { layer: 1, size: net.inputSize };
  if (net.inputName !== undefined) input.name = net.inputName;
  const layers = net.layers.map((l) => {
    const o: Record<string, unknown> = { layer: l.index, size: l.size };
    if (l.name !== undefined) o.name = l.name;
    o.activation = l.activation;
    if (l.activation === 'leaky-relu') o.leak = l.leak;
    o.init = l.init;
    o.dropout = l.dropout;
    o.batchNorm = l.batchNorm ? { momentum: l.batchNorm.momentum, epsilon: l.batchNorm.epsilon } : null;
    o.residual = l.residual;
    return o;
  });
  const data: Record<string, unknown> = {
    description: dataText(net),
    name: net.train.name,
    trainExamples: net.train.count,
    validationExamples: net.validation.count,
    inputSize: net.train.inputSize,
    targetSize: net.train.targetSize,
  };
  if (net.train.inputNames) data.inputNames = net.train.inputNames;
  if (net.train.classNames) data.classNames = net.train.classNames;
  if (net.train.source) data.source = net.train.source;
  // Where builtin or CSV data came from (inline rows are in the batch records).
  if (dataSpec && !('targets' in dataSpec)) data.spec = dataSpec;
  const out: Record<string, unknown> = { name: net.name };
  if (net.description !== undefined) out.description = net.description;
  Object.assign(out, {
    seed: net.seed,
    layers: [input, ...layers],
    loss: net.loss,
    optimizer: optimizerObject(net.optimizer),
    training: { ...net.training, epochs },
    data,
  });
  return out;
}
