/**
 * The notation the debugger shows: superscript layer numbers, subscript neuron numbers, and the equation
 * each step computes (w^l_jk from neuron k of layer l−1 to neuron j of layer l; layer 1 is the input).
 */
import type { Activation, LossKind, ResolvedNetwork, ResolvedOptimizer } from '../engine';
import type { Phase } from '../engine';

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const SUB = '₀₁₂₃₄₅₆₇₈₉';

export const sup = (n: number): string => String(n).replace(/\d/g, (d) => SUP[Number(d)]).replace('-', '⁻');
export const sub = (n: number): string => String(n).replace(/\d/g, (d) => SUB[Number(d)]);
/** The subscript of w_jk (1-based j, k): "₂₁", or "₄,₂₁" when an index has two digits (₄₂₁ would be ambiguous). */
export const subPair = (j: number, k: number): string => (j < 10 && k < 10 ? `${sub(j)}${sub(k)}` : `${sub(j)},${sub(k)}`);
/** The same for LaTeX: "21", or "4,21". */
export const texPair = (j: number | string, k: number | string): string => (String(j).length === 1 && String(k).length === 1 ? `${j}${k}` : `${j},${k}`);

export function activationName(a: Activation): string {
  return a === 'linear' ? 'identity' : a;
}

/** The rule an optimizer applies, in one line. */
export function updateRule(o: ResolvedOptimizer, l: number): string {
  const W = `W${sup(l)}`;
  const g = `∂C/∂W${sup(l)}`;
  switch (o.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov':
      if (o.momentum > 0) return `v ← μv + ${g};  ${W} ← ${W} − η${o.nesterov ? `(${g} + μv)` : 'v'}`;
      return `${W} ← ${W} − η ${g}`;
    case 'rmsprop':
      return `v ← αv + (1−α)(${g})²;  ${W} ← ${W} − η ${g}/(√v + ε)`;
    case 'adam':
    case 'adamw':
      return `m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  ${W} ← ${W} − η m̂/(√v̂ + ε)`;
  }
}

export function lossEquation(loss: LossKind, L: number): string {
  switch (loss) {
    case 'mse':
      return `C = ½ Σₖ (yₖ − a${sup(L)}ₖ)²`;
    case 'cross-entropy':
      return `C = −Σₖ yₖ ln a${sup(L)}ₖ`;
    case 'binary-cross-entropy':
      return `C = −Σₖ [yₖ ln a${sup(L)}ₖ + (1−yₖ) ln(1−a${sup(L)}ₖ)]`;
  }
}

/** The equation of a step, as a frame name (e.g. `δ² = ((W³)ᵀδ³) ⊙ σ′(z²)`). `neuron` narrows it to one neuron. */
export function stepEquation(net: ResolvedNetwork, phase: Phase | 'start', layer: number | null, neuron: number | null = null): string {
  const L = net.layers.length + 1;
  const l = layer ?? L;
  const j = neuron === null ? '' : sub(neuron + 1);
  const spec = net.layers[l - 2];
  const sigma = spec?.activation === 'softmax' ? 'softmax' : 'σ';
  switch (phase) {
    case 'start':
      return 'start of training';
    case 'forward':
      if (neuron !== null) return `z${sup(l)}${j} = Σₖ w${sup(l)}${j}ₖ a${sup(l - 1)}ₖ + b${sup(l)}${j},  a${sup(l)}${j} = ${sigma}(z${sup(l)}${j})`;
      return `z${sup(l)} = W${sup(l)}a${sup(l - 1)} + b${sup(l)},  a${sup(l)} = ${sigma}(z${sup(l)})`;
    case 'loss':
      return lossEquation(net.loss, L);
    case 'delta':
      if (l === L) {
        const simple = (net.loss === 'cross-entropy' && spec?.activation === 'softmax') || (net.loss === 'binary-cross-entropy' && spec?.activation === 'sigmoid');
        if (simple) return `δ${sup(L)}${j} = a${sup(L)}${j} − y${j}   (BP1)`;
        return `δ${sup(L)}${j} = ∂C/∂a${sup(L)}${j} ⊙ σ′(z${sup(L)}${j})   (BP1)`;
      }
      if (neuron !== null) return `δ${sup(l)}${j} = (Σₖ w${sup(l + 1)}ₖ${j} δ${sup(l + 1)}ₖ) σ′(z${sup(l)}${j})   (BP2)`;
      return `δ${sup(l)} = ((W${sup(l + 1)})ᵀδ${sup(l + 1)}) ⊙ σ′(z${sup(l)})   (BP2)`;
    case 'gradient':
      if (neuron !== null) return `∂C/∂w${sup(l)}${j}ₖ = a${sup(l - 1)}ₖ δ${sup(l)}${j},  ∂C/∂b${sup(l)}${j} = δ${sup(l)}${j}   (BP3, BP4)`;
      return `∂C/∂W${sup(l)} = δ${sup(l)}(a${sup(l - 1)})ᵀ,  ∂C/∂b${sup(l)} = δ${sup(l)}   (BP3, BP4)`;
    case 'clip':
      return net.training.clipNorm !== null ? `g ← g · min(1, ${net.training.clipNorm}/‖g‖)` : `g ← clamp(g, ±${net.training.clipValue})`;
    case 'update':
      return updateRule(net.optimizer, l);
    case 'epoch-end':
      return 'evaluate loss and accuracy';
  }
}

export function phaseTitle(phase: Phase | 'start'): string {
  switch (phase) {
    case 'start':
      return 'start';
    case 'forward':
      return 'forward pass';
    case 'loss':
      return 'loss';
    case 'delta':
      return 'backward pass (δ)';
    case 'gradient':
      return 'gradients (∂C/∂W, ∂C/∂b)';
    case 'clip':
      return 'gradient clipping';
    case 'update':
      return 'update';
    case 'epoch-end':
      return 'epoch end (evaluation)';
  }
}
