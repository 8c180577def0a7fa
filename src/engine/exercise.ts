/**
 * Teaching labs: the `exercise` section of a network file — questions about values of the network's own
 * training ("What is δ² for neuron 1?") — placed at their steps, their expected values computed by the
 * engine, and answers graded against them. Pure: no Node, no vscode (the CLI's `grade`, the panel's
 * question card and the lab report all use it).
 *
 * Steps are the trainer's (Trainer.step, the number the debugger and the panel show): step 0 is the start,
 * step 1 the first forward step. A question's value is read after its step, from the same engine state a
 * paused debugger shows (the trainer is run to the step exactly as stepping runs it: same bits).
 *
 * Indices in the file are 1-based as in the notation (δ²₁ is neuron 1, w³₁₂ is input 2); here they are
 * 0-based like the engine's.
 */
import type { Diagnostic } from './diagnostics';
import { Trainer } from './trainer';
import type { ExercisePhase, ExerciseQuantity, ExerciseSpec, ResolvedExercise, ResolvedNetwork, ResolvedQuestion } from './spec';
import { LineIndex, joinJsonPath, suggestName } from './validate';
import { parseTree, type Node, type ParseError } from 'jsonc-parser';

/** The tolerance when a question gives none: relative 0.001, about three significant digits. */
export const DEFAULT_TOLERANCE = { abs: 0, rel: 1e-3 } as const;

// ---------------------------------------------------------------------------------------------
// Where things are in the run
// ---------------------------------------------------------------------------------------------

/** The shape of the run as the Trainer lays it out (the same arithmetic as its constructor). */
export interface RunLayout {
  /** Computing layers (L − 1), micro-steps per mini-batch, whether there is a clip step. */
  K: number;
  P: number;
  clip: boolean;
  batchSize: number;
  batchesPerEpoch: number;
  stepsPerEpoch: number;
  epochs: number;
  totalSteps: number;
  examples: number;
}

export function runLayout(net: ResolvedNetwork, epochs = net.training.epochs): RunLayout {
  const K = net.layers.length;
  const clip = net.training.clipNorm !== null || net.training.clipValue !== null;
  const P = 4 * K + 1 + (clip ? 1 : 0);
  const count = net.train.count;
  const batchSize = Math.max(1, Math.min(net.training.batchSize, count));
  const batchesPerEpoch = Math.max(1, Math.ceil(count / batchSize));
  const stepsPerEpoch = batchesPerEpoch * P + 1;
  return { K, P, clip, batchSize, batchesPerEpoch, stepsPerEpoch, epochs, totalSteps: epochs * stepsPerEpoch, examples: count };
}

/** The index in the mini-batch's program of a phase's step for layer l (2…L), or −1 when there is none. */
export function programIndex(r: RunLayout, phase: ExercisePhase, l: number | null): number {
  const K = r.K;
  const pos = (l ?? K + 1) - 2;
  switch (phase) {
    case 'forward':
      return pos;
    case 'loss':
      return K;
    case 'delta':
      return K + 1 + (K - 1 - pos);
    case 'gradient':
      return 2 * K + 1 + (K - 1 - pos);
    case 'clip':
      return r.clip ? 3 * K + 1 : -1;
    case 'update':
      return 3 * K + 1 + (r.clip ? 1 : 0) + pos;
  }
}

/** A step number decoded: 0-based epoch, mini-batch in the epoch, index in the program (−1: the epoch's end). */
export function locateStep(r: RunLayout, step: number): { epoch: number; batch: number; index: number } {
  const r0 = step - 1;
  const e = Math.floor(r0 / r.stepsPerEpoch);
  const rest = r0 - e * r.stepsPerEpoch;
  if (rest === r.batchesPerEpoch * r.P) return { epoch: e, batch: r.batchesPerEpoch - 1, index: -1 };
  const b = Math.floor(rest / r.P);
  return { epoch: e, batch: b, index: rest - b * r.P };
}

export function stepOf(r: RunLayout, epoch: number, batch: number, index: number): number {
  return epoch * r.stepsPerEpoch + batch * r.P + index + 1;
}

/** The phase of the step that computes a quantity (W and b: the update). */
export function quantityPhase(q: ExerciseQuantity): ExercisePhase {
  switch (q) {
    case 'z':
    case 'a':
      return 'forward';
    case 'delta':
      return 'delta';
    case 'dW':
    case 'db':
      return 'gradient';
    case 'W':
    case 'b':
      return 'update';
    case 'loss':
      return 'loss';
  }
}

/** The phase and layer of a program index. */
export function phaseAt(r: RunLayout, index: number): { phase: ExercisePhase | 'epoch-end'; layer: number | null } {
  const K = r.K;
  if (index < 0) return { phase: 'epoch-end', layer: null };
  if (index < K) return { phase: 'forward', layer: index + 2 };
  if (index === K) return { phase: 'loss', layer: null };
  if (index < 2 * K + 1) return { phase: 'delta', layer: K - 1 - (index - K - 1) + 2 };
  if (index < 3 * K + 1) return { phase: 'gradient', layer: K - 1 - (index - 2 * K - 1) + 2 };
  if (r.clip && index === 3 * K + 1) return { phase: 'clip', layer: null };
  return { phase: 'update', layer: index - 3 * K - 1 - (r.clip ? 1 : 0) + 2 };
}

// ---------------------------------------------------------------------------------------------
// Notation (the same as src/debug/notation.ts, which the engine does not import)
// ---------------------------------------------------------------------------------------------

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sup = (n: number): string => String(n).replace(/\d/g, (d) => SUP[Number(d)]);
const sub = (n: number): string => String(n).replace(/\d/g, (d) => SUB[Number(d)]);
const subPair = (j: number, k: number): string => (j < 10 && k < 10 ? `${sub(j)}${sub(k)}` : `${sub(j)},${sub(k)}`);

/** The value a question asks for in the notation: z²₁, δ²₁, ∂C/∂w³₁₂, w³₁₂, b²₁, C (1-based indices). */
export function questionSymbol(q: Pick<ResolvedQuestion, 'quantity' | 'layer' | 'neuron' | 'input'>): string {
  const l = sup(q.layer);
  const j = q.neuron + 1;
  const k = (q.input ?? 0) + 1;
  switch (q.quantity) {
    case 'z':
      return `z${l}${sub(j)}`;
    case 'a':
      return `a${l}${sub(j)}`;
    case 'delta':
      return `δ${l}${sub(j)}`;
    case 'dW':
      return `∂C/∂w${l}${subPair(j, k)}`;
    case 'db':
      return `∂C/∂b${l}${sub(j)}`;
    case 'W':
      return `w${l}${subPair(j, k)}`;
    case 'b':
      return `b${l}${sub(j)}`;
    case 'loss':
      return 'C';
  }
}

const PHASE_WORDS: Record<ExercisePhase | 'epoch-end', string> = { forward: 'forward', loss: 'loss', delta: 'δ', gradient: 'gradients', clip: 'clipping', update: 'update', 'epoch-end': 'epoch end' };

/** "step 5 (epoch 1, mini-batch 1, δ of layer 2)". */
export function describeStep(r: RunLayout, step: number): string {
  const loc = locateStep(r, step);
  const p = phaseAt(r, loc.index);
  const what = p.phase === 'epoch-end' ? 'the end of the epoch' : `${PHASE_WORDS[p.phase]}${p.layer !== null ? ` of layer ${p.layer}` : ''}`;
  return `step ${step} (epoch ${loc.epoch + 1}, mini-batch ${loc.batch + 1}, ${what})`;
}

// ---------------------------------------------------------------------------------------------
// Resolving the exercise against the network
// ---------------------------------------------------------------------------------------------

/**
 * Places each question at its step and checks what needs the data: that the step exists, that the
 * quantity is computed by then in that mini-batch, and that the example is in the mini-batch. The spec
 * is assumed to have passed validate.ts (layers, neurons and inputs in range). Diagnostics carry JSON
 * paths (`exercise.questions[2].at.step`); loadNetwork locates them in the text.
 */
export function resolveExercise(spec: ExerciseSpec, net: ResolvedNetwork): { exercise?: ResolvedExercise; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (path: string, message: string) => diagnostics.push({ severity: 'error', path, message });
  const r = runLayout(net);
  const L = net.layers.length + 1;
  const questions: ResolvedQuestion[] = [];
  spec.questions.forEach((s, i) => {
    const path = `exercise.questions[${i}]`;
    const isLoss = s.quantity === 'loss';
    const layer = isLoss ? L : (s.layer ?? 2);
    const spec_ = net.layers[layer - 2];
    if (!spec_) return error(`${path}.layer`, `layer ${layer} does not exist: the network has layers 2…${L} after the input`);
    const neuron = isLoss ? 0 : (s.neuron ?? 1) - 1;
    const input = s.quantity === 'W' || s.quantity === 'dW' ? (s.input ?? 1) - 1 : null;
    const example = s.quantity === 'z' || s.quantity === 'a' || s.quantity === 'delta' ? (s.example ?? 1) - 1 : 0;
    // The step.
    let step: number;
    let atPath = `${path}.at`;
    const at = s.at;
    if (at && 'step' in at) {
      step = at.step;
      atPath = `${path}.at.step`;
      if (step > r.totalSteps) return error(atPath, `step ${step} is past the end of training: the run has ${r.totalSteps} steps (${r.epochs} epoch${r.epochs === 1 ? '' : 's'} of ${r.stepsPerEpoch})`);
    } else {
      const epoch = (at && 'epoch' in at && at.epoch !== undefined ? at.epoch : 1) - 1;
      const batch = (at && 'batch' in at && at.batch !== undefined ? at.batch : 1) - 1;
      const phase: ExercisePhase = at && 'phase' in at && at.phase !== undefined ? at.phase : quantityPhase(s.quantity);
      const atLayer = phase === 'loss' || phase === 'clip' ? null : at && 'layer' in at && at.layer !== undefined ? at.layer : isLoss ? L : layer;
      if (epoch >= r.epochs) return error(`${path}.at.epoch`, `epoch ${epoch + 1} does not exist: training runs ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} (training.epochs)`);
      if (batch >= r.batchesPerEpoch) return error(`${path}.at.batch`, `mini-batch ${batch + 1} does not exist: an epoch has ${r.batchesPerEpoch} mini-batch${r.batchesPerEpoch === 1 ? '' : 'es'} (${r.examples} example${r.examples === 1 ? '' : 's'} in batches of ${r.batchSize})`);
      if (atLayer !== null && (atLayer < 2 || atLayer > L)) return error(`${path}.at.layer`, `the steps are about layers 2…${L}`);
      const index = programIndex(r, phase, atLayer);
      if (index < 0) return error(`${path}.at.phase`, 'this network has no clip step (training.clipNorm and training.clipValue are not set)');
      step = stepOf(r, epoch, batch, index);
    }
    // Is the value there at that step?
    const loc = locateStep(r, step);
    const here = describeStep(r, step);
    const perBatch = s.quantity !== 'W' && s.quantity !== 'b';
    if (perBatch) {
      const symbol = questionSymbol({ quantity: s.quantity, layer, neuron, input });
      const needed = programIndex(r, quantityPhase(s.quantity), isLoss ? null : layer);
      if (loc.index < 0) return error(atPath, `${symbol} belongs to a mini-batch, and ${here} is between mini-batches; ask at the step that computes it, e.g. "at": {"step": ${stepOf(r, loc.epoch, loc.batch, needed)}}`);
      if (loc.index < needed) {
        const computed = stepOf(r, loc.epoch, loc.batch, needed);
        return error(atPath, `${symbol} is not computed yet at ${here}: ${describeStep(r, computed)} computes it; use "at": {"step": ${computed}}, or leave "at" out for the step that computes it`);
      }
      const rows = Math.min(r.batchSize, r.examples - loc.batch * r.batchSize);
      if (example >= rows) return error(`${path}.example`, `mini-batch ${loc.batch + 1} has ${rows} example${rows === 1 ? '' : 's'}; example ${example + 1} is not in it (examples are 1-based rows of the mini-batch)`);
    }
    const tol = s.tolerance;
    const tolerance = tol && (tol.abs !== undefined || tol.rel !== undefined) ? { abs: tol.abs ?? 0, rel: tol.rel ?? 0 } : { ...DEFAULT_TOLERANCE };
    const q: ResolvedQuestion = { id: s.id, prompt: s.prompt, quantity: s.quantity, layer, neuron, input, example, step, tolerance, points: s.points ?? 1 };
    if (s.hint !== undefined) q.hint = s.hint;
    questions.push(q);
  });
  if (diagnostics.length) return { diagnostics };
  const exercise: ResolvedExercise = { title: spec.title ?? net.name, questions };
  if (spec.instructions !== undefined) exercise.instructions = spec.instructions;
  return { exercise, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Expected values
// ---------------------------------------------------------------------------------------------

/** A question's value in the trainer's current state (which must be at the question's step). */
export function readQuantity(t: Trainer, q: ResolvedQuestion): number {
  const i = q.layer - 2;
  const p = t.model.layers[i];
  const n = p.spec.size;
  const k = p.spec.inputSize;
  const buf = t.ws.layers[i];
  const e = q.example * n + q.neuron;
  switch (q.quantity) {
    case 'z':
      return buf.Z[e];
    case 'a':
      return buf.A[e];
    case 'delta':
      return buf.D[e];
    case 'dW':
      return p.dW[q.neuron * k + (q.input ?? 0)];
    case 'db':
      return p.db[q.neuron];
    case 'W':
      return p.W[q.neuron * k + (q.input ?? 0)];
    case 'b':
      return p.b[q.neuron];
    case 'loss': {
      // As the debugger's `loss` (the mean of the per-example costs).
      let s = 0;
      for (let x = 0; x < t.ws.m; x++) s += t.ws.costs[x];
      return s / t.ws.m;
    }
  }
}

/**
 * Every question's value, in the exercise's order: one trainer run to each step in turn (Trainer.goTo,
 * the path stepping takes, so the bits are the debugger's).
 */
export function expectedValues(net: ResolvedNetwork, exercise: ResolvedExercise | undefined = net.exercise): number[] {
  if (!exercise) return [];
  const t = new Trainer(net, { historyBytes: 1 << 20, evaluateEpochs: false });
  const order = exercise.questions.map((q, i) => ({ q, i })).sort((a, b) => a.q.step - b.q.step);
  const out = new Array<number>(exercise.questions.length).fill(NaN);
  for (const { q, i } of order) {
    t.goTo(q.step);
    out[i] = readQuantity(t, q);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Grading
// ---------------------------------------------------------------------------------------------

export type QuestionStatus = 'correct' | 'incorrect' | 'missing' | 'revealed';

export interface QuestionResult {
  id: string;
  status: QuestionStatus;
  /** The engine's value, the learner's answer (null when missing or revealed), the signed and relative error. */
  expected: number;
  given: number | null;
  error: number | null;
  relError: number | null;
  /** What the question is worth and what this answer earned. */
  points: number;
  earned: number;
  /** One or two sentences for the learner. */
  feedback: string;
}

export interface GradeReport {
  results: QuestionResult[];
  earned: number;
  total: number;
  correct: number;
  count: number;
}

/** Significant digits for feedback text (trailing zeros dropped). */
export function showNumber(x: number, digits = 9): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const r = Number(x.toPrecision(digits));
  const a = Math.abs(r);
  return a >= 1e-4 && a < 1e9 ? String(r) : r.toExponential().replace('e+', 'e');
}

function percent(x: number): string {
  const p = x * 100;
  return `${p >= 10 ? Math.round(p) : Number(p.toPrecision(2))} %`;
}

/** The accepted distance from the value: max(abs, rel·|value|). */
export function allowedError(q: Pick<ResolvedQuestion, 'tolerance'>, expected: number): number {
  return Math.max(q.tolerance.abs, q.tolerance.rel * Math.abs(expected));
}

function toleranceText(q: ResolvedQuestion, expected: number): string {
  const { abs, rel } = q.tolerance;
  const parts: string[] = [];
  if (rel > 0) parts.push(percent(rel));
  if (abs > 0) parts.push(`± ${showNumber(abs, 3)}`);
  if (parts.length === 0) return 'exactly';
  return `within ${parts.join(' or ')}${rel > 0 && abs > 0 ? ` (± ${showNumber(allowedError(q, expected), 3)} here)` : ''}`;
}

/**
 * Grades one answer: correct when |given − expected| ≤ max(abs, rel·|expected|) (a non-finite expected
 * value accepts only the same non-finite value). `given` null: no answer; 'revealed': the learner asked
 * for the value (no points).
 */
export function gradeAnswer(q: ResolvedQuestion, expected: number, given: number | null | 'revealed'): QuestionResult {
  const symbol = questionSymbol(q);
  const value = showNumber(expected);
  const base = { id: q.id, expected, points: q.points };
  if (given === 'revealed') return { ...base, status: 'revealed', given: null, error: null, relError: null, earned: 0, feedback: `Revealed: ${symbol} = ${value} (no points).` };
  if (given === null) return { ...base, status: 'missing', given: null, error: null, relError: null, earned: 0, feedback: `No answer. ${symbol} = ${value}.` };
  const error = given - expected;
  const relError = expected !== 0 ? Math.abs(error) / Math.abs(expected) : error === 0 ? 0 : Infinity;
  const ok = Number.isFinite(expected) ? Number.isFinite(given) && Math.abs(error) <= allowedError(q, expected) : Object.is(given, expected);
  if (ok) {
    return { ...base, status: 'correct', given, error, relError, earned: q.points, feedback: `Correct: ${symbol} = ${value} (you gave ${showNumber(given)}, ${toleranceText(q, expected)}).` };
  }
  const off = Number.isFinite(relError) ? `off by ${showNumber(Math.abs(error), 3)} (${percent(relError)})` : `off by ${showNumber(Math.abs(error), 3)}`;
  const direction = error > 0 ? 'too high' : 'too low';
  const hint = q.hint ? ` Hint: ${q.hint}` : '';
  return { ...base, status: 'incorrect', given, error, relError, earned: 0, feedback: `Not quite: you gave ${showNumber(given)}, ${direction}, ${off}; ${symbol} = ${value} (accepted ${toleranceText(q, expected)}).${hint}` };
}

/** Grades a set of answers (by question id; absent or null: missing). */
export function gradeExercise(net: ResolvedNetwork, answers: ReadonlyMap<string, number | null | 'revealed'>, expected: number[] = expectedValues(net)): GradeReport {
  const ex = net.exercise;
  const results = (ex?.questions ?? []).map((q, i) => gradeAnswer(q, expected[i], answers.get(q.id) ?? null));
  return summarize(results);
}

export function summarize(results: QuestionResult[]): GradeReport {
  let earned = 0;
  let total = 0;
  let correct = 0;
  for (const r of results) {
    earned += r.earned;
    total += r.points;
    if (r.status === 'correct') correct++;
  }
  return { results, earned, total, correct, count: results.length };
}

// ---------------------------------------------------------------------------------------------
// Answers files
// ---------------------------------------------------------------------------------------------

export interface ParsedAnswers {
  /** Answers by question id (null: left blank). Present when there are no errors. */
  answers?: Map<string, number | null>;
  diagnostics: Diagnostic[];
}

/**
 * Parses an answers file: a JSON object from question ids to numbers, e.g. {"q1": 0.0087, "q2": null}
 * (null or an absent id: not answered). Every problem is a diagnostic with the JSON path, line and
 * column and what to write instead.
 */
export function parseAnswers(text: string, exercise: ResolvedExercise, file?: string): ParsedAnswers {
  const src = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const lines = new LineIndex(src);
  const diagnostics: Diagnostic[] = [];
  const ids = exercise.questions.map((q) => q.id);
  const example = `{${ids.slice(0, 2).map((id) => `"${id}": 0.5`).join(', ')}}`;
  const report = (path: string, message: string, offset: number, length: number, severity: Diagnostic['severity'] = 'error') => {
    const d: Diagnostic = { severity, path, message, ...lines.range(offset, length) };
    if (file !== undefined) d.file = file;
    diagnostics.push(d);
  };
  const errors: ParseError[] = [];
  const tree: Node | undefined = parseTree(src, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (src.trim() === '') {
    report('', `the answers file is empty: write a JSON object from question ids to numbers, e.g. ${example}`, 0, 0);
    return { diagnostics };
  }
  if (errors.length || !tree) {
    const e = errors[0];
    const offset = e?.offset ?? 0;
    report('', `not valid JSON here (${syntaxWord(e?.error)}); the answers file is a JSON object such as ${example} (no comments, no trailing commas, numbers without quotes)`, offset, Math.max(1, e?.length ?? 1));
    return { diagnostics };
  }
  if (tree.type !== 'object') {
    report('', `expected a JSON object from question ids to numbers, e.g. ${example}; got ${tree.type === 'array' ? 'an array' : `a ${tree.type}`}`, tree.offset, tree.length);
    return { diagnostics };
  }
  const answers = new Map<string, number | null>();
  for (const prop of tree.children ?? []) {
    const keyNode = prop.children?.[0];
    const valueNode = prop.children?.[1];
    if (!keyNode || !valueNode) continue;
    const id = String(keyNode.value);
    const path = joinJsonPath('', id);
    if (!ids.includes(id)) {
      const guess = suggestName(id, ids);
      report(path, guess !== undefined ? `"${id}" is not a question of this exercise; did you mean "${guess}"?` : `"${id}" is not a question of this exercise (its questions: ${ids.join(', ')})`, keyNode.offset, keyNode.length);
      continue;
    }
    if (answers.has(id)) report(path, `"${id}" is answered twice; keep one answer`, keyNode.offset, keyNode.length);
    if (valueNode.type === 'null') {
      answers.set(id, null);
      continue;
    }
    if (valueNode.type === 'number' && Number.isFinite(valueNode.value)) {
      answers.set(id, valueNode.value as number);
      continue;
    }
    const raw = src.slice(valueNode.offset, valueNode.offset + valueNode.length);
    let fix = 'write a number such as 0.5 (or null to leave it blank)';
    if (valueNode.type === 'string') {
      const s = String(valueNode.value).trim().replace(',', '.');
      if (s !== '' && Number.isFinite(Number(s))) fix = `write the number without quotes: ${Number(s)}`;
    } else if (valueNode.type === 'number') fix = `${raw} is not a finite number; write a number such as 0.5`;
    else if (valueNode.type === 'object' || valueNode.type === 'array') fix = 'write one number per question, e.g. "q1": 0.5';
    report(path, `the answer to "${id}" is ${valueNode.type === 'string' ? `a string (${raw})` : valueNode.type === 'number' ? raw : `${valueNode.type === 'array' ? 'an array' : valueNode.type === 'object' ? 'an object' : String(valueNode.value)}`}, not a number: ${fix}`, valueNode.offset, valueNode.length);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { answers, diagnostics };
}

function syntaxWord(code: number | undefined): string {
  switch (code) {
    case 1:
      return 'invalid symbol';
    case 2:
      return 'invalid number';
    case 3:
      return 'a property name is expected';
    case 4:
      return 'a value is expected';
    case 5:
      return 'a colon is expected';
    case 6:
      return 'a comma is expected';
    case 7:
      return 'a closing brace is expected';
    case 8:
      return 'a closing bracket is expected';
    case 9:
      return 'end of file expected';
    case 10:
      return 'comments are not allowed';
    default:
      return 'syntax error';
  }
}

// ---------------------------------------------------------------------------------------------
// The panel: when a question's value is on screen
// ---------------------------------------------------------------------------------------------

/**
 * The steps at which the panel would show the value a question asks for: from its step up to (not
 * including) the same step of the next mini-batch, which computes the next value of that quantity.
 * (Before its step, the mini-batch has not computed it, or the parameter still has its old value.)
 */
export function shownWindow(r: RunLayout, q: ResolvedQuestion): { from: number; to: number } {
  const loc = locateStep(r, q.step);
  if (loc.index < 0) return { from: q.step, to: q.step + 1 };
  const nextBatch = loc.batch + 1 < r.batchesPerEpoch ? { e: loc.epoch, b: loc.batch + 1 } : { e: loc.epoch + 1, b: 0 };
  const to = nextBatch.e >= r.epochs ? Infinity : stepOf(r, nextBatch.e, nextBatch.b, loc.index);
  return { from: q.step, to };
}
