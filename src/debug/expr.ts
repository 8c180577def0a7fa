/**
 * A small, safe expression language for the debugger: the Debug Console, Watch, hovers, breakpoint
 * conditions and logpoint messages. A hand-written tokenizer, a precedence-climbing parser and a tree
 * evaluator; no `eval`, no `Function`, and only the engine's edit distance (for did-you-mean), so it runs
 * in the extension host, the web worker and the standalone adapter alike.
 *
 * Values are numbers, booleans and tensors (vectors `[n]` and row-major matrices `[rows, cols]`).
 *
 * Grammar, loosest first:
 *   c ? x : y                 (right-associative; the condition must be a boolean)
 *   ||   &&                   (booleans only, short-circuit)
 *   ==  !=                    (numbers exactly, or booleans)
 *   <  <=  >  >=              (numbers only; `a < b < c` is rejected)
 *   +  -                      (elementwise, a number broadcasts over a tensor)
 *   *  /  %  @                (`%` is the floored modulo: -1 % 3 == 2; `@` is the matrix product)
 *   -x  +x  !x                (unary)
 *   x ^ y   x ** y            (power, right-associative, and tighter than unary minus as in
 *                              mathematics: -2^2 == -4, 2^-1 == 0.5, 2^3^2 == 512)
 *   x[i]  x[i][j]  x[i, j]    (negative indices count from the end; a matrix row is a vector)
 *   f(args)  (x)  numbers  true  false  names
 *
 * Errors are `ExprError`s. `start`/`end` are 0-based UTF-16 offsets into the source (into the template
 * for logpoint messages); positions written in messages ("at 5") are 1-based columns.
 */

import { editDistance } from '../engine/validate';

export interface Tensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

export type Value = number | boolean | Tensor;

export interface ExprEnv {
  lookup(name: string): Value | undefined;
  names(): readonly string[];
}

export interface CompiledExpr {
  readonly source: string;
  evaluate(env: ExprEnv): Value;
  /** identifiers it reads */
  readonly names: readonly string[];
}

export class ExprError extends Error {
  readonly start: number;
  readonly end: number;
  constructor(message: string, start: number, end: number) {
    super(message);
    this.name = 'ExprError';
    this.start = start;
    this.end = end;
  }
}

const MAX_SOURCE = 2000;
const MAX_DEPTH = 64;
const LABEL_MAX = 40;

/** A tensor from numbers and a shape `[n]` or `[rows, cols]` (the data is copied). */
export function tensor(data: ArrayLike<number>, shape: number[]): Tensor {
  if (shape.length !== 1 && shape.length !== 2) {
    throw new RangeError(`a tensor has 1 or 2 dimensions, but the shape [${shape.join(', ')}] has ${shape.length}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor dimensions are whole numbers ≥ 0, not ${d}`);
  }
  const n = shape.length === 1 ? shape[0] : shape[0] * shape[1];
  if (data.length !== n) {
    throw new RangeError(`the shape [${shape.join(', ')}] needs ${n} numbers, but ${data.length} were given`);
  }
  return make(Float64Array.from(data), shape);
}

function make(data: Float64Array, shape: readonly number[]): Tensor {
  return { data, shape: Object.freeze(shape.slice()) };
}

// ───────────────────────────── formatting ─────────────────────────────

export function formatNumber(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(digits));
  const a = Math.abs(rounded);
  if (a >= 1e-4 && a < 10 ** digits) return String(rounded);
  return rounded.toExponential().replace('e+', 'e');
}

function sumOfSquares(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * data[i];
  return s;
}

function l2(data: ArrayLike<number>): number {
  const direct = Math.sqrt(sumOfSquares(data));
  if (direct !== Infinity && direct !== 0) return direct;
  // Overflow (or underflow) of the squares: scale by the largest magnitude and try again.
  let big = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (Number.isNaN(a)) return NaN;
    if (a > big) big = a;
  }
  if (big === 0 || big === Infinity) return big;
  let s = 0;
  for (let i = 0; i < data.length; i++) s += (data[i] / big) ** 2;
  return big * Math.sqrt(s);
}

function extreme(data: ArrayLike<number>, wantMax: boolean): number {
  let best = data[0];
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (Number.isNaN(x)) return NaN;
    if (wantMax ? x > best : x < best) best = x;
  }
  return best;
}

function total(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

/** min, max, mean and L2 norm of a tensor (NaN when it holds a NaN; the norm safe from overflow). */
export function tensorStats(t: Tensor): { min: number; max: number; mean: number; norm: number } {
  const d = t.data;
  return { min: extreme(d, false), max: extreme(d, true), mean: total(d) / d.length, norm: l2(d) };
}

/**
 * Numbers with up to `digits` significant digits (0.298371, 1.2e-7, -3); booleans; a vector as
 * "[1, 2, 3]"; a matrix as "2×3 [[1, 2, 3], [4, 5, 6]]"; tensors over 64 elements as a summary,
 * "784×128 (min …, max …, mean …, norm …)" or "vector of 1000 (min …)".
 */
export function formatValue(v: Value, digits = 6): string {
  const d = Number.isFinite(digits) ? Math.min(21, Math.max(1, Math.round(digits))) : 6;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatNumber(v, d);
  const n = v.data.length;
  const f = (x: number) => formatNumber(x, d);
  if (n <= 64) {
    const row = (from: number, to: number) => {
      const parts: string[] = [];
      for (let i = from; i < to; i++) parts.push(f(v.data[i]));
      return `[${parts.join(', ')}]`;
    };
    if (v.shape.length === 1) return row(0, n);
    const [r, c] = v.shape;
    const rows: string[] = [];
    for (let i = 0; i < r; i++) rows.push(row(i * c, i * c + c));
    return `${r}×${c} [${rows.join(', ')}]`;
  }
  const st = tensorStats(v);
  const stats = `min ${f(st.min)}, max ${f(st.max)}, mean ${f(st.mean)}, norm ${f(st.norm)}`;
  return v.shape.length === 1 ? `vector of ${n} (${stats})` : `${v.shape[0]}×${v.shape[1]} (${stats})`;
}

/** For breakpoint conditions: a boolean as is, a number when ≠ 0; a tensor is an error. */
export function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw new ExprError(
    `a condition must be true/false or a number, but this is ${describe(v)}; reduce it first, e.g. any(x) or max(x) > 0`,
    0,
    0,
  );
}

function describe(v: Value): string {
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return v.shape.length === 1 ? `a vector of length ${v.shape[0]}` : `a ${v.shape[0]}×${v.shape[1]} matrix`;
}

// ───────────────────────────── tokens ─────────────────────────────

type TokKind = 'num' | 'name' | 'op' | 'end';

interface Token {
  readonly kind: TokKind;
  readonly text: string;
  /** absolute offsets (the template offset included) */
  readonly s: number;
  readonly e: number;
  readonly num: number;
}

const OPS2 = new Set(['**', '<=', '>=', '==', '!=', '&&', '||']);
const OPS1 = new Set('+-*/%^<>!?:()[],@');
const NUMBER_RE = /\d+(?:\.\d*)?|\.\d+/y;
const EXPONENT_RE = /[eE][+-]?\d+/y;
const NAME_RE = /[\p{L}_][\p{L}\p{N}\p{M}_]*/uy;
const NAME_START_RE = /^[\p{L}\p{N}_]$/u;
const SPACE_RE = /\s/;

const at = (offset: number) => `at ${offset + 1}`;

function charAt(text: string, i: number): string {
  return String.fromCodePoint(text.codePointAt(i) ?? 0);
}

function tokenize(text: string, base: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const tok = (kind: TokKind, s: number, e: number, num = 0) =>
    out.push({ kind, text: text.slice(s, e), s: base + s, e: base + e, num });
  while (i < text.length) {
    const ch = text[i];
    if (SPACE_RE.test(ch)) {
      i++;
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = NUMBER_RE.exec(text);
    if (num) {
      let end = i + num[0].length;
      if (text[end] === 'e' || text[end] === 'E') {
        EXPONENT_RE.lastIndex = end;
        const exp = EXPONENT_RE.exec(text);
        if (!exp) {
          throw new ExprError(
            `malformed number "${text.slice(i, end + 1)}" ${at(base + i)}; write an exponent like 1e-6, or use * to multiply`,
            base + i,
            base + end + 1,
          );
        }
        end += exp[0].length;
      }
      if (text[end] === '.') {
        let stop = end;
        while (stop < text.length && /[\d.]/.test(text[stop])) stop++;
        throw new ExprError(
          `malformed number "${text.slice(i, stop)}" ${at(base + i)}; a number has at most one "."`,
          base + i,
          base + stop,
        );
      }
      if (end < text.length && NAME_START_RE.test(charAt(text, end))) {
        NAME_RE.lastIndex = end;
        const name = NAME_RE.exec(text)?.[0] ?? charAt(text, end);
        const lit = text.slice(i, end);
        throw new ExprError(
          `unexpected "${name}" ${at(base + end)} right after the number ${lit}; write ${lit} * ${name} to multiply`,
          base + end,
          base + end + name.length,
        );
      }
      tok('num', i, end, Number(text.slice(i, end)));
      i = end;
      continue;
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(text);
    if (name) {
      tok('name', i, i + name[0].length);
      i += name[0].length;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (OPS2.has(two)) {
      tok('op', i, i + 2);
      i += 2;
      continue;
    }
    if (OPS1.has(ch)) {
      tok('op', i, i + 1);
      i++;
      continue;
    }
    const c = charAt(text, i);
    const hint =
      c === '='
        ? '; use == to compare'
        : c === '&'
          ? '; use && for "and"'
          : c === '|'
            ? '; use || for "or"'
            : c === '"' || c === "'"
              ? '; expressions have no strings'
              : c === '.'
                ? '; names cannot contain "."'
                : '';
    throw new ExprError(`unexpected character "${c}" ${at(base + i)}${hint}`, base + i, base + i + c.length);
  }
  out.push({ kind: 'end', text: '', s: base + text.length, e: base + text.length, num: 0 });
  return out;
}

// ───────────────────────────── syntax tree ─────────────────────────────

interface Span {
  readonly s: number;
  readonly e: number;
}

type BinOp = '+' | '-' | '*' | '/' | '%' | '^' | '@' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

type Node = Span & { readonly paren?: boolean } & (
    | { readonly k: 'num'; readonly v: number }
    | { readonly k: 'bool'; readonly v: boolean }
    | { readonly k: 'name'; readonly name: string }
    | { readonly k: 'unary'; readonly op: '-' | '+' | '!'; readonly x: Node }
    | { readonly k: 'bin'; readonly op: BinOp; readonly text: string; readonly l: Node; readonly r: Node }
    | { readonly k: 'cond'; readonly c: Node; readonly t: Node; readonly f: Node }
    | { readonly k: 'index'; readonly x: Node; readonly idx: readonly Node[] }
    | { readonly k: 'call'; readonly name: string; readonly fn: Fn; readonly args: readonly Node[] }
  );

type CallNode = Extract<Node, { k: 'call' }>;

const PREC = new Map<string, number>([
  ['||', 1],
  ['&&', 2],
  ['==', 3],
  ['!=', 3],
  ['<', 4],
  ['<=', 4],
  ['>', 4],
  ['>=', 4],
  ['+', 5],
  ['-', 5],
  ['*', 6],
  ['/', 6],
  ['%', 6],
  ['@', 6],
]);
const RELATIONAL = 4;

const isRelational = (op: string) => op === '<' || op === '<=' || op === '>' || op === '>=';

class Parser {
  private i = 0;
  private depth = 0;
  readonly names: string[] = [];
  private readonly toks: Token[];

  constructor(toks: Token[]) {
    this.toks = toks;
  }

  private peek(): Token {
    return this.toks[this.i];
  }

  private isOp(t: Token, text: string): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private nest<T>(t: Token, parse: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      throw new ExprError(
        `the expression is nested too deeply ${at(t.s)}; the limit is ${MAX_DEPTH} levels, so simplify it`,
        t.s,
        t.e,
      );
    }
    const r = parse();
    this.depth--;
    return r;
  }

  private expectClose(text: string, open: Token, relation: string): Token {
    const t = this.peek();
    if (this.isOp(t, text)) {
      this.i++;
      return t;
    }
    const found = t.kind === 'end' ? '' : `, found "${t.text}"`;
    throw new ExprError(`expected "${text}" ${at(t.s)} ${relation} "${open.text}" ${at(open.s)}${found}`, t.s, t.e);
  }

  parseRoot(): Node {
    const n = this.parseTernary();
    const t = this.peek();
    if (t.kind !== 'end') {
      if (this.isOp(t, ')') || this.isOp(t, ']')) {
        const open = t.text === ')' ? '(' : '[';
        throw new ExprError(`unmatched "${t.text}" ${at(t.s)}; remove it or add a "${open}" before it`, t.s, t.e);
      }
      throw new ExprError(`unexpected "${t.text}" ${at(t.s)}; expected an operator or the end of the expression`, t.s, t.e);
    }
    return n;
  }

  private parseTernary(): Node {
    const c = this.parseBinary(1);
    const q = this.peek();
    if (!this.isOp(q, '?')) return c;
    this.i++;
    const t = this.nest(q, () => this.parseTernary());
    this.expectClose(':', q, 'to go with');
    const f = this.nest(q, () => this.parseTernary());
    return { k: 'cond', c, t, f, s: c.s, e: f.e };
  }

  private parseBinary(minPrec: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const p = t.kind === 'op' ? PREC.get(t.text) : undefined;
      if (p === undefined || p < minPrec) return left;
      if (p === RELATIONAL && left.k === 'bin' && isRelational(left.op) && !left.paren) {
        throw new ExprError(
          `comparisons cannot be chained ${at(t.s)}; write them separately, e.g. a < b && b < c`,
          t.s,
          t.e,
        );
      }
      this.i++;
      const right = this.parseBinary(p + 1);
      left = { k: 'bin', op: t.text as BinOp, text: t.text, l: left, r: right, s: left.s, e: right.e };
    }
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (this.isOp(t, '-') || this.isOp(t, '+') || this.isOp(t, '!')) {
      this.i++;
      const x = this.nest(t, () => this.parseUnary());
      return { k: 'unary', op: t.text as '-' | '+' | '!', x, s: t.s, e: x.e };
    }
    const base = this.parsePostfix();
    const p = this.peek();
    if (this.isOp(p, '^') || this.isOp(p, '**')) {
      this.i++;
      const exponent = this.nest(p, () => this.parseUnary());
      return { k: 'bin', op: '^', text: p.text, l: base, r: exponent, s: base.s, e: exponent.e };
    }
    return base;
  }

  private parseList(open: Token, close: string): { items: Node[]; end: Token } {
    const items: Node[] = [];
    if (this.isOp(this.peek(), close)) return { items, end: this.toks[this.i++] };
    for (;;) {
      items.push(this.parseTernary());
      if (this.isOp(this.peek(), ',')) {
        this.i++;
        continue;
      }
      return { items, end: this.expectClose(close, open, 'to close') };
    }
  }

  private parsePostfix(): Node {
    let x = this.parsePrimary();
    for (;;) {
      const open = this.peek();
      if (!this.isOp(open, '[')) return x;
      this.i++;
      const { items, end } = this.nest(open, () => this.parseList(open, ']'));
      if (items.length === 0) {
        throw new ExprError(`empty index "[]" ${at(open.s)}; write a position, e.g. x[0]`, open.s, end.e);
      }
      if (items.length > 2) {
        throw new ExprError(
          `too many indices ${at(items[2].s)}; a matrix takes at most two, e.g. W[0, 1]`,
          items[2].s,
          items[items.length - 1].e,
        );
      }
      x = { k: 'index', x, idx: items, s: x.s, e: end.e };
    }
  }

  private parsePrimary(): Node {
    const t = this.peek();
    if (t.kind === 'num') {
      this.i++;
      return { k: 'num', v: t.num, s: t.s, e: t.e };
    }
    if (t.kind === 'name') {
      this.i++;
      if (t.text === 'true' || t.text === 'false') return { k: 'bool', v: t.text === 'true', s: t.s, e: t.e };
      const open = this.peek();
      if (!this.isOp(open, '(')) {
        if (!this.names.includes(t.text)) this.names.push(t.text);
        return { k: 'name', name: t.text, s: t.s, e: t.e };
      }
      const fn = FUNCTIONS.get(t.text);
      if (!fn) {
        const guess = suggest(t.text, [...FUNCTIONS.keys()]);
        const fix = guess ? `did you mean "${guess}"?` : `the functions are ${[...FUNCTIONS.keys()].join(', ')}`;
        throw new ExprError(`unknown function "${t.text}" ${at(t.s)}; ${fix}`, t.s, t.e);
      }
      this.i++;
      const { items, end } = this.nest(open, () => this.parseList(open, ')'));
      if (items.length < fn.min || items.length > fn.max) {
        const wanted =
          fn.min === fn.max
            ? `${fn.min} argument${fn.min === 1 ? '' : 's'}`
            : `${fn.min} or ${fn.max} arguments`;
        throw new ExprError(
          `${t.text} takes ${wanted}, but got ${items.length} ${at(t.s)}; call it like ${fn.usage.replaceAll('$', t.text)}`,
          t.s,
          end.e,
        );
      }
      return { k: 'call', name: t.text, fn, args: items, s: t.s, e: end.e };
    }
    if (this.isOp(t, '(')) {
      this.i++;
      const inner = this.nest(t, () => this.parseTernary());
      const close = this.expectClose(')', t, 'to close');
      return { ...inner, paren: true, s: t.s, e: close.e };
    }
    if (t.kind === 'end') {
      throw new ExprError(`expected a value ${at(t.s)}, but the expression ended`, t.s, t.e);
    }
    throw new ExprError(
      `unexpected "${t.text}" ${at(t.s)}; expected a value such as a number, a name or "("`,
      t.s,
      t.e,
    );
  }
}

// ───────────────────────────── did you mean ─────────────────────────────

/** The closest candidate within two edits (and not wholly different), or undefined. */
function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    if (c === name || Math.abs(c.length - name.length) > 2) continue;
    const d = editDistance(name, c);
    if (d < bestD && d < Math.max(name.length, c.length)) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

// ───────────────────────────── evaluation ─────────────────────────────

interface Ctx {
  readonly env: ExprEnv;
  readonly text: string;
  readonly base: number;
}

function fail(message: string, span: Span): never {
  throw new ExprError(message, span.s, span.e);
}

/** The source text of a node, for messages; a generic phrase when it is long. */
function label(n: Span, c: Ctx, fallback = 'the value'): string {
  const s = c.text.slice(n.s - c.base, n.e - c.base).trim();
  return s.length <= LABEL_MAX ? s : fallback;
}

function isTensor(v: unknown): v is Tensor {
  if (typeof v !== 'object' || v === null) return false;
  const { data, shape } = v as { data?: unknown; shape?: unknown };
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 2)) return false;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) return false;
  if (typeof data !== 'object' || data === null || typeof (data as ArrayLike<number>).length !== 'number') return false;
  return (data as ArrayLike<number>).length === (shape.length === 1 ? shape[0] : shape[0] * shape[1]);
}

function lookupName(n: Extract<Node, { k: 'name' }>, c: Ctx): Value {
  const v: unknown = c.env.lookup(n.name);
  if (typeof v === 'number' || typeof v === 'boolean' || isTensor(v)) return v;
  if (v !== undefined) {
    fail(`"${n.name}" holds something that is not a number, a boolean or a tensor, so it cannot be used here`, n);
  }
  if (FUNCTIONS.has(n.name)) {
    fail(`"${n.name}" is a function ${at(n.s)}; call it, e.g. ${FUNCTIONS.get(n.name)?.usage.replaceAll('$', n.name)}`, n);
  }
  const names = c.env.names();
  const guess = suggest(n.name, [...names, 'true', 'false']);
  let fix: string;
  if (guess) fix = `did you mean "${guess}"?`;
  else if (names.length === 0) fix = 'no names are available here';
  else fix = `available names: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`;
  fail(`unknown name "${n.name}" ${at(n.s)}; ${fix}`, n);
}

type Num = number | Tensor;

function needBool(v: Value, n: Node, what: string, c: Ctx): boolean {
  if (typeof v === 'boolean') return v;
  const l = label(n, c, '');
  const x = l || 'x';
  const hint = typeof v === 'number' ? `compare it, e.g. ${x} != 0` : `reduce it first, e.g. any(${x}) or max(${x}) > 0`;
  fail(`${what} needs true or false, but ${l || 'it'} is ${describe(v)}; ${hint}`, n);
}

function needNum(v: Value, n: Node, what: string, c: Ctx): Num {
  if (typeof v !== 'boolean') return v;
  const l = label(n, c, '');
  fail(`${what} needs a number or a tensor, but ${l || 'it'} is a boolean; turn it into a number with (${l || 'x'} ? 1 : 0)`, n);
}

function map(v: Num, f: (x: number) => number): Num {
  if (typeof v === 'number') return f(v);
  const out = new Float64Array(v.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(v.data[i]);
  return make(out, v.shape);
}

const sameShape = (a: Tensor, b: Tensor) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

/** Elementwise with a number broadcast over a tensor; tensors must have equal shapes. */
function zip(a: Num, b: Num, f: (x: number, y: number) => number, what: string, span: Span): Num {
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  if (typeof a === 'number') return map(b, (y) => f(a, y));
  if (typeof b === 'number') return map(a, (x) => f(x, b));
  if (!sameShape(a, b)) {
    const product =
      what === '"*"' && a.shape.length === 2 && b.shape.length === 2 ? '; for a matrix product use A @ B or matmul(A, B)' : '';
    fail(
      `cannot apply ${what} to ${describe(a)} and ${describe(b)}; the shapes must match, or one side must be a number${product}`,
      span,
    );
  }
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], b.data[i]);
  return make(out, a.shape);
}

const floorMod = (x: number, y: number) => {
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r;
};

const ARITH: Record<string, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '%': floorMod,
  '^': (x, y) => x ** y,
};

const COMPARE: Record<string, (x: number, y: number) => boolean> = {
  '<': (x, y) => x < y,
  '<=': (x, y) => x <= y,
  '>': (x, y) => x > y,
  '>=': (x, y) => x >= y,
  '==': (x, y) => x === y,
  '!=': (x, y) => x !== y,
};

function compare(n: Extract<Node, { k: 'bin' }>, a: Value, b: Value, c: Ctx): boolean {
  if (typeof a === 'number' && typeof b === 'number') return COMPARE[n.op](a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean' && (n.op === '==' || n.op === '!=')) {
    return n.op === '==' ? a === b : a !== b;
  }
  if (typeof a === 'object' || typeof b === 'object') {
    if (typeof a !== 'boolean' && typeof b !== 'boolean') {
      const la = label(n.l, c, 'x');
      const lb = label(n.r, c, 'y');
      let example: string;
      if (typeof a === 'object' && typeof b === 'object') {
        example = `reduce them first, e.g. max(abs(${la} - ${lb})) < 1e-6`;
      } else if (typeof a === 'object') {
        example = `reduce it first, e.g. max(${la}) ${n.text} ${lb}`;
      } else {
        example = `reduce it first, e.g. ${la} ${n.text} max(${lb})`;
      }
      fail(`cannot compare ${describe(a)} with ${describe(b)}; ${example}`, n);
    }
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    fail(`"${n.text}" compares numbers, not booleans; use == or != for booleans`, n);
  }
  fail(`cannot compare ${describe(a)} with ${describe(b)}; compare numbers with numbers and booleans with booleans`, n);
}

function evaluate(n: Node, c: Ctx): Value {
  switch (n.k) {
    case 'num':
    case 'bool':
      return n.v;
    case 'name':
      return lookupName(n, c);
    case 'unary': {
      const x = evaluate(n.x, c);
      if (n.op === '!') return !needBool(x, n.x, '"!"', c);
      const v = needNum(x, n.x, `"${n.op}"`, c);
      return n.op === '-' ? map(v, (y) => -y) : v;
    }
    case 'cond': {
      const cond = needBool(evaluate(n.c, c), n.c, 'the condition before "?"', c);
      return evaluate(cond ? n.t : n.f, c);
    }
    case 'bin': {
      if (n.op === '&&' || n.op === '||') {
        const l = needBool(evaluate(n.l, c), n.l, `"${n.op}"`, c);
        if (n.op === '&&' ? !l : l) return l;
        return needBool(evaluate(n.r, c), n.r, `"${n.op}"`, c);
      }
      const a = evaluate(n.l, c);
      const b = evaluate(n.r, c);
      if (n.op in COMPARE) return compare(n, a, b, c);
      const x = needNum(a, n.l, `"${n.text}"`, c);
      const y = needNum(b, n.r, `"${n.text}"`, c);
      if (n.op === '@') return matmul(x, y, n.l, n.r, n, c);
      return zip(x, y, ARITH[n.op], `"${n.text}"`, n);
    }
    case 'index':
      return index(n, c);
    case 'call': {
      const args = n.args.map((a) => evaluate(a, c));
      return n.fn.run(args, n, c);
    }
  }
}

function resolveIndex(v: Value, n: Node, size: number, word: string, owner: string, c: Ctx): number {
  if (typeof v !== 'number') {
    fail(`an index must be a whole number, but ${label(n, c, 'it')} is ${describe(v)}`, n);
  }
  if (!Number.isInteger(v)) {
    fail(`${word} ${formatNumber(v, 6)} is not a whole number; use 0, 1, … or -1 for the last`, n);
  }
  if (size === 0) fail(`${owner}; ${word} ${v} is out of range because it is empty`, n);
  if (v >= size || v < -size) {
    const range = v < 0 ? `-${size}…-1` : `0…${size - 1}`;
    fail(`${owner}; ${word} ${v} is out of range ${range}`, n);
  }
  return v < 0 ? v + size : v;
}

function index(n: Extract<Node, { k: 'index' }>, c: Ctx): Value {
  const target = evaluate(n.x, c);
  const idx = n.idx.map((i) => evaluate(i, c));
  const name = label(n.x, c, 'the indexed value');
  if (typeof target !== 'object') {
    fail(`${name} is ${describe(target)}; only vectors and matrices can be indexed`, n.x);
  }
  if (target.shape.length === 1) {
    const len = target.shape[0];
    if (idx.length === 2) fail(`${name} is a vector of length ${len}; it takes one index, e.g. ${name}[0]`, n);
    return target.data[resolveIndex(idx[0], n.idx[0], len, 'index', `${name} has length ${len}`, c)];
  }
  const [rows, cols] = target.shape;
  const owner = `${name} is ${rows}×${cols}`;
  const i = resolveIndex(idx[0], n.idx[0], rows, idx.length === 1 ? 'index' : 'row index', owner, c);
  if (idx.length === 1) return make(target.data.slice(i * cols, i * cols + cols), [cols]);
  const j = resolveIndex(idx[1], n.idx[1], cols, 'column index', owner, c);
  return target.data[i * cols + j];
}

// ───────────────────────────── functions ─────────────────────────────

interface Fn {
  readonly min: number;
  readonly max: number;
  /** "$" stands for the name the user called it by */
  readonly usage: string;
  run(args: Value[], call: CallNode, c: Ctx): Value;
}

function arg(args: Value[], call: CallNode, i: number, c: Ctx): Num {
  return needNum(args[i], call.args[i], call.name, c);
}

const elems = (v: Num): ArrayLike<number> => (typeof v === 'number' ? [v] : v.data);

function nonEmpty(v: Num, n: Node, fname: string, c: Ctx): ArrayLike<number> {
  const d = elems(v);
  if (d.length === 0) fail(`${fname} needs at least one element, but ${label(n, c, 'its argument')} is empty`, n);
  return d;
}

function elementwise(f: (x: number) => number): Fn {
  return { min: 1, max: 1, usage: '$(x)', run: (args, call, c) => map(arg(args, call, 0, c), f) };
}

function reduction(name: string, f: (d: ArrayLike<number>) => Value, needsElements = false): Fn {
  return {
    min: 1,
    max: 1,
    usage: '$(x)',
    run(args, call, c) {
      const v = arg(args, call, 0, c);
      return f(needsElements ? nonEmpty(v, call.args[0], name, c) : elems(v));
    },
  };
}

function extremeFn(wantMax: boolean): Fn {
  const name = wantMax ? 'max' : 'min';
  return {
    min: 1,
    max: 2,
    usage: '$(x) or $(a, b)',
    run(args, call, c) {
      const a = arg(args, call, 0, c);
      if (args.length === 1) return extreme(nonEmpty(a, call.args[0], name, c), wantMax);
      const pick = wantMax ? Math.max : Math.min;
      return zip(a, arg(args, call, 1, c), (x, y) => pick(x, y), name, call);
    },
  };
}

function argExtreme(wantMax: boolean): Fn {
  const name = wantMax ? 'argmax' : 'argmin';
  return reduction(
    name,
    (d) => {
      let best = 0;
      for (let i = 0; i < d.length; i++) {
        if (Number.isNaN(d[i])) return i;
        if (wantMax ? d[i] > d[best] : d[i] < d[best]) best = i;
      }
      return best;
    },
    true,
  );
}

function transpose(v: Num): Num {
  if (typeof v === 'number' || v.shape.length === 1) return v;
  const [r, cols] = v.shape;
  const out = new Float64Array(r * cols);
  for (let i = 0; i < r; i++) for (let j = 0; j < cols; j++) out[j * r + i] = v.data[i * cols + j];
  return make(out, [cols, r]);
}

function matmul(a: Num, b: Num, na: Node, nb: Node, span: Span, c: Ctx): Value {
  for (const [v, n] of [
    [a, na],
    [b, nb],
  ] as const) {
    if (typeof v === 'number') {
      fail(`a matrix product needs vectors or matrices, but ${label(n, c, 'one side')} is a number; use * to scale`, span);
    }
  }
  const A = a as Tensor;
  const B = b as Tensor;
  const [m, k] = A.shape.length === 2 ? A.shape : [1, A.shape[0]];
  const [k2, p] = B.shape.length === 2 ? B.shape : [B.shape[0], 1];
  if (k !== k2) {
    fail(`cannot multiply ${describe(A)} by ${describe(B)}; the inner sizes ${k} and ${k2} must match`, span);
  }
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += A.data[i * k + t] * B.data[t * p + j];
      out[i * p + j] = s;
    }
  }
  if (A.shape.length === 1 && B.shape.length === 1) return out[0];
  if (A.shape.length === 1) return make(out, [p]);
  if (B.shape.length === 1) return make(out, [m]);
  return make(out, [m, p]);
}

const sigmoid = (x: number) => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};

const transposeFn: Fn = { min: 1, max: 1, usage: '$(x)', run: (args, call, c) => transpose(arg(args, call, 0, c)) };

const FUNCTIONS = new Map<string, Fn>([
  ['norm', reduction('norm', l2)],
  ['max', extremeFn(true)],
  ['min', extremeFn(false)],
  ['mean', reduction('mean', (d) => total(d) / d.length, true)],
  ['sum', reduction('sum', total)],
  ['abs', elementwise(Math.abs)],
  ['exp', elementwise(Math.exp)],
  ['log', elementwise(Math.log)],
  ['sqrt', elementwise(Math.sqrt)],
  ['sigmoid', elementwise(sigmoid)],
  ['tanh', elementwise(Math.tanh)],
  ['relu', elementwise((x) => (x > 0 || Number.isNaN(x) ? x : 0))],
  ['len', reduction('len', (d) => d.length)],
  ['argmax', argExtreme(true)],
  ['argmin', argExtreme(false)],
  [
    'any',
    {
      min: 1,
      max: 1,
      usage: '$(x)',
      run: (args, call, c) => (typeof args[0] === 'boolean' ? args[0] : Array.from(elems(arg(args, call, 0, c))).some((x) => x !== 0)),
    },
  ],
  [
    'all',
    {
      min: 1,
      max: 1,
      usage: '$(x)',
      run: (args, call, c) => (typeof args[0] === 'boolean' ? args[0] : Array.from(elems(arg(args, call, 0, c))).every((x) => x !== 0)),
    },
  ],
  ['T', transposeFn],
  ['transpose', transposeFn],
  [
    'dot',
    {
      min: 2,
      max: 2,
      usage: '$(a, b)',
      run(args, call, c) {
        const a = arg(args, call, 0, c);
        const b = arg(args, call, 1, c);
        if (typeof a !== 'object' || typeof b !== 'object' || a.shape.length !== 1 || b.shape.length !== 1) {
          fail(`dot needs two vectors, but got ${describe(a)} and ${describe(b)}; use matmul(A, B) for matrices`, call);
        }
        if (a.data.length !== b.data.length) {
          fail(`dot needs vectors of the same length, but got lengths ${a.data.length} and ${b.data.length}`, call);
        }
        let s = 0;
        for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
        return s;
      },
    },
  ],
  [
    'matmul',
    {
      min: 2,
      max: 2,
      usage: '$(A, B)',
      run: (args, call, c) => matmul(arg(args, call, 0, c), arg(args, call, 1, c), call.args[0], call.args[1], call, c),
    },
  ],
]);

// ───────────────────────────── public entry points ─────────────────────────────

function compileAt(text: string, base: number): CompiledExpr {
  if (text.length > MAX_SOURCE) {
    throw new ExprError(
      `the expression is ${text.length} characters long; the limit is ${MAX_SOURCE}, so shorten it`,
      base + MAX_SOURCE,
      base + text.length,
    );
  }
  if (text.trim() === '') {
    throw new ExprError('empty expression; write one, e.g. loss > 0.5', base, base + text.length);
  }
  const parser = new Parser(tokenize(text, base));
  const root = parser.parseRoot();
  const names = Object.freeze(parser.names.slice());
  return {
    source: text,
    names,
    evaluate: (env: ExprEnv) => evaluate(root, { env, text, base }),
  };
}

/** Parses once; throws `ExprError` for syntax errors, unknown functions and wrong argument counts. */
export function compileExpression(source: string): CompiledExpr {
  return compileAt(source, 0);
}

export function evaluateExpression(source: string, env: ExprEnv): Value {
  return compileExpression(source).evaluate(env);
}

export function envFromRecord(values: Record<string, Value>): ExprEnv {
  const keys = Object.freeze(Object.keys(values));
  return {
    lookup: (name) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined),
    names: () => keys,
  };
}

/**
 * Logpoint messages: text with {expressions}; `{{` and `}}` are literal braces. Each expression is
 * compiled once; a bad one throws `ExprError` with offsets into the template. An evaluation error renders
 * as `<error: message>` in its place.
 */
export function compileTemplate(template: string): { render(env: ExprEnv): string; readonly names: readonly string[] } {
  const parts: (string | CompiledExpr)[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    if ((ch === '{' || ch === '}') && template[i + 1] === ch) {
      literal += ch;
      i += 2;
      continue;
    }
    if (ch === '}') {
      throw new ExprError(`unmatched "}" ${at(i)}; write "}}" for a literal brace`, i, i + 1);
    }
    if (ch !== '{') {
      literal += ch;
      i++;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) {
      throw new ExprError(
        `unclosed "{" ${at(i)}; end the expression with "}", or write "{{" for a literal brace`,
        i,
        template.length,
      );
    }
    const inner = template.slice(i + 1, close);
    if (inner.trim() === '') {
      throw new ExprError(
        `empty "{}" ${at(i)}; put an expression inside, e.g. {loss}, or write "{{" for a literal brace`,
        i,
        close + 1,
      );
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(compileAt(inner, i + 1));
    i = close + 1;
  }
  if (literal) parts.push(literal);
  const names: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') for (const n of p.names) if (!names.includes(n)) names.push(n);
  }
  return {
    names: Object.freeze(names),
    render(env: ExprEnv): string {
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') {
          out += p;
          continue;
        }
        try {
          out += formatValue(p.evaluate(env));
        } catch (e) {
          out += `<error: ${e instanceof Error ? e.message : String(e)}>`;
        }
      }
      return out;
    },
  };
}
