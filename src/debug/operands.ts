/**
 * The operands of one neuron's equation at the current step — the numbers a textbook substitutes, read
 * once from the engine — for the two renderings: plain text (explain.ts) and LaTeX (panel.ts).
 */
import { adamBiasCorrections, multiplyByDerivative, type Activation, type ResolvedLayer } from '../engine';
import type { Ref } from '../shared/protocol';
import type { DebugRuntime } from './runtime';

/** Sums with more terms than this show the first ones, then "…". */
export const MAX_TERMS = 6;
/** Examples shown in a mini-batch mean before "…". */
export const MAX_EXAMPLES = 4;

/** A number and where it came from (null: not linked to a tensor element). */
export interface Operand {
  v: number;
  ref: Ref | null;
}

/** A sum of products: its first MAX_TERMS terms, how many there are and the total. */
export interface Sum {
  terms: [Operand, Operand][];
  count: number;
  total: number;
}

/** Σ as shown: every term when there are few, else the first MAX_TERMS − 1 and then `more`. */
export function showSum(s: Sum, term: (a: Operand, b: Operand) => string, more: (count: number, total: number) => string): string {
  const cut = s.count <= MAX_TERMS ? s.terms : s.terms.slice(0, MAX_TERMS - 1);
  const shown = cut.map(([a, b]) => term(a, b)).join(' + ');
  return s.count <= MAX_TERMS ? shown : `${shown} + ${more(s.count, s.total)}`;
}

/** One weight of the row for the gradient step: the examples' a·δ products (at most MAX_EXAMPLES) and ∂C/∂w. */
export interface WeightGradient {
  q: number;
  examples: [Operand, Operand][];
  dW: Operand;
}

/** The optimizer's state behind one weight's update (none for plain SGD). */
export type OptimizerNote = { kind: 'adam'; step: number; mHat: number; vHat: number; stepSize: number } | { kind: 'v'; v: number } | null;

/** One weight of the row for the update step; `before` = w + η ∂C/∂w (its value before a plain SGD step). */
export interface WeightUpdate {
  q: number;
  w: Operand;
  g: Operand;
  before: number;
  state: OptimizerNote;
}

interface Common {
  /** Layer (1-based, 2 … L), neuron and example (0-based), examples in the mini-batch. */
  l: number;
  j: number;
  x: number;
  m: number;
  spec: ResolvedLayer;
}

export type Operands = Common &
  (
    | {
        phase: 'forward';
        dot: Sum;
        b: Operand;
        z: Operand;
        /** Batch normalization's γ, μ, σ², β for this neuron. */
        batchNorm: { gamma: number; mean: number; variance: number; beta: number } | null;
        /** The activation's input (y = z, or z batch-normalized) and output (before residual and dropout). */
        y: Operand;
        s: Operand;
        /** a^{l−1}_j, added by a residual connection. */
        previous: number;
        mask: number | null;
        a: Operand;
      }
    | { phase: 'loss'; terms: Sum; cost: Operand; batchCost: number }
    | {
        phase: 'delta';
        sigmaPrime: Operand;
        /** The activation's input (σ′ of ReLU and leaky ReLU depends on its sign). */
        y: number;
        /** ∂C/∂a. */
        g: Operand;
        delta: Operand;
        /** BP1: which form, a and the target. */
        output: { form: 'simple' | 'mse' | 'general'; a: Operand; target: Operand } | null;
        /** BP2: Σₖ w^{l+1}_kj δ^{l+1}_k, and what the residual connection adds to it. */
        backward: { sum: Sum; residual: number } | null;
      }
    | { phase: 'gradient'; weights: WeightGradient[]; db: Operand }
    | { phase: 'update'; plain: boolean; weights: WeightUpdate[]; bias: { b: Operand; db: Operand; before: number } }
  );

function products(count: number, term: (q: number) => [Operand, Operand]): Sum {
  const terms: [Operand, Operand][] = [];
  let total = 0;
  for (let q = 0; q < count; q++) {
    const t = term(q);
    total += t[0].v * t[1].v;
    if (q < MAX_TERMS) terms.push(t);
  }
  return { terms, count, total };
}

/** σ′ at one neuron, by the engine's own derivative (same bits as the δ it computed); 1 for softmax (δᴸ = a − y). */
function sigmaPrime(activation: Activation, y: number, s: number, leak: number): number {
  if (activation === 'softmax') return 1;
  const one = Float64Array.of(1);
  multiplyByDerivative(activation, Float64Array.of(y), Float64Array.of(s), one, one, 1, leak);
  return one[0];
}

/**
 * The operands of `phase` for neuron `j` (0-based) of layer `l` and example `x` (clamped to the
 * mini-batch). Weights: the selected one, `kSel` (clamped to the row), or with null the row's first
 * MAX_TERMS. Null when the phase has no per-neuron equation or the layer does not exist.
 */
export function operands(rt: DebugRuntime, phase: string, l: number, j: number, x: number, kSel: number | null): Operands | null {
  const t = rt.trainer;
  const i = l - 2;
  const spec = rt.net.layers[i];
  if (!spec) return null;
  const n = spec.size;
  const k = spec.inputSize;
  const m = t.ws.m;
  x = Math.max(0, Math.min(m - 1, x));
  const p = t.model.layers[i];
  const buf = t.ws.layers[i];
  const input = i === 0 ? t.ws.X : t.ws.layers[i - 1].A;
  const L = rt.L;
  const e = x * n + j;
  const common: Common = { l, j, x, m, spec };
  const columns = kSel === null ? Array.from({ length: Math.min(k, MAX_TERMS) }, (_, q) => q) : [Math.min(kSel, k - 1)];
  const val = (v: number, ref: Ref | null = null): Operand => ({ v, ref });
  switch (phase) {
    case 'forward':
      return {
        ...common,
        phase,
        dot: products(k, (q) => [val(p.W[j * k + q], { q: 'W', l, j, k: q }), val(input[x * k + q], { q: 'a', l: l - 1, j: q })]),
        b: val(p.b[j], { q: 'b', l, j }),
        z: val(buf.Z[e], { q: 'z', l, j }),
        batchNorm: spec.batchNorm ? { gamma: p.gamma![j], mean: buf.mean![j], variance: buf.variance![j], beta: p.beta![j] } : null,
        y: val(buf.Y[e], { q: 'z', l, j }),
        s: val(buf.S[e], { q: 'a', l, j }),
        previous: input[x * k + j],
        mask: buf.mask ? buf.mask[e] : null,
        a: val(buf.A[e], { q: 'a', l, j }),
      };
    case 'loss': {
      const no = rt.net.layers[rt.net.layers.length - 1].size;
      const A = t.ws.layers[t.ws.layers.length - 1].S;
      const terms: [Operand, Operand][] = [];
      for (let q = 0; q < no; q++) {
        const y = t.ws.T[x * no + q];
        if (rt.net.loss !== 'cross-entropy' || y !== 0) terms.push([val(y, { q: 'y', l: L, j: q }), val(A[x * no + q], { q: 'a', l: L, j: q })]);
      }
      const cost = t.ws.costs[x];
      return { ...common, phase, terms: { terms: terms.slice(0, MAX_TERMS), count: terms.length, total: cost }, cost: val(cost, { q: 'cost', l: L, j: x }), batchCost: rt.currentLoss() };
    }
    case 'delta': {
      const loss = rt.net.loss;
      const simple = (loss === 'cross-entropy' && spec.activation === 'softmax') || (loss === 'binary-cross-entropy' && spec.activation === 'sigmoid');
      let backward: { sum: Sum; residual: number } | null = null;
      if (l !== L) {
        const above = t.model.layers[i + 1];
        const na = rt.net.layers[i + 1].size;
        const Da = t.ws.layers[i + 1].D;
        const sum = products(na, (q) => [val(above.W[q * n + j], { q: 'W', l: l + 1, j: q, k: j }), val(Da[x * na + q], { q: 'delta', l: l + 1, j: q })]);
        backward = { sum, residual: buf.G[e] - sum.total };
      }
      return {
        ...common,
        phase,
        sigmaPrime: val(sigmaPrime(spec.activation, buf.Y[e], buf.S[e], spec.leak), { q: 'sigmaPrime', l, j }),
        y: buf.Y[e],
        g: val(buf.G[e]),
        delta: val(buf.D[e], { q: 'delta', l, j }),
        output: l === L ? { form: simple ? 'simple' : loss === 'mse' ? 'mse' : 'general', a: val(buf.S[e], { q: 'a', l, j }), target: val(t.ws.T[x * n + j], { q: 'y', l, j }) } : null,
        backward,
      };
    }
    case 'gradient':
      return {
        ...common,
        phase,
        weights: columns.map((q) => ({
          q,
          // With one example the products link to a and δ; a mean over examples shows them unlinked.
          examples: Array.from({ length: Math.min(m, MAX_EXAMPLES) }, (_, ex): [Operand, Operand] => [val(input[ex * k + q], m === 1 ? { q: 'a', l: l - 1, j: q } : null), val(buf.D[ex * n + j], m === 1 ? { q: 'delta', l, j } : null)]),
          dW: val(p.dW[j * k + q], { q: 'dW', l, j, k: q }),
        })),
        db: val(p.db[j], { q: 'db', l, j }),
      };
    case 'update': {
      const o = rt.net.optimizer;
      const eta = o.learningRate;
      const plain = (o.type === 'sgd' || o.type === 'momentum' || o.type === 'nesterov') && o.momentum === 0 && o.weightDecay === 0;
      const st = plain ? null : t.optimizerStates(l).W;
      const note = (idx: number): OptimizerNote => {
        if (!st) return null;
        if ((o.type === 'adam' || o.type === 'adamw') && st.mean && st.square) {
          const { c1, c2 } = adamBiasCorrections(o, st.step);
          const mHat = st.mean[idx] / c1;
          const vHat = st.square[idx] / c2;
          return { kind: 'adam', step: st.step, mHat, vHat, stepSize: (eta * mHat) / (Math.sqrt(vHat) + o.epsilon) };
        }
        if (st.momentum) return { kind: 'v', v: st.momentum[idx] };
        return st.square ? { kind: 'v', v: st.square[idx] } : null;
      };
      return {
        ...common,
        phase,
        plain,
        weights: columns.map((q) => {
          const g = p.dW[j * k + q];
          return { q, w: val(p.W[j * k + q], { q: 'W', l, j, k: q }), g: val(g, { q: 'dW', l, j, k: q }), before: p.W[j * k + q] + eta * g, state: note(j * k + q) };
        }),
        bias: { b: val(p.b[j], { q: 'b', l, j }), db: val(p.db[j], { q: 'db', l, j }), before: p.b[j] + eta * p.db[j] },
      };
    }
    default:
      return null;
  }
}
