// The engine's e^x (used by sigmoid and softmax): the JavaScript and WebAssembly SIMD versions give
// the same bits, and both are within 2 ulp of Math.exp (itself within 1 ulp of the exact value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Arena, EXP_CONSTANTS, expPoly, sumSquares, wasmAvailable } from '../../src/engine';
import { Rng } from '../../src/engine/rng';

function ulpDistance(a: number, b: number): number {
  if (a === b) return 0;
  const buf = new DataView(new ArrayBuffer(16));
  buf.setFloat64(0, a);
  buf.setFloat64(8, b);
  return Number(buf.getBigInt64(0) - buf.getBigInt64(8)) * (buf.getBigInt64(0) > buf.getBigInt64(8) ? 1 : -1);
}

function samples(): number[] {
  const rng = new Rng(21, 1);
  const xs = [0, -0, 1, -1, 0.5, 1e-300, -1e-300, 709.7, 709.79, 710, 800, 1e300, -708, -709, -744, -745.1, -746, -1e300, Infinity, -Infinity, NaN, Math.LN2, -Math.LN2 / 2, Math.LN2 / 2];
  for (let i = 0; i < 20000; i++) xs.push(rng.uniform(-40, 40));
  for (let i = 0; i < 5000; i++) xs.push(rng.uniform(-745, 709.7));
  for (let i = 0; i < 2000; i++) xs.push(rng.uniform(-1e-6, 1e-6));
  return xs;
}

test('expPoly is within 2 ulp of Math.exp, with the right infinities, zeros and NaN', () => {
  let worst = 0;
  for (const x of samples()) {
    const e = expPoly(x);
    const ref = Math.exp(x);
    if (Number.isNaN(ref)) {
      assert.ok(Number.isNaN(e), `exp(${x})`);
      continue;
    }
    if (ref === 0 || ref === Infinity || ref < 1e-300) {
      assert.ok(Math.abs(e - ref) <= 1e-307 || e === ref, `exp(${x}) = ${e}, Math.exp gives ${ref}`);
      continue;
    }
    worst = Math.max(worst, ulpDistance(e, ref));
  }
  assert.ok(worst <= 2, `worst distance ${worst} ulp`);
});

test('the SIMD exp and sigmoid give the same bits as the JavaScript ones', () => {
  assert.ok(wasmAvailable());
  const xs = samples();
  const arena = new Arena(xs.length * 16 + 64);
  const X = arena.f64(xs.length);
  const S = arena.f64(xs.length);
  assert.ok(arena.holds(X, S));
  X.set(xs);
  arena.wasm!.sigmoid(X.byteOffset, S.byteOffset, xs.length);
  arena.wasm!.exp(X.byteOffset, xs.length);
  for (let i = 0; i < xs.length; i++) {
    const e = expPoly(xs[i]);
    assert.ok(Object.is(X[i], e) || (Number.isNaN(X[i]) && Number.isNaN(e)), `exp(${xs[i]}): wasm ${X[i]}, js ${e}`);
    const s = 1 / (1 + expPoly(-xs[i]));
    assert.ok(Object.is(S[i], s) || (Number.isNaN(S[i]) && Number.isNaN(s)), `sigmoid(${xs[i]}): wasm ${S[i]}, js ${s}`);
  }
  // Odd lengths take the one-lane path at the end.
  X.set([1.5, -2.25, 3.125]);
  arena.wasm!.exp(X.byteOffset, 3);
  assert.deepEqual(Array.from(X.subarray(0, 3)), [expPoly(1.5), expPoly(-2.25), expPoly(3.125)]);
});

test('the generated WebAssembly uses the same constants as expm.ts', () => {
  const wat = readFileSync(join(__dirname, '..', '..', 'src', 'engine', 'wasm', 'kernels.wat'), 'utf8');
  const hex = (x: number) => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, x);
    return (b.getUint32(0) & 0xfffff).toString(16).padStart(5, '0') + b.getUint32(4).toString(16).padStart(8, '0');
  };
  for (const c of [EXP_CONSTANTS.LOG2E, EXP_CONSTANTS.LN2_HI, EXP_CONSTANTS.LN2_LO, ...EXP_CONSTANTS.C.slice(2)]) {
    assert.ok(wat.includes(hex(c)), `constant ${c} (${hex(c)}) appears in kernels.wat`);
  }
});

test('the SIMD sum of squares gives the same bits as sumSquares', () => {
  const rng = new Rng(4, 4);
  for (const n of [0, 1, 2, 3, 17, 1000, 1001]) {
    const arena = new Arena(n * 8 + 64);
    const X = arena.f64(n);
    for (let i = 0; i < n; i++) X[i] = rng.uniform(-3, 3) * 10 ** rng.int(6);
    assert.ok(Object.is(arena.wasm!.sumsq(X.byteOffset, n), sumSquares(X)), `n = ${n}`);
  }
});
