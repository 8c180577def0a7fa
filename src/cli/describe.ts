/** One-line descriptions of a resolved network and its data, and the resolved network as a plain object. */
import { dataText, parameterCount, type ResolvedLayer, type ResolvedNetwork, type ResolvedOptimizer } from '../engine';
import { plural, short } from './output';

// The resolved network as a plain object (the trace header) lives in the engine, beside the trace exporter.
export { dataText, optimizerObject, parameterCount, resolvedObject } from '../engine';

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
