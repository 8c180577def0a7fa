// The debugger's expression language (src/debug/expr.ts): parsing, evaluation with real numbers, every
// function, the error messages with their offsets, the nesting and length limits, logpoint templates,
// and a fuzz run that must only ever produce ExprErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExprError,
  compileExpression,
  compileTemplate,
  envFromRecord,
  evaluateExpression,
  formatValue,
  tensor,
  truthy,
  type ExprEnv,
  type Tensor,
  type Value,
} from '../../src/debug/expr';

const W2 = tensor([1, 2, 3, 4], [2, 2]);
const env = envFromRecord({
  W2,
  x: tensor([1, 2, 3, 4], [2, 2]),
  B: tensor([1, 2, 3, 4, 5, 6], [2, 3]),
  C: tensor([1, 2, 3, 4, 5, 6], [3, 2]),
  a: tensor([10, 20, 30], [3]),
  v: tensor([3, 4], [2]),
  u: tensor([-1, 5, 2], [3]),
  e0: tensor([], [0]),
  delta: tensor([1e-7, -2e-7, 5e-8], [3]),
  epoch: 3,
  loss: 0.6,
  flag: true,
  δ: 1,
  σ: 2,
});

const ev = (src: string, e: ExprEnv = env): Value => evaluateExpression(src, e);

/** A tensor as plain arrays, to compare with deepEqual. */
function plain(v: Value): { shape: number[]; data: number[] } {
  assert.equal(typeof v, 'object', `expected a tensor, got ${String(v)}`);
  const t = v as Tensor;
  return { shape: [...t.shape], data: Array.from(t.data) };
}

function throwsExpr(fn: () => unknown, message: string | RegExp, start?: number, end?: number): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ExprError, `expected an ExprError, got ${String(caught)}`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  if (start !== undefined) assert.equal(caught.start, start, `start of: ${caught.message}`);
  if (end !== undefined) assert.equal(caught.end, end, `end of: ${caught.message}`);
}

test('precedence and associativity with real numbers', () => {
  const cases: [string, Value][] = [
    ['2^3^2', 512], // power is right-associative
    ['2**3**2', 512],
    ['(2^3)^2', 64],
    ['-2^2', -4], // unary minus binds looser than ^, as in mathematics
    ['(-2)^2', 4],
    ['2^-1', 0.5],
    ['-2^-2', -0.25],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3], // left-associative
    ['64 / 4 / 2', 8],
    ['2 * 3 % 4', 2],
    ['7 % 3', 1],
    ['-1 % 3', 2], // floored modulo
    ['1 % -3', -2],
    ['3 - -2', 5],
    ['- -3', 3],
    ['+4', 4],
    ['.5 + 1.5', 2],
    ['1e-6 * 1e6', 1],
    ['2.5e+1', 25],
    ['1.', 1],
    ['1e-6', 1e-6],
    ['1 + 2 < 4', true],
    ['2 * 3 == 6', true],
    ['0.1 + 0.2 == 0.3', false], // == on numbers is exact
    ['1 < 2 == true', true],
    ['!false && false', false],
    ['true || false && false', true], // && binds tighter than ||
    ['(true || false) && false', false],
    ['false ? 1 : 2', 2],
    ['true ? 1 : false ? 2 : 3', 1],
    ['false ? 1 : false ? 2 : 3', 3],
    ['1 < 2 ? 10 : 20', 10],
    ['1 != 2', true],
    ['3 >= 3 && 3 <= 3 && !(3 > 3)', true],
    ['1 / 0', Infinity],
  ];
  for (const [src, want] of cases) assert.equal(ev(src), want, src);
  assert.ok(Number.isNaN(ev('0 / 0')));
  // A long flat chain is not "nesting".
  assert.equal(ev(Array(1000).fill('1').join('+')), 1000);
});

test('&&, || and ?: short-circuit', () => {
  assert.equal(ev('false && nope'), false);
  assert.equal(ev('true || nope'), true);
  assert.equal(ev('true ? 1 : nope'), 1);
  assert.equal(ev('false ? nope : 2'), 2);
});

test('the issue examples', () => {
  assert.equal(ev('max(abs(delta)) < 1e-6'), true);
  assert.equal(ev('max(abs(delta)) < 1e-7'), false);
  assert.equal(ev('epoch == 3 && loss > 0.5'), true);
  assert.equal(ev('epoch == 3 && loss > 0.7'), false);
  assert.equal(ev('W2[0][1]'), 2);
});

test('indexing: both forms, negative indices, rows, any expression', () => {
  assert.equal(ev('W2[0][1]'), 2);
  assert.equal(ev('W2[0, 1]'), 2);
  assert.equal(ev('W2[1][0]'), 3);
  assert.equal(ev('W2[1, 0]'), 3);
  assert.equal(ev('W2[-1, -1]'), 4);
  assert.equal(ev('W2[-1][0]'), 3);
  assert.equal(ev('a[1]'), 20);
  assert.equal(ev('a[-1]'), 30);
  assert.equal(ev('a[-3]'), 10);
  assert.equal(ev('a[1 + 1]'), 30);
  assert.equal(ev('B[1, 2]'), 6);
  assert.equal(ev('B[1][-3]'), 4);
  assert.deepEqual(plain(ev('W2[1]')), { shape: [2], data: [3, 4] });
  assert.deepEqual(plain(ev('B[-2]')), { shape: [3], data: [1, 2, 3] });
  assert.equal(ev('(W2 * 2)[1, 1]'), 8);
  assert.equal(ev('T(W2)[0][1]'), 3);
  assert.equal(ev('W2[a[0] - 10][1]'), 2);
  // A row is a copy, not a view into the debuggee's weights.
  const w = tensor([1, 2, 3, 4], [2, 2]);
  const row = evaluateExpression('w[0]', envFromRecord({ w })) as Tensor;
  w.data[0] = 99;
  assert.equal(row.data[0], 1);
});

test('elementwise arithmetic with scalar broadcasting', () => {
  assert.deepEqual(plain(ev('W2 + 1')), { shape: [2, 2], data: [2, 3, 4, 5] });
  assert.deepEqual(plain(ev('1 - W2')), { shape: [2, 2], data: [0, -1, -2, -3] });
  assert.deepEqual(plain(ev('2 * a')), { shape: [3], data: [20, 40, 60] });
  assert.deepEqual(plain(ev('a / 10')), { shape: [3], data: [1, 2, 3] });
  assert.deepEqual(plain(ev('60 / a')), { shape: [3], data: [6, 3, 2] });
  assert.deepEqual(plain(ev('W2 * W2')), { shape: [2, 2], data: [1, 4, 9, 16] });
  assert.deepEqual(plain(ev('W2 - x')), { shape: [2, 2], data: [0, 0, 0, 0] });
  assert.deepEqual(plain(ev('W2 ^ 2')), { shape: [2, 2], data: [1, 4, 9, 16] });
  assert.deepEqual(plain(ev('2 ^ v')), { shape: [2], data: [8, 16] });
  assert.deepEqual(plain(ev('-a')), { shape: [3], data: [-10, -20, -30] });
  assert.deepEqual(plain(ev('+a')), { shape: [3], data: [10, 20, 30] });
  assert.deepEqual(plain(ev('a % 7')), { shape: [3], data: [3, 6, 2] });
  assert.deepEqual(plain(ev('W2 @ v')), { shape: [2], data: [11, 25] });
  assert.deepEqual(plain(ev('v @ W2')), { shape: [2], data: [15, 22] });
  assert.equal(ev('v @ v'), 25);
  assert.deepEqual(plain(ev('B @ C')), { shape: [2, 2], data: [22, 28, 49, 64] });
  assert.deepEqual(plain(ev('W2 @ W2 + 1')), { shape: [2, 2], data: [8, 11, 16, 23] });
});

test('every function, with exact values', () => {
  assert.equal(ev('norm(v)'), 5);
  assert.equal(ev('norm(W2)'), Math.sqrt(30));
  assert.equal(ev('norm(-3)'), 3);
  assert.equal(ev('norm(e0)'), 0);
  const huge = ev('norm(v * 1e200)') as number; // no overflow in the squares
  assert.ok(Math.abs(huge / 5e200 - 1) < 1e-15, String(huge));
  assert.equal(ev('max(u)'), 5);
  assert.equal(ev('min(u)'), -1);
  assert.equal(ev('max(W2)'), 4);
  assert.equal(ev('min(7)'), 7);
  assert.equal(ev('max(1, 2)'), 2);
  assert.equal(ev('min(1, 2)'), 1);
  assert.deepEqual(plain(ev('max(u, 0)')), { shape: [3], data: [0, 5, 2] });
  assert.deepEqual(plain(ev('min(u, 2)')), { shape: [3], data: [-1, 2, 2] });
  assert.deepEqual(plain(ev('max(W2, 5 - W2)')), { shape: [2, 2], data: [4, 3, 3, 4] });
  assert.equal(ev('mean(tensor4)', envFromRecord({ tensor4: tensor([1, 2, 3, 6], [4]) })), 3);
  assert.equal(ev('mean(W2)'), 2.5);
  assert.equal(ev('sum(W2)'), 10);
  assert.equal(ev('sum(e0)'), 0);
  assert.equal(ev('sum(4)'), 4);
  assert.deepEqual(plain(ev('abs(u)')), { shape: [3], data: [1, 5, 2] });
  assert.equal(ev('abs(-2.5)'), 2.5);
  assert.equal(ev('exp(0)'), 1);
  assert.equal(ev('exp(1)'), Math.E);
  assert.equal(ev('log(1)'), 0);
  assert.deepEqual(plain(ev('log(exp(v))')), { shape: [2], data: [Math.log(Math.exp(3)), Math.log(Math.exp(4))] });
  assert.ok(Number.isNaN(ev('log(-1)')));
  assert.equal(ev('sqrt(16)'), 4);
  assert.deepEqual(plain(ev('sqrt(W2 * W2)')), { shape: [2, 2], data: [1, 2, 3, 4] });
  assert.equal(ev('sigmoid(0)'), 0.5);
  assert.equal(ev('sigmoid(2)'), 1 / (1 + Math.exp(-2)));
  assert.equal(ev('sigmoid(-1000)'), 0); // stable: no NaN from exp overflow
  assert.equal(ev('sigmoid(1000)'), 1);
  assert.equal(ev('tanh(0)'), 0);
  assert.equal(ev('tanh(1)'), Math.tanh(1));
  assert.deepEqual(plain(ev('relu(u)')), { shape: [3], data: [0, 5, 2] });
  assert.equal(ev('relu(-3)'), 0);
  assert.equal(ev('len(W2)'), 4);
  assert.equal(ev('len(a)'), 3);
  assert.equal(ev('len(e0)'), 0);
  assert.equal(ev('len(5)'), 1);
  assert.equal(ev('argmax(u)'), 1);
  assert.equal(ev('argmax(W2)'), 3); // flattened
  assert.equal(ev('argmax(t)', envFromRecord({ t: tensor([1, 3, 3], [3]) })), 1); // the first max
  assert.equal(ev('argmin(u)'), 0);
  assert.equal(ev('any(t)', envFromRecord({ t: tensor([0, 0], [2]) })), false);
  assert.equal(ev('any(t)', envFromRecord({ t: tensor([0, -1], [2]) })), true);
  assert.equal(ev('all(W2)'), true);
  assert.equal(ev('all(W2 - 1)'), false);
  assert.equal(ev('any(0)'), false);
  assert.equal(ev('all(e0)'), true);
  assert.equal(ev('any(e0)'), false);
  assert.deepEqual(plain(ev('T(W2)')), { shape: [2, 2], data: [1, 3, 2, 4] });
  assert.deepEqual(plain(ev('transpose(B)')), { shape: [3, 2], data: [1, 4, 2, 5, 3, 6] });
  assert.deepEqual(plain(ev('T(a)')), { shape: [3], data: [10, 20, 30] });
  assert.equal(ev('T(2)'), 2);
  assert.equal(ev('dot(a, a)'), 1400);
  assert.equal(ev('dot(v, W2[1])'), 25);
  assert.deepEqual(plain(ev('matmul(B, C)')), { shape: [2, 2], data: [22, 28, 49, 64] });
  assert.deepEqual(plain(ev('matmul(C, B)')), { shape: [3, 3], data: [9, 12, 15, 19, 26, 33, 29, 40, 51] });
});

test('NaN shows through the reductions, and argmax points at it', () => {
  const nanEnv = envFromRecord({ t: tensor([1, NaN, 5], [3]) });
  assert.ok(Number.isNaN(ev('max(t)', nanEnv)));
  assert.ok(Number.isNaN(ev('min(t)', nanEnv)));
  assert.ok(Number.isNaN(ev('norm(t)', nanEnv)));
  assert.equal(ev('argmax(t)', nanEnv), 1);
  assert.equal(ev('relu(t)[1] != relu(t)[1]', nanEnv), true);
});

test('unicode names, and names the expression reads', () => {
  assert.equal(ev('δ + σ'), 3);
  assert.equal(ev('σ^2 * δ'), 4);
  assert.deepEqual(compileExpression('max(abs(delta)) < tol && delta[0] > 0 && true').names, ['delta', 'tol']);
  assert.deepEqual(compileExpression('norm(W2) + 1').names, ['W2']);
  assert.deepEqual(compileExpression('1 + 2').names, []);
});

test('a compiled expression evaluates against any environment', () => {
  const c = compileExpression('loss * 2');
  assert.equal(c.source, 'loss * 2');
  assert.equal(c.evaluate(envFromRecord({ loss: 0.25 })), 0.5);
  assert.equal(c.evaluate(envFromRecord({ loss: 3 })), 6);
  let calls = 0;
  const custom: ExprEnv = {
    lookup: (n) => (n === 'loss' ? (calls++, 10) : undefined),
    names: () => ['loss'],
  };
  assert.equal(c.evaluate(custom), 20);
  assert.equal(calls, 1);
});

test('envFromRecord does not expose Object.prototype', () => {
  const e = envFromRecord({ w: 1 });
  assert.deepEqual(e.names(), ['w']);
  assert.equal(e.lookup('constructor'), undefined);
  assert.equal(e.lookup('toString'), undefined);
  throwsExpr(() => ev('constructor', e), 'unknown name "constructor" at 1; available names: w', 0, 11);
});

test('formatValue', () => {
  assert.equal(formatValue(0.298371234), '0.298371');
  assert.equal(formatValue(1.2e-7), '1.2e-7');
  assert.equal(formatValue(-3), '-3');
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(-0), '0');
  assert.equal(formatValue(0.0001), '0.0001');
  assert.equal(formatValue(0.00001234), '1.234e-5');
  assert.equal(formatValue(123456), '123456');
  assert.equal(formatValue(1234567), '1.23457e6');
  assert.equal(formatValue(999999.7), '1e6');
  assert.equal(formatValue(Math.PI, 3), '3.14');
  assert.equal(formatValue(Math.PI, 10), '3.141592654');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(-Infinity), '-Infinity');
  assert.equal(formatValue(true), 'true');
  assert.equal(formatValue(false), 'false');
  assert.equal(formatValue(tensor([1, 2, 3], [3])), '[1, 2, 3]');
  assert.equal(formatValue(tensor([], [0])), '[]');
  assert.equal(formatValue(tensor([1, 2.5, 3, 4, 5, 1 / 3], [2, 3])), '2×3 [[1, 2.5, 3], [4, 5, 0.333333]]');
  assert.equal(formatValue(tensor([1 / 3, 2 / 3], [2]), 2), '[0.33, 0.67]');
  const big = tensor(
    Array.from({ length: 100 }, (_, i) => i),
    [10, 10],
  );
  assert.equal(formatValue(big), '10×10 (min 0, max 99, mean 49.5, norm 573.018)');
  const long = tensor(
    Array.from({ length: 65 }, () => -2),
    [65],
  );
  assert.equal(formatValue(long), 'vector of 65 (min -2, max -2, mean -2, norm 16.1245)');
  assert.equal(formatValue(tensor(new Array(64).fill(1), [8, 8])).slice(0, 14), '8×8 [[1, 1, 1,');
});

test('truthy for breakpoint conditions', () => {
  assert.equal(truthy(true), true);
  assert.equal(truthy(false), false);
  assert.equal(truthy(1), true);
  assert.equal(truthy(-0.5), true);
  assert.equal(truthy(0), false);
  throwsExpr(
    () => truthy(W2),
    'a condition must be true/false or a number, but this is a 2×2 matrix; reduce it first, e.g. any(x) or max(x) > 0',
  );
});

test('tensor() checks its shape and copies the data', () => {
  const src = [1, 2];
  const t = tensor(src, [2]);
  src[0] = 9;
  assert.equal(t.data[0], 1);
  assert.ok(t.data instanceof Float64Array);
  assert.throws(() => tensor([1, 2, 3], [2, 2]), RangeError);
  assert.throws(() => tensor([1], [1, 1, 1]), RangeError);
  assert.throws(() => tensor([1], [1.5]), RangeError);
});

test('error messages name the problem and the fix, with offsets', () => {
  const cases: [string, string, number, number][] = [
    ['delt', 'unknown name "delt" at 1; did you mean "delta"?', 0, 4],
    ['max(abs(delt)) < 1e-6', 'unknown name "delt" at 9; did you mean "delta"?', 8, 12],
    ['dleta', 'unknown name "dleta" at 1; did you mean "delta"?', 0, 5],
    ['ture', 'unknown name "ture" at 1; did you mean "true"?', 0, 4],
    [
      'zzz',
      'unknown name "zzz" at 1; available names: W2, x, B, C, a, v, u, e0, delta, epoch, loss, flag, …',
      0,
      3,
    ],
    ['norm(W2[0, 1]', 'expected ")" at 14 to close "(" at 5', 13, 13],
    ['max(a b)', 'expected ")" at 7 to close "(" at 4, found "b"', 6, 7],
    ['a[0', 'expected "]" at 4 to close "[" at 2', 3, 3],
    ['flag ? 1 2', 'expected ":" at 10 to go with "?" at 6, found "2"', 9, 10],
    ['W2[5]', 'W2 is 2×2; index 5 is out of range 0…1', 3, 4],
    ['W2[0, 5]', 'W2 is 2×2; column index 5 is out of range 0…1', 6, 7],
    ['W2[2, 0]', 'W2 is 2×2; row index 2 is out of range 0…1', 3, 4],
    ['W2[0, -3]', 'W2 is 2×2; column index -3 is out of range -2…-1', 6, 8],
    ['W2[0][5]', 'W2[0] has length 2; index 5 is out of range 0…1', 6, 7],
    ['a[3]', 'a has length 3; index 3 is out of range 0…2', 2, 3],
    ['e0[0]', 'e0 has length 0; index 0 is out of range because it is empty', 3, 4],
    ['a[1.5]', 'index 1.5 is not a whole number; use 0, 1, … or -1 for the last', 2, 5],
    ['a[flag]', 'an index must be a whole number, but flag is a boolean', 2, 6],
    ['a[v]', 'an index must be a whole number, but v is a vector of length 2', 2, 3],
    ['epoch[0]', 'epoch is a number; only vectors and matrices can be indexed', 0, 5],
    ['a[0, 1]', 'a is a vector of length 3; it takes one index, e.g. a[0]', 0, 7],
    ['x < 1', 'cannot compare a 2×2 matrix with a number; reduce it first, e.g. max(x) < 1', 0, 5],
    ['0 >= a', 'cannot compare a number with a vector of length 3; reduce it first, e.g. 0 >= max(a)', 0, 6],
    ['W2 == x', 'cannot compare a 2×2 matrix with a 2×2 matrix; reduce them first, e.g. max(abs(W2 - x)) < 1e-6', 0, 7],
    ['flag == 1', 'cannot compare a boolean with a number; compare numbers with numbers and booleans with booleans', 0, 9],
    ['true < false', '"<" compares numbers, not booleans; use == or != for booleans', 0, 12],
    ['nrom(v)', 'unknown function "nrom" at 1; did you mean "norm"?', 0, 4],
    ['sigmiod(v)', 'unknown function "sigmiod" at 1; did you mean "sigmoid"?', 0, 7],
    ['norm', '"norm" is a function at 1; call it, e.g. norm(x)', 0, 4],
    ['norm(v, v)', 'norm takes 1 argument, but got 2 at 1; call it like norm(x)', 0, 10],
    ['dot(v)', 'dot takes 2 arguments, but got 1 at 1; call it like dot(a, b)', 0, 6],
    ['max()', 'max takes 1 or 2 arguments, but got 0 at 1; call it like max(x) or max(a, b)', 0, 5],
    ['norm(flag)', 'norm needs a number or a tensor, but flag is a boolean; turn it into a number with (flag ? 1 : 0)', 5, 9],
    ['flag + 1', '"+" needs a number or a tensor, but flag is a boolean; turn it into a number with (flag ? 1 : 0)', 0, 4],
    ['-flag', '"-" needs a number or a tensor, but flag is a boolean; turn it into a number with (flag ? 1 : 0)', 1, 5],
    ['max(e0)', 'max needs at least one element, but e0 is empty', 4, 6],
    ['mean(e0)', 'mean needs at least one element, but e0 is empty', 5, 7],
    [
      'W2 + a',
      'cannot apply "+" to a 2×2 matrix and a vector of length 3; the shapes must match, or one side must be a number',
      0,
      6,
    ],
    [
      'W2 * B',
      'cannot apply "*" to a 2×2 matrix and a 2×3 matrix; the shapes must match, or one side must be a number; for a matrix product use A @ B or matmul(A, B)',
      0,
      6,
    ],
    [
      'max(W2, a)',
      'cannot apply max to a 2×2 matrix and a vector of length 3; the shapes must match, or one side must be a number',
      0,
      10,
    ],
    ['matmul(W2, C)', 'cannot multiply a 2×2 matrix by a 3×2 matrix; the inner sizes 2 and 3 must match', 0, 13],
    ['B @ B', 'cannot multiply a 2×3 matrix by a 2×3 matrix; the inner sizes 3 and 2 must match', 0, 5],
    ['W2 @ 2', 'a matrix product needs vectors or matrices, but 2 is a number; use * to scale', 0, 6],
    ['dot(W2, v)', 'dot needs two vectors, but got a 2×2 matrix and a vector of length 2; use matmul(A, B) for matrices', 0, 10],
    ['dot(a, v)', 'dot needs vectors of the same length, but got lengths 3 and 2', 0, 9],
    ['1 ? 2 : 3', 'the condition before "?" needs true or false, but 1 is a number; compare it, e.g. 1 != 0', 0, 1],
    ['loss && true', '"&&" needs true or false, but loss is a number; compare it, e.g. loss != 0', 0, 4],
    ['false || W2', '"||" needs true or false, but W2 is a 2×2 matrix; reduce it first, e.g. any(W2) or max(W2) > 0', 9, 11],
    ['!epoch', '"!" needs true or false, but epoch is a number; compare it, e.g. epoch != 0', 1, 6],
    ['epoch = 3', 'unexpected character "=" at 7; use == to compare', 6, 7],
    ['flag & true', 'unexpected character "&" at 6; use && for "and"', 5, 6],
    ['flag | true', 'unexpected character "|" at 6; use || for "or"', 5, 6],
    ['layer.W', 'unexpected character "." at 6; names cannot contain "."', 5, 6],
    ['loss $ 2', 'unexpected character "$" at 6', 5, 6],
    ['2x', 'unexpected "x" at 2 right after the number 2; write 2 * x to multiply', 1, 2],
    ['1e', 'malformed number "1e" at 1; write an exponent like 1e-6, or use * to multiply', 0, 2],
    ['1.2.3', 'malformed number "1.2.3" at 1; a number has at most one "."', 0, 5],
    ['a < v < 1', 'comparisons cannot be chained at 7; write them separately, e.g. a < b && b < c', 6, 7],
    ['', 'empty expression; write one, e.g. loss > 0.5', 0, 0],
    ['   ', 'empty expression; write one, e.g. loss > 0.5', 0, 3],
    ['1 +', 'expected a value at 4, but the expression ended', 3, 3],
    ['1 + * 2', 'unexpected "*" at 5; expected a value such as a number, a name or "("', 4, 5],
    ['1 2', 'unexpected "2" at 3; expected an operator or the end of the expression', 2, 3],
    ['(1 + 2))', 'unmatched ")" at 8; remove it or add a "(" before it', 7, 8],
    ['W2[]', 'empty index "[]" at 3; write a position, e.g. x[0]', 2, 4],
    ['B[0, 1, 2]', 'too many indices at 9; a matrix takes at most two, e.g. W[0, 1]', 8, 9],
  ];
  for (const [src, message, start, end] of cases) throwsExpr(() => ev(src), message, start, end);
});

test('unknown names with an empty environment, and unknown functions without a close match', () => {
  throwsExpr(() => ev('loss', envFromRecord({})), 'unknown name "loss" at 1; no names are available here', 0, 4);
  throwsExpr(
    () => compileExpression('1 + frobnicate(v)'),
    /^unknown function "frobnicate" at 5; the functions are norm, max, min, mean, sum, abs, exp, log, sqrt, sigmoid, tanh, relu, len, argmax, argmin, any, all, T, transpose, dot, matmul$/,
    4,
    14,
  );
});

test('unknown functions and wrong arity are found at compile time, unknown names at evaluation', () => {
  throwsExpr(() => compileExpression('nrom(x)'), /^unknown function "nrom"/);
  throwsExpr(() => compileExpression('sum(x, y)'), /^sum takes 1 argument, but got 2/);
  const c = compileExpression('nothere + 1');
  assert.deepEqual(c.names, ['nothere']);
  throwsExpr(() => c.evaluate(env), /^unknown name "nothere" at 1;/);
});

test('a value the language cannot use is reported, not crashed on', () => {
  const odd: ExprEnv = { lookup: () => 'text' as unknown as Value, names: () => ['s'] };
  throwsExpr(
    () => evaluateExpression('s + 1', odd),
    '"s" holds something that is not a number, a boolean or a tensor, so it cannot be used here',
    0,
    1,
  );
});

test('length and nesting limits raise ExprError, never a stack overflow', () => {
  const nested = (n: number) => '('.repeat(n) + '1' + ')'.repeat(n);
  assert.equal(ev(nested(64)), 1);
  throwsExpr(() => ev(nested(65)), 'the expression is nested too deeply at 65; the limit is 64 levels, so simplify it', 64, 65);
  throwsExpr(() => ev(nested(10_000)), 'the expression is 20001 characters long; the limit is 2000, so shorten it', 2000, 20001);
  assert.equal(ev('-'.repeat(64) + '1'), 1);
  throwsExpr(() => ev('-'.repeat(1999) + '1'), /^the expression is nested too deeply at 65;/, 64, 65);
  throwsExpr(() => ev('2^'.repeat(999) + '1'), /^the expression is nested too deeply at 130;/);
  throwsExpr(() => ev('abs('.repeat(300) + '1' + ')'.repeat(300)), /^the expression is nested too deeply/);
  throwsExpr(() => ev('a['.repeat(300) + '0' + ']'.repeat(300)), /^the expression is nested too deeply/);
  throwsExpr(() => ev('true ? 1 : '.repeat(150) + '0'), /^the expression is nested too deeply/);
  assert.equal(ev('1'.padStart(2000, ' ')), 1);
  throwsExpr(() => ev('1'.padStart(2001, ' ')), /^the expression is 2001 characters long/);
  throwsExpr(() => compileTemplate('x {' + nested(10_000) + '}'), /^the expression is 20001 characters long/, 2003, 20004);
});

test('templates: logpoint messages with {expressions}', () => {
  const t = compileTemplate('epoch {epoch}: loss {loss}');
  assert.deepEqual(t.names, ['epoch', 'loss']);
  assert.equal(t.render(envFromRecord({ epoch: 3, loss: 0.298371234 })), 'epoch 3: loss 0.298371');
  assert.equal(t.render(envFromRecord({ epoch: 4, loss: 1.2e-7 })), 'epoch 4: loss 1.2e-7');
  assert.equal(compileTemplate('{{literal}} {a[0]} }}{{').render(env), '{literal} 10 }{');
  assert.equal(compileTemplate('{{{a[1]}}}').render(env), '{20}');
  assert.equal(compileTemplate('W2={W2} ok={max(abs(delta)) < 1e-6}').render(env), 'W2=2×2 [[1, 2], [3, 4]] ok=true');
  assert.equal(compileTemplate('no expressions').render(env), 'no expressions');
  assert.equal(compileTemplate('').render(env), '');
  assert.deepEqual(compileTemplate('{a + a} {v} {a}').names, ['a', 'v']);
});

test('templates: an evaluation error renders in place, with offsets into the template', () => {
  const t = compileTemplate('x={nope} y={loss}');
  assert.equal(
    t.render(env),
    'x=<error: unknown name "nope" at 4; available names: W2, x, B, C, a, v, u, e0, delta, epoch, loss, flag, …> y=0.6',
  );
  assert.equal(
    compileTemplate('{W2[7]} fine').render(env),
    '<error: W2 is 2×2; index 7 is out of range 0…1> fine',
  );
});

test('templates: bad embedded expressions and stray braces throw with template offsets', () => {
  throwsExpr(() => compileTemplate('loss {1 +}'), 'expected a value at 10, but the expression ended', 9, 9);
  throwsExpr(() => compileTemplate('a {b} {nrom(b)}'), 'unknown function "nrom" at 8; did you mean "norm"?', 7, 11);
  throwsExpr(() => compileTemplate('value {loss'), 'unclosed "{" at 7; end the expression with "}", or write "{{" for a literal brace', 6, 11);
  throwsExpr(() => compileTemplate('value } x'), 'unmatched "}" at 7; write "}}" for a literal brace', 6, 7);
  throwsExpr(() => compileTemplate('a {} b'), 'empty "{}" at 3; put an expression inside, e.g. {loss}, or write "{{" for a literal brace', 2, 4);
});

/** mulberry32: a small seeded generator, so the fuzz run is the same every time. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FUZZ_NAMES = ['a', 'v', 'W2', 'B', 'C', 'x', 'e0', 'flag', 'loss', 'epoch', 'δ', 'nope', '0', '1', '2.5', '-1', '1e-3', 'true'];
const FUZZ_BINARY = ['+', '-', '*', '/', '%', '^', '**', '@', '<', '<=', '>', '>=', '==', '!=', '&&', '||'];
const FUZZ_FUNCTIONS = ['norm', 'max', 'min', 'mean', 'sum', 'abs', 'exp', 'log', 'sqrt', 'sigmoid', 'tanh', 'relu', 'len',
  'argmax', 'argmin', 'any', 'all', 'T', 'transpose', 'dot', 'matmul'];

/** A random expression from the grammar: syntactically valid, mostly ill-typed, so evaluation errors get exercised. */
function randomExpression(next: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const sub = () => randomExpression(next, depth + 1);
  const r = depth > 4 ? 0 : next();
  if (r < 0.35) return pick(FUZZ_NAMES);
  if (r < 0.45) return pick(['-', '+', '!']) + sub();
  if (r < 0.65) return `${sub()} ${pick(FUZZ_BINARY)} ${sub()}`;
  if (r < 0.7) return `${sub()} ? ${sub()} : ${sub()}`;
  if (r < 0.75) return `(${sub()})`;
  if (r < 0.85) return next() < 0.5 ? `${sub()}[${sub()}]` : `${pick(['W2', 'B', 'a'])}[${sub()}, ${sub()}]`;
  const args = Array.from({ length: Math.floor(next() * 3) + (next() < 0.8 ? 1 : 0) }, sub);
  return `${pick(FUZZ_FUNCTIONS)}(${args.join(', ')})`;
}

test('fuzz: 2,000 random strings only ever raise ExprError', () => {
  const alphabet = [
    'a', 'v', 'W2', 'e0', 'flag', 'loss', 'δ', 'x', '0', '1', '2', '-1', '.', 'e', '1e-3', ' ', '+', '-', '*', '/', '%',
    '^', '**', '@', '(', ')', '[', ']', ',', '<', '<=', '>', '==', '!=', '=', '!', '&&', '||', '&', '?', ':', '{', '}',
    'true', 'norm(', 'max(', 'min(', 'T(', 'dot(', 'matmul(', 'argmax(', 'log(', 'len(', 'sigmoid(', '$', '"',
  ];
  const next = rng(12345);
  let values = 0;
  let syntaxErrors = 0;
  let evaluationErrors = 0;
  const check = (e: unknown, length: number) => {
    assert.ok(e instanceof ExprError, `not an ExprError: ${String(e)}`);
    assert.ok(Number.isInteger(e.start) && Number.isInteger(e.end), e.message);
    assert.ok(e.start >= 0 && e.start <= e.end && e.end <= length, `${e.message} [${e.start}, ${e.end}) of ${length}`);
    assert.ok(e.message.length > 0);
  };
  for (let n = 0; n < 2000; n++) {
    let src: string;
    if (n % 2 === 0) {
      // Random tokens from a small alphabet: almost always syntax errors.
      const parts: string[] = [];
      const len = 1 + Math.floor(next() * 24);
      for (let i = 0; i < len; i++) parts.push(alphabet[Math.floor(next() * alphabet.length)]);
      src = parts.join('');
    } else {
      // Grammar-generated, and every other one damaged by one inserted or deleted character.
      src = randomExpression(next, 0);
      if (n % 4 === 1 && src.length > 1) {
        const at = Math.floor(next() * src.length);
        src = next() < 0.5 ? src.slice(0, at) + src.slice(at + 1) : src.slice(0, at) + '([,?)]'[Math.floor(next() * 6)] + src.slice(at);
      }
    }
    let compiled;
    try {
      compiled = compileExpression(src);
    } catch (e) {
      check(e, src.length);
      syntaxErrors++;
      continue;
    }
    try {
      const v = compiled.evaluate(env);
      assert.equal(typeof formatValue(v), 'string');
      values++;
      try {
        assert.equal(typeof truthy(v), 'boolean');
      } catch (e) {
        check(e, src.length);
      }
    } catch (e) {
      check(e, src.length);
      evaluationErrors++;
    }
    try {
      const t = compileTemplate(`m {${src}} {{}}`);
      assert.equal(typeof t.render(env), 'string');
    } catch (e) {
      check(e, src.length + 9);
    }
  }
  // Every path is exercised: valid expressions, syntax errors and evaluation errors.
  assert.ok(values >= 100, `only ${values} strings evaluated`);
  assert.ok(syntaxErrors >= 500, `only ${syntaxErrors} syntax errors`);
  assert.ok(evaluationErrors >= 100, `only ${evaluationErrors} evaluation errors`);
});

test('long operands are not quoted in messages', () => {
  const long = `(${Array(12).fill('loss').join(' + ')})`;
  throwsExpr(() => ev(`${long} && true`), '"&&" needs true or false, but it is a number; compare it, e.g. x != 0', 0, long.length);
  throwsExpr(
    () => ev(`norm(${long} > 0)`),
    'norm needs a number or a tensor, but it is a boolean; turn it into a number with (x ? 1 : 0)',
    5,
    5 + long.length + 4,
  );
  throwsExpr(
    () => ev('(W2 + W2 + W2 + W2 + W2 + W2 + W2 + W2 + W2 + W2)[9]'),
    'the indexed value is 2×2; index 9 is out of range 0…1',
    50,
    51,
  );
});
