/**
 * What the stepper panel shows at the current step, built from the debug session's runtime: a view of
 * the one session, never a second engine. Pure (no vscode, no DAP): the extension's panel host calls it
 * when the session stops or the user changes the selection, and the webview tests play its output.
 *
 * It sends only what the panel displays: per-neuron values of the selected example, edges only for
 * layers small enough to draw them, tables only when asked for (a row slice of large ones), histories
 * thinned to HISTORY_POINTS.
 */
import { adamBiasCorrections, deadShareOf, gradientCheck, type ResolvedOptimizer } from '../engine';
import { argmaxRow, forwardAll, type ForwardOptions } from '../engine/network';
import {
  EDGE_LIMIT,
  HISTORY_POINTS,
  TABLE_CELL_LIMIT,
  dec,
  enc,
  encArray,
  refKey,
  type BoundaryView,
  type GradientCheckResult,
  type HealthBadge,
  type HistoryView,
  type LayerView,
  type Num,
  type PhaseCell,
  type Position,
  type Ref,
  type Selection,
  type Series,
  type Snapshot,
  type TableView,
} from '../shared/protocol';
import type { QuestionResult } from '../engine';
import { exerciseView, hiddenKeys } from './exerciseView';
import { explainNeuron } from './explain';
import { sub, subPair, sup, texPair } from './notation';
import { MAX_EXAMPLES, operands, showSum, type Operand, type Sum } from './operands';
import type { DebugRuntime } from './runtime';

export interface SnapshotOptions {
  /** The network file's name, for the title. */
  name: string;
  /** Why the session stopped ('entry', 'step', 'breakpoint', …). */
  reason: string;
  /** Significant digits of the equation's numbers (backprop.display.precision; default 4, results 2 more). */
  precision?: number;
  /** A lab's answers so far (by question id): questions not in it hide their values while shown. */
  answers?: ReadonlyMap<string, QuestionResult>;
}

/**
 * While one snapshot is built (synchronously): the digits of the equation's numbers and the values to hide.
 * Module state rather than a parameter through every equation builder; buildSnapshot sets and resets it.
 */
let operandDigits = 4;
let hiddenNow: ReadonlyMap<string, string> = new Map();
/** A hidden value in an equation: the box the learner fills in (still linked to its origin). */
const HIDDEN_TEX = '\\boxed{?}';
const isHidden = (ref: Ref | null): boolean => ref !== null && hiddenNow.has(refKey(ref));

// ------------------------------------------------------------------------------------------------
// LaTeX numbers
// ------------------------------------------------------------------------------------------------

/** A number for an equation: 4 significant digits (the full value rides along in data-v). */
export function texNumber(x: number, digits = 4): string {
  if (Number.isNaN(x)) return '\\text{NaN}';
  if (!Number.isFinite(x)) return x > 0 ? '\\infty' : '-\\infty';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e6) {
    const s = Number(x.toPrecision(digits)).toString();
    if (!s.includes('e')) return s;
  }
  const [m, e] = x.toExponential(digits - 1).split('e');
  return `${Number(m)} \\times 10^{${Number(e)}}`;
}

/** The full value as htmlData carries it (no commas or equals signs). */
const fullValue = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(12))) : String(x));

/** A number linked to where it came from; negative numbers in parentheses inside products and sums. */
function tn(x: number, ref: Ref | null, paren = true): string {
  if (isHidden(ref)) return `\\htmlData{ref=${refKey(ref!)}}{${HIDDEN_TEX}}`;
  const body = texNumber(x, operandDigits);
  const shown = paren && (x < 0 || Object.is(x, -0)) ? `(${body})` : body;
  return ref ? `\\htmlData{ref=${refKey(ref)}, v=${fullValue(x)}}{${shown}}` : shown;
}

/** A result: more digits, not parenthesized. */
function tr(x: number, ref: Ref | null): string {
  if (isHidden(ref)) return `\\htmlData{ref=${refKey(ref!)}}{${HIDDEN_TEX}}`;
  const body = texNumber(x, Math.min(17, operandDigits + 2));
  return ref ? `\\htmlData{ref=${refKey(ref)}, v=${fullValue(x)}}{${body}}` : body;
}

const ACT_TEX: Record<string, string> = { sigmoid: '\\sigma', tanh: '\\tanh', relu: '\\operatorname{ReLU}', 'leaky-relu': '\\operatorname{LReLU}', linear: '', softmax: '\\operatorname{softmax}' };

// ------------------------------------------------------------------------------------------------
// General forms
// ------------------------------------------------------------------------------------------------

function lossTex(loss: string, L: number): string {
  switch (loss) {
    case 'mse':
      return `C = \\tfrac12 \\sum_k (y_k - a^{${L}}_k)^2`;
    case 'cross-entropy':
      return `C = -\\sum_k y_k \\ln a^{${L}}_k`;
    default:
      return `C = -\\sum_k \\left[y_k \\ln a^{${L}}_k + (1-y_k)\\ln(1-a^{${L}}_k)\\right]`;
  }
}

export function updateTex(o: ResolvedOptimizer, l: number): string {
  const W = `W^{${l}}`;
  const g = `\\frac{\\partial C}{\\partial W^{${l}}}`;
  const decay = o.weightDecay > 0 && o.type !== 'adamw' ? `g \\leftarrow ${g} + \\lambda ${W},\\quad ` : '';
  const gg = decay ? 'g' : g;
  switch (o.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov':
      if (o.momentum > 0) return `${decay}v \\leftarrow \\mu v + ${o.dampening > 0 ? '(1-\\tau)' : ''}${gg},\\quad ${W} \\leftarrow ${W} - \\eta ${o.nesterov ? `(${gg} + \\mu v)` : 'v'}`;
      return `${decay}${W} \\leftarrow ${W} - \\eta ${gg}`;
    case 'rmsprop':
      return `${decay}v \\leftarrow \\alpha v + (1-\\alpha)${gg}^2,\\quad ${W} \\leftarrow ${W} - \\eta \\frac{${gg}}{\\sqrt{v} + \\epsilon}`;
    case 'adam':
    case 'adamw':
      return `${o.type === 'adamw' && o.weightDecay > 0 ? `${W} \\leftarrow ${W}(1 - \\eta\\lambda),\\quad ` : decay}m \\leftarrow \\beta_1 m + (1-\\beta_1)${gg},\\ v \\leftarrow \\beta_2 v + (1-\\beta_2)${gg}^2,\\ ${W} \\leftarrow ${W} - \\eta \\frac{\\hat m}{\\sqrt{\\hat v} + \\epsilon}`;
  }
}

function generalForm(rt: DebugRuntime, phase: string, layer: number | null): { title: string; rule: string; general: string } {
  const L = rt.L;
  const l = layer ?? L;
  const spec = rt.net.layers[l - 2];
  const act = spec ? ACT_TEX[spec.activation] ?? '\\sigma' : '\\sigma';
  const ce = rt.net.loss !== 'mse' && (spec?.activation === 'softmax' || (rt.net.loss === 'binary-cross-entropy' && spec?.activation === 'sigmoid'));
  switch (phase) {
    case 'start':
      return { title: 'Before the first step', rule: '', general: `\\text{The network is initialized; step to run the forward pass of layer 2.}` };
    case 'forward':
      return { title: `Forward pass, layer ${l}`, rule: 'forward', general: `z^{${l}} = W^{${l}} a^{${l - 1}} + b^{${l}}, \\quad a^{${l}} = ${act || '\\operatorname{id}'}(z^{${l}})` };
    case 'loss':
      return { title: 'The cost of the mini-batch', rule: 'loss', general: `${lossTex(rt.net.loss, L)}, \\quad C_{\\text{batch}} = \\frac{1}{m}\\sum_x C_x` };
    case 'delta':
      if (l === L) return { title: `Output error δ^${l} (BP1)`, rule: 'BP1', general: ce ? `\\delta^{${L}} = a^{${L}} - y` : `\\delta^{${L}} = \\nabla_a C \\odot \\sigma'(z^{${L}})` };
      return { title: `Backpropagate the error to layer ${l} (BP2)`, rule: 'BP2', general: `\\delta^{${l}} = \\left((W^{${l + 1}})^T \\delta^{${l + 1}}\\right) \\odot \\sigma'(z^{${l}})` };
    case 'gradient':
      return { title: `Gradients of layer ${l} (BP3, BP4)`, rule: 'BP3, BP4', general: `\\frac{\\partial C}{\\partial b^{${l}}_j} = \\delta^{${l}}_j, \\quad \\frac{\\partial C}{\\partial w^{${l}}_{jk}} = a^{${l - 1}}_k \\delta^{${l}}_j \\quad \\text{(mean over the mini-batch)}` };
    case 'clip': {
      const c = rt.net.training.clipNorm;
      return { title: 'Gradient clipping', rule: 'clip', general: c !== null ? `g \\leftarrow g \\cdot \\min\\left(1, \\frac{${c}}{\\lVert g \\rVert}\\right)` : `g \\leftarrow \\operatorname{clamp}(g, -${rt.net.training.clipValue}, ${rt.net.training.clipValue})` };
    }
    case 'update':
      return { title: `Update layer ${l} (${rt.net.optimizer.type})`, rule: 'update', general: updateTex(rt.net.optimizer, l) };
    case 'epoch-end':
      return { title: 'End of the epoch', rule: '', general: `\\text{Loss and accuracy on the training${rt.net.validation.count > 0 ? ' and validation' : ''} data (evaluation mode)}` };
    default:
      return { title: 'Training finished', rule: '', general: '\\text{Training is finished: step back to look again.}' };
  }
}

// ------------------------------------------------------------------------------------------------
// Substituted equations
// ------------------------------------------------------------------------------------------------

/** An operand linked to where it came from (`link` false: shown unlinked). */
const on = (o: Operand, link = true): string => tn(o.v, link ? o.ref : null);
const onr = (o: Operand, link = true): string => tr(o.v, link ? o.ref : null);
const product = (a: Operand, b: Operand): string => `${on(a)} \\cdot ${on(b)}`;
const sumTex = (s: Sum, term: (a: Operand, b: Operand) => string = product): string =>
  showSum(s, term, (count, total) => `\\dots_{(${count}\\text{ terms, }\\Sigma = ${texNumber(total, operandDigits)})}`);

function substituted(rt: DebugRuntime, phase: string, l: number, j: number, x: number, kSel: number): string | null {
  const o = operands(rt, phase, l, j, x, kSel);
  if (!o) return null;
  const { m, spec } = o;
  const J = `${j + 1}`;
  const lines: string[] = [];
  switch (o.phase) {
    case 'forward': {
      lines.push(`z^{${l}}_{${J}} = \\sum_k w^{${l}}_{${J}k} a^{${l - 1}}_k + b^{${l}}_{${J}} = ${sumTex(o.dot)} + ${on(o.b)} = ${onr(o.z)}`);
      if (o.batchNorm) lines.push(`y^{${l}}_{${J}} = \\gamma \\frac{z - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta = ${onr(o.y, false)}`);
      const zname = o.batchNorm ? `y^{${l}}_{${J}}` : `z^{${l}}_{${J}}`;
      if (spec.activation === 'softmax') lines.push(`a^{${l}}_{${J}} = \\frac{e^{${zname}}}{\\sum_k e^{z^{${l}}_k}} = ${onr(o.s)}`);
      else lines.push(`a^{${l}}_{${J}} = ${ACT_TEX[spec.activation] || '\\operatorname{id}'}(${tn(o.y.v, o.y.ref, false)}) = ${onr(o.s)}`);
      if (spec.residual) lines.push(`a^{${l}}_{${J}} \\leftarrow a^{${l}}_{${J}} + a^{${l - 1}}_{${J}} \\text{ (residual)}`);
      if (o.mask !== null) lines.push(`a^{${l}}_{${J}} \\cdot \\text{mask} = ${tn(o.mask, null)} \\Rightarrow ${onr(o.a)} \\text{ (dropout)}`);
      break;
    }
    case 'loss': {
      const term = (y: Operand, a: Operand): string => {
        if (rt.net.loss === 'mse') return `\\tfrac12(${on(y)} - ${on(a)})^2`;
        if (rt.net.loss === 'cross-entropy') return `-${on(y)} \\ln ${on(a)}`;
        return `-[${on(y)} \\ln ${on(a)} + (1 - ${on(y)}) \\ln(1 - ${on(a)})]`;
      };
      lines.push(`C_{${m > 1 ? o.x + 1 : 'x'}} = ${sumTex(o.terms, term)} = ${onr(o.cost)}`);
      if (m > 1) lines.push(`C = \\frac{1}{${m}} \\sum_x C_x = ${hiddenNow.has('loss') ? HIDDEN_TEX : tr(o.batchCost, null)}`);
      break;
    }
    case 'delta': {
      const dp = on(o.sigmaPrime);
      const D = onr(o.delta);
      const out = o.output;
      if (out?.form === 'simple') lines.push(`\\delta^{${l}}_{${J}} = a^{${l}}_{${J}} - y_{${J}} = ${on(out.a)} - ${on(out.target)} = ${D}`);
      else if (out?.form === 'mse') lines.push(`\\delta^{${l}}_{${J}} = (a^{${l}}_{${J}} - y_{${J}})\\,\\sigma'(z^{${l}}_{${J}}) = (${on(out.a)} - ${on(out.target)}) \\cdot ${dp} = ${D}`);
      else if (out) lines.push(`\\delta^{${l}}_{${J}} = \\frac{\\partial C}{\\partial a^{${l}}_{${J}}} \\sigma'(z^{${l}}_{${J}}) = ${on(o.g)} \\cdot ${dp} = ${D}`);
      else if (o.backward && spec.batchNorm) {
        lines.push(`\\frac{\\partial C}{\\partial a^{${l}}_{${J}}} = \\sum_k w^{${l + 1}}_{k${J}} \\delta^{${l + 1}}_k = ${onr(o.g)}`);
        lines.push(`\\delta^{${l}}_{${J}} = ${D} \\text{ (through } \\sigma' \\text{ and batch normalization)}`);
      } else if (o.backward) {
        const res = spec.residual ? ` + ${tn(o.backward.residual, null)}_{\\text{residual}}` : '';
        lines.push(`\\delta^{${l}}_{${J}} = \\Big(\\sum_k w^{${l + 1}}_{k${J}} \\delta^{${l + 1}}_k\\Big)\\,\\sigma'(z^{${l}}_{${J}}) = (${sumTex(o.backward.sum)}${res}) \\cdot ${dp} = ${D}`);
      }
      break;
    }
    case 'gradient': {
      const { q, examples, dW } = o.weights[0];
      const K = `${q + 1}`;
      const lhs = `\\frac{\\partial C}{\\partial w^{${l}}_{${texPair(J, K)}}} = `;
      if (m === 1) lines.push(`${lhs}a^{${l - 1}}_{${K}} \\delta^{${l}}_{${J}} = ${product(...examples[0])} = ${onr(dW)}`);
      else lines.push(`${lhs}\\frac{1}{m}\\sum_x a^{${l - 1}}_{${K},x} \\delta^{${l}}_{${J},x} = \\frac{1}{${m}}(${examples.map(([a, d]) => product(a, d)).join(' + ')}${m > MAX_EXAMPLES ? ' + \\dots' : ''}) = ${onr(dW)}`);
      lines.push(`\\frac{\\partial C}{\\partial b^{${l}}_{${J}}} = ${m > 1 ? '\\frac{1}{m}\\sum_x ' : ''}\\delta^{${l}}_{${J}} = ${onr(o.db)}`);
      break;
    }
    case 'update': {
      const { q, w, g, before, state } = o.weights[0];
      const K = `${q + 1}`;
      const eta = tn(rt.net.optimizer.learningRate, null);
      if (o.plain) {
        lines.push(`w^{${l}}_{${texPair(J, K)}} \\leftarrow w - \\eta \\frac{\\partial C}{\\partial w} = ${tn(before, null)} - ${eta} \\cdot ${on(g)} = ${onr(w)}`);
        const b = o.bias;
        if (rt.net.training.trainBiases) lines.push(`b^{${l}}_{${J}} \\leftarrow b - \\eta \\frac{\\partial C}{\\partial b} = ${tn(b.before, null)} - ${eta} \\cdot ${on(b.db)} = ${onr(b.b)}`);
      } else {
        if (state?.kind === 'adam') lines.push(`\\hat m = \\frac{m}{1-\\beta_1^{${state.step}}} = ${tn(state.mHat, null)}, \\quad \\hat v = \\frac{v}{1-\\beta_2^{${state.step}}} = ${tn(state.vHat, null)}, \\quad \\eta \\frac{\\hat m}{\\sqrt{\\hat v}+\\epsilon} = ${tn(state.stepSize, null)}`);
        else if (state) lines.push(`v = ${tn(state.v, null)}`);
        lines.push(`w^{${l}}_{${texPair(J, K)}} \\leftarrow ${onr(w)} \\quad (\\tfrac{\\partial C}{\\partial w} = ${on(g)})`);
      }
      break;
    }
  }
  return lines.join(' \\\\ ');
}

// ------------------------------------------------------------------------------------------------
// The snapshot
// ------------------------------------------------------------------------------------------------

const clampInt = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(v)));

function thin(batch: Float64Array, value: Float64Array, limit = HISTORY_POINTS): Series {
  const n = value.length;
  const x: number[] = [];
  const y: Num[] = [];
  if (n <= limit) {
    for (let i = 0; i < n; i++) {
      x.push(batch[i] + 1);
      y.push(enc(value[i]));
    }
    return { x, y };
  }
  for (let s = 0; s < limit; s++) {
    const i = Math.round((s * (n - 1)) / (limit - 1));
    x.push(batch[i] + 1);
    y.push(enc(value[i]));
  }
  return { x, y };
}

function row(buf: Float64Array, x: number, n: number): Num[] {
  return encArray(buf, x * n, x * n + n);
}

function table(kind: TableView['kind'], name: string, values: Float64Array, rows: number, cols: number, j: number): TableView {
  if (rows * cols <= TABLE_CELL_LIMIT) return { kind, title: `${name} (${rows} × ${cols})`, rows, cols, rowOffset: 0, values: encArray(values, 0, rows * cols) };
  return { kind, title: `${name}, row ${j + 1} of ${rows} (${cols} values; the whole table has ${rows * cols})`, rows: 1, cols, rowOffset: j, values: encArray(values, j * cols, j * cols + cols) };
}

function tables(rt: DebugRuntime, sel: Selection): TableView[] {
  const out: TableView[] = [];
  const l = sel.layer;
  if (l < 2 || !sel.tables.length) return out;
  const i = l - 2;
  const spec = rt.net.layers[i];
  const p = rt.trainer.model.layers[i];
  const n = spec.size;
  const k = spec.inputSize;
  const j = clampInt(sel.neuron, 0, n - 1);
  const grad = rt.computed(l).grad;
  const S = sup(l);
  for (const kind of sel.tables) {
    switch (kind) {
      case 'W':
        out.push(table('W', `W${S}`, p.W, n, k, j));
        break;
      case 'b':
        out.push(table('b', `b${S}`, p.b, n, 1, j));
        break;
      case 'dW':
        out.push(grad ? table('dW', `∂C/∂W${S}`, p.dW, n, k, j) : { kind: 'dW', title: `∂C/∂W${S}: not computed yet in this mini-batch (the gradient step computes it)`, rows: 0, cols: k, rowOffset: 0, values: [] });
        break;
      case 'db':
        out.push(grad ? table('db', `∂C/∂b${S}`, p.db, n, 1, j) : { kind: 'db', title: `∂C/∂b${S}: not computed yet in this mini-batch`, rows: 0, cols: 1, rowOffset: 0, values: [] });
        break;
      case 'optimizer': {
        const st = rt.trainer.optimizerStates(l).W;
        if (st.momentum) out.push(table('momentum', `momentum buffer v of W${S} (after ${st.step} updates)`, st.momentum, n, k, j));
        if (st.mean) out.push(table('m', `Adam m of W${S} (after ${st.step} updates)`, st.mean, n, k, j));
        if (st.square) out.push(table('v', `${st.mean ? 'Adam v' : 'RMSprop v'} of W${S} (after ${st.step} updates)`, st.square, n, k, j));
        if (!st.momentum && !st.mean && !st.square) out.push({ kind: 'optimizer', title: `${rt.net.optimizer.type} without momentum keeps no state`, rows: 0, cols: 0, rowOffset: 0, values: [] });
        break;
      }
    }
  }
  return out;
}

function phases(rt: DebugRuntime): PhaseCell[] {
  const t = rt.trainer;
  const L = rt.L;
  const loc = t.step > 0 ? t.locate(t.step) : null;
  const current = loc && loc.micro ? loc.index : -1;
  const atEpochEnd = t.step > 0 && loc !== null && !loc.micro;
  const cells: PhaseCell[] = t.program.map((ms, idx) => {
    const l = ms.pos >= 0 ? ms.pos + 2 : null;
    let label: string;
    switch (ms.phase) {
      case 'forward':
        label = `forward ${l}`;
        break;
      case 'loss':
        label = 'loss';
        break;
      case 'delta':
        label = `δ${sup(l!)} (${l === L ? 'BP1' : 'BP2'})`;
        break;
      case 'gradient':
        label = `∂C/∂W${sup(l!)}, ∂C/∂b${sup(l!)}`;
        break;
      case 'update':
        label = `update ${l}`;
        break;
      default:
        label = ms.phase;
    }
    const state: PhaseCell['state'] = atEpochEnd || idx < current ? 'done' : idx === current ? 'current' : 'todo';
    return { label, phase: ms.phase, layer: l, state };
  });
  cells.push({ label: 'epoch end', phase: 'epoch-end', layer: null, state: atEpochEnd ? 'current' : 'todo' });
  return cells;
}

/** Badges from the engine's signals; a layer's norm is this mini-batch's when computed, else the last recorded. */
function health(rt: DebugRuntime, layers: LayerView[], gradNorms: HistoryView['gradNorms']): HealthBadge[] {
  const t = rt.trainer;
  const out: HealthBadge[] = [];
  const e = rt.event;
  const loss = rt.currentLoss();
  // Before the first loss step there is no loss yet (NaN stands for "none"), which is not a NaN loss.
  if ((e && e.nonFinite) || (rt.lossKnown() && (Number.isNaN(loss) || !Number.isFinite(loss)))) {
    const nf = e?.nonFinite;
    out.push({
      kind: 'nan',
      severity: 'error',
      title: nf ? `NaN or ∞ in ${nf.quantity}${nf.layer ? ` of layer ${nf.layer}` : ''}` : 'The loss is NaN or ∞',
      detail: 'A value overflowed or became undefined, and it will spread to every weight at the next update. Usual causes: a learning rate that is too high (lower it), exploding gradients (clip them: training.clipNorm), log of 0 in cross-entropy, or NaN in the data.',
      layer: nf?.layer ?? null,
    });
  }
  for (const lv of layers) {
    if (lv.l < 2) continue;
    const recorded = gradNorms[String(lv.l)].y;
    const last = lv.gradNorm !== null ? dec(lv.gradNorm) : recorded.length ? dec(recorded[recorded.length - 1]) : NaN;
    if (last > t.health.explodingNorm)
      out.push({ kind: 'exploding', severity: 'warning', layer: lv.l, title: `Exploding gradient in layer ${lv.l}: ‖∇‖ = ${last.toPrecision(3)}`, detail: `The gradient norm is above ${t.health.explodingNorm}. Steps this large overshoot and can diverge. Remedies: a lower learning rate, gradient clipping (training.clipNorm), Xavier/He initialization, batch normalization.` });
    else if (last < t.health.vanishingNorm && last >= 0)
      out.push({ kind: 'vanishing', severity: 'warning', layer: lv.l, title: `Vanishing gradient in layer ${lv.l}: ‖∇‖ = ${last.toPrecision(3)}`, detail: `The gradient norm is below ${t.health.vanishingNorm}: this layer has almost stopped learning. Typical in deep sigmoid/tanh networks, whose σ′ ≤ 0.25 shrinks δ at every layer (BP2). Remedies: ReLU activations, He/Xavier initialization, batch normalization, residual connections.` });
    if (lv.deadShare !== null && lv.deadShare >= 0.5)
      out.push({ kind: 'dead-relu', severity: 'warning', layer: lv.l, title: `${Math.round(lv.deadShare * 100)}% of layer ${lv.l}'s ReLUs are dead in this mini-batch`, detail: 'A ReLU whose z ≤ 0 for every example passes no gradient (σ′ = 0), so its weights stop changing. Remedies: a lower learning rate, leaky ReLU, He initialization, a small positive bias.' });
  }
  if (t.rising)
    out.push({ kind: 'rising-loss', severity: 'warning', layer: null, title: 'The loss is rising', detail: `The moving average of the mini-batch loss is more than ${t.health.risingFactor}× its best so far. Usual causes: a learning rate that is too high, or momentum that overshoots. Lower η, or step back to where it started rising.` });
  return out;
}

/** Decision boundary caches: the grid's outputs only change when the parameters do. */
const boundaryCache = new WeakMap<DebugRuntime, { key: number; view: BoundaryView }>();

function paramChecksum(rt: DebugRuntime): number {
  let s = 0;
  for (const p of rt.trainer.model.layers) {
    for (let i = 0; i < p.W.length; i++) s = (s * 31 + p.W[i] * (i + 1)) % 1e12;
    for (let i = 0; i < p.b.length; i++) s = (s * 31 + p.b[i] * (i + 7)) % 1e12;
  }
  return s;
}

const BOUNDARY_GRID = 48;
/** Networks with more weights get no decision boundary: its grid would cost more than a few ms per update. */
const BOUNDARY_MAX_WEIGHTS = 5000;

function boundary(rt: DebugRuntime): BoundaryView | null {
  const net = rt.net;
  const data = net.train;
  if (net.inputSize !== 2 || data.count === 0) return null;
  const K = net.layers.length;
  const nOut = net.layers[K - 1].size;
  // Only small networks: the grid is BOUNDARY_GRID² forward passes at each new set of parameters.
  let weights = 0;
  for (const s of net.layers) weights += s.size * s.inputSize;
  if (weights > BOUNDARY_MAX_WEIGHTS) return null;
  const key = paramChecksum(rt);
  const cached = boundaryCache.get(rt);
  if (cached && cached.key === key) return cached.view;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let r = 0; r < data.count; r++) {
    const a = data.inputs[2 * r], b = data.inputs[2 * r + 1];
    if (a < x0) x0 = a;
    if (a > x1) x1 = a;
    if (b < y0) y0 = b;
    if (b > y1) y1 = b;
  }
  const px = Math.max(1e-6, (x1 - x0) * 0.1), py = Math.max(1e-6, (y1 - y0) * 0.1);
  x0 -= px; x1 += px; y0 -= py; y1 += py;
  const n = BOUNDARY_GRID;
  const ws = rt.trainer.evaluationWorkspace();
  const model = rt.trainer.model;
  const values: number[] = new Array(n * n);
  const opts: ForwardOptions = { training: false, seed: 0, batchNumber: 0 };
  const out = ws.layers[K - 1].A;
  for (let start = 0; start < n * n; start += ws.capacity) {
    const m = Math.min(ws.capacity, n * n - start);
    for (let c = 0; c < m; c++) {
      const cell = start + c;
      const gx = cell % n, gy = Math.floor(cell / n);
      ws.X[2 * c] = x0 + ((gx + 0.5) / n) * (x1 - x0);
      ws.X[2 * c + 1] = y1 - ((gy + 0.5) / n) * (y1 - y0);
    }
    ws.m = m;
    forwardAll(model, ws, opts);
    for (let c = 0; c < m; c++) {
      values[start + c] = nOut === 1 ? Math.max(0, Math.min(1, out[c])) : argmaxRow(out, c, nOut);
    }
  }
  const points: BoundaryView['points'] = [];
  const stride = Math.max(1, Math.ceil(data.count / 500));
  for (let r = 0; r < data.count; r += stride) {
    const c = nOut === 1 ? (data.targets[r] >= 0.5 ? 1 : 0) : argmaxRow(data.targets, r, nOut);
    points.push({ x: data.inputs[2 * r], y: data.inputs[2 * r + 1], c });
  }
  const view: BoundaryView = { n, x0, x1, y0, y1, kind: nOut === 1 ? 'probability' : 'class', values: values.map((v) => (Number.isFinite(v) ? v : 0)), classes: Math.max(2, nOut), points };
  boundaryCache.set(rt, { key, view });
  return view;
}

function history(rt: DebugRuntime, sel: Selection): HistoryView {
  const t = rt.trainer;
  const l0 = t.losses;
  const gradNorms: Record<string, Series> = {};
  for (let l = 2; l <= rt.L; l++) {
    const g = t.gradientNorms(l);
    gradNorms[String(l)] = thin(g.batch, g.value);
  }
  const epochs = t.epochResults;
  const epochTrain: Series = { x: epochs.map((e) => e.epoch), y: epochs.map((e) => enc(e.train.loss)) };
  const hasVal = epochs.some((e) => e.validation !== null);
  const epochValidation: Series | null = hasVal ? { x: epochs.map((e) => e.epoch), y: epochs.map((e) => enc(e.validation ? e.validation.loss : NaN)) } : null;
  return { loss: thin(l0.batch, l0.value), epochTrain, epochValidation, gradNorms, weight: weightHistory(rt, sel) };
}

/**
 * The selected weight's value and optimizer state at the end of each of the last mini-batches, read
 * by exact replay (Trainer.goTo) and restored to the current step afterwards. Cached per weight and
 * extended incrementally as training moves on.
 */
interface WeightTrace {
  key: string;
  batches: number[];
  value: number[];
  state: Record<string, number[]>;
}
const weightCache = new WeakMap<DebugRuntime, WeightTrace>();
/** Mini-batches of weight history kept (and replayed at most per snapshot). */
export const WEIGHT_HISTORY_BATCHES = 200;
/**
 * The replay must not stall the extension host: the window shrinks for large networks so that it costs
 * at most about this many floating-point operations (≈ 6 per weight and example per mini-batch), but
 * always covers the last 8 mini-batches (which have dense checkpoints, so replaying them is cheap).
 */
const WEIGHT_HISTORY_FLOPS = 2e8;

function weightWindow(rt: DebugRuntime): number {
  let weights = 0;
  for (const s of rt.net.layers) weights += s.size * s.inputSize;
  const perBatch = 6 * weights * rt.trainer.batchSize;
  return Math.max(8, Math.min(WEIGHT_HISTORY_BATCHES, Math.floor(WEIGHT_HISTORY_FLOPS / perBatch)));
}

function weightHistory(rt: DebugRuntime, sel: Selection): HistoryView['weight'] {
  if (sel.weight === null || sel.layer < 2) return null;
  const t = rt.trainer;
  const l = sel.layer;
  const spec = rt.net.layers[l - 2];
  const j = clampInt(sel.neuron, 0, spec.size - 1);
  const q = clampInt(sel.weight, 0, spec.inputSize - 1);
  const idx = j * spec.inputSize + q;
  const label = `w${sup(l)}${subPair(j + 1, q + 1)}`;
  const perBatch = t.program.length;
  // Batches whose update has completed: the current one only once its last update ran.
  const here = t.step;
  const loc = here > 0 ? t.locate(here) : null;
  const completed = loc ? (loc.micro && loc.index < perBatch - 1 ? loc.batchIndex : loc.batchIndex + 1) : 0;
  // Kept: the last WEIGHT_HISTORY_BATCHES mini-batches. Replayed per snapshot: at most weightWindow(rt).
  const first = Math.max(0, completed - WEIGHT_HISTORY_BATCHES);
  const key = `${l}:${idx}:${t.firstStep}`;
  let trace = weightCache.get(rt);
  if (!trace || trace.key !== key) trace = { key, batches: [], value: [], state: {} };
  // Keep what is still valid (trace.batches holds 1-based batch numbers ≤ completed), then replay the missing ones.
  while (trace.batches.length && trace.batches[trace.batches.length - 1] > completed) {
    trace.batches.pop();
    trace.value.pop();
    for (const s of Object.values(trace.state)) s.pop();
  }
  const have = trace.batches.length ? trace.batches[trace.batches.length - 1] : 0;
  const from = Math.max(first, have, completed - weightWindow(rt));
  // A gap (training ran on by more than the replay budget): start afresh from `from`.
  if (from > have) trace = { key, batches: [], value: [], state: {} };
  if (from < completed) {
    // The step of batch b's last update (each epoch ends with one epoch-end step).
    const endOfBatch = (b: number): number => {
      const e = Math.floor(b / t.batchesPerEpoch);
      return e * t.stepsPerEpoch + (b - e * t.batchesPerEpoch + 1) * perBatch;
    };
    const o = rt.net.optimizer;
    for (let b = from; b < completed; b++) {
      const s = endOfBatch(b);
      // History before the last edit belongs to the unedited run.
      if (s < t.firstStep) continue;
      t.goTo(s);
      const p = t.model.layers[l - 2];
      const st = t.optimizerStates(l).W;
      trace.batches.push(b + 1);
      trace.value.push(p.W[idx]);
      if (st.momentum) (trace.state['momentum v'] ??= []).push(st.momentum[idx]);
      if (st.mean && st.square) {
        const { c1, c2 } = adamBiasCorrections(o, st.step);
        (trace.state['m̂'] ??= []).push(st.mean[idx] / c1);
        (trace.state['v̂'] ??= []).push(st.square[idx] / c2);
      } else if (st.square) (trace.state['v'] ??= []).push(st.square[idx]);
    }
    t.goTo(here);
  }
  // Drop what fell out of the window.
  const keep = trace.batches.findIndex((b) => b > first);
  const drop = keep < 0 ? trace.batches.length : keep;
  if (drop > 0) {
    trace.batches.splice(0, drop);
    trace.value.splice(0, drop);
    for (const s of Object.values(trace.state)) s.splice(0, drop);
  }
  weightCache.set(rt, trace);
  const state: Record<string, Series> = {};
  for (const [name, v] of Object.entries(trace.state)) state[name] = { x: [...trace.batches], y: v.map(enc) };
  return { label, value: { x: [...trace.batches], y: trace.value.map(enc) }, state };
}

/** The panel's view of the session at its current step, through the user's selection (clamped to the network). */
export function buildSnapshot(rt: DebugRuntime, selection: Selection, o: SnapshotOptions): Snapshot {
  const answers = o.answers ?? new Map<string, QuestionResult>();
  operandDigits = Math.max(2, Math.min(17, Math.round(o.precision ?? 4)));
  hiddenNow = rt.net.exercise ? hiddenKeys(rt, answers) : new Map();
  try {
    const s = buildSnapshotNow(rt, selection, o);
    if (rt.net.exercise) {
      s.exercise = exerciseView(rt, answers);
      s.hidden = [...hiddenNow.keys()];
      if (hiddenNow.size) maskHidden(s, rt);
    }
    return s;
  } finally {
    operandDigits = 4;
    hiddenNow = new Map();
  }
}

/**
 * Sends the hidden values as NaN wherever the panel would draw them: the layers' z, a, δ and b, the
 * edges, the parameter tables, the position's loss and the loss and weight histories (the equation
 * already shows them as ?, and its plain text says why).
 */
function maskHidden(s: Snapshot, rt: DebugRuntime): void {
  const hidden = hiddenNow;
  const has = (r: Ref): boolean => hidden.has(refKey(r));
  for (const lv of s.layers) {
    if (lv.l < 2) continue;
    const l = lv.l;
    const n = lv.size;
    const k = rt.net.layers[l - 2].inputSize;
    for (let j = 0; j < n; j++) {
      if (lv.z && has({ q: 'z', l, j })) lv.z[j] = 'NaN';
      if (lv.a && has({ q: 'a', l, j })) lv.a[j] = 'NaN';
      if (lv.delta && has({ q: 'delta', l, j })) lv.delta[j] = 'NaN';
      if (lv.b && has({ q: 'b', l, j })) lv.b[j] = 'NaN';
      if (lv.edges) for (let q = 0; q < k; q++) if (has({ q: s.selection.edges, l, j, k: q })) lv.edges[j * k + q] = 'NaN';
    }
  }
  const l = s.selection.layer;
  for (const tv of s.tables) {
    if (tv.kind !== 'W' && tv.kind !== 'dW' && tv.kind !== 'b' && tv.kind !== 'db') continue;
    for (let r = 0; r < tv.rows; r++)
      for (let c = 0; c < tv.cols; c++) {
        const ref: Ref = tv.kind === 'W' || tv.kind === 'dW' ? { q: tv.kind, l, j: tv.rowOffset + r, k: c } : { q: tv.kind, l, j: tv.rowOffset + r * tv.cols + c };
        if (has(ref)) tv.values[r * tv.cols + c] = 'NaN';
      }
  }
  const t = rt.trainer;
  const batch = t.position.batchIndex + 1;
  if (hidden.has('loss')) {
    s.position.loss = 'NaN';
    const i = s.history.loss.x.lastIndexOf(batch);
    if (i >= 0) s.history.loss.y[i] = 'NaN';
  }
  const w = s.history.weight;
  const sel = s.selection;
  if (w && sel.weight !== null && has({ q: 'W', l: sel.layer, j: sel.neuron, k: sel.weight })) {
    const i = w.value.x.lastIndexOf(batch);
    if (i >= 0) w.value.y[i] = 'NaN';
  }
  const tex = s.equation.substituted;
  if (tex?.includes(HIDDEN_TEX)) {
    const ids = [...new Set([...hidden].filter(([key]) => tex.includes(`ref=${key}}`)).map(([, id]) => id))];
    const named = ids.map((id) => `“${id}”`).join(', ');
    s.equation.text = [`${ids.length === 1 ? `The value asked by question ${named} is` : `Values asked by questions ${named} are`} hidden: work ${ids.length === 1 ? 'it' : 'them'} out from the numbers shown, then answer in the question card (or reveal).`];
  }
}

/** An equation's LaTeX without the panel's links (\htmlData{…}{x} → x), for copying and reports. */
export function plainLatex(tex: string): string {
  let out = '';
  let i = 0;
  const open = '\\htmlData{';
  while (i < tex.length) {
    const at = tex.indexOf(open, i);
    if (at < 0) {
      out += tex.slice(i);
      break;
    }
    out += tex.slice(i, at);
    // Skip the {key=value} group, then keep the body of the next group (which may nest braces).
    let p = tex.indexOf('}', at + open.length);
    if (p < 0 || tex[p + 1] !== '{') {
      out += tex.slice(at);
      break;
    }
    p += 2;
    let depth = 1;
    const start = p;
    while (p < tex.length && depth > 0) {
      if (tex[p] === '\\') {
        p += 2;
        continue;
      }
      if (tex[p] === '{') depth++;
      else if (tex[p] === '}') depth--;
      p++;
    }
    out += plainLatex(tex.slice(start, p - 1));
    i = p;
  }
  return out;
}

/**
 * The substituted equation of one neuron at the runtime's current step, as plain LaTeX (no links), with
 * `precision` significant digits: what the lab report shows for a question. Null when the step has none.
 */
export function equationLatex(rt: DebugRuntime, phase: string, layer: number, neuron: number, example: number, input: number, precision = 4): { general: string; substituted: string | null } {
  operandDigits = Math.max(2, Math.min(17, Math.round(precision)));
  hiddenNow = new Map();
  try {
    const g = generalForm(rt, phase, layer);
    const tex = substituted(rt, phase, layer, neuron, example, input);
    return { general: g.general, substituted: tex === null ? null : plainLatex(tex) };
  } finally {
    operandDigits = 4;
  }
}

function buildSnapshotNow(rt: DebugRuntime, selection: Selection, o: SnapshotOptions): Snapshot {
  const t = rt.trainer;
  const L = rt.L;
  const pos = t.position;
  const view = rt.stepper.view;
  const rowsNow = rt.batchRows;
  const sel: Selection = { ...selection, tables: [...selection.tables] };
  sel.layer = clampInt(sel.layer, 1, L);
  const selSize = sel.layer === 1 ? rt.net.inputSize : rt.net.layers[sel.layer - 2].size;
  sel.neuron = clampInt(sel.neuron, 0, selSize - 1);
  sel.example = clampInt(view.example ?? sel.example, 0, Math.max(0, rowsNow - 1));
  if (sel.weight !== null) sel.weight = sel.layer < 2 ? null : clampInt(sel.weight, 0, rt.net.layers[sel.layer - 2].inputSize - 1);
  const x = sel.example;

  const layers: LayerView[] = [];
  layers.push({ l: 1, size: rt.net.inputSize, activation: 'input', computed: { z: rowsNow > 0, delta: false, grad: false }, z: null, a: rowsNow > 0 ? row(t.ws.X, x, rt.net.inputSize) : null, delta: null, b: null, gradNorm: null, deadShare: null, edges: null });
  for (let l = 2; l <= L; l++) {
    const i = l - 2;
    const spec = rt.net.layers[i];
    const p = t.model.layers[i];
    const buf = t.ws.layers[i];
    const n = spec.size;
    const c = rt.computed(l);
    const small = n * spec.inputSize <= EDGE_LIMIT;
    const edges = !small ? null : sel.edges === 'dW' ? (c.grad ? encArray(p.dW) : null) : encArray(p.W);
    const relu = spec.activation === 'relu' || spec.activation === 'leaky-relu';
    layers.push({
      l,
      size: n,
      activation: spec.activation,
      computed: c,
      z: c.z ? row(buf.Z, x, n) : null,
      a: c.z ? row(buf.A, x, n) : null,
      delta: c.delta ? row(buf.D, x, n) : null,
      b: encArray(p.b),
      gradNorm: c.grad ? enc(rt.layerGradNorm(l)) : null,
      deadShare: relu && c.z ? deadShareOf(buf.Y, t.ws.m, n) : null,
      edges,
    });
  }

  // The equation: of the step's layer, for the neuron being stepped through, else the selected one.
  const phase = t.finished && pos.phase === 'epoch-end' && pos.epoch >= t.epochs ? 'epoch-end' : pos.phase;
  const stepLayer = pos.phase === 'loss' ? L : pos.layer;
  const g = generalForm(rt, phase, pos.layer);
  let subject = '';
  let tex: string | null = null;
  let text: string[] = [];
  if (stepLayer !== null && (phase === 'forward' || phase === 'loss' || phase === 'delta' || phase === 'gradient' || phase === 'update')) {
    const n = rt.net.layers[stepLayer - 2].size;
    const j = view.neuron ?? (sel.layer === stepLayer ? sel.neuron : 0);
    const jj = clampInt(j, 0, n - 1);
    const kSel = sel.layer === stepLayer && sel.weight !== null ? sel.weight : 0;
    tex = substituted(rt, phase, stepLayer, jj, x, kSel);
    const ex = explainNeuron(rt, jj, x);
    if (ex) {
      subject = ex.title;
      text = ex.lines;
    }
  }

  const position: Position = {
    step: pos.step,
    totalSteps: t.totalSteps,
    epoch: pos.epoch,
    epochs: t.epochs,
    batch: pos.batch,
    batches: t.batchesPerEpoch,
    examples: rowsNow,
    rows: rowsNow > 0 ? Array.from(t.examples.subarray(0, Math.min(16, rowsNow)), (r) => r + 1) : [],
    phase: t.finished && t.step === t.totalSteps ? 'end' : pos.phase,
    layer: stepLayer,
    neuron: view.neuron,
    example: view.example,
    loss: rt.lossKnown() ? enc(rt.currentLoss()) : null,
    optimizer: rt.net.optimizer.type,
    learningRate: rt.net.optimizer.learningRate,
    reason: o.reason,
    canStepBack: t.step > t.firstStep,
  };
  const hist = history(rt, sel);
  return {
    name: o.name,
    position,
    layers,
    selection: sel,
    equation: { title: g.title, rule: g.rule, general: g.general, substituted: tex, subject, text },
    phases: phases(rt),
    tables: tables(rt, sel),
    history: hist,
    health: health(rt, layers, hist.gradNorms),
    boundary: boundary(rt),
    // What Step does; the panel's picker has no "to the end" ('end' runs like an epoch step at the last epoch).
    granularity: rt.granularity === 'end' ? 'epoch' : rt.granularity,
    loss: rt.net.loss,
  };
}

/**
 * "Check this gradient": backpropagation's ∂C/∂w^l_jk (or ∂C/∂b^l_j when `weight` is null) against
 * central finite differences of the current mini-batch's mean cost, on a copy of the model (the paused
 * session is not disturbed). Throws a message when no mini-batch is loaded.
 */
export function checkGradient(rt: DebugRuntime, layer: number, neuron: number, weight: number | null, epsilon = 1e-6): GradientCheckResult {
  const t = rt.trainer;
  if (layer < 2 || layer > rt.L) throw new Error(`layer ${layer} has no weights: choose a layer from 2 to ${rt.L}`);
  const spec = rt.net.layers[layer - 2];
  if (neuron < 0 || neuron >= spec.size) throw new Error(`layer ${layer} has neurons 1…${spec.size}`);
  if (weight !== null && (weight < 0 || weight >= spec.inputSize)) throw new Error(`neuron ${neuron + 1} of layer ${layer} has inputs 1…${spec.inputSize}`);
  if (rt.batchRows === 0) throw new Error('No mini-batch is loaded at this step: step forward into a mini-batch first.');
  const loc = t.locate(t.step);
  const ref = weight === null ? { layer, kind: 'b' as const, index: neuron } : { layer, kind: 'W' as const, index: neuron * spec.inputSize + weight };
  const r = gradientCheck(t.model, { X: t.ws.X, T: t.ws.T, m: t.ws.m, seed: rt.net.seed, batchNumber: loc.batchIndex }, [ref], epsilon).entries[0];
  const label = weight === null ? `∂C/∂b${sup(layer)}${sub(neuron + 1)}` : `∂C/∂w${sup(layer)}${subPair(neuron + 1, weight + 1)}`;
  const verdict = r.relError < 1e-7 ? 'pass' : r.relError < 1e-4 ? 'warn' : 'fail';
  return { label, analytic: enc(r.analytic), numeric: enc(r.numeric), relError: enc(r.relError), epsilon, verdict };
}
