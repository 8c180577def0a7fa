/**
 * A lab in a debug session: which values the panel must hide now (questions not answered yet whose value
 * the panel would show at the current step), the question card's view, and grading an answer given in the
 * panel. Pure (no vscode): the panel host keeps the answers per session and calls these.
 */
import { expectedValues, gradeAnswer, questionSymbol, runLayout, describeStep, shownWindow, summarize, type QuestionResult, type ResolvedNetwork, type ResolvedQuestion } from '../engine';
import { enc, refKey, type ExerciseView, type QuestionView } from '../shared/protocol';
import type { DebugRuntime } from './runtime';

/** The keys a question's value is shown under in the panel (refKeys; 'loss' for the mini-batch's cost). */
export function questionKeys(q: ResolvedQuestion, net: ResolvedNetwork): string[] {
  const l = q.layer;
  const j = q.neuron;
  const k = q.input ?? 0;
  switch (q.quantity) {
    case 'z':
      return [refKey({ q: 'z', l, j })];
    case 'a':
      return [refKey({ q: 'a', l, j })];
    case 'delta':
      // ∂C/∂b = δ (BP3): with one example it is the same number.
      return [refKey({ q: 'delta', l, j }), refKey({ q: 'db', l, j })];
    case 'dW':
      return [refKey({ q: 'dW', l, j, k })];
    case 'db':
      return [refKey({ q: 'db', l, j })];
    case 'W':
      return [refKey({ q: 'W', l, j, k })];
    case 'b':
      return [refKey({ q: 'b', l, j })];
    case 'loss': {
      // The batch cost, and each example's cost (with one example they are the same number).
      const keys = ['loss'];
      const m = Math.min(net.training.batchSize, net.train.count);
      for (let x = 0; x < m; x++) keys.push(refKey({ q: 'cost', l: net.layers.length + 1, j: x }));
      return keys;
    }
  }
}

/** Expected values per network (computed once, at the first answer). */
const expectedCache = new WeakMap<ResolvedNetwork, number[]>();

export function expectedFor(net: ResolvedNetwork): number[] {
  let v = expectedCache.get(net);
  if (!v) {
    v = expectedValues(net);
    expectedCache.set(net, v);
  }
  return v;
}

/** Questions whose value the panel would show at the session's current step and that are not answered. */
export function hiddenQuestions(rt: DebugRuntime, results: ReadonlyMap<string, QuestionResult>): ResolvedQuestion[] {
  const ex = rt.net.exercise;
  if (!ex) return [];
  const layout = runLayout(rt.net, rt.trainer.epochs);
  const step = rt.trainer.step;
  return ex.questions.filter((q) => {
    if (results.has(q.id)) return false;
    const w = shownWindow(layout, q);
    return step >= w.from && step < w.to;
  });
}

/** The keys hidden now, and which question hides each (for the panel's tooltips and the gradient check). */
export function hiddenKeys(rt: DebugRuntime, results: ReadonlyMap<string, QuestionResult>): Map<string, string> {
  const out = new Map<string, string>();
  for (const q of hiddenQuestions(rt, results)) for (const k of questionKeys(q, rt.net)) out.set(k, q.id);
  return out;
}

function view(rt: DebugRuntime, q: ResolvedQuestion, r: QuestionResult | undefined, hiddenNow: boolean): QuestionView {
  const status = !r ? 'open' : r.status === 'correct' ? 'correct' : r.status === 'revealed' ? 'revealed' : 'incorrect';
  return {
    id: q.id,
    prompt: q.prompt,
    symbol: questionSymbol(q) + (q.example > 0 ? ` (example ${q.example + 1})` : ''),
    step: q.step,
    where: describeStep(runLayout(rt.net, rt.trainer.epochs), q.step),
    status,
    hiddenNow,
    given: r && r.given !== null && Number.isFinite(r.given) ? r.given : null,
    expected: r ? enc(r.expected) : null,
    feedback: r ? r.feedback : '',
    hint: q.hint ?? null,
    points: q.points,
    earned: r ? r.earned : 0,
  };
}

/** The question card: every question with its state, and the running score. */
export function exerciseView(rt: DebugRuntime, results: ReadonlyMap<string, QuestionResult>): ExerciseView | null {
  const ex = rt.net.exercise;
  if (!ex) return null;
  const hidden = new Set(hiddenQuestions(rt, results).map((q) => q.id));
  const questions = ex.questions.map((q) => view(rt, q, results.get(q.id), hidden.has(q.id)));
  let earned = 0;
  let total = 0;
  for (const q of ex.questions) {
    total += q.points;
    earned += results.get(q.id)?.earned ?? 0;
  }
  return { title: ex.title, instructions: ex.instructions ?? '', questions, score: { earned, total, answered: results.size, count: ex.questions.length } };
}

/**
 * Grades an answer given in the panel (or a reveal) with the engine's value for the session's network.
 * Throws a message for an unknown question or one already answered.
 */
export function answerQuestion(rt: DebugRuntime, results: Map<string, QuestionResult>, id: string, given: number | 'revealed'): { result: QuestionResult; view: QuestionView; score: ExerciseView['score'] } {
  const ex = rt.net.exercise;
  if (!ex) throw new Error('This network file has no exercise.');
  const i = ex.questions.findIndex((q) => q.id === id);
  if (i < 0) throw new Error(`There is no question "${id}" in this exercise.`);
  const q = ex.questions[i];
  const done = results.get(id);
  if (done) throw new Error(`Question "${id}" is already ${done.status === 'revealed' ? 'revealed' : 'answered'}.`);
  const result = gradeAnswer(q, expectedFor(rt.net)[i], given);
  results.set(id, result);
  const score = exerciseView(rt, results)!.score;
  return { result, view: view(rt, q, result, false), score };
}

/** The score of the answers so far, as the lab report and the CLI count it. */
export function sessionReport(rt: DebugRuntime, results: ReadonlyMap<string, QuestionResult>): ReturnType<typeof summarize> {
  const ex = rt.net.exercise;
  const expected = ex ? expectedFor(rt.net) : [];
  return summarize((ex?.questions ?? []).map((q, i) => results.get(q.id) ?? gradeAnswer(q, expected[i], null)));
}
