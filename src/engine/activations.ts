/**
 * Activation functions σ and their derivatives σ′, applied element-wise over a batch buffer
 * (softmax row-wise). Derivatives are taken from the stored pre-activation y and output s = σ(y):
 * sigmoid σ′ = s(1−s), tanh σ′ = 1−s², relu σ′ = [y > 0] (0 at y = 0, as PyTorch), leaky-relu
 * σ′ = 1 or the leak.
 */
import { expPoly } from './expm';
import type { WasmKernels } from './memory';
import type { Activation } from './spec';

/**
 * s = σ(y) over rows × cols. For softmax, `lse` (when given) receives each row's log Σ_k e^(y_k),
 * which the cross-entropy then reuses instead of exponentiating again.
 */
export function activate(
  kind: Activation,
  y: Float64Array,
  s: Float64Array,
  rows: number,
  cols: number,
  leak: number,
  lse?: Float64Array | null,
  /** The SIMD kernels, when y and s live in their memory (same bits as the loops below). */
  wasm?: WasmKernels | null,
): void {
  const len = rows * cols;
  switch (kind) {
    case 'linear':
      if (s !== y) s.set(y.subarray(0, len));
      break;
    case 'sigmoid':
      if (wasm) wasm.sigmoid(y.byteOffset, s.byteOffset, len);
      else for (let i = 0; i < len; i++) s[i] = 1 / (1 + expPoly(-y[i]));
      break;
    case 'tanh':
      for (let i = 0; i < len; i++) s[i] = Math.tanh(y[i]);
      break;
    case 'relu':
      for (let i = 0; i < len; i++) {
        const v = y[i];
        s[i] = v > 0 ? v : 0;
      }
      break;
    case 'leaky-relu':
      for (let i = 0; i < len; i++) {
        const v = y[i];
        s[i] = v > 0 ? v : leak * v;
      }
      break;
    case 'softmax': {
      // s = e^(y − max) per row, then normalized; the exponentials run in one SIMD call when possible.
      const maxes = rows <= 256 ? SOFTMAX_MAX.subarray(0, rows) : new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let max = -Infinity;
        for (let j = 0; j < cols; j++) if (y[o + j] > max) max = y[o + j];
        maxes[r] = max;
        for (let j = 0; j < cols; j++) s[o + j] = y[o + j] - max;
      }
      if (wasm) wasm.exp(s.byteOffset, len);
      else for (let i = 0; i < len; i++) s[i] = expPoly(s[i]);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let sum = 0;
        for (let j = 0; j < cols; j++) sum += s[o + j];
        const inv = 1 / sum;
        for (let j = 0; j < cols; j++) s[o + j] *= inv;
        if (lse) lse[r] = maxes[r] + Math.log(sum);
      }
      break;
    }
  }
}

const SOFTMAX_MAX = new Float64Array(256);

/** out[i] = g[i] · σ′(y[i]) for i < len (g and out may alias). */
export function multiplyByDerivative(
  kind: Activation,
  y: Float64Array,
  s: Float64Array,
  g: Float64Array,
  out: Float64Array,
  len: number,
  leak: number,
): void {
  switch (kind) {
    case 'linear':
      if (out !== g) out.set(g.subarray(0, len));
      break;
    case 'sigmoid':
      for (let i = 0; i < len; i++) {
        const v = s[i];
        out[i] = g[i] * (v * (1 - v));
      }
      break;
    case 'tanh':
      for (let i = 0; i < len; i++) {
        const v = s[i];
        out[i] = g[i] * (1 - v * v);
      }
      break;
    case 'relu':
      for (let i = 0; i < len; i++) out[i] = y[i] > 0 ? g[i] : 0;
      break;
    case 'leaky-relu':
      for (let i = 0; i < len; i++) out[i] = y[i] > 0 ? g[i] : g[i] * leak;
      break;
    case 'softmax':
      throw new Error('softmax is only supported on the output layer with cross-entropy');
  }
}
