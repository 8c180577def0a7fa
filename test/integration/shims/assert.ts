// A small `assert` for the web extension host (a web worker has no Node built-ins). scripts/build-tests.mjs
// maps 'assert', 'node:assert', 'assert/strict' and 'node:assert/strict' to this module in the web bundle;
// the Node host uses Node's own. Covers the strict API the suites use; extend it when a suite needs more.
/* eslint-disable @typescript-eslint/no-explicit-any */

export class AssertionError extends Error {
  actual: unknown;
  expected: unknown;
  operator: string;
  constructor(message: string, actual?: unknown, expected?: unknown, operator = 'fail') {
    super(message);
    this.name = 'AssertionError';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
}

const show = (v: unknown): string => {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};
function failWith(message: string | Error | undefined, fallback: string, actual?: unknown, expected?: unknown, op?: string): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? fallback, actual, expected, op);
}

function isDeepStrictEqual(a: any, b: any, seen = new Map<any, any>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    return x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  }
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !isDeepStrictEqual(v, b.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && isDeepStrictEqual(a[k], b[k], seen));
}

export function ok(value: unknown, message?: string | Error): asserts value {
  if (!value) failWith(message, `The expression evaluated to a falsy value: ${show(value)}`, value, true, '==');
}
export function fail(message: string | Error = 'Failed'): never {
  failWith(message, 'Failed');
}
export function strictEqual<T>(actual: unknown, expected: T, message?: string | Error): asserts actual is T {
  if (!Object.is(actual, expected)) failWith(message, `Expected values to be strictly equal:\n${show(actual)} !== ${show(expected)}`, actual, expected, 'strictEqual');
}
export function notStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (Object.is(actual, expected)) failWith(message, `Expected "actual" to be strictly unequal to: ${show(expected)}`, actual, expected, 'notStrictEqual');
}
export function deepStrictEqual<T>(actual: unknown, expected: T, message?: string | Error): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) failWith(message, `Expected values to be strictly deep-equal:\n${show(actual)}\n!==\n${show(expected)}`, actual, expected, 'deepStrictEqual');
}
export function notDeepStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (isDeepStrictEqual(actual, expected)) failWith(message, `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`, actual, expected, 'notDeepStrictEqual');
}
export function match(value: string, re: RegExp, message?: string | Error): void {
  if (!re.test(value)) failWith(message, `The input did not match the regular expression ${re}. Input: ${show(value)}`, value, re, 'match');
}
export function doesNotMatch(value: string, re: RegExp, message?: string | Error): void {
  if (re.test(value)) failWith(message, `The input was expected to not match the regular expression ${re}. Input: ${show(value)}`, value, re, 'doesNotMatch');
}

type Expected = RegExp | ((new (...args: any[]) => unknown)) | ((e: unknown) => boolean) | Record<string, unknown>;
function checkError(err: unknown, expected: Expected | undefined, message?: string | Error): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(err instanceof Error ? err.message : String(err))) failWith(message, `The error did not match ${expected}: ${String(err)}`, err, expected, 'throws');
  } else if (typeof expected === 'function') {
    if (expected.prototype !== undefined && err instanceof (expected as new () => unknown)) return;
    if (expected === Error || expected.prototype instanceof Error) failWith(message, `The error is not an instance of ${expected.name}: ${String(err)}`, err, expected, 'throws');
    if ((expected as (e: unknown) => boolean)(err) !== true) failWith(message, `The validation function rejected the error: ${String(err)}`, err, expected, 'throws');
  } else {
    for (const [k, v] of Object.entries(expected)) {
      const got = (err as Record<string, unknown>)?.[k];
      if (v instanceof RegExp ? !v.test(String(got)) : !isDeepStrictEqual(got, v)) {
        failWith(message, `The error's "${k}" is ${show(got)}, expected ${show(v)}`, err, expected, 'throws');
      }
    }
  }
}
const NONE = Symbol('none');
export function throws(fn: () => unknown, expected?: Expected | string, message?: string | Error): void {
  if (typeof expected === 'string') [message, expected] = [expected, undefined];
  let err: unknown = NONE;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === NONE) failWith(message, 'Missing expected exception.', undefined, expected, 'throws');
  checkError(err, expected, message);
}
export function doesNotThrow(fn: () => unknown, message?: string | Error): void {
  try {
    fn();
  } catch (e) {
    failWith(message, `Got unwanted exception: ${String(e)}`, e, undefined, 'doesNotThrow');
  }
}
export async function rejects(p: Promise<unknown> | (() => Promise<unknown>), expected?: Expected | string, message?: string | Error): Promise<void> {
  if (typeof expected === 'string') [message, expected] = [expected, undefined];
  let err: unknown = NONE;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  if (err === NONE) failWith(message, 'Missing expected rejection.', undefined, expected, 'rejects');
  checkError(err, expected, message);
}
export async function doesNotReject(p: Promise<unknown> | (() => Promise<unknown>), message?: string | Error): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    failWith(message, `Got unwanted rejection: ${String(e)}`, e, undefined, 'doesNotReject');
  }
}

// Strict mode only: the loose names behave as their strict counterparts (as in 'assert/strict').
export const equal = strictEqual;
export const notEqual = notStrictEqual;
export const deepEqual = deepStrictEqual;
export const notDeepEqual = notDeepStrictEqual;

const assert = Object.assign((value: unknown, message?: string | Error) => ok(value, message), {
  ok, fail, strictEqual, notStrictEqual, deepStrictEqual, notDeepStrictEqual, match, doesNotMatch, throws,
  doesNotThrow, rejects, doesNotReject, equal, notEqual, deepEqual, notDeepEqual, AssertionError,
});
(assert as unknown as { strict: unknown }).strict = assert;
export const strict = assert;
export default assert;
