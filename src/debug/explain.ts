/**
 * The equation of the current step for one neuron (and one example of the mini-batch), with the real
 * numbers substituted — what a textbook shows, computed from the values the engine holds right now:
 *   z²₁ = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775
 *   δ²₁ = (0.4·0.138498562 + 0.5·(−0.0380982365))·0.241300709 = 0.00877135468
 * Shown in the debugger's Neuron scope and by `explain` in the Debug Console.
 */
import type { DebugRuntime } from './runtime';
import { sub, subPair, sup } from './notation';
import { fmt } from './runtime';
import { MAX_TERMS, operands, showSum, type Operand, type Sum } from './operands';

export interface Explanation {
  /** e.g. "neuron 1 of layer 2, example 1" */
  title: string;
  /** One equation per line, with numbers. */
  lines: string[];
}

const num = (x: number): string => (x < 0 || Object.is(x, -0) ? `(${fmt(x)})` : fmt(x));

const product = (a: Operand, b: Operand): string => `${num(a.v)}·${num(b.v)}`;

const sum = (s: Sum, term: (a: Operand, b: Operand) => string = product): string => showSum(s, term, (count, total) => `… (${count} terms, Σ = ${fmt(total)})`);

/** σ′ as the note beside BP1 and BP2 shows it. */
function derivative(activation: string, y: number, d: number, leak: number): string {
  switch (activation) {
    case 'sigmoid':
      return `σ′ = a(1 − a) = ${fmt(d)}`;
    case 'tanh':
      return `σ′ = 1 − a² = ${fmt(d)}`;
    case 'relu':
      return `σ′ = [z > 0] = ${d}`;
    case 'leaky-relu':
      return `σ′ = ${y > 0 ? '1 (z > 0)' : `${leak} (z ≤ 0)`}`;
    default:
      return 'σ′ = 1';
  }
}

/**
 * The current step's equation for neuron `j` (0-based) of the current layer and example `x` (0-based row
 * of the mini-batch). Null when the step has no per-neuron equation (the start, clipping, the epoch's end).
 */
export function explainNeuron(rt: DebugRuntime, j: number, x: number): Explanation | null {
  const pos = rt.trainer.position;
  if (pos.phase === 'loss') return explainLoss(rt, x);
  const spec = pos.layer === null ? undefined : rt.net.layers[pos.layer - 2];
  if (pos.layer === null || !spec || j < 0 || j >= spec.size) return null;
  const o = operands(rt, pos.phase, pos.layer, j, x, null);
  if (!o) return null;
  const { l, m } = o;
  const J = sub(j + 1);
  const S = sup(l);
  const Sm = sup(l - 1);
  const ex = m > 1 ? `, example ${o.x + 1} of ${m}` : '';
  const title = `neuron ${j + 1} of layer ${l}${o.phase === 'gradient' || o.phase === 'update' ? '' : ex}`;
  const lines: string[] = [];
  const more = (): void => {
    if (spec.inputSize > MAX_TERMS) lines.push(`… (${spec.inputSize} weights in this row)`);
  };
  switch (o.phase) {
    case 'forward': {
      lines.push(`z${S}${J} = Σₖ w${S}${J}ₖ a${Sm}ₖ + b${S}${J} = ${sum(o.dot)} + ${num(o.b.v)} = ${fmt(o.z.v)}`);
      const bn = o.batchNorm;
      if (bn) lines.push(`batch norm: y${S}${J} = γ·(z − μ)/√(σ² + ε) + β = ${fmt(bn.gamma)}·(${fmt(o.z.v)} − ${fmt(bn.mean)})/√(${fmt(bn.variance)} + ${spec.batchNorm!.epsilon}) + ${fmt(bn.beta)} = ${fmt(o.y.v)}`);
      const z = bn ? `y${S}${J}` : `z${S}${J}`;
      if (spec.activation === 'softmax') lines.push(`a${S}${J} = softmax(z${S})${J} = e^${z} / Σₖ e^z${S}ₖ = ${fmt(o.s.v)}`);
      else lines.push(`a${S}${J} = ${spec.activation === 'linear' ? '' : spec.activation}(${fmt(o.y.v)}) = ${fmt(o.s.v)}`);
      if (spec.residual) lines.push(`residual: a${S}${J} ← a${S}${J} + a${Sm}${J} = ${fmt(o.s.v)} + ${fmt(o.previous)}`);
      if (o.mask !== null) lines.push(`dropout: a${S}${J} × mask = ${fmt(o.mask)} → ${fmt(o.a.v)}`);
      break;
    }
    case 'delta': {
      const d = o.sigmaPrime.v;
      const note = derivative(spec.activation, o.y, d, spec.leak);
      const D = fmt(o.delta.v);
      const out = o.output;
      if (out?.form === 'simple') lines.push(`δ${S}${J} = a${S}${J} − y${J} = ${num(out.a.v)} − ${num(out.target.v)} = ${D}   (BP1)`);
      else if (out?.form === 'mse') lines.push(`δ${S}${J} = (a${S}${J} − y${J})·σ′(z${S}${J}) = (${fmt(out.a.v)} − ${fmt(out.target.v)})·${num(d)} = ${D}   (BP1, ${note})`);
      else if (out) lines.push(`δ${S}${J} = ∂C/∂a${S}${J} · σ′(z${S}${J}) = ${num(o.g.v)}·${num(d)} = ${D}   (BP1)`);
      else if (o.backward) {
        const Sp = sup(l + 1);
        const extra = spec.residual ? ` + δ${Sp}${J} (residual)` : '';
        if (spec.batchNorm) {
          lines.push(`∂C/∂a${S}${J} = Σₖ w${Sp}ₖ${J} δ${Sp}ₖ${extra} = ${fmt(o.g.v)}`);
          lines.push(`δ${S}${J} = ${D}   (BP2 through σ′ and batch normalization)`);
        } else {
          const res = spec.residual ? ` + ${num(o.backward.residual)}` : '';
          lines.push(`δ${S}${J} = (Σₖ w${Sp}ₖ${J} δ${Sp}ₖ${extra})·σ′(z${S}${J}) = (${sum(o.backward.sum)}${res})·${num(d)} = ${D}   (BP2, ${note})`);
        }
      }
      break;
    }
    case 'gradient': {
      const mean = m > 1 ? `(1/${m}) Σₓ ` : '';
      for (const { q, examples, dW } of o.weights) {
        const lhs = `∂C/∂w${S}${subPair(j + 1, q + 1)} = `;
        const rhs = `a${Sm}${sub(q + 1)} δ${S}${J}`;
        if (m === 1) lines.push(`${lhs}${rhs} = ${product(...examples[0])} = ${fmt(dW.v)}   (BP4)`);
        else lines.push(`${lhs}${mean}${rhs} = ${fmt(dW.v)}   (BP4)`);
      }
      more();
      lines.push(`∂C/∂b${S}${J} = ${mean}δ${S}${J} = ${fmt(o.db.v)}   (BP3)`);
      break;
    }
    case 'update': {
      const opt = rt.net.optimizer;
      const eta = opt.learningRate;
      for (const { q, w, g, before } of o.weights) {
        if (o.plain) lines.push(`w${S}${subPair(j + 1, q + 1)} ← w − η ∂C/∂w = ${fmt(before)} − ${eta}·${num(g.v)} = ${fmt(w.v)}`);
        else lines.push(`w${S}${subPair(j + 1, q + 1)} ← ${fmt(w.v)}   (${opt.type}: ∂C/∂w = ${fmt(g.v)})`);
      }
      more();
      const { b, db, before } = o.bias;
      if (!rt.net.training.trainBiases) lines.push(`b${S}${J} = ${fmt(b.v)}   (biases are not trained)`);
      else if (o.plain) lines.push(`b${S}${J} ← b − η ∂C/∂b = ${fmt(before)} − ${eta}·${num(db.v)} = ${fmt(b.v)}`);
      else lines.push(`b${S}${J} ← ${fmt(b.v)}`);
      break;
    }
    default:
      return null;
  }
  return { title, lines };
}

/** The loss of one example, with numbers. */
function explainLoss(rt: DebugRuntime, x: number): Explanation {
  const o = operands(rt, 'loss', rt.L, 0, x, null);
  if (o?.phase !== 'loss') throw new Error('no output layer');
  const { m } = o;
  const term = ({ v: y }: Operand, { v: a }: Operand): string => {
    if (rt.net.loss === 'mse') return `½(${fmt(y)} − ${fmt(a)})²`;
    if (rt.net.loss === 'cross-entropy') return `−${fmt(y)}·ln ${fmt(a)}`;
    return `−[${fmt(y)}·ln ${fmt(a)} + ${fmt(1 - y)}·ln ${fmt(1 - a)}]`;
  };
  const lines = [`C${m > 1 ? sub(o.x + 1) : ''} = ${sum(o.terms, term)} = ${fmt(o.cost.v)}   (a${sup(rt.L)} against the target y)`];
  if (m > 1) lines.push(`C = (1/${m}) Σₓ Cₓ = ${fmt(o.batchCost)}   (the mini-batch's cost)`);
  return { title: m > 1 ? `example ${o.x + 1} of ${m}` : 'the example', lines };
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
