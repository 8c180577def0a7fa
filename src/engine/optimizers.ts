/**
 * Update rules with the semantics torch.optim documents (SGD with momentum/dampening/Nesterov,
 * RMSprop, Adam, AdamW), applied to one parameter tensor at a time. g is ∂C/∂θ of the
 * mini-batch's mean cost (after clipping); λ is weight decay.
 *
 *   sgd:      g ← g + λθ;  with μ > 0: b ← g on the first step, else b ← μb + (1−τ)g;
 *             nesterov: g ← g + μb, else g ← b;  θ ← θ − ηg
 *   rmsprop:  g ← g + λθ;  s ← αs + (1−α)g²;  with μ > 0: b ← μb + g/(√s+ε), θ ← θ − ηb;
 *             else θ ← θ − ηg/(√s+ε)
 *   adam:     g ← g + λθ;  adamw: θ ← θ(1 − ηλ) instead;  t ← t+1
 *             m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ)
 *             θ ← θ − η m̂/(√v̂ + ε)
 */
import type { WasmKernels } from './memory';
import type { ResolvedOptimizer } from './spec';

/** Per-tensor optimizer state. Buffers exist only for the rules that use them. */
export interface OptimizerState {
  /** Number of updates applied to this tensor (PyTorch's `step`). */
  step: number;
  /** SGD/RMSprop momentum buffer b. */
  momentum: Float64Array | null;
  /** RMSprop running mean of g², or Adam's v. */
  square: Float64Array | null;
  /** Adam's first moment m. */
  mean: Float64Array | null;
}

export function createOptimizerState(opt: ResolvedOptimizer, size: number): OptimizerState {
  const usesMomentum = (opt.type === 'sgd' || opt.type === 'momentum' || opt.type === 'nesterov' || opt.type === 'rmsprop') && opt.momentum > 0;
  const isAdam = opt.type === 'adam' || opt.type === 'adamw';
  return {
    step: 0,
    momentum: usesMomentum ? new Float64Array(size) : null,
    square: opt.type === 'rmsprop' || isAdam ? new Float64Array(size) : null,
    mean: isAdam ? new Float64Array(size) : null,
  };
}

export function copyOptimizerState(src: OptimizerState, dst: OptimizerState): void {
  dst.step = src.step;
  if (src.momentum && dst.momentum) dst.momentum.set(src.momentum);
  if (src.square && dst.square) dst.square.set(src.square);
  if (src.mean && dst.mean) dst.mean.set(src.mean);
}

/**
 * Apply one update to θ in place. `grad` is not modified. `wasm` (when θ and g live in its memory)
 * runs plain SGD as one SIMD loop, with the same bits.
 */
export function optimizerStep(opt: ResolvedOptimizer, theta: Float64Array, grad: Float64Array, state: OptimizerState, wasm?: WasmKernels | null): void {
  const n = theta.length;
  const lr = opt.learningRate;
  const wd = opt.weightDecay;
  switch (opt.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov': {
      const mu = opt.momentum;
      const buf = state.momentum;
      if (!buf && wd === 0) {
        // Plain SGD: θ ← θ − η g.
        if (wasm) wasm.axmy(lr, grad.byteOffset, theta.byteOffset, n);
        else for (let i = 0; i < n; i++) theta[i] -= lr * grad[i];
        break;
      }
      const first = state.step === 0;
      const damp = 1 - opt.dampening;
      for (let i = 0; i < n; i++) {
        let g = grad[i];
        if (wd !== 0) g += wd * theta[i];
        if (buf) {
          const b = first ? g : mu * buf[i] + damp * g;
          buf[i] = b;
          g = opt.nesterov ? g + mu * b : b;
        }
        theta[i] -= lr * g;
      }
      break;
    }
    case 'rmsprop': {
      const alpha = opt.alpha;
      const eps = opt.epsilon;
      const sq = state.square!;
      const buf = state.momentum;
      const mu = opt.momentum;
      for (let i = 0; i < n; i++) {
        let g = grad[i];
        if (wd !== 0) g += wd * theta[i];
        const s = alpha * sq[i] + (1 - alpha) * g * g;
        sq[i] = s;
        const denom = Math.sqrt(s) + eps;
        if (buf) {
          const b = mu * buf[i] + g / denom;
          buf[i] = b;
          theta[i] -= lr * b;
        } else {
          theta[i] -= (lr * g) / denom;
        }
      }
      break;
    }
    case 'adam':
    case 'adamw': {
      const t = state.step + 1;
      const b1 = opt.beta1;
      const b2 = opt.beta2;
      const eps = opt.epsilon;
      const bc1 = 1 - Math.pow(b1, t);
      const bc2 = 1 - Math.pow(b2, t);
      const m = state.mean!;
      const v = state.square!;
      const decoupled = opt.type === 'adamw';
      for (let i = 0; i < n; i++) {
        let g = grad[i];
        if (wd !== 0) {
          if (decoupled) theta[i] *= 1 - lr * wd;
          else g += wd * theta[i];
        }
        const mi = b1 * m[i] + (1 - b1) * g;
        const vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        const mHat = mi / bc1;
        const vHat = vi / bc2;
        theta[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
      break;
    }
  }
  state.step++;
}

/** Adam's bias corrections after `step` updates: m̂ = m / c1, v̂ = v / c2. */
export function adamBiasCorrections(opt: ResolvedOptimizer, step: number): { c1: number; c2: number } {
  return { c1: 1 - Math.pow(opt.beta1, step), c2: 1 - Math.pow(opt.beta2, step) };
}
