/**
 * The equation of the current step for one neuron (and one example of the mini-batch), with the real
 * numbers substituted — what a textbook shows, computed from the values the engine holds right now:
 *   z²₁ = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775
 *   δ²₁ = (0.4·0.138498562 + 0.5·(−0.0380982365))·0.241300709 = 0.00877135468
 * Shown in the debugger's Neuron scope and by `explain` in the Debug Console.
 */
import type { DebugRuntime } from './runtime';
import { sub, sup } from './notation';
import { fmt } from './runtime';

export interface Explanation {
  /** e.g. "neuron 1 of layer 2, example 1" */
  title: string;
  /** One equation per line, with numbers. */
  lines: string[];
}

/** Sums with more terms than this show the first ones, then "…". */
const MAX_TERMS = 6;

const num = (x: number): string => (x < 0 || Object.is(x, -0) ? `(${fmt(x)})` : fmt(x));

function sum(terms: string[], total: number): string {
  if (terms.length <= MAX_TERMS) return terms.join(' + ');
  return `${terms.slice(0, MAX_TERMS - 1).join(' + ')} + … (${terms.length} terms, Σ = ${fmt(total)})`;
}

/** σ′ from the stored pre-activation y and output s (as the engine computes it). */
function derivative(activation: string, y: number, s: number, leak: number): { text: string; value: number } {
  switch (activation) {
    case 'sigmoid':
      return { text: `σ′ = a(1 − a) = ${fmt(s * (1 - s))}`, value: s * (1 - s) };
    case 'tanh':
      return { text: `σ′ = 1 − a² = ${fmt(1 - s * s)}`, value: 1 - s * s };
    case 'relu':
      return { text: `σ′ = [z > 0] = ${y > 0 ? 1 : 0}`, value: y > 0 ? 1 : 0 };
    case 'leaky-relu':
      return { text: `σ′ = ${y > 0 ? '1 (z > 0)' : `${leak} (z ≤ 0)`}`, value: y > 0 ? 1 : leak };
    default:
      return { text: 'σ′ = 1', value: 1 };
  }
}

/**
 * The current step's equation for neuron `j` (0-based) of the current layer and example `x` (0-based row
 * of the mini-batch). Null when the step has no per-neuron equation (the start, clipping, the epoch's end).
 */
export function explainNeuron(rt: DebugRuntime, j: number, x: number): Explanation | null {
  const t = rt.trainer;
  const pos = t.position;
  if (pos.phase === 'loss') return explainLoss(rt, x);
  if (pos.layer === null || (pos.phase !== 'forward' && pos.phase !== 'delta' && pos.phase !== 'gradient' && pos.phase !== 'update')) return null;
  const l = pos.layer;
  const i = l - 2;
  const spec = rt.net.layers[i];
  const n = spec.size;
  const k = spec.inputSize;
  if (j < 0 || j >= n) return null;
  const m = t.ws.m;
  x = Math.max(0, Math.min(m - 1, x));
  const p = t.model.layers[i];
  const buf = t.ws.layers[i];
  const input = i === 0 ? t.ws.X : t.ws.layers[i - 1].A;
  const L = rt.L;
  const J = sub(j + 1);
  const S = sup(l);
  const Sm = sup(l - 1);
  const ex = m > 1 ? `, example ${x + 1} of ${m}` : '';
  const title = `neuron ${j + 1} of layer ${l}${pos.phase === 'gradient' || pos.phase === 'update' ? '' : ex}`;
  const lines: string[] = [];
  const e = x * n + j;
  switch (pos.phase) {
    case 'forward': {
      const terms: string[] = [];
      let acc = 0;
      for (let q = 0; q < k; q++) {
        const w = p.W[j * k + q];
        const a = input[x * k + q];
        acc += w * a;
        terms.push(`${num(w)}·${num(a)}`);
      }
      lines.push(`z${S}${J} = Σₖ w${S}${J}ₖ a${Sm}ₖ + b${S}${J} = ${sum(terms, acc)} + ${num(p.b[j])} = ${fmt(buf.Z[e])}`);
      if (spec.batchNorm) lines.push(`batch norm: y${S}${J} = γ·(z − μ)/√(σ² + ε) + β = ${fmt(p.gamma![j])}·(${fmt(buf.Z[e])} − ${fmt(buf.mean![j])})/√(${fmt(buf.variance![j])} + ${spec.batchNorm.epsilon}) + ${fmt(p.beta![j])} = ${fmt(buf.Y[e])}`);
      const z = spec.batchNorm ? `y${S}${J}` : `z${S}${J}`;
      if (spec.activation === 'softmax') lines.push(`a${S}${J} = softmax(z${S})${J} = e^${z} / Σₖ e^z${S}ₖ = ${fmt(buf.S[e])}`);
      else lines.push(`a${S}${J} = ${spec.activation === 'linear' ? '' : spec.activation}(${fmt(buf.Y[e])}) = ${fmt(buf.S[e])}`);
      if (spec.residual) lines.push(`residual: a${S}${J} ← a${S}${J} + a${Sm}${J} = ${fmt(buf.S[e])} + ${fmt(input[x * k + j])}`);
      if (buf.mask) lines.push(`dropout: a${S}${J} × mask = ${fmt(buf.mask[e])} → ${fmt(buf.A[e])}`);
      break;
    }
    case 'delta': {
      const d = derivative(spec.activation, buf.Y[e], buf.S[e], spec.leak);
      if (l === L) {
        const yj = t.ws.T[x * n + j];
        const a = buf.S[e];
        const simple = (rt.net.loss === 'cross-entropy' && spec.activation === 'softmax') || (rt.net.loss === 'binary-cross-entropy' && spec.activation === 'sigmoid');
        if (simple) lines.push(`δ${S}${J} = a${S}${J} − y${J} = ${num(a)} − ${num(yj)} = ${fmt(buf.D[e])}   (BP1)`);
        else if (rt.net.loss === 'mse') lines.push(`δ${S}${J} = (a${S}${J} − y${J})·σ′(z${S}${J}) = (${fmt(a)} − ${fmt(yj)})·${num(d.value)} = ${fmt(buf.D[e])}   (BP1, ${d.text})`);
        else lines.push(`δ${S}${J} = ∂C/∂a${S}${J} · σ′(z${S}${J}) = ${num(buf.G[e])}·${num(d.value)} = ${fmt(buf.D[e])}   (BP1)`);
      } else {
        const above = t.model.layers[i + 1];
        const na = rt.net.layers[i + 1].size;
        const Da = t.ws.layers[i + 1].D;
        const terms: string[] = [];
        let acc = 0;
        for (let q = 0; q < na; q++) {
          const w = above.W[q * n + j];
          const dd = Da[x * na + q];
          acc += w * dd;
          terms.push(`${num(w)}·${num(dd)}`);
        }
        const extra = spec.residual ? ` + δ${sup(l + 1)}${J} (residual)` : '';
        if (spec.batchNorm) {
          lines.push(`∂C/∂a${S}${J} = Σₖ w${sup(l + 1)}ₖ${J} δ${sup(l + 1)}ₖ${extra} = ${fmt(buf.G[e])}`);
          lines.push(`δ${S}${J} = ${fmt(buf.D[e])}   (BP2 through σ′ and batch normalization)`);
        } else {
          lines.push(`δ${S}${J} = (Σₖ w${sup(l + 1)}ₖ${J} δ${sup(l + 1)}ₖ${extra})·σ′(z${S}${J}) = (${sum(terms, acc)}${spec.residual ? ` + ${num(buf.G[e] - acc)}` : ''})·${num(d.value)} = ${fmt(buf.D[e])}   (BP2, ${d.text})`);
        }
      }
      break;
    }
    case 'gradient': {
      const scale = m > 1 ? `(1/${m}) Σₓ ` : '';
      for (let q = 0; q < Math.min(k, MAX_TERMS); q++) {
        if (m === 1) lines.push(`∂C/∂w${S}${J}${sub(q + 1)} = a${Sm}${sub(q + 1)} δ${S}${J} = ${num(input[q])}·${num(buf.D[j])} = ${fmt(p.dW[j * k + q])}   (BP4)`);
        else lines.push(`∂C/∂w${S}${J}${sub(q + 1)} = ${scale}a${Sm}${sub(q + 1)} δ${S}${J} = ${fmt(p.dW[j * k + q])}   (BP4)`);
      }
      if (k > MAX_TERMS) lines.push(`… (${k} weights in this row)`);
      lines.push(`∂C/∂b${S}${J} = ${m > 1 ? `(1/${m}) Σₓ ` : ''}δ${S}${J} = ${fmt(p.db[j])}   (BP3)`);
      break;
    }
    case 'update': {
      const o = rt.net.optimizer;
      const plain = (o.type === 'sgd' || o.type === 'momentum' || o.type === 'nesterov') && o.momentum === 0 && o.weightDecay === 0;
      for (let q = 0; q < Math.min(k, MAX_TERMS); q++) {
        const w = p.W[j * k + q];
        const g = p.dW[j * k + q];
        if (plain) lines.push(`w${S}${J}${sub(q + 1)} ← w − η ∂C/∂w = ${fmt(w + o.learningRate * g)} − ${o.learningRate}·${num(g)} = ${fmt(w)}`);
        else lines.push(`w${S}${J}${sub(q + 1)} ← ${fmt(w)}   (${o.type}: ∂C/∂w = ${fmt(g)})`);
      }
      if (k > MAX_TERMS) lines.push(`… (${k} weights in this row)`);
      if (!rt.net.training.trainBiases) lines.push(`b${S}${J} = ${fmt(p.b[j])}   (biases are not trained)`);
      else if (plain) lines.push(`b${S}${J} ← b − η ∂C/∂b = ${fmt(p.b[j] + o.learningRate * p.db[j])} − ${o.learningRate}·${num(p.db[j])} = ${fmt(p.b[j])}`);
      else lines.push(`b${S}${J} ← ${fmt(p.b[j])}`);
      break;
    }
  }
  return { title, lines };
}

/** The loss of one example, with numbers. */
function explainLoss(rt: DebugRuntime, x: number): Explanation {
  const t = rt.trainer;
  const m = t.ws.m;
  x = Math.max(0, Math.min(m - 1, x));
  const n = rt.net.layers[rt.net.layers.length - 1].size;
  const A = t.ws.layers[t.ws.layers.length - 1].S;
  const T = t.ws.T;
  const L = sup(rt.L);
  const terms: string[] = [];
  for (let q = 0; q < n; q++) {
    const y = T[x * n + q];
    const a = A[x * n + q];
    if (rt.net.loss === 'mse') terms.push(`½(${fmt(y)} − ${fmt(a)})²`);
    else if (rt.net.loss === 'cross-entropy') {
      if (y !== 0) terms.push(`−${fmt(y)}·ln ${fmt(a)}`);
    } else terms.push(`−[${fmt(y)}·ln ${fmt(a)} + ${fmt(1 - y)}·ln ${fmt(1 - a)}]`);
  }
  const cx = t.ws.costs[x];
  const lines = [`C${m > 1 ? sub(x + 1) : ''} = ${sum(terms, cx)} = ${fmt(cx)}   (a${L} against the target y)`];
  if (m > 1) lines.push(`C = (1/${m}) Σₓ Cₓ = ${fmt(rt.currentLoss())}   (the mini-batch's cost)`);
  return { title: m > 1 ? `example ${x + 1} of ${m}` : 'the example', lines };
}

/** Every neuron of the current layer step (at most `limit`), for `explain` in the Debug Console. */
export function explainStep(rt: DebugRuntime, x: number, limit = 8): string {
  const t = rt.trainer;
  const pos = t.position;
  if (pos.phase === 'loss') return explainLoss(rt, x).lines.join('\n');
  const n = pos.layer !== null ? rt.net.layers[pos.layer - 2].size : 0;
  const out: string[] = [];
  const v = rt.stepper.view;
  const neurons = v.neuron !== null ? [v.neuron] : Array.from({ length: Math.min(n, limit) }, (_, j) => j);
  for (const j of neurons) {
    const e = explainNeuron(rt, j, x);
    if (e) out.push(...e.lines);
  }
  if (!out.length) return 'This step has no per-neuron equation (step to a forward, δ, gradient or update step).';
  if (v.neuron === null && n > limit) out.push(`… (${n} neurons; step in with F11 to go neuron by neuron)`);
  return out.join('\n');
}
