// Generates the engine's WebAssembly SIMD matrix kernel:
//   src/engine/wasm/kernels.wat      (readable text, generated: do not edit by hand)
//   src/engine/wasm/kernels.wasm.ts  (the assembled module as base64, imported by the engine)
// Usage: node scripts/gen-wasm.mjs [--check]   (--check: exit 1 if the committed files are stale)
//
// One generic kernel covers the three products of an MLP mini-batch (see src/engine/kernels.ts):
//   C[i,j] = scale · (Σ_p A[i·sai + p·sap] · B[p·sbp + j·sbj]  [+ bias[j]])     i < m, j < n, p < k
// `pack` first copies B into column panels (4, then 2, then 1 columns wide; the panel of column j
// starts at element j·k and holds, for each p, its columns contiguously), so that `gemm` reads B
// sequentially. `gemm` is vectorized over j (two float64 lanes per v128) and register-blocked
// 4 rows × 4 columns, with 4×2, 4×1, 1×4, 1×2 and 1×1 edge kernels. Every C element is summed
// over p in increasing order with separate multiply and add (baseline SIMD has no FMA), so the
// result is bit-identical to the plain JavaScript loops of kernels.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watPath = join(root, 'src/engine/wasm/kernels.wat');
const tsPath = join(root, 'src/engine/wasm/kernels.wasm.ts');

const get = (x) => `(local.get $${x})`;
const set = (x, v) => `(local.set $${x} ${v})`;
const i32 = (v) => `(i32.const ${v})`;
const add = (a, b) => `(i32.add ${a} ${b})`;
const mul = (a, b) => `(i32.mul ${a} ${b})`;

/** One R-row × W-column block at (i, j): accumulate over p, then add bias, scale and store. */
function block(R, W) {
  const vec = W >= 2;
  const nv = W === 4 ? 2 : 1; // v128 accumulators per row (or one f64 when W = 1)
  const lines = [];
  const acc = (r, v) => (vec ? `acc${r}${v}` : `f${r}`);
  const zero = vec ? '(v128.const f64x2 0 0)' : '(f64.const 0)';
  for (let r = 0; r < R; r++) for (let v = 0; v < nv; v++) lines.push(set(acc(r, v), zero));
  // Row pointers into A, and the column pointer into B.
  for (let r = 0; r < R; r++) lines.push(set(`pa${r}`, add(get('A'), mul(add(get('i'), i32(r)), get('sai8')))));
  lines.push(set('pb', add(get('P'), `(i32.shl ${mul(get('j'), get('k'))} ${i32(3)})`)));
  lines.push(set('p', get('k')));
  const body = [];
  body.push(`(br_if $pend (i32.eqz ${get('p')}))`);
  if (vec) {
    body.push(set('b0', `(v128.load ${get('pb')})`));
    if (nv === 2) body.push(set('b1', `(v128.load offset=16 ${get('pb')})`));
    for (let r = 0; r < R; r++) {
      body.push(set('a', `(f64x2.splat (f64.load ${get(`pa${r}`)}))`));
      for (let v = 0; v < nv; v++) body.push(set(acc(r, v), `(f64x2.add ${get(acc(r, v))} (f64x2.mul ${get('a')} ${get(`b${v}`)}))`));
    }
  } else {
    body.push(set('s', `(f64.load ${get('pb')})`));
    for (let r = 0; r < R; r++) body.push(set(acc(r, 0), `(f64.add ${get(acc(r, 0))} (f64.mul (f64.load ${get(`pa${r}`)}) ${get('s')}))`));
  }
  for (let r = 0; r < R; r++) body.push(set(`pa${r}`, add(get(`pa${r}`), get('sap8'))));
  body.push(set('pb', add(get('pb'), i32(W * 8))));
  body.push(set('p', `(i32.sub ${get('p')} ${i32(1)})`));
  body.push('(br $ploop)');
  lines.push(`(block $pend (loop $ploop\n        ${body.join('\n        ')}))`);
  // Store: C[(i+r)·n + j …] = (acc [+ bias]) · scale
  for (let r = 0; r < R; r++) {
    lines.push(set('pc', add(get('C'), `(i32.shl ${add(mul(add(get('i'), i32(r)), get('n')), get('j'))} ${i32(3)})`)));
    for (let v = 0; v < nv; v++) {
      const off = v * 16;
      if (vec) {
        const withBias = `(select (f64x2.add ${get(acc(r, v))} (v128.load offset=${off} ${add(get('bias'), `(i32.shl ${get('j')} ${i32(3)})`)})) ${get(acc(r, v))} ${get('hasBias')})`;
        lines.push(`(v128.store offset=${off} ${get('pc')} (f64x2.mul ${withBias} ${get('scale2')}))`);
      } else {
        const withBias = `(select (f64.add ${get(acc(r, 0))} (f64.load ${add(get('bias'), `(i32.shl ${get('j')} ${i32(3)})`)})) ${get(acc(r, 0))} ${get('hasBias')})`;
        lines.push(`(f64.store ${get('pc')} (f64.mul ${withBias} ${get('scale')}))`);
      }
    }
  }
  return lines.join('\n      ');
}

/** All column blocks of an R-row stripe at row i. */
function stripe(R) {
  return `
    ${set('j', i32(0))}
    (block $j4end (loop $j4loop
      (br_if $j4end (i32.gt_u ${add(get('j'), i32(4))} ${get('n')}))
      ${block(R, 4)}
      ${set('j', add(get('j'), i32(4)))}
      (br $j4loop)))
    (if (i32.le_u ${add(get('j'), i32(2))} ${get('n')}) (then
      ${block(R, 2)}
      ${set('j', add(get('j'), i32(2)))}))
    (if (i32.lt_u ${get('j')} ${get('n')}) (then
      ${block(R, 1)}))`;
}

/** pack(B, sbp, sbj, k, n, P): panels of B (element (p, j) at B + 8·(p·sbp + j·sbj)) into P. */
function packFunc() {
  const panel = (w) => `
      ${set('src', add(get('B'), `(i32.shl ${mul(get('j'), get('sbj'))} ${i32(3)})`))}
      ${set('p', get('k'))}
      (block $e${w} (loop $l${w}
        (br_if $e${w} (i32.eqz ${get('p')}))
        ${Array.from({ length: w }, (_, c) => `(f64.store offset=${c * 8} ${get('dst')} (f64.load ${add(get('src'), mul(i32(c), get('sbj8')))}))`).join('\n        ')}
        ${set('dst', add(get('dst'), i32(w * 8)))}
        ${set('src', add(get('src'), get('sbp8')))}
        ${set('p', `(i32.sub ${get('p')} ${i32(1)})`)}
        (br $l${w})))
      ${set('j', add(get('j'), i32(w)))}`;
  return `  (func (export "pack")
    (param $B i32) (param $sbp i32) (param $sbj i32) (param $k i32) (param $n i32) (param $P i32)
    (local $j i32) (local $p i32) (local $src i32) (local $dst i32) (local $sbp8 i32) (local $sbj8 i32)
    ${set('sbp8', `(i32.shl ${get('sbp')} ${i32(3)})`)}
    ${set('sbj8', `(i32.shl ${get('sbj')} ${i32(3)})`)}
    ${set('dst', get('P'))}
    ${set('j', i32(0))}
    (block $j4end (loop $j4loop
      (br_if $j4end (i32.gt_u ${add(get('j'), i32(4))} ${get('n')}))
      ${panel(4)}
      (br $j4loop)))
    (if (i32.le_u ${add(get('j'), i32(2))} ${get('n')}) (then ${panel(2)}))
    (if (i32.lt_u ${get('j')} ${get('n')}) (then ${panel(1)})))`;
}

// ---------------------------------------------------------------------------------------------
// exp, element-wise, two lanes at a time — the same algorithm as expPoly in src/engine/expm.ts,
// operation for operation, so both give the same bits:
//   x ← min(max(x, −746), 710);  n = ⌊x·log₂e + ½⌋;  r = (x − n·ln2_hi) − n·ln2_lo
//   p = Σ_{k≤13} r^k/k! by Estrin's scheme (short dependency chains);
//   e^x = (p·2^⌊n/2⌋)·2^(n−⌊n/2⌋)
// The loops process two v128 (four values) per iteration so that the two chains overlap.
// ---------------------------------------------------------------------------------------------
export const EXP = {
  LOG2E: 1.4426950408889634,
  LN2_HI: 6.93147180369123816490e-1,
  LN2_LO: 1.90821492927058770002e-10,
  LO: -746,
  HI: 710,
  // 2^52 + 2^51: adding it to an integer-valued double leaves the integer in the low mantissa bits.
  MAGIC: 6755399441055744,
  // 1/k! for k = 0…13
  C: Array.from({ length: 14 }, (_, k) => { let f = 1; for (let i = 2; i <= k; i++) f *= i; return 1 / f; }),
};

/** A float64 as an exact hexadecimal WAT literal. */
function hexf(x) {
  if (x === 0) return Object.is(x, -0) ? '-0x0p+0' : '0x0p+0';
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  const exp = ((hi >>> 20) & 0x7ff) - 1023;
  const mant = ((hi & 0xfffff).toString(16).padStart(5, '0') + lo.toString(16).padStart(8, '0'));
  return `${sign}0x1.${mant}p${exp >= 0 ? '+' : ''}${exp}`;
}

const EXP_LOCALS = ['x', 'n', 'r', 'r2', 'r4', 'r8', 'ni', 'n1'];

/** Statements computing e^(local x_<t>) into local x_<t> (inline: no call per vector). */
function expInline(t) {
  const L = (name) => `${name}_${t}`;
  const g = (name) => get(L(name));
  const st = (name, v) => set(L(name), v);
  const c = (x) => `(f64x2.splat (f64.const ${hexf(x)}))`;
  const C = EXP.C;
  const lin = (a, b) => `(f64x2.add ${c(C[a])} (f64x2.mul ${c(C[b])} ${g('r')}))`; // c_a + c_b·r
  const fma = (a, b, m) => `(f64x2.add ${a} (f64x2.mul ${b} ${g(m)}))`;
  const pow2 = (e) => `(i64x2.add (i64x2.shl ${e} ${i32(52)}) (v128.const i64x2 ${1023n << 52n} ${1023n << 52n}))`;
  const magic = c(EXP.MAGIC);
  return [
    st('x', `(f64x2.pmin (f64x2.pmax ${g('x')} ${c(EXP.LO)}) ${c(EXP.HI)})`),
    st('n', `(f64x2.floor (f64x2.add (f64x2.mul ${g('x')} ${c(EXP.LOG2E)}) ${c(0.5)}))`),
    st('r', `(f64x2.sub (f64x2.sub ${g('x')} (f64x2.mul ${g('n')} ${c(EXP.LN2_HI)})) (f64x2.mul ${g('n')} ${c(EXP.LN2_LO)}))`),
    st('r2', `(f64x2.mul ${g('r')} ${g('r')})`),
    st('r4', `(f64x2.mul ${g('r2')} ${g('r2')})`),
    st('r8', `(f64x2.mul ${g('r4')} ${g('r4')})`),
    // p = ((q0 + q1 r²) + (q2 + q3 r²) r⁴) + ((q4 + q5 r²) + q6 r⁴) r⁸,  q_i = c_2i + c_2i+1 r
    st('x', fma(fma(fma(lin(0, 1), lin(2, 3), 'r2'), fma(lin(4, 5), lin(6, 7), 'r2'), 'r4'), fma(fma(lin(8, 9), lin(10, 11), 'r2'), lin(12, 13), 'r4'), 'r8')),
    st('ni', `(i64x2.sub (f64x2.add ${g('n')} ${magic}) ${magic})`),
    st('n1', `(i64x2.shr_s ${g('ni')} ${i32(1)})`),
    st('x', `(f64x2.mul (f64x2.mul ${g('x')} ${pow2(g('n1'))}) ${pow2(`(i64x2.sub ${g('ni')} ${g('n1')})`)})`),
  ].join('\n      ');
}

/**
 * A loop over n float64s: four per iteration (two v128), then the rest one at a time through
 * lane 0 of a splat. `pre(t, ld)` sets x_t from the inputs, `post(t, st)` stores from x_t.
 */
function expLoop(name, params, pre, post) {
  const at = (base, k) => add(get(base), `(i32.shl ${add(get('i'), i32(k))} ${i32(3)})`);
  const vload = (k) => (base) => `(v128.load ${at(base, k)})`;
  const vstore = (k) => (base, v) => `(v128.store ${at(base, k)} ${v})`;
  const sload = (base) => `(f64x2.splat (f64.load ${at(base, 0)}))`;
  const sstore = (base, v) => `(f64.store ${at(base, 0)} (f64x2.extract_lane 0 ${v}))`;
  const locals = [0, 1].flatMap((t) => EXP_LOCALS.map((x) => `(local $${x}_${t} v128)`)).join(' ');
  return `  (func (export "${name}") ${params}
    (local $i i32) ${locals}
    ${set('i', i32(0))}
    (block $end4 (loop $loop4
      (br_if $end4 (i32.gt_u ${add(get('i'), i32(4))} ${get('n')}))
      ${pre(0, vload(0))}
      ${pre(1, vload(2))}
      ${expInline(0)}
      ${expInline(1)}
      ${post(0, vstore(0), vload(0))}
      ${post(1, vstore(2), vload(2))}
      ${set('i', add(get('i'), i32(4)))}
      (br $loop4)))
    (block $end1 (loop $loop1
      (br_if $end1 (i32.ge_u ${get('i')} ${get('n')}))
      ${pre(0, sload)}
      ${expInline(0)}
      ${post(0, sstore, sload)}
      ${set('i', add(get('i'), i32(1)))}
      (br $loop1))))`;
}

function elementwise() {
  const one = '(f64x2.splat (f64.const 1))';
  const axmy = (() => {
    const at = (base) => add(get(base), `(i32.shl ${get('i')} ${i32(3)})`);
    return `  (func (export "axmy") (param $a f64) (param $X i32) (param $Y i32) (param $n i32)
    (local $i i32) (local $a2 v128)
    ${set('a2', `(f64x2.splat ${get('a')})`)}
    ${set('i', i32(0))}
    (block $end (loop $loop
      (br_if $end (i32.gt_u ${add(get('i'), i32(2))} ${get('n')}))
      (v128.store ${at('Y')} (f64x2.sub (v128.load ${at('Y')}) (f64x2.mul ${get('a2')} (v128.load ${at('X')}))))
      ${set('i', add(get('i'), i32(2)))}
      (br $loop)))
    (if (i32.lt_u ${get('i')} ${get('n')}) (then
      (f64.store ${at('Y')} (f64.sub (f64.load ${at('Y')}) (f64.mul ${get('a')} (f64.load ${at('X')})))))))`;
  })();
  // Σ X[i]² over n elements: two lanes, summed as lane 0 + lane 1 at the end (JS twin: sumSquares in kernels.ts).
  const sumsq = (() => {
    const at = (k) => add(get('X'), `(i32.shl ${add(get('i'), i32(k))} ${i32(3)})`);
    return `  (func (export "sumsq") (param $X i32) (param $n i32) (result f64)
    (local $i i32) (local $acc v128) (local $v v128) (local $s f64)
    ${set('acc', '(v128.const f64x2 0 0)')}
    ${set('i', i32(0))}
    (block $end (loop $loop
      (br_if $end (i32.gt_u ${add(get('i'), i32(2))} ${get('n')}))
      ${set('v', `(v128.load ${at(0)})`)}
      ${set('acc', `(f64x2.add ${get('acc')} (f64x2.mul ${get('v')} ${get('v')}))`)}
      ${set('i', add(get('i'), i32(2)))}
      (br $loop)))
    ${set('s', `(f64.add (f64x2.extract_lane 0 ${get('acc')}) (f64x2.extract_lane 1 ${get('acc')}))`)}
    (if (i32.lt_u ${get('i')} ${get('n')}) (then
      ${set('s', `(f64.add ${get('s')} (f64.mul (f64.load ${at(0)}) (f64.load ${at(0)})))`)}))
    ${get('s')})`;
  })();
  return [
    sumsq,
    // S = 1 / (1 + e^(−Y))
    expLoop('sigmoid', '(param $Y i32) (param $S i32) (param $n i32)',
      (t, ld) => set(`x_${t}`, `(f64x2.neg ${ld('Y')})`),
      (t, st) => st('S', `(f64x2.div ${one} (f64x2.add ${one} ${get(`x_${t}`)}))`)),
    // X = e^X in place
    expLoop('exp', '(param $X i32) (param $n i32)', (t, ld) => set(`x_${t}`, ld('X')), (t, st) => st('X', get(`x_${t}`))),
    // Y = Y − a·X   (θ ← θ − η g)
    axmy,
  ].join('\n');
}

function module() {
  const locals = ['i', 'j', 'p', 'sai8', 'sap8', 'pa0', 'pa1', 'pa2', 'pa3', 'pb', 'pc'].map((x) => `(local $${x} i32)`);
  const vlocals = ['a', 'b0', 'b1', 'scale2'];
  for (let r = 0; r < 4; r++) for (let v = 0; v < 2; v++) vlocals.push(`acc${r}${v}`);
  return `;; Generated by scripts/gen-wasm.mjs — do not edit. See that script for what the kernel computes.
(module
  (import "env" "memory" (memory 1))
  (func (export "gemm")
    (param $m i32) (param $n i32) (param $k i32)
    (param $A i32) (param $sai i32) (param $sap i32)
    (param $P i32)
    (param $C i32) (param $bias i32) (param $hasBias i32) (param $scale f64)
    ${locals.join(' ')}
    ${vlocals.map((x) => `(local $${x} v128)`).join(' ')}
    ${['s', 'f0', 'f1', 'f2', 'f3'].map((x) => `(local $${x} f64)`).join(' ')}
    ${set('sai8', `(i32.shl ${get('sai')} ${i32(3)})`)}
    ${set('sap8', `(i32.shl ${get('sap')} ${i32(3)})`)}
    ${set('scale2', `(f64x2.splat ${get('scale')})`)}
    ${set('i', i32(0))}
    (block $i4end (loop $i4loop
      (br_if $i4end (i32.gt_u ${add(get('i'), i32(4))} ${get('m')}))
      ${stripe(4)}
      ${set('i', add(get('i'), i32(4)))}
      (br $i4loop)))
    (block $i1end (loop $i1loop
      (br_if $i1end (i32.ge_u ${get('i')} ${get('m')}))
      ${stripe(1)}
      ${set('i', add(get('i'), i32(1)))}
      (br $i1loop))))
${packFunc()}
${elementwise()}
)
`;
}

const wabt = await wabtInit();
const wat = module();
const parsed = wabt.parseWat('kernels.wat', wat, { simd: true });
parsed.resolveNames();
parsed.validate();
const { buffer } = parsed.toBinary({});
const b64 = Buffer.from(buffer).toString('base64');
const ts = `// Generated by scripts/gen-wasm.mjs from kernels.wat — do not edit.\nexport const KERNELS_WASM_BASE64 =\n  '${b64}';\n`;

if (process.argv.includes('--check')) {
  const same = readFileSync(watPath, 'utf8') === wat && readFileSync(tsPath, 'utf8') === ts;
  if (!same) {
    console.error('src/engine/wasm is stale: run node scripts/gen-wasm.mjs');
    process.exit(1);
  }
  console.log('wasm kernels up to date');
} else {
  writeFileSync(watPath, wat);
  writeFileSync(tsPath, ts);
  console.log(`wrote ${watPath} and ${tsPath} (${buffer.length} bytes)`);
}
