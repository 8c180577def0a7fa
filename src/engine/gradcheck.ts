/**
 * Gradient check: compare backpropagation's ∂C/∂θ with central finite differences
 * (C(θ+ε) − C(θ−ε)) / 2ε of the mini-batch's mean cost, for one parameter, a layer, or all.
 * Works on a copy of the model, so a paused trainer is never disturbed.
 */
import { Model, Workspace, computeLoss, deltaLayer, forwardAll, gradientLayer, type ForwardOptions } from './network';

export type ParamKind = 'W' | 'b' | 'gamma' | 'beta';

export interface ParamRef {
  /** Layer in the notation (2…L). */
  layer: number;
  kind: ParamKind;
  /** Flat index: for W, j·n_in + k (w^l_jk). */
  index: number;
}

export interface GradCheckEntry extends ParamRef {
  analytic: number;
  numeric: number;
  absError: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|), 0 when both are below 1e-12. */
  relError: number;
}

export interface GradCheckResult {
  entries: GradCheckEntry[];
  maxRelError: number;
  maxAbsError: number;
  /** Mean cost of the batch at the unperturbed parameters. */
  loss: number;
}

export interface BatchInput {
  /** m × n_in inputs and m × n_out targets. */
  X: Float64Array;
  T: Float64Array;
  m: number;
  /** Dropout masks are a function of (seed, batch number): the same as in training. */
  seed: number;
  batchNumber: number;
}

function tensorOf(model: Model, ref: { layer: number; kind: ParamKind }): { value: Float64Array; grad: Float64Array } {
  const p = model.layers[ref.layer - 2];
  if (!p) throw new RangeError(`layer ${ref.layer} does not exist (layers 2…${model.layers.length + 1})`);
  switch (ref.kind) {
    case 'W':
      return { value: p.W, grad: p.dW };
    case 'b':
      return { value: p.b, grad: p.db };
    case 'gamma':
    case 'beta':
      if (!p.gamma) throw new RangeError(`layer ${ref.layer} has no batch normalization, so no ${ref.kind}`);
      return ref.kind === 'gamma' ? { value: p.gamma, grad: p.dGamma! } : { value: p.beta!, grad: p.dBeta! };
  }
}

/** A copy of a model's parameters and running statistics. */
export function cloneModel(model: Model, workspaces: number[] = []): Model {
  const copy = new Model(model.spec, { workspaces });
  model.layers.forEach((p, i) => {
    const q = copy.layers[i];
    q.W.set(p.W);
    q.b.set(p.b);
    if (p.gamma) {
      q.gamma!.set(p.gamma);
      q.beta!.set(p.beta!);
      q.runningMean!.set(p.runningMean!);
      q.runningVar!.set(p.runningVar!);
    }
  });
  return copy;
}

/** Every parameter of the model (for a full check). */
export function allParams(model: Model): ParamRef[] {
  const refs: ParamRef[] = [];
  model.layers.forEach((p, i) => {
    const layer = i + 2;
    for (let k = 0; k < p.W.length; k++) refs.push({ layer, kind: 'W', index: k });
    for (let k = 0; k < p.b.length; k++) refs.push({ layer, kind: 'b', index: k });
    if (p.gamma) {
      for (let k = 0; k < p.gamma.length; k++) refs.push({ layer, kind: 'gamma', index: k });
      for (let k = 0; k < p.gamma.length; k++) refs.push({ layer, kind: 'beta', index: k });
    }
  });
  return refs;
}

export function gradientCheck(source: Model, batch: BatchInput, refs: ParamRef[], epsilon = 1e-6): GradCheckResult {
  const model = cloneModel(source, [batch.m]);
  const ws = new Workspace(model, batch.m);
  ws.X.set(batch.X.subarray(0, batch.m * model.inputSize));
  ws.T.set(batch.T.subarray(0, batch.m * model.outputSize));
  ws.m = batch.m;
  const opts: ForwardOptions = { training: true, seed: batch.seed, batchNumber: batch.batchNumber, trackRunningStats: false };
  const cost = () => {
    forwardAll(model, ws, opts);
    return computeLoss(model, ws);
  };
  const loss = cost();
  for (let i = model.layers.length - 1; i >= 0; i--) deltaLayer(model, ws, i);
  for (let i = model.layers.length - 1; i >= 0; i--) gradientLayer(model, ws, i);
  const analytic = refs.map((r) => tensorOf(model, r).grad[r.index]);
  const entries: GradCheckEntry[] = refs.map((r, n) => {
    const { value } = tensorOf(model, r);
    const saved = value[r.index];
    value[r.index] = saved + epsilon;
    const plus = cost();
    value[r.index] = saved - epsilon;
    const minus = cost();
    value[r.index] = saved;
    const numeric = (plus - minus) / (2 * epsilon);
    const a = analytic[n];
    const absError = Math.abs(a - numeric);
    const scale = Math.max(Math.abs(a), Math.abs(numeric));
    return { ...r, analytic: a, numeric, absError, relError: scale < 1e-12 ? 0 : absError / scale };
  });
  let maxRelError = 0;
  let maxAbsError = 0;
  for (const e of entries) {
    if (!(e.relError <= maxRelError)) maxRelError = e.relError;
    if (!(e.absError <= maxAbsError)) maxAbsError = e.absError;
  }
  return { entries, maxRelError, maxAbsError, loss };
}
