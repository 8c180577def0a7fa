/**
 * "Save Trained Network As…": the network file of a model's *current* parameters, so that loading
 * it gives exactly the same forward outputs (every weight and bias written in the shortest text
 * that reads back to the same float64, `String(x)`; −0 as `-0`).
 *
 * Kept from the original file: `$schema`, `seed` (the resolved one, so generated data and the
 * validation split are the same), each layer's size, name, activation, leak, dropout, batchNorm and
 * residual, `loss`, `optimizer`, `training` and `data` as written (a CSV path can be rewritten for
 * the new file's folder). Replaced: `weights` and `biases` (the current values; `init` is dropped,
 * since the weights are given), `name` ("<name> (trained, epoch 3)") and `description`. Other
 * top-level fields (such as exercise questions, whose answers were for the original weights) are
 * left out. Optimizer state (momentum buffers, Adam's moments) has no place in the file format:
 * training the saved file starts a fresh run from these weights.
 *
 * Batch normalization: the file format has no fields for γ, β and the running statistics, so a
 * network with batch normalization can be saved only before its first update (when they still
 * have their initial values); after that the export is refused with the reason.
 */
import type { Model } from './network';
import type { DataSpec, LayerSpec, NetworkFile, ResolvedNetwork } from './spec';
import type { Trainer } from './trainer';

/** A refusal or a problem with the input, with a message that says what to do. */
export class ExportError extends Error {}

/** Where training stands, for the name and description of the saved file. */
export interface TrainedPosition {
  /** Micro-steps executed (0: nothing trained yet). */
  step: number;
  /** Updates applied to the weights (the optimizer's step count). */
  updates: number;
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  /** Epochs whose end (evaluation) has been reached. */
  epochsCompleted: number;
  finished: boolean;
}

export interface TrainedNetworkOptions {
  /** The network file as parsed (`loadNetwork(...).file`). */
  file: NetworkFile;
  /** The resolved network the model was built from (its seed and name). */
  net: ResolvedNetwork;
  /** The model holding the parameters to save. */
  model: Model;
  position: TrainedPosition;
  /** The original file's name, for the description. */
  sourceName: string;
  /** For CSV data: the CSV's path relative to the new file's folder (default: as written). */
  csvPath?: string;
}

/** A float64 as JSON text that reads back to the same bits. */
function exactNumber(x: number, where: string): string {
  if (!Number.isFinite(x)) throw new ExportError(`${where} is ${x}: a trained network with NaN or infinite parameters cannot be saved (training diverged; lower the learning rate or clip the gradients)`);
  return Object.is(x, -0) ? '-0' : String(x);
}

/** "(trained, epoch 3)" after whole epochs of updates, "(trained, epoch 2, batch 5 of 8)" within one, or "(initial weights)". */
export function trainedLabel(p: TrainedPosition): string {
  const u = p.updates;
  if (u === 0) return '(initial weights)';
  const bpe = p.batchesPerEpoch;
  if (u % bpe === 0) return `(trained, epoch ${u / bpe})`;
  return `(trained, epoch ${Math.floor(u / bpe) + 1}, batch ${u % bpe} of ${bpe})`;
}

/** Where a trainer stands, for `trainedNetworkText`. */
export function trainedPosition(t: Trainer): TrainedPosition {
  const pos = t.position;
  return {
    step: t.step,
    updates: t.optimizerStates(2).W.step,
    epoch: pos.epoch,
    batch: pos.batch,
    batchesPerEpoch: t.batchesPerEpoch,
    epochsCompleted: t.epochsCompleted,
    finished: t.finished,
  };
}

/** Pretty JSON with number rows on one line (as the examples are written). */
function pretty(value: unknown, indent: string, numbers: (v: number) => string): string {
  const inner = indent + '  ';
  if (typeof value === 'number') return numbers(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => typeof v === 'number')) return `[${value.map((v: number) => numbers(v)).join(', ')}]`;
    const flat = value.every((v) => typeof v !== 'object' || v === null);
    if (flat) return `[${value.map((v) => pretty(v, inner, numbers)).join(', ')}]`;
    return `[\n${value.map((v) => inner + pretty(v, inner, numbers)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  // Small objects of plain values on one line ({ "size": 2 }, the optimizer); everything else one key per line.
  if (entries.every(([, v]) => v === null || typeof v !== 'object')) {
    const line = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pretty(v, inner, numbers)}`).join(', ')} }`;
    if (line.length + indent.length <= 100) return line;
  }
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner, numbers)}`).join(',\n')}\n${indent}}`;
}

/** The text of the trained network file (UTF-8 JSON, `\n` line ends, final newline). */
export function trainedNetworkText(o: TrainedNetworkOptions): string {
  const { file, net, model, position } = o;
  const bn = net.layers.find((l) => l.batchNorm !== null);
  if (bn && position.updates > 0) {
    throw new ExportError(
      `layers[${bn.index - 1}] uses batch normalization: its trained γ, β and running statistics have no field in the network file format, ` +
        'so the saved file would not give the same outputs. Save before the first update, or export the trace (γ and β are in its update records).',
    );
  }
  const layers: (LayerSpec | NetworkFile['layers'][number])[] = [file.layers[0]];
  file.layers.slice(1).forEach((written, i) => {
    const p = model.layers[i];
    const n = p.spec.size;
    const k = p.spec.inputSize;
    const spec = written as LayerSpec;
    const rows: number[][] = [];
    for (let j = 0; j < n; j++) rows.push(Array.from(p.W.subarray(j * k, (j + 1) * k)));
    const out: Record<string, unknown> = {};
    // Field order as the examples write it; weights and biases where init was.
    for (const key of ['size', 'name', 'activation', 'leak'] as const) if (spec[key] !== undefined) out[key] = spec[key];
    out.weights = rows;
    out.biases = Array.from(p.b);
    for (const key of ['dropout', 'batchNorm', 'residual'] as const) if (spec[key] !== undefined) out[key] = spec[key];
    layers.push(out as LayerSpec);
  });
  let data: DataSpec = file.data;
  if (o.csvPath !== undefined && 'csv' in data) data = { ...data, csv: o.csvPath };
  const label = trainedLabel(position);
  const base = net.name;
  const what =
    position.updates === 0
      ? `The initial weights of "${base}" (${o.sourceName}), written out`
      : `"${base}" (${o.sourceName}) after ${position.updates} update${position.updates === 1 ? '' : 's'} (step ${position.step}, epoch ${position.epoch}, mini-batch ${position.batch}), saved by Backprop Stepper`;
  const out: Record<string, unknown> = {};
  if (file.$schema !== undefined) out.$schema = file.$schema;
  out.name = `${base} ${label}`;
  out.description = `${what}. Training this file starts a new run from these weights (optimizer state such as momentum is not saved).${file.description ? ` Original description: ${file.description}` : ''}`;
  out.seed = net.seed;
  out.layers = layers;
  out.loss = file.loss;
  if (file.optimizer !== undefined) out.optimizer = file.optimizer;
  if (file.training !== undefined) out.training = file.training;
  out.data = data;
  let where = '';
  const numbers = (v: number) => exactNumber(v, where || 'a parameter');
  // Check the parameters first, naming the layer of the first bad one.
  model.layers.forEach((p, i) => {
    where = `a weight or bias of layers[${i + 1}]`;
    p.W.forEach((v) => exactNumber(v, where));
    p.b.forEach((v) => exactNumber(v, where));
  });
  where = '';
  return pretty(out, '', numbers) + '\n';
}

/** The file name for the saved network beside the original: `mazur.backprop.json` → `mazur.trained.backprop.json`. */
export function trainedFileName(original: string): string {
  const base = original.replace(/^.*[\\/]/, '');
  const stem = base.replace(/\.backprop\.json$/i, '').replace(/\.json$/i, '');
  return `${stem}.trained.backprop.json`;
}

/** A POSIX path from folder `fromDir` to `to` (both absolute, `/`-separated), for a CSV named in a saved file. */
export function relativePosixPath(fromDir: string, to: string): string {
  const a = fromDir.split('/').filter((s) => s !== '');
  const b = to.split('/').filter((s) => s !== '');
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const ups = a.length - i;
  return [...Array<string>(ups).fill('..'), ...b.slice(i)].join('/') || '.';
}
