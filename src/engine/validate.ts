/**
 * Parsing and validation of a network file's text.
 *
 * The text is parsed with jsonc-parser (strict JSON: comments and trailing commas are reported),
 * then the tree is walked against the rules of `spec.ts` by hand, so that every message is ours:
 * it names the JSON path, says what is wrong and what would be right, and is located in the text
 * (offset, length, 1-based line and column). Checks that a JSON Schema cannot express (weight
 * shapes against layer sizes, softmax with MSE, batch norm with batches of one, …) are here too.
 *
 * Only problems with which the network still runs are warnings; everything else is an error.
 */
import { createScanner, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { Diagnostic } from './diagnostics';
import { ACTIVATIONS, BUILTIN_DATASETS, EXERCISE_PHASES, EXERCISE_QUANTITIES, INITS, LOSSES, OPTIMIZERS, type Activation, type ExerciseQuantity, type LossKind, type NetworkFile, type OptimizerKind } from './spec';

/** Limits beyond which a file is rejected (the stepper keeps every value of every step). */
export const NETWORK_LIMITS = {
  /** Neurons in one layer (the input layer included). */
  maxNeurons: 4096,
  /** Weights in one layer (size × size of the previous layer). */
  maxWeightsPerLayer: 1_000_000,
  /** `samples` of a builtin dataset. */
  maxSamples: 100_000,
  /** Syntax errors reported before giving up (later ones are usually consequences of the first). */
  maxSyntaxErrors: 10,
  /** Problems reported inside one data matrix before summarizing the rest. */
  maxMatrixProblems: 5,
} as const;

// ---------------------------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------------------------

export interface TextRange {
  offset: number;
  length: number;
  line: number;
  column: number;
}

/** Maps offsets to 1-based lines and columns (line breaks: \n, \r\n, \r, as jsonc-parser counts them). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }
  /** 1-based line and column of a 0-based offset. */
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1 };
  }
  range(offset: number, length: number): TextRange {
    return { offset, length, ...this.position(offset) };
  }
}

/** Splits `layers[2].weights[0][1]` / `data["odd key"]` into ['layers', 2, 'weights', 0, 1] / ['data', 'odd key']. */
export function parseJsonPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** Appends a key or an index to a JSON path in the `layers[2].activation` notation. */
export function joinJsonPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * The node at a JSON path, or the nearest existing ancestor when the path does not exist (a missing
 * field is located at its object). Properties resolve to their value node.
 */
export function nodeAtPath(root: Node | undefined, path: string): Node | undefined {
  if (!root) return undefined;
  const segments = parseJsonPath(path);
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? root : findNodeAtLocation(root, segments.slice(0, n));
    if (node) return node;
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// Suggestions
// ---------------------------------------------------------------------------------------------

/** Optimal-string-alignment distance (Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2: number[] = new Array<number>(n + 1).fill(0);
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur: number[] = new Array<number>(n + 1).fill(0);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

const normalize = (s: string) => s.toLowerCase().replace(/[-_\s.]/g, '');

/** The candidate the user most likely meant, or undefined when none is close. */
export function suggestName(word: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | undefined {
  const w = normalize(word);
  if (!w) return undefined;
  for (const c of candidates) if (normalize(c) === w) return c;
  const alias = aliases[w];
  if (alias !== undefined && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, normalize(c));
    const limit = Math.max(1, Math.min(3, Math.floor(c.length / 3)));
    if (d <= limit && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best !== undefined) return best;
  if (w.length >= 3) {
    const prefixed = candidates.filter((c) => normalize(c).startsWith(w));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}

const FIELD_ALIASES: Record<string, string> = {
  lr: 'learningRate',
  eta: 'learningRate',
  learnrate: 'learningRate',
  stepsize: 'learningRate',
  bias: 'biases',
  weight: 'weights',
  units: 'size',
  neurons: 'size',
  nodes: 'size',
  act: 'activation',
  activationfunction: 'activation',
  initialization: 'init',
  initializer: 'init',
  batchnormalization: 'batchNorm',
  bn: 'batchNorm',
  skip: 'residual',
  mu: 'momentum',
  decay: 'weightDecay',
  l2: 'weightDecay',
  eps: 'epsilon',
  rho: 'alpha',
  batch: 'batchSize',
  minibatchsize: 'batchSize',
  epoch: 'epochs',
  iterations: 'epochs',
  x: 'inputs',
  y: 'targets',
  outputs: 'targets',
  labels: 'targets',
  input: 'inputs',
  dataset: 'builtin',
  file: 'csv',
  path: 'csv',
  label: 'target',
  optim: 'optimizer',
  cost: 'loss',
  title: 'name',
};

const ENUM_ALIASES: Record<string, string> = {
  identity: 'linear',
  none: 'linear',
  logistic: 'sigmoid',
  lrelu: 'leaky-relu',
  leaky: 'leaky-relu',
  ce: 'cross-entropy',
  categoricalcrossentropy: 'cross-entropy',
  nll: 'cross-entropy',
  logloss: 'binary-cross-entropy',
  bce: 'binary-cross-entropy',
  binarycrossentropy: 'binary-cross-entropy',
  meansquarederror: 'mse',
  l2: 'mse',
  quadratic: 'mse',
  glorot: 'xavier-uniform',
  xavier: 'xavier-uniform',
  glorotuniform: 'xavier-uniform',
  glorotnormal: 'xavier-normal',
  he: 'he-uniform',
  kaiming: 'he-uniform',
  kaiminguniform: 'he-uniform',
  kaimingnormal: 'he-normal',
  gd: 'sgd',
  gradientdescent: 'sgd',
  nag: 'nesterov',
  // Exercise quantities and phases.
  δ: 'delta',
  error: 'delta',
  activation: 'a',
  output: 'a',
  weightedinput: 'z',
  weight: 'W',
  weights: 'W',
  bias: 'b',
  biases: 'b',
  cost: 'loss',
  dcdw: 'dW',
  gradw: 'dW',
  dcdb: 'db',
  gradb: 'db',
  backward: 'delta',
  gradients: 'gradient',
  grad: 'gradient',
  clipping: 'clip',
  step: 'update',
};

// ---------------------------------------------------------------------------------------------
// Field tables
// ---------------------------------------------------------------------------------------------

const ROOT_FIELDS = ['$schema', 'name', 'description', 'seed', 'layers', 'loss', 'optimizer', 'training', 'data', 'exercise'] as const;
const EXERCISE_FIELDS = ['title', 'instructions', 'questions'] as const;
const QUESTION_FIELDS = ['id', 'prompt', 'at', 'quantity', 'layer', 'neuron', 'input', 'example', 'tolerance', 'points', 'hint'] as const;
const AT_FIELDS = ['step', 'epoch', 'batch', 'phase', 'layer'] as const;
const TOLERANCE_FIELDS = ['abs', 'rel'] as const;
/** How a question's quantity is named in messages. */
const QUANTITY_NAMES: Record<ExerciseQuantity, string> = { z: 'z', a: 'a', delta: 'δ', dW: '∂C/∂w', db: '∂C/∂b', W: 'the weight w', b: 'the bias b', loss: 'the loss' };
const INPUT_LAYER_FIELDS = ['size', 'name'] as const;
const LAYER_FIELDS = ['size', 'name', 'activation', 'leak', 'weights', 'biases', 'init', 'dropout', 'batchNorm', 'residual'] as const;
const BATCHNORM_FIELDS = ['momentum', 'epsilon'] as const;
const OPTIMIZER_FIELDS = ['type', 'learningRate', 'momentum', 'dampening', 'beta1', 'beta2', 'epsilon', 'alpha', 'weightDecay'] as const;
const TRAINING_FIELDS = ['batchSize', 'epochs', 'shuffle', 'trainBiases', 'clipNorm', 'clipValue', 'validationSplit'] as const;
const INLINE_DATA_FIELDS = ['inputs', 'targets'] as const;
const BUILTIN_DATA_FIELDS = ['builtin', 'samples', 'noise', 'standardize'] as const;
const CSV_DATA_FIELDS = ['csv', 'inputs', 'target', 'standardize'] as const;
const ALL_DATA_FIELDS = ['inputs', 'targets', 'builtin', 'samples', 'noise', 'standardize', 'csv', 'target'] as const;

/** Which optimizer types use which optional fields (learningRate and weightDecay are used by all). */
const OPTIMIZER_USES: Record<string, readonly OptimizerKind[]> = {
  momentum: ['sgd', 'momentum', 'nesterov', 'rmsprop'],
  dampening: ['sgd', 'momentum', 'nesterov'],
  beta1: ['adam', 'adamw'],
  beta2: ['adam', 'adamw'],
  epsilon: ['rmsprop', 'adam', 'adamw'],
  alpha: ['rmsprop'],
};

// ---------------------------------------------------------------------------------------------
// Syntax errors
// ---------------------------------------------------------------------------------------------

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function previousNonSpace(text: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0 && isSpace(text[i])) i--;
  return i;
}

/** The offset of the innermost `{` / `[` still open at `offset`, found with the tokenizer. */
function unclosedOpener(text: string, offset: number, open: '{' | '['): number | undefined {
  const scanner = createScanner(text, true);
  const stack: number[] = [];
  const openKind = open === '{' ? 1 : 3; // SyntaxKind.OpenBraceToken / OpenBracketToken
  while (true) {
    const tok: number = scanner.scan();
    if (tok === 17 /* EOF */ || scanner.getTokenOffset() >= offset) break;
    if (tok === 1 || tok === 3) stack.push(scanner.getTokenOffset() * 4 + tok);
    else if (tok === 2 || tok === 4) stack.pop();
  }
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i] % 4 === openKind) return (stack[i] - openKind) / 4;
  return undefined;
}

function syntaxDiagnostic(text: string, lines: LineIndex, e: ParseError): { offset: number; length: number; message: string; benign: boolean } {
  const code = printParseErrorCode(e.error);
  let { offset, length } = e;
  const token = text.slice(offset, offset + Math.max(length, 1));
  const atEnd = offset >= text.length;
  const prev = previousNonSpace(text, offset);
  let benign = false;
  let message: string;
  switch (code) {
    case 'InvalidCommentToken':
      message = 'comments are not allowed: a network file is plain JSON; remove the comment (put notes in "description")';
      benign = true;
      break;
    case 'UnexpectedEndOfComment':
      message = 'unterminated /* comment (and comments are not allowed in JSON: remove it)';
      break;
    case 'PropertyNameExpected':
    case 'ValueExpected':
      if ((token[0] === '}' || token[0] === ']') && prev >= 0 && text[prev] === ',') {
        message = `trailing comma: JSON does not allow a comma after the last ${token[0] === '}' ? 'property' : 'item'}; remove this comma`;
        offset = prev;
        length = 1;
        benign = true;
      } else if (atEnd) {
        message = text.trim() === '' ? 'the file is empty: a network file is a JSON object such as {"layers": [...], "loss": "mse", "data": {...}}' : 'the file ends too early: expected a value';
      } else if (code === 'PropertyNameExpected') {
        if (token[0] === "'") message = 'property names need double quotes ("size"), not single quotes';
        else if (/^[A-Za-z_$]/.test(token)) message = `property names need double quotes: write "${text.slice(offset, offset + length).replace(/[^\w$-].*$/, '')}"`;
        else message = `expected a property name in double quotes, found '${token[0]}'`;
      } else {
        message = `expected a value (a number, a "string", true, false, null, an object {…} or an array […]), found '${token[0]}'`;
      }
      break;
    case 'InvalidSymbol': {
      const word = text.slice(offset, offset + length);
      if (word[0] === "'") message = 'strings need double quotes ("…"), not single quotes';
      else if (/^[-+]?(NaN|Infinity|inf)$/i.test(word)) message = `${word} is not allowed in JSON; use a finite number`;
      else if (/^(true|false|null)$/i.test(word)) message = `JSON literals are lowercase: write ${word.toLowerCase()}`;
      else if (/^none$/i.test(word)) message = 'None is not JSON: write null';
      else if (/^[A-Za-z_$][\w$-]*$/.test(word) && text[text.length - text.slice(offset + length).trimStart().length] === ':') message = `property names need double quotes: write "${word}"`;
      else if (/^[A-Za-z_]/.test(word)) message = `unquoted text ${word}: strings need double quotes, e.g. "${word}"`;
      else message = `unexpected character '${word[0] ?? ''}'`;
      break;
    }
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      message = `invalid number ${JSON.stringify(text.slice(offset, offset + length))}: JSON numbers look like 3, -0.5 or 1e-3`;
      break;
    case 'ColonExpected':
      message = "expected ':' after the property name";
      break;
    case 'CommaExpected': {
      if (/\d/.test(token[0]) && prev >= 0 && text[prev] === '0' && !/[\d.eE]/.test(text[prev - 1] ?? '')) {
        const rest = /^[\d.eE+-]*/.exec(text.slice(offset))?.[0] ?? token[0];
        message = `numbers cannot have leading zeros in JSON: write ${rest}, or 0.${rest.replace(/^0+/, '') || '0'}`;
      } else if (prev >= 0) {
        const next = /^"[^"\r\n]{0,30}"?/.exec(text.slice(offset))?.[0] ?? `'${token[0]}'`;
        message = `expected a comma after this value (before ${atEnd ? 'the end of the file' : next})`;
        offset = prev;
        length = 1;
      } else {
        message = "expected a comma (',')";
      }
      break;
    }
    case 'CloseBraceExpected':
    case 'CloseBracketExpected': {
      const brace = code === 'CloseBraceExpected';
      const opener = unclosedOpener(text, offset, brace ? '{' : '[');
      const where = opener !== undefined ? ` opened at line ${lines.position(opener).line}, column ${lines.position(opener).column}` : '';
      message = `expected '${brace ? '}' : ']'}' to close the ${brace ? 'object' : 'array'}${where}${atEnd ? '' : ` (or a ',' before the next ${brace ? 'property' : 'item'})`}`;
      break;
    }
    case 'EndOfFileExpected':
      message = 'unexpected text after the end of the top-level JSON value (a file holds one object)';
      break;
    case 'UnexpectedEndOfString':
      message = 'unterminated string: the closing double quote is missing (a string cannot span lines)';
      break;
    case 'InvalidUnicode':
      message = 'invalid \\u escape: it needs four hex digits, e.g. \\u00e9';
      break;
    case 'InvalidEscapeCharacter':
      message = 'invalid escape in a string: use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX';
      break;
    case 'InvalidCharacter':
      message = 'control characters (tab, line break) must be escaped in strings: \\t, \\n';
      break;
    default:
      message = `syntax error (${code})`;
  }
  return { offset, length: Math.max(0, Math.min(length, text.length - offset)), message, benign };
}

// ---------------------------------------------------------------------------------------------
// The walker
// ---------------------------------------------------------------------------------------------

type Severity = 'error' | 'warning';

interface NumberRule {
  /** What the number is, e.g. "the number of neurons". */
  label: string;
  integer?: boolean;
  min?: number;
  exclusiveMin?: number;
  max?: number;
  exclusiveMax?: number;
}

interface LayerInfo {
  index: number;
  path: string;
  node: Node;
  fields: Map<string, Node>;
  size?: number;
  activation: Activation;
  activationGiven: boolean;
  dropout?: number;
  residual?: boolean;
  batchNorm: boolean;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

function group(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function list(values: readonly string[]): string {
  return values.join(', ');
}

function rangeText(r: NumberRule): string {
  const kind = r.integer ? 'a whole number' : 'a number';
  const lo = r.min !== undefined ? { v: r.min, inc: true } : r.exclusiveMin !== undefined ? { v: r.exclusiveMin, inc: false } : undefined;
  const hi = r.max !== undefined ? { v: r.max, inc: true } : r.exclusiveMax !== undefined ? { v: r.exclusiveMax, inc: false } : undefined;
  if (lo && hi) return `${kind} in ${lo.inc ? '[' : '('}${lo.v}, ${hi.v}${hi.inc ? ']' : ')'}`;
  if (lo) return `${kind} ${lo.inc ? '≥' : '>'} ${lo.v}`;
  if (hi) return `${kind} ${hi.inc ? '≤' : '<'} ${hi.v}`;
  return kind;
}

class Walker {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly text: string,
    private readonly lines: LineIndex,
    private readonly file: string | undefined,
  ) {}

  report(node: Node | undefined, path: string, message: string, severity: Severity = 'error', range?: { offset: number; length: number }): void {
    const offset = range?.offset ?? node?.offset ?? 0;
    const length = range?.length ?? node?.length ?? 0;
    const d: Diagnostic = { severity, path, message, ...this.lines.range(offset, length) };
    if (this.file !== undefined) d.file = this.file;
    this.diagnostics.push(d);
  }

  /** A short description of a node's value for "got …" messages. */
  describe(node: Node): string {
    switch (node.type) {
      case 'string': {
        const s = String(node.value);
        return `a string (${JSON.stringify(s.length > 24 ? s.slice(0, 24) + '…' : s)})`;
      }
      case 'number':
        return `the number ${this.raw(node)}`;
      case 'boolean':
        return String(node.value);
      case 'null':
        return 'null';
      case 'object':
        return 'an object';
      case 'array':
        return 'an array';
      default:
        return node.type;
    }
  }

  raw(node: Node): string {
    return this.text.slice(node.offset, node.offset + node.length);
  }

  /** Where a missing field is reported: the object's opening brace. */
  private openingOf(node: Node): { offset: number; length: number } {
    return { offset: node.offset, length: 1 };
  }

  /**
   * Checks that `node` is an object, reports duplicate and unknown fields (with a suggestion) and
   * missing required ones. Returns the fields (the last of duplicates wins, as in JSON.parse).
   */
  object(
    node: Node,
    path: string,
    what: string,
    fields: readonly string[],
    required: readonly { name: string; hint: string }[] = [],
    notHere?: (key: string) => string | undefined,
  ): Map<string, Node> | undefined {
    if (node.type !== 'object') {
      this.report(node, path, `expected ${what} as an object {…}, got ${this.describe(node)}`);
      return undefined;
    }
    const out = new Map<string, Node>();
    const known = new Set(fields);
    for (const prop of node.children ?? []) {
      const keyNode = prop.children?.[0];
      const valueNode = prop.children?.[1];
      if (!keyNode || !valueNode) continue;
      const key = String(keyNode.value);
      const p = joinJsonPath(path, key);
      if (out.has(key)) {
        this.report(keyNode, p, `"${key}" appears more than once in ${what}; keep one (JSON uses the last)`);
      }
      if (!known.has(key)) {
        const special = notHere?.(key);
        if (special !== undefined) {
          this.report(keyNode, p, special);
        } else {
          const guess = suggestName(key, fields, FIELD_ALIASES);
          this.report(
            keyNode,
            p,
            guess !== undefined
              ? `"${key}" is not a field of ${what}; did you mean "${guess}"?`
              : `"${key}" is not a field of ${what} (fields: ${list(fields)})`,
          );
        }
        continue;
      }
      out.set(key, valueNode);
    }
    for (const r of required) {
      if (!out.has(r.name)) {
        this.report(node, joinJsonPath(path, r.name), `${what} needs "${r.name}": ${r.hint}`, 'error', this.openingOf(node));
      }
    }
    return out;
  }

  number(node: Node, path: string, rule: NumberRule, severity: Severity = 'error'): number | undefined {
    const expected = `${rangeText(rule)} (${rule.label})`;
    if (node.type !== 'number') {
      let hint = '';
      if (node.type === 'string' && String(node.value).trim() !== '' && Number.isFinite(Number(node.value))) hint = `; write it without quotes: ${String(node.value).trim()}`;
      this.report(node, path, `expected ${expected}, got ${this.describe(node)}${hint}`, severity);
      return undefined;
    }
    const v = node.value as number;
    if (!Number.isFinite(v)) {
      this.report(node, path, `${this.raw(node)} is not a finite number (it overflows to ${v > 0 ? '' : '−'}Infinity); expected ${expected}`, severity);
      return undefined;
    }
    if (rule.integer && !Number.isInteger(v)) {
      this.report(node, path, `expected ${expected}, got ${this.raw(node)} which is not a whole number`, severity);
      return undefined;
    }
    const bad =
      (rule.min !== undefined && v < rule.min) ||
      (rule.exclusiveMin !== undefined && v <= rule.exclusiveMin) ||
      (rule.max !== undefined && v > rule.max) ||
      (rule.exclusiveMax !== undefined && v >= rule.exclusiveMax);
    if (bad) {
      this.report(node, path, `${this.raw(node)} is out of range: expected ${expected}`, severity);
      return undefined;
    }
    return v;
  }

  string(node: Node, path: string, label: string): string | undefined {
    if (node.type !== 'string') {
      this.report(node, path, `expected a string (${label}), got ${this.describe(node)}`);
      return undefined;
    }
    return node.value as string;
  }

  boolean(node: Node, path: string, label: string): boolean | undefined {
    if (node.type !== 'boolean') {
      let hint = '';
      if (node.type === 'string' && /^(true|false)$/i.test(String(node.value))) hint = `; write it without quotes: ${String(node.value).toLowerCase()}`;
      this.report(node, path, `expected true or false (${label}), got ${this.describe(node)}${hint}`);
      return undefined;
    }
    return node.value as boolean;
  }

  enumeration<T extends string>(node: Node, path: string, values: readonly T[], noun: string): T | undefined {
    if (node.type !== 'string') {
      this.report(node, path, `expected ${article(noun)} as a string, one of ${list(values)}; got ${this.describe(node)}`);
      return undefined;
    }
    const v = node.value as string;
    if ((values as readonly string[]).includes(v)) return v as T;
    const guess = suggestName(v, values, ENUM_ALIASES);
    this.report(
      node,
      path,
      `${JSON.stringify(v)} is not ${article(noun)}; ${guess !== undefined ? `did you mean "${guess}"? (one of ${list(values)})` : `use one of ${list(values)}`}`,
    );
    return undefined;
  }

  /** A numeric vector; returns its length when it is an array (elements are checked individually). */
  vector(node: Node, path: string, label: string, budget = { left: NETWORK_LIMITS.maxMatrixProblems }): number | undefined {
    if (node.type !== 'array') {
      this.report(node, path, `expected an array of numbers (${label}), got ${this.describe(node)}`);
      return undefined;
    }
    const items = node.children ?? [];
    items.forEach((item, j) => {
      if (item.type === 'number' && Number.isFinite(item.value)) return;
      if (budget.left-- <= 0) return;
      this.number(item, joinJsonPath(path, j), { label });
    });
    return items.length;
  }

  /** A matrix (array of numeric rows). Returns the row lengths (undefined for rows that are not arrays). */
  matrix(node: Node, path: string, label: string, rowLabel: string): (number | undefined)[] | undefined {
    if (node.type !== 'array') {
      this.report(node, path, `expected an array of rows (${label}), e.g. [[0, 1], [1, 0]], got ${this.describe(node)}`);
      return undefined;
    }
    const budget = { left: NETWORK_LIMITS.maxMatrixProblems };
    const lengths: (number | undefined)[] = [];
    let skipped = 0;
    (node.children ?? []).forEach((row, r) => {
      if (row.type !== 'array') {
        lengths.push(undefined);
        if (budget.left-- > 0) this.report(row, joinJsonPath(path, r), `expected a row (an array of numbers: ${rowLabel}), got ${this.describe(row)}`);
        else skipped++;
        return;
      }
      lengths.push(row.children?.length ?? 0);
      for (const [j, item] of (row.children ?? []).entries()) {
        if (item.type === 'number' && Number.isFinite(item.value)) continue;
        if (budget.left-- > 0) this.number(item, joinJsonPath(joinJsonPath(path, r), j), { label });
        else skipped++;
      }
    });
    if (skipped > 0) this.report(node, path, `… and ${skipped} more invalid ${skipped === 1 ? 'entry' : 'entries'} in this array`, 'error', { offset: node.offset, length: 1 });
    return lengths;
  }

  /** Reports the first row whose length differs from `expected`, counting the others. */
  rowLengths(node: Node, path: string, lengths: (number | undefined)[], expected: number, explain: (got: number, row: number) => string): void {
    const bad = lengths.map((n, r) => ({ n, r })).filter((x) => x.n !== undefined && x.n !== expected);
    if (bad.length === 0) return;
    const first = bad[0];
    const rowNode = node.children?.[first.r];
    const more = bad.length > 1 ? ` (${bad.length - 1} more ${bad.length === 2 ? 'row has' : 'rows have'} the wrong length too)` : '';
    this.report(rowNode, joinJsonPath(path, first.r), `${explain(first.n!, first.r)}${more}`);
  }

  // -------------------------------------------------------------------------------------------

  root(root: Node): void {
    const f = this.object(
      root,
      '',
      'the network file',
      ROOT_FIELDS,
      [
        { name: 'layers', hint: 'the list of layers, e.g. [{"size": 2}, {"size": 3}, {"size": 1}]' },
        { name: 'loss', hint: `the cost function, one of ${list(LOSSES)}` },
        { name: 'data', hint: 'the training examples: {"inputs": [...], "targets": [...]}, {"builtin": "xor"} or {"csv": "file.csv", "target": "column"}' },
      ],
      (key) => {
        const inTraining = suggestName(key, TRAINING_FIELDS);
        if (inTraining !== undefined && !suggestName(key, ROOT_FIELDS)) return `"${key}" is not a field of the network file; it belongs in "training": {"${inTraining}": …}`;
        const inOptimizer = suggestName(key, OPTIMIZER_FIELDS.filter((k) => k !== 'type'), FIELD_ALIASES);
        if (inOptimizer !== undefined && !suggestName(key, ROOT_FIELDS)) return `"${key}" is not a field of the network file; it belongs in "optimizer": {"${inOptimizer}": …}`;
        return undefined;
      },
    );
    if (!f) {
      if (root.type !== 'object') {
        // Message already given by object(); make it friendlier for the whole-document case.
        const d = this.diagnostics[this.diagnostics.length - 1];
        d.message = `a network file is a JSON object {"layers": [...], "loss": ..., "data": {...}}, got ${this.describe(root)}`;
      }
      return;
    }
    for (const key of ['$schema', 'name', 'description'] as const) {
      const n = f.get(key);
      if (n) this.string(n, key, key === '$schema' ? 'the URL or path of the JSON schema' : key === 'name' ? 'the network\'s name' : 'a description');
    }
    const seedNode = f.get('seed');
    if (seedNode) {
      const seed = this.number(seedNode, 'seed', { label: 'the random seed', integer: true });
      if (seed !== undefined && Math.abs(seed) > 0xffffffff) {
        this.report(seedNode, 'seed', `only the low 32 bits of the seed are used; pick a seed between 0 and ${0xffffffff}`, 'warning');
      }
    }

    const lossNode = f.get('loss');
    const loss = lossNode ? this.enumeration<LossKind>(lossNode, 'loss', LOSSES, 'loss function') : undefined;

    const training = f.get('training');
    const batchSizeNode = training?.type === 'object' ? findNodeAtLocation(training, ['batchSize']) : undefined;
    this.training(training);
    const batchSize = batchSizeNode?.type === 'number' && Number.isInteger(batchSizeNode.value) && batchSizeNode.value >= 1 ? (batchSizeNode.value as number) : batchSizeNode ? undefined : 1;

    const layersNode = f.get('layers');
    const layers = layersNode ? this.layers(layersNode) : undefined;

    if (layers && layers.length >= 2) this.crossLayerChecks(layers, loss, lossNode, batchSize, batchSizeNode);

    const optimizer = f.get('optimizer');
    if (optimizer) this.optimizer(optimizer);

    const dataNode = f.get('data');
    if (dataNode) this.data(dataNode, layers?.[0]?.size, layers && layers.length >= 2 ? layers[layers.length - 1].size : undefined, layers ? layers.length - 1 : undefined);

    const exerciseNode = f.get('exercise');
    if (exerciseNode) this.exercise(exerciseNode, layers);
  }

  /**
   * The teaching lab. What depends only on the layers is checked here (layers, neurons, inputs, the
   * fields each quantity uses); where each question falls in the run (its step, the mini-batch's size)
   * depends on the data and is checked by resolveExercise (exercise.ts) when the network is loaded.
   */
  exercise(node: Node, layers: LayerInfo[] | undefined): void {
    const f = this.object(node, 'exercise', 'the exercise', EXERCISE_FIELDS, [{ name: 'questions', hint: 'the list of questions, e.g. [{"id": "q1", "prompt": "What is δ² for neuron 1?", "quantity": "delta", "layer": 2, "neuron": 1}]' }]);
    if (!f) return;
    for (const key of ['title', 'instructions'] as const) {
      const n = f.get(key);
      if (n) this.string(n, `exercise.${key}`, key === 'title' ? 'the lab\'s title' : 'what the learner should do');
    }
    const qs = f.get('questions');
    if (!qs) return;
    if (qs.type !== 'array') {
      this.report(qs, 'exercise.questions', `expected an array of questions [{"id": "q1", …}], got ${this.describe(qs)}`);
      return;
    }
    const items = qs.children ?? [];
    if (items.length === 0) this.report(qs, 'exercise.questions', 'the exercise has no questions; add at least one, e.g. {"id": "q1", "prompt": "What is z² for neuron 1?", "quantity": "z", "layer": 2, "neuron": 1}');
    const ids = new Map<string, number>();
    items.forEach((item, i) => this.question(item, `exercise.questions[${i}]`, i, layers, ids));
  }

  private question(node: Node, path: string, index: number, layers: LayerInfo[] | undefined, ids: Map<string, number>): void {
    const f = this.object(node, path, 'a question', QUESTION_FIELDS, [
      { name: 'id', hint: `a short unique name, the key of its answer, e.g. "id": "q${index + 1}"` },
      { name: 'prompt', hint: 'the question as the learner reads it, e.g. "prompt": "What is δ² for neuron 1?"' },
      { name: 'quantity', hint: `what is asked for, one of ${list(EXERCISE_QUANTITIES)}` },
    ]);
    if (!f) return;
    const idNode = f.get('id');
    if (idNode) {
      const id = this.string(idNode, `${path}.id`, 'the question\'s name');
      if (id !== undefined) {
        if (!/^[A-Za-z0-9_.-]{1,40}$/.test(id)) this.report(idNode, `${path}.id`, `${JSON.stringify(id)} is not a usable id: use 1 to 40 letters, digits, _ . or -, e.g. "q${index + 1}"`);
        else if (ids.has(id)) this.report(idNode, `${path}.id`, `"${id}" is already the id of exercise.questions[${ids.get(id)}]; every question needs its own id (answers are keyed by it)`);
        else ids.set(id, index);
      }
    }
    const promptNode = f.get('prompt');
    if (promptNode) {
      const prompt = this.string(promptNode, `${path}.prompt`, 'the question as the learner reads it');
      if (prompt !== undefined && prompt.trim() === '') this.report(promptNode, `${path}.prompt`, 'the prompt is empty; write the question, e.g. "What is δ² for neuron 1?"');
    }
    for (const key of ['hint'] as const) {
      const n = f.get(key);
      if (n) this.string(n, `${path}.${key}`, 'a hint shown after a wrong answer');
    }
    const qNode = f.get('quantity');
    const quantity = qNode ? this.enumeration<ExerciseQuantity>(qNode, `${path}.quantity`, EXERCISE_QUANTITIES, 'quantity') : undefined;
    const L = layers && layers.length >= 2 ? layers.length : undefined;
    const isLoss = quantity === 'loss';
    const unused = (key: string, why: string) => {
      const n = f.get(key);
      if (n) this.report(n, `${path}.${key}`, `"${key}" is not used by ${quantity === undefined ? 'this quantity' : QUANTITY_NAMES[quantity]} (${why}); remove it`, 'warning');
    };
    // Layer, neuron, input.
    const layerNode = f.get('layer');
    let layer: number | undefined;
    if (isLoss) unused('layer', 'the loss is the cost of the whole mini-batch');
    else if (layerNode) {
      layer = this.number(layerNode, `${path}.layer`, { label: 'a layer in the notation: layers[0] is layer 1, the input', integer: true, min: 2 });
      if (layer !== undefined && L !== undefined && layer > L) {
        this.report(layerNode, `${path}.layer`, `the network has layers 1…${L} (layers[0] is layer 1, the input); layer ${layer} does not exist: use 2…${L}`);
        layer = undefined;
      }
    } else if (quantity !== undefined) {
      this.report(node, `${path}.layer`, `a question about ${QUANTITY_NAMES[quantity]} needs "layer": the layer in the notation (2…${L ?? 'L'}; layers[0] is layer 1, the input)`, 'error', this.openingOfNode(node));
    }
    const size = layer !== undefined ? layers?.[layer - 1]?.size : undefined;
    const neuronNode = f.get('neuron');
    if (isLoss) unused('neuron', 'the loss is one number');
    else if (neuronNode) {
      const j = this.number(neuronNode, `${path}.neuron`, { label: 'neuron j of the layer, 1-based as in the notation (δ²₁ is neuron 1)', integer: true, min: 1 });
      if (j !== undefined && size !== undefined && j > size) this.report(neuronNode, `${path}.neuron`, `layer ${layer} has neurons 1…${size} (1-based, as in the notation); neuron ${j} does not exist`);
    } else if (quantity !== undefined) {
      this.report(node, `${path}.neuron`, `a question about ${QUANTITY_NAMES[quantity]} needs "neuron": neuron j of layer ${layer ?? 'l'}, 1-based (δ²₁ is neuron 1)`, 'error', this.openingOfNode(node));
    }
    const inputNode = f.get('input');
    const weighty = quantity === 'W' || quantity === 'dW';
    if (weighty) {
      const prevSize = layer !== undefined ? layers?.[layer - 2]?.size : undefined;
      if (inputNode) {
        const k = this.number(inputNode, `${path}.input`, { label: 'neuron k of the previous layer, 1-based (w³₁₂: input 2)', integer: true, min: 1 });
        if (k !== undefined && prevSize !== undefined && k > prevSize) this.report(inputNode, `${path}.input`, `layer ${(layer ?? 2) - 1} has neurons 1…${prevSize}, so w${layer}_jk has inputs k = 1…${prevSize}; input ${k} does not exist`);
      } else {
        this.report(node, `${path}.input`, `a question about ${quantity === 'W' ? 'a weight w^l_jk' : '∂C/∂w^l_jk'} needs "input": neuron k of layer ${layer !== undefined ? layer - 1 : 'l−1'} (1-based; w³₁₂ has input 2)`, 'error', this.openingOfNode(node));
      }
    } else if (quantity !== undefined) unused('input', 'only W and dW have one, w^l_jk from input k');
    const exampleNode = f.get('example');
    if (quantity === 'z' || quantity === 'a' || quantity === 'delta') {
      if (exampleNode) this.number(exampleNode, `${path}.example`, { label: 'the example (row) of the mini-batch, 1-based', integer: true, min: 1 });
    } else if (quantity !== undefined) unused('example', quantity === 'W' || quantity === 'b' ? 'parameters are the same for every example' : 'it is the mean over the mini-batch');
    // Tolerance, points.
    const tolNode = f.get('tolerance');
    if (tolNode) {
      const t = this.object(tolNode, `${path}.tolerance`, 'the tolerance', TOLERANCE_FIELDS);
      if (t) {
        const absNode = t.get('abs');
        const relNode = t.get('rel');
        const abs = absNode ? this.number(absNode, `${path}.tolerance.abs`, { label: 'the accepted absolute error', min: 0 }) : 0;
        const rel = relNode ? this.number(relNode, `${path}.tolerance.rel`, { label: 'the accepted relative error, e.g. 0.01 for 1 %', min: 0 }) : 0;
        if (!absNode && !relNode) this.report(tolNode, `${path}.tolerance`, 'the tolerance is empty: give "abs" (e.g. 1e-4) and/or "rel" (e.g. 0.01), or remove it for the default (rel 0.001)', 'warning');
        else if (abs === 0 && rel === 0) this.report(tolNode, `${path}.tolerance`, 'a tolerance of 0 accepts only the exact value to the last bit, which nobody can type; use e.g. {"rel": 0.001}', 'warning');
      }
    }
    const pointsNode = f.get('points');
    if (pointsNode) this.number(pointsNode, `${path}.points`, { label: 'the points for a correct answer', exclusiveMin: 0 });
    // Where.
    const atNode = f.get('at');
    if (atNode) this.at(atNode, `${path}.at`, L);
  }

  private at(node: Node, path: string, L: number | undefined): void {
    const f = this.object(node, path, '"at"', AT_FIELDS);
    if (!f) return;
    const stepNode = f.get('step');
    if (stepNode) {
      this.number(stepNode, `${path}.step`, { label: 'the step number as the debugger shows it (1 = the first forward step)', integer: true, min: 1 });
      const others = AT_FIELDS.filter((k) => k !== 'step' && f.has(k));
      if (others.length) this.report(f.get(others[0]), `${path}.${others[0]}`, `"at" takes either "step" or ${list(AT_FIELDS.filter((k) => k !== 'step').map((k) => `"${k}"`))}, not both; remove ${others.map((k) => `"${k}"`).join(', ')} or "step"`);
      return;
    }
    for (const key of ['epoch', 'batch'] as const) {
      const n = f.get(key);
      if (n) this.number(n, `${path}.${key}`, { label: key === 'epoch' ? 'the epoch, 1-based' : 'the mini-batch within the epoch, 1-based', integer: true, min: 1 });
    }
    const phaseNode = f.get('phase');
    const phase = phaseNode ? this.enumeration(phaseNode, `${path}.phase`, EXERCISE_PHASES, 'phase') : undefined;
    const layerNode = f.get('layer');
    if (layerNode) {
      if (phase === 'loss' || phase === 'clip') {
        this.report(layerNode, `${path}.layer`, `the ${phase} step has no layer; remove "layer"`, 'warning');
      } else {
        const l = this.number(layerNode, `${path}.layer`, { label: 'the layer of the step, in the notation', integer: true, min: 2 });
        if (l !== undefined && L !== undefined && l > L) this.report(layerNode, `${path}.layer`, `the network has layers 1…${L}; the steps are about layers 2…${L}`);
      }
    }
  }

  /** Where a missing field of an object is reported: its opening brace. */
  private openingOfNode(node: Node): { offset: number; length: number } {
    return { offset: node.offset, length: 1 };
  }

  layers(node: Node): LayerInfo[] | undefined {
    if (node.type !== 'array') {
      this.report(node, 'layers', `expected an array of layers, e.g. [{"size": 2}, {"size": 3}, {"size": 1}], got ${this.describe(node)}`);
      return undefined;
    }
    const items = node.children ?? [];
    if (items.length < 2) {
      this.report(
        node,
        'layers',
        `a network needs at least 2 layers (the input layer and an output layer), but ${items.length === 0 ? 'the list is empty' : 'there is only 1'}; e.g. [{"size": 2}, {"size": 1}]`,
      );
    }
    const out: LayerInfo[] = [];
    items.forEach((item, i) => {
      const path = `layers[${i}]`;
      const isInput = i === 0;
      const fields = isInput
        ? this.object(item, path, 'the input layer (layers[0])', INPUT_LAYER_FIELDS, [{ name: 'size', hint: 'the number of inputs, e.g. "size": 2' }], (key) =>
            (LAYER_FIELDS as readonly string[]).includes(key)
              ? `"${key}" is not allowed on the input layer: layers[0] only gives the number of inputs ("size") and optionally a "name"; "${key}" belongs to the layers after it`
              : undefined,
          )
        : this.object(item, path, 'a layer', LAYER_FIELDS, [{ name: 'size', hint: 'the number of neurons, e.g. "size": 3' }]);
      const info: LayerInfo = { index: i, path, node: item, fields: fields ?? new Map(), activation: 'sigmoid', activationGiven: false, batchNorm: false };
      out.push(info);
      if (!fields) return;
      const sizeNode = fields.get('size');
      if (sizeNode) {
        info.size = this.number(sizeNode, `${path}.size`, { label: isInput ? 'the number of inputs' : 'the number of neurons', integer: true, min: 1 });
        if (info.size !== undefined && info.size > NETWORK_LIMITS.maxNeurons) {
          this.report(sizeNode, `${path}.size`, `${info.size} neurons is more than the limit of ${group(NETWORK_LIMITS.maxNeurons)} per layer`);
          info.size = undefined;
        }
      }
      const nameNode = fields.get('name');
      if (nameNode) this.string(nameNode, `${path}.name`, 'a label for the layer');
      if (isInput) return;
      const act = fields.get('activation');
      if (act) {
        const a = this.enumeration<Activation>(act, `${path}.activation`, ACTIVATIONS, 'activation');
        if (a) {
          info.activation = a;
          info.activationGiven = true;
        }
      }
      const leak = fields.get('leak');
      if (leak) this.number(leak, `${path}.leak`, { label: 'the negative slope of leaky-relu', min: 0 });
      const init = fields.get('init');
      if (init) this.enumeration(init, `${path}.init`, INITS, 'initialization');
      const dropout = fields.get('dropout');
      if (dropout) info.dropout = this.number(dropout, `${path}.dropout`, { label: 'the dropout rate p', min: 0, exclusiveMax: 1 });
      const residual = fields.get('residual');
      if (residual) info.residual = this.boolean(residual, `${path}.residual`, 'add the previous activation: a = σ(z) + a_prev');
      const bn = fields.get('batchNorm');
      if (bn) info.batchNorm = this.batchNorm(bn, `${path}.batchNorm`);
    });
    return out;
  }

  batchNorm(node: Node, path: string): boolean {
    if (node.type === 'boolean') return node.value as boolean;
    if (node.type !== 'object') {
      this.report(node, path, `expected true, false or an object {"momentum": 0.1, "epsilon": 1e-5}, got ${this.describe(node)}`);
      return false;
    }
    const f = this.object(node, path, 'batchNorm', BATCHNORM_FIELDS);
    if (!f) return false;
    const m = f.get('momentum');
    if (m) this.number(m, `${path}.momentum`, { label: 'the running-statistics momentum', min: 0, max: 1 });
    const e = f.get('epsilon');
    if (e) this.number(e, `${path}.epsilon`, { label: 'added to the variance', exclusiveMin: 0 });
    return true;
  }

  crossLayerChecks(layers: LayerInfo[], loss: LossKind | undefined, lossNode: Node | undefined, batchSize: number | undefined, batchSizeNode: Node | undefined): void {
    const last = layers.length - 1;
    for (let i = 1; i < layers.length; i++) {
      const L = layers[i];
      const prev = layers[i - 1];
      const f = L.fields;
      // Size of the weight matrix.
      if (L.size !== undefined && prev.size !== undefined && L.size * prev.size > NETWORK_LIMITS.maxWeightsPerLayer) {
        this.report(
          f.get('size'),
          `${L.path}.size`,
          `${L.path} would have ${group(L.size * prev.size)} weights (${L.size} × ${prev.size}); the limit is ${group(NETWORK_LIMITS.maxWeightsPerLayer)} per layer`,
        );
      }
      // Weights: one row per neuron of this layer, one column per neuron of the previous layer.
      const w = f.get('weights');
      if (w) {
        const wp = `${L.path}.weights`;
        const rows = this.matrix(w, wp, 'a weight', `one weight per neuron of the previous layer`);
        if (rows) {
          if (L.size !== undefined && rows.length !== L.size) {
            this.report(w, wp, `weights has ${rows.length} ${rows.length === 1 ? 'row' : 'rows'} but ${L.path} has ${L.size} ${L.size === 1 ? 'neuron' : 'neurons'}: W needs one row per neuron of this layer (${L.size} × ${prev.size ?? 'n_in'})`);
          }
          if (prev.size !== undefined) {
            const n = prev.size;
            this.rowLengths(w, wp, rows, n, (got, r) => `row ${r} of the weights (neuron ${r} of ${L.path}) has ${got} ${got === 1 ? 'number' : 'numbers'} but the previous layer (${prev.path}) has ${n} ${n === 1 ? 'neuron' : 'neurons'}: each row needs ${n}, one per input`);
          }
        }
        const init = f.get('init');
        if (init) this.report(init, `${L.path}.init`, '"init" is ignored because "weights" are given; remove one of them', 'warning');
      }
      const b = f.get('biases');
      if (b) {
        const n = this.vector(b, `${L.path}.biases`, 'a bias');
        if (n !== undefined && L.size !== undefined && n !== L.size) {
          this.report(b, `${L.path}.biases`, `biases has ${n} ${n === 1 ? 'number' : 'numbers'} but ${L.path} has ${L.size} ${L.size === 1 ? 'neuron' : 'neurons'}: one bias per neuron`);
        }
      }
      const leak = f.get('leak');
      if (leak && L.activation !== 'leaky-relu') {
        this.report(leak, `${L.path}.leak`, `"leak" is only used by the leaky-relu activation, and ${L.path} uses ${L.activation}${L.activationGiven ? '' : ' (the default)'}`, 'warning');
      }
      // Softmax: output layer only.
      if (L.activation === 'softmax' && i !== last) {
        this.report(f.get('activation'), `${L.path}.activation`, `softmax is only allowed on the output layer (layers[${last}]); use e.g. relu, tanh or sigmoid for hidden layers`);
      }
      if (L.activation === 'softmax' && i === last && L.size === 1) {
        this.report(f.get('activation'), `${L.path}.activation`, 'softmax over a single neuron always outputs 1 and never learns; use 2 or more neurons (one per class), or sigmoid with binary-cross-entropy', 'warning');
      }
      // Dropout: not on the output layer.
      if (i === last && L.dropout !== undefined && L.dropout > 0) {
        this.report(f.get('dropout'), `${L.path}.dropout`, 'dropout is not allowed on the output layer (it would drop outputs that the loss compares with targets); put it on a hidden layer');
      }
      // Residual connections.
      if (L.residual) {
        const rn = f.get('residual');
        if (L.size !== undefined && prev.size !== undefined && L.size !== prev.size) {
          this.report(rn, `${L.path}.residual`, `a residual connection adds the previous activation, so sizes must match, but ${L.path} has ${L.size} neurons and ${prev.path} has ${prev.size}`);
        }
        if (L.activation === 'softmax') {
          this.report(rn, `${L.path}.residual`, 'a residual connection is not allowed on a softmax layer (σ(z) + a would no longer be a probability distribution)');
        }
        if (i === last && loss === 'binary-cross-entropy' && L.activation !== 'softmax') {
          this.report(rn, `${L.path}.residual`, 'a residual connection is not allowed on the output layer with binary-cross-entropy (σ(z) + a would leave (0, 1), where the loss is defined); put it on a hidden layer, or use "mse"');
        }
      }
      // Batch normalization needs batches of two or more.
      if (L.batchNorm && batchSize !== undefined && batchSize < 2) {
        this.report(
          f.get('batchNorm'),
          `${L.path}.batchNorm`,
          `batch normalization needs mini-batches of at least 2 examples, but training.batchSize is ${batchSize}${batchSizeNode ? '' : ' (the default)'}; set "training": {"batchSize": 2} or more`,
        );
      }
    }
    // Loss against the output activation.
    const out = layers[last];
    if (loss !== undefined && lossNode) {
      const act = `${out.activation}${out.activationGiven ? '' : ' (the default)'}`;
      if (out.activation === 'softmax' && loss === 'mse') {
        this.report(lossNode, 'loss', `mse with a softmax output layer (${out.path}) is not supported; use "cross-entropy" (softmax + cross-entropy gives δᴸ = a − y)`);
      } else if (out.activation === 'softmax' && loss === 'binary-cross-entropy') {
        this.report(lossNode, 'loss', `binary-cross-entropy needs a sigmoid output layer, but ${out.path} uses softmax; use "cross-entropy" with softmax`);
      } else if (loss === 'cross-entropy' && out.activation !== 'softmax') {
        this.report(lossNode, 'loss', `cross-entropy needs a softmax output layer, but ${out.path} uses ${act}; set "activation": "softmax" on the output layer, or use "binary-cross-entropy" with sigmoid`);
      } else if (loss === 'binary-cross-entropy' && out.activation !== 'sigmoid') {
        this.report(lossNode, 'loss', `binary-cross-entropy needs a sigmoid output layer (outputs in (0, 1)), but ${out.path} uses ${act}; set "activation": "sigmoid" on the output layer, or use "mse"`);
      }
    }
  }

  optimizer(node: Node): void {
    const f = this.object(node, 'optimizer', 'the optimizer', OPTIMIZER_FIELDS, [{ name: 'type', hint: `the update rule, one of ${list(OPTIMIZERS)}` }]);
    if (!f) return;
    const typeNode = f.get('type');
    const type = typeNode ? this.enumeration<OptimizerKind>(typeNode, 'optimizer.type', OPTIMIZERS, 'optimizer') : undefined;
    const rules: Record<string, NumberRule> = {
      learningRate: { label: 'the learning rate η', exclusiveMin: 0 },
      momentum: { label: 'the momentum μ', min: 0 },
      dampening: { label: 'the SGD dampening τ', min: 0, max: 1 },
      beta1: { label: 'Adam β₁', min: 0, exclusiveMax: 1 },
      beta2: { label: 'Adam β₂', min: 0, exclusiveMax: 1 },
      epsilon: { label: 'ε in the denominator', exclusiveMin: 0 },
      alpha: { label: 'the RMSprop smoothing α', min: 0, max: 1 },
      weightDecay: { label: 'the weight decay λ', min: 0 },
    };
    const values: Record<string, number | undefined> = {};
    for (const [key, rule] of Object.entries(rules)) {
      const n = f.get(key);
      if (!n) continue;
      values[key] = this.number(n, `optimizer.${key}`, rule);
      const users = OPTIMIZER_USES[key];
      if (type && users && !users.includes(type)) {
        this.report(n, `optimizer.${key}`, `"${key}" is ignored by ${type}; it is used by ${list(users)}`, 'warning');
      }
    }
    if (type === 'nesterov') {
      if (values.momentum === 0) this.report(f.get('momentum'), 'optimizer.momentum', 'nesterov needs a momentum > 0 (the default is 0.9)');
      if (values.dampening !== undefined && values.dampening !== 0) this.report(f.get('dampening'), 'optimizer.dampening', 'nesterov needs zero dampening (as torch.optim.SGD requires); remove "dampening"');
    }
    if (type === 'momentum' && values.momentum === 0) {
      this.report(f.get('momentum'), 'optimizer.momentum', 'momentum 0 makes this plain sgd; use a momentum such as 0.9, or "type": "sgd"', 'warning');
    }
    if (values.momentum !== undefined && values.momentum >= 1 && type !== 'adam' && type !== 'adamw') {
      this.report(f.get('momentum'), 'optimizer.momentum', `a momentum of ${values.momentum} (≥ 1) makes the updates grow without bound; use a value below 1, e.g. 0.9`, 'warning');
    }
  }

  training(node: Node | undefined): void {
    if (!node) return;
    const f = this.object(node, 'training', 'training', TRAINING_FIELDS);
    if (!f) return;
    const nums: Record<string, NumberRule> = {
      batchSize: { label: 'examples per mini-batch', integer: true, min: 1 },
      epochs: { label: 'passes over the training data', integer: true, min: 1 },
      clipNorm: { label: 'the maximum gradient norm', exclusiveMin: 0 },
      clipValue: { label: 'the maximum gradient component', exclusiveMin: 0 },
      validationSplit: { label: 'the fraction of examples held out for validation', min: 0, exclusiveMax: 1 },
    };
    for (const [key, rule] of Object.entries(nums)) {
      const n = f.get(key);
      if (n) this.number(n, `training.${key}`, rule);
    }
    const shuffle = f.get('shuffle');
    if (shuffle) this.boolean(shuffle, 'training.shuffle', 'shuffle the examples each epoch');
    const tb = f.get('trainBiases');
    if (tb) this.boolean(tb, 'training.trainBiases', 'update the biases');
  }

  data(node: Node, inputSize: number | undefined, outputSize: number | undefined, outputIndex: number | undefined): void {
    if (node.type !== 'object') {
      this.report(node, 'data', `expected the data as an object: {"inputs": [...], "targets": [...]}, {"builtin": "xor"} or {"csv": "file.csv", "target": "column"}; got ${this.describe(node)}`);
      return;
    }
    const keys = new Set((node.children ?? []).map((p) => String(p.children?.[0]?.value)));
    if (keys.has('builtin') && keys.has('csv')) {
      this.report(node, 'data', 'data has both "builtin" and "csv"; use one of them', 'error', { offset: node.offset, length: 1 });
      return;
    }
    if (keys.has('builtin')) return this.builtinData(node);
    if (keys.has('csv')) return this.csvData(node);
    if (keys.has('inputs') || keys.has('targets')) return this.inlineData(node, inputSize, outputSize, outputIndex);
    // No variant recognizable: maybe a misspelt key.
    const before = this.diagnostics.length;
    this.object(node, 'data', 'data', ALL_DATA_FIELDS);
    const suggested = this.diagnostics.slice(before).some((d) => d.message.includes('did you mean'));
    if (!suggested) {
      this.report(
        node,
        'data',
        `data needs either "inputs" and "targets" (examples written in the file), "builtin" (one of ${list(BUILTIN_DATASETS)}) or "csv" (a CSV file with a "target" column)`,
        'error',
        { offset: node.offset, length: 1 },
      );
    }
  }

  inlineData(node: Node, inputSize: number | undefined, outputSize: number | undefined, outputIndex: number | undefined): void {
    const f = this.object(node, 'data', 'inline data', INLINE_DATA_FIELDS, [
      { name: 'inputs', hint: 'one row per example, e.g. [[0, 0], [0, 1]]' },
      { name: 'targets', hint: 'one row per example, e.g. [[0], [1]]' },
    ]);
    if (!f) return;
    const inputsNode = f.get('inputs');
    const targetsNode = f.get('targets');
    const inputs = inputsNode ? this.matrix(inputsNode, 'data.inputs', 'an input value', 'one number per input') : undefined;
    const targets = targetsNode ? this.matrix(targetsNode, 'data.targets', 'a target value', 'one number per output') : undefined;
    if (inputs && inputsNode) {
      if (inputs.length === 0) this.report(inputsNode, 'data.inputs', 'there are no examples: give at least one row of inputs, e.g. [[0, 1]]');
      const n = inputSize ?? inputs.find((x) => x !== undefined);
      if (n !== undefined) {
        this.rowLengths(inputsNode, 'data.inputs', inputs, n, (got) =>
          inputSize !== undefined
            ? `this example has ${got} ${got === 1 ? 'input' : 'inputs'} but the input layer (layers[0]) has size ${n}`
            : `this example has ${got} ${got === 1 ? 'input' : 'inputs'} but the first has ${n}; every row needs the same length`,
        );
      }
    }
    if (targets && targetsNode) {
      const n = outputSize ?? targets.find((x) => x !== undefined);
      if (n !== undefined) {
        this.rowLengths(targetsNode, 'data.targets', targets, n, (got) =>
          outputSize !== undefined
            ? `this example has ${got} ${got === 1 ? 'target' : 'targets'} but the output layer (layers[${outputIndex}]) has ${n} ${n === 1 ? 'neuron' : 'neurons'}`
            : `this example has ${got} ${got === 1 ? 'target' : 'targets'} but the first has ${n}; every row needs the same length`,
        );
      }
    }
    if (inputs && targets && targetsNode && inputs.length !== targets.length) {
      this.report(targetsNode, 'data.targets', `there are ${inputs.length} ${inputs.length === 1 ? 'row' : 'rows'} of inputs but ${targets.length} ${targets.length === 1 ? 'row' : 'rows'} of targets: one row of each per example`);
    }
  }

  builtinData(node: Node): void {
    const f = this.object(node, 'data', 'builtin data', BUILTIN_DATA_FIELDS);
    if (!f) return;
    const b = f.get('builtin');
    if (b) this.enumeration(b, 'data.builtin', BUILTIN_DATASETS, 'builtin dataset');
    const s = f.get('samples');
    if (s) {
      const v = this.number(s, 'data.samples', { label: 'the number of examples', integer: true, min: 1 });
      if (v !== undefined && v > NETWORK_LIMITS.maxSamples) this.report(s, 'data.samples', `${group(v)} samples is more than the limit of ${group(NETWORK_LIMITS.maxSamples)}`);
    }
    const noise = f.get('noise');
    if (noise) this.number(noise, 'data.noise', { label: 'the noise of the generated points', min: 0 });
    const st = f.get('standardize');
    if (st) this.boolean(st, 'data.standardize', 'scale each input column to mean 0, standard deviation 1');
  }

  csvData(node: Node): void {
    const f = this.object(node, 'data', 'CSV data', CSV_DATA_FIELDS, [{ name: 'target', hint: 'the name of the target column, e.g. "target": "species"' }]);
    if (!f) return;
    const c = f.get('csv');
    if (c) {
      const path = this.string(c, 'data.csv', 'the path of the CSV file, relative to the network file');
      if (path !== undefined && path.trim() === '') this.report(c, 'data.csv', 'the CSV path is empty; give the file name, e.g. "iris.csv"');
    }
    const t = f.get('target');
    const target = t ? this.string(t, 'data.target', 'the name of the target column') : undefined;
    const inputs = f.get('inputs');
    if (inputs) {
      if (inputs.type !== 'array') {
        this.report(inputs, 'data.inputs', `expected an array of column names, e.g. ["x1", "x2"], got ${this.describe(inputs)}`);
      } else {
        const seen = new Set<string>();
        (inputs.children ?? []).forEach((item, j) => {
          const p = `data.inputs[${j}]`;
          const name = this.string(item, p, 'a column name');
          if (name === undefined) return;
          if (name === target) this.report(item, p, `"${name}" is the target column; it cannot also be an input`);
          else if (seen.has(name)) this.report(item, p, `column "${name}" is listed twice`, 'warning');
          seen.add(name);
        });
        if ((inputs.children ?? []).length === 0) this.report(inputs, 'data.inputs', 'the list of input columns is empty; list at least one column, or remove "inputs" to use every column but the target');
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

export interface ParsedNetworkText {
  /** The file's value, present when there are no errors. */
  file?: NetworkFile;
  diagnostics: Diagnostic[];
  /** The parse tree (also when there are errors, when jsonc-parser could build one). */
  tree?: Node;
  lines: LineIndex;
}

/** Parses and validates a network file's text, keeping the parse tree for locating later diagnostics. */
export function analyzeNetworkText(source: string, file?: string): ParsedNetworkText {
  // A byte-order mark (some Windows editors write one) is not JSON; blank it, keeping every offset.
  const text = source.charCodeAt(0) === 0xfeff ? ' ' + source.slice(1) : source;
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  let tree: Node | undefined;
  try {
    tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (e) {
    const d: Diagnostic = { severity: 'error', path: '', message: `could not parse the file: ${e instanceof Error ? e.message : String(e)}`, ...lines.range(0, 0) };
    if (file !== undefined) d.file = file;
    return { diagnostics: [d], lines };
  }
  const diagnostics: Diagnostic[] = [];
  let allBenign = true;
  const seen = new Set<number>();
  let lastRealLine = -1;
  for (const e of errors) {
    const s = syntaxDiagnostic(text, lines, e);
    if (seen.has(s.offset)) continue;
    seen.add(s.offset);
    allBenign &&= s.benign;
    if (diagnostics.length >= NETWORK_LIMITS.maxSyntaxErrors) continue;
    // A real syntax error usually causes more on the same line: report only the first of those.
    const line = lines.position(s.offset).line;
    if (!s.benign) {
      if (line === lastRealLine) continue;
      lastRealLine = line;
    }
    const d: Diagnostic = { severity: 'error', path: '', message: s.message, ...lines.range(s.offset, s.length) };
    if (file !== undefined) d.file = file;
    diagnostics.push(d);
  }
  // After real syntax errors the tree is a guess; only comments and trailing commas leave it intact.
  if (tree && allBenign) {
    const walker = new Walker(text, lines, file);
    walker.root(tree);
    const sem = walker.diagnostics.slice().sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    diagnostics.push(...sem);
  }
  const result: ParsedNetworkText = { diagnostics, lines };
  if (tree) result.tree = tree;
  if (tree && !diagnostics.some((d) => d.severity === 'error')) result.file = getNodeValue(tree) as NetworkFile;
  return result;
}

/**
 * Parses and validates the text of a `*.backprop.json` file. `file` is the file's name, copied to
 * every diagnostic. The returned `file` value is present when there are no errors (warnings allowed).
 */
export function parseNetworkText(text: string, file?: string): { file?: NetworkFile; diagnostics: Diagnostic[] } {
  const r = analyzeNetworkText(text, file);
  return r.file ? { file: r.file, diagnostics: r.diagnostics } : { diagnostics: r.diagnostics };
}

/** Gives a diagnostic that has only a JSON path the location of that path (or its nearest existing ancestor) in the text. */
export function locateDiagnostic(d: Diagnostic, parsed: Pick<ParsedNetworkText, 'tree' | 'lines'>, file?: string): Diagnostic {
  // Already located, or about another file (a CSV file's contents): keep as it is.
  if (d.line !== undefined || (d.file !== undefined && d.file !== file)) return d;
  const node = nodeAtPath(parsed.tree, d.path);
  const out: Diagnostic = { ...d, ...parsed.lines.range(node?.offset ?? 0, node?.length ?? 0) };
  if (out.file === undefined && file !== undefined) out.file = file;
  return out;
}
