/**
 * The three matrix products of an MLP mini-batch, on row-major Float64Arrays, register-blocked
 * 4×4 (16 accumulators held in locals) so that each loaded value is used four times.
 *
 * Every output element is summed over p in increasing order whatever path computes it, so the
 * result does not depend on the blocking: a property step-back (bit-identical replay) relies on.
 */

/**
 * C[i,j] = bias[j] + Σ_p A[i,p]·B[j,p]   (A m×k, B n×k, C m×n)
 * Forward pass: Z = A_prev · Wᵀ + b, with W stored n×k (w_jk).
 */
export function gemmNT(m: number, n: number, k: number, A: Float64Array, B: Float64Array, bias: Float64Array, C: Float64Array): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
        const y0 = B[b0 + p], y1 = B[b1 + p], y2 = B[b2 + p], y3 = B[b3 + p];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const bb0 = bias[j], bb1 = bias[j + 1], bb2 = bias[j + 2], bb3 = bias[j + 3];
      let o = i * n + j;
      C[o] = c00 + bb0; C[o + 1] = c01 + bb1; C[o + 2] = c02 + bb2; C[o + 3] = c03 + bb3; o += n;
      C[o] = c10 + bb0; C[o + 1] = c11 + bb1; C[o + 2] = c12 + bb2; C[o + 3] = c13 + bb3; o += n;
      C[o] = c20 + bb0; C[o + 1] = c21 + bb1; C[o + 2] = c22 + bb2; C[o + 3] = c23 + bb3; o += n;
      C[o] = c30 + bb0; C[o + 1] = c31 + bb1; C[o + 2] = c32 + bb2; C[o + 3] = c33 + bb3;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0; p < k; p++) {
        const y = B[b0 + p];
        c0 += A[a0 + p] * y; c1 += A[a1 + p] * y; c2 += A[a2 + p] * y; c3 += A[a3 + p] * y;
      }
      const bb = bias[j];
      C[i * n + j] = c0 + bb; C[(i + 1) * n + j] = c1 + bb; C[(i + 2) * n + j] = c2 + bb; C[(i + 3) * n + j] = c3 + bb;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0; p < k; p++) {
        const x = A[a0 + p];
        c0 += x * B[b0 + p]; c1 += x * B[b1 + p]; c2 += x * B[b2 + p]; c3 += x * B[b3 + p];
      }
      const o = i * n + j;
      C[o] = c0 + bias[j]; C[o + 1] = c1 + bias[j + 1]; C[o + 2] = c2 + bias[j + 2]; C[o + 3] = c3 + bias[j + 3];
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let c = 0;
      for (let p = 0; p < k; p++) c += A[a0 + p] * B[b0 + p];
      C[i * n + j] = c + bias[j];
    }
  }
}

/**
 * C[i,j] = Σ_p A[i,p]·B[p,j]   (A m×n, B n×k, C m×k)
 * Backward pass: ∂C/∂a^(l−1) = δ^l · W^l for every example (row i), i.e. (W^l)ᵀ δ^l.
 */
export function gemmNN(m: number, n: number, k: number, A: Float64Array, B: Float64Array, C: Float64Array): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = i * n, a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, bp = j; p < n; p++, bp += k) {
        const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
        const y0 = B[bp], y1 = B[bp + 1], y2 = B[bp + 2], y3 = B[bp + 3];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * k + j;
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03; o += k;
      C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13; o += k;
      C[o] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23; o += k;
      C[o] = c30; C[o + 1] = c31; C[o + 2] = c32; C[o + 3] = c33;
    }
    for (; j < k; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, bp = j; p < n; p++, bp += k) {
        const y = B[bp];
        c0 += A[a0 + p] * y; c1 += A[a1 + p] * y; c2 += A[a2 + p] * y; c3 += A[a3 + p] * y;
      }
      C[i * k + j] = c0; C[(i + 1) * k + j] = c1; C[(i + 2) * k + j] = c2; C[(i + 3) * k + j] = c3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * n;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, bp = j; p < n; p++, bp += k) {
        const x = A[a0 + p];
        c0 += x * B[bp]; c1 += x * B[bp + 1]; c2 += x * B[bp + 2]; c3 += x * B[bp + 3];
      }
      const o = i * k + j;
      C[o] = c0; C[o + 1] = c1; C[o + 2] = c2; C[o + 3] = c3;
    }
    for (; j < k; j++) {
      let c = 0;
      for (let p = 0, bp = j; p < n; p++, bp += k) c += A[a0 + p] * B[bp];
      C[i * k + j] = c;
    }
  }
}

/**
 * C[i,j] = scale · Σ_p A[p,i]·B[p,j]   (A m×n, B m×k, C n×k; p runs over the m examples)
 * Weight gradient: ∂C/∂W^l = (1/m) Σ_x δ^l_x (a^(l−1)_x)ᵀ, i.e. BP4 averaged over the mini-batch.
 */
export function gemmTN(m: number, n: number, k: number, A: Float64Array, B: Float64Array, scale: number, C: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, ap = i, bp = j; p < m; p++, ap += n, bp += k) {
        const x0 = A[ap], x1 = A[ap + 1], x2 = A[ap + 2], x3 = A[ap + 3];
        const y0 = B[bp], y1 = B[bp + 1], y2 = B[bp + 2], y3 = B[bp + 3];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * k + j;
      C[o] = c00 * scale; C[o + 1] = c01 * scale; C[o + 2] = c02 * scale; C[o + 3] = c03 * scale; o += k;
      C[o] = c10 * scale; C[o + 1] = c11 * scale; C[o + 2] = c12 * scale; C[o + 3] = c13 * scale; o += k;
      C[o] = c20 * scale; C[o + 1] = c21 * scale; C[o + 2] = c22 * scale; C[o + 3] = c23 * scale; o += k;
      C[o] = c30 * scale; C[o + 1] = c31 * scale; C[o + 2] = c32 * scale; C[o + 3] = c33 * scale;
    }
    for (; j < k; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, ap = i, bp = j; p < m; p++, ap += n, bp += k) {
        const y = B[bp];
        c0 += A[ap] * y; c1 += A[ap + 1] * y; c2 += A[ap + 2] * y; c3 += A[ap + 3] * y;
      }
      C[i * k + j] = c0 * scale; C[(i + 1) * k + j] = c1 * scale; C[(i + 2) * k + j] = c2 * scale; C[(i + 3) * k + j] = c3 * scale;
    }
  }
  for (; i < n; i++) {
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, ap = i, bp = j; p < m; p++, ap += n, bp += k) {
        const x = A[ap];
        c0 += x * B[bp]; c1 += x * B[bp + 1]; c2 += x * B[bp + 2]; c3 += x * B[bp + 3];
      }
      const o = i * k + j;
      C[o] = c0 * scale; C[o + 1] = c1 * scale; C[o + 2] = c2 * scale; C[o + 3] = c3 * scale;
    }
    for (; j < k; j++) {
      let c = 0;
      for (let p = 0, ap = i, bp = j; p < m; p++, ap += n, bp += k) c += A[ap] * B[bp];
      C[i * k + j] = c * scale;
    }
  }
}


/**
 * Σ a[i]² in the order the SIMD kernel uses: even and odd elements in two running sums, added at
 * the end, then the odd last element (so both give the same bits).
 */
export function sumSquares(a: Float64Array): number {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i] * a[i];
    s1 += a[i + 1] * a[i + 1];
  }
  let s = s0 + s1;
  if (i < n) s += a[i] * a[i];
  return s;
}
