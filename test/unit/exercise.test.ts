// Teaching labs (src/engine/exercise.ts and the exercise section of validate.ts / resolve.ts): questions
// placed at the debugger's steps, expected values against Mazur's published numbers and against the
// debug runtime at the same step, tolerance edges, answers files, and located messages for bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebugRuntime } from '../../src/debug/runtime';
import { Trainer } from '../../src/engine/trainer';
import {
  allowedError,
  expectedValues,
  gradeAnswer,
  gradeExercise,
  locateStep,
  parseAnswers,
  programIndex,
  questionSymbol,
  runLayout,
  shownWindow,
  stepOf,
} from '../../src/engine/exercise';
import { loadNetwork } from '../../src/engine/resolve';
import type { ResolvedNetwork, ResolvedQuestion } from '../../src/engine/spec';
import { parseNetworkText } from '../../src/engine/validate';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();
const MAZUR_TEXT = readFileSync(join(root, 'examples', 'mazur.backprop.json'), 'utf8');
const LAB_TEXT = readFileSync(join(root, 'examples', 'lab-mazur.backprop.json'), 'utf8');

/** Mazur's network with an exercise section (questions as written in a file). */
function mazurWith(questions: unknown[], extra: Record<string, unknown> = {}): string {
  const file = JSON.parse(MAZUR_TEXT) as Record<string, unknown>;
  file.exercise = { title: 'Mazur lab', questions, ...extra };
  return JSON.stringify(file, null, 2);
}

async function load(text: string): Promise<ResolvedNetwork> {
  const r = await loadNetwork(text, 'lab.backprop.json');
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), [], 'no errors');
  assert.ok(r.network);
  return r.network;
}

async function errorsOf(text: string): Promise<{ path: string; message: string; line?: number }[]> {
  const r = await loadNetwork(text, 'lab.backprop.json');
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ path: d.path, message: d.message, line: d.line }));
}

const MAZUR_QUESTIONS = [
  { id: 'z21', prompt: 'z²₁?', quantity: 'z', layer: 2, neuron: 1 },
  { id: 'z22', prompt: 'z²₂?', quantity: 'z', layer: 2, neuron: 2 },
  { id: 'a21', prompt: 'a²₁?', quantity: 'a', layer: 2, neuron: 1 },
  { id: 'loss', prompt: 'C?', quantity: 'loss' },
  { id: 'd31', prompt: 'δ³₁?', quantity: 'delta', layer: 3, neuron: 1 },
  { id: 'd21', prompt: 'δ²₁?', quantity: 'delta', layer: 2, neuron: 1 },
  { id: 'dw311', prompt: '∂C/∂w³₁₁?', quantity: 'dW', layer: 3, neuron: 1, input: 1 },
  { id: 'w311', prompt: 'w³₁₁ after the update?', quantity: 'W', layer: 3, neuron: 1, input: 1 },
];

describe('exercise: placing questions at the debugger’s steps', () => {
  it('places each quantity at the step that computes it, numbered as the debugger numbers steps', async () => {
    const net = await load(mazurWith(MAZUR_QUESTIONS));
    const ex = net.exercise!;
    assert.equal(ex.title, 'Mazur lab');
    // 2-2-2: forward 2 (1), forward 3 (2), loss (3), δ³ (4), δ² (5), ∂³ (6), ∂² (7), update 2 (8), update 3 (9).
    assert.deepEqual(
      ex.questions.map((q) => [q.id, q.step]),
      [['z21', 1], ['z22', 1], ['a21', 1], ['loss', 3], ['d31', 4], ['d21', 5], ['dw311', 6], ['w311', 9]],
    );
    // 1-based in the file, 0-based resolved.
    const dw = ex.questions.find((q) => q.id === 'dw311')!;
    assert.deepEqual([dw.layer, dw.neuron, dw.input, dw.example], [3, 0, 0, 0]);
    assert.deepEqual(dw.tolerance, { abs: 0, rel: 1e-3 });
    // The step is the one at which the debug runtime reports that phase and layer.
    const t = new Trainer(net);
    for (const q of ex.questions) {
      t.goTo(q.step);
      const p = t.position;
      const phase = { z: 'forward', a: 'forward', loss: 'loss', delta: 'delta', dW: 'gradient', db: 'gradient', W: 'update', b: 'update' }[q.quantity];
      assert.equal(p.phase, phase, q.id);
      if (q.quantity !== 'loss') assert.equal(p.layer, q.layer, q.id);
    }
  });

  it('the layout arithmetic matches the Trainer’s on a run with clipping, several batches and epochs', async () => {
    const text = JSON.stringify({
      layers: [{ size: 2 }, { size: 3 }, { size: 2 }, { size: 1 }],
      loss: 'mse',
      training: { batchSize: 3, epochs: 2, clipNorm: 1 },
      data: { builtin: 'xor', samples: 8 },
    });
    const net = await load(text);
    const r = runLayout(net);
    const t = new Trainer(net);
    assert.equal(r.totalSteps, t.totalSteps);
    assert.equal(r.stepsPerEpoch, t.stepsPerEpoch);
    assert.equal(r.P, t.program.length);
    for (let s = 1; s <= r.totalSteps; s++) {
      const a = locateStep(r, s);
      const b = t.locate(s);
      assert.equal(a.epoch, b.epoch, `step ${s}`);
      assert.equal(a.batch, b.batchInEpoch, `step ${s}`);
      assert.equal(a.index, b.micro ? b.index : -1, `step ${s}`);
      if (b.micro) {
        const layer = b.micro.pos >= 0 ? b.micro.pos + 2 : null;
        assert.equal(programIndex(r, b.micro.phase as 'forward', layer), b.index, `step ${s} ${b.micro.phase} ${layer}`);
        assert.equal(stepOf(r, a.epoch, a.batch, a.index), s);
      }
    }
  });

  it('"at" as a step, or as epoch / batch / phase / layer', async () => {
    const net = await load(
      mazurWith([
        { id: 'a', prompt: '?', quantity: 'delta', layer: 2, neuron: 1, at: { step: 7 } },
        { id: 'b', prompt: '?', quantity: 'W', layer: 3, neuron: 1, input: 2, at: { phase: 'gradient', layer: 2 } },
        { id: 'c', prompt: '?', quantity: 'a', layer: 3, neuron: 2, at: { epoch: 1, batch: 1, phase: 'delta', layer: 2 } },
      ]),
    );
    assert.deepEqual(net.exercise!.questions.map((q) => q.step), [7, 7, 5]);
    // W read before the update (at the gradient step): still the file's 0.45.
    assert.deepEqual(expectedValues(net)[1], 0.45);
  });
});

describe('exercise: expected values', () => {
  it('Mazur’s published numbers', async () => {
    const net = await load(mazurWith(MAZUR_QUESTIONS));
    const v = Object.fromEntries(net.exercise!.questions.map((q, i) => [q.id, expectedValues(net)[i]]));
    const close = (x: number, want: number, digits: number, what: string) => assert.ok(Math.abs(x - want) < 0.5 * 10 ** -digits, `${what} = ${x}, Mazur: ${want}`);
    close(v.z21, 0.3775, 12, 'z²₁');
    close(v.z22, 0.3925, 12, 'z²₂');
    close(v.a21, 0.593269992, 9, 'a²₁');
    close(v.loss, 0.298371109, 9, 'C');
    close(v.d31, 0.138498562, 9, 'δ³₁');
    close(v.d21, 0.00877135469, 11, 'δ²₁');
    close(v.dw311, 0.0821670406, 10, '∂C/∂w³₁₁');
    close(v.w311, 0.35891648, 8, 'w³₁₁');
  });

  it('the same bits as the debug runtime shows at the same step', async () => {
    const net = await load(mazurWith(MAZUR_QUESTIONS));
    const expected = expectedValues(net);
    const { runtime } = await DebugRuntime.load(mazurWith(MAZUR_QUESTIONS), 'lab.backprop.json', undefined);
    assert.ok(runtime);
    const names: Record<string, string> = { z21: 'z2[0]', z22: 'z2[1]', a21: 'a2[0]', loss: 'loss', d31: 'delta3[0]', d21: 'delta2[0]', dw311: 'dW3[0][0]', w311: 'W3[0][0]' };
    for (const [i, q] of net.exercise!.questions.entries()) {
      runtime.stepper.goTo(q.step);
      const shown = runtime.evaluate(names[q.id]);
      assert.ok(Object.is(shown, expected[i]), `${q.id}: runtime ${String(shown)} vs ${expected[i]}`);
    }
  });
});

describe('exercise: grading', () => {
  const q = (over: Partial<ResolvedQuestion> = {}): ResolvedQuestion => ({ id: 'q', prompt: '?', quantity: 'delta', layer: 2, neuron: 0, input: null, example: 0, step: 5, tolerance: { abs: 0, rel: 1e-3 }, points: 1, ...over });
  const d21 = 0.008771354689486937;

  it('correct within the tolerance, inclusive at the edge; incorrect just past it', () => {
    const rel = q();
    const edge = allowedError(rel, d21);
    assert.equal(edge, 1e-3 * d21);
    assert.equal(gradeAnswer(rel, d21, d21 + edge * (1 - 1e-9)).status, 'correct');
    assert.equal(gradeAnswer(rel, d21, d21 - edge * (1 - 1e-9)).status, 'correct');
    assert.equal(gradeAnswer(rel, d21, d21 + edge * (1 + 1e-6)).status, 'incorrect');
    assert.equal(gradeAnswer(rel, d21, d21 - edge * (1 + 1e-6)).status, 'incorrect');
    // Exactly at the edge (representable): inclusive.
    const abs = q({ tolerance: { abs: 0.25, rel: 0 } });
    assert.equal(gradeAnswer(abs, 1, 1.25).status, 'correct');
    assert.equal(gradeAnswer(abs, 1, 0.75).status, 'correct');
    assert.equal(gradeAnswer(abs, 1, 1.2500001).status, 'incorrect');
    // max(abs, rel·|v|): the larger wins.
    const both = q({ tolerance: { abs: 1e-4, rel: 1e-3 } });
    assert.equal(allowedError(both, d21), 1e-4);
    assert.equal(allowedError(both, 1), 1e-3);
    // A value of 0 with a relative tolerance only accepts 0.
    assert.equal(gradeAnswer(q(), 0, 0).status, 'correct');
    assert.equal(gradeAnswer(q(), 0, 1e-300).status, 'incorrect');
  });

  it('feedback says how far off, which way, and the hint; points and statuses', () => {
    const hinted = q({ hint: 'σ′(z) = a(1 − a)', points: 2 });
    const wrong = gradeAnswer(hinted, d21, 0.01);
    assert.equal(wrong.status, 'incorrect');
    assert.equal(wrong.earned, 0);
    assert.equal(wrong.points, 2);
    assert.ok(Math.abs(wrong.error! - (0.01 - d21)) < 1e-18);
    assert.ok(Math.abs(wrong.relError! - (0.01 - d21) / d21) < 1e-12);
    assert.match(wrong.feedback, /too high/);
    assert.match(wrong.feedback, /off by 0\.00123 \(14 %\)/);
    assert.match(wrong.feedback, /δ²₁ = 0\.00877135469/);
    assert.match(wrong.feedback, /Hint: σ′\(z\) = a\(1 − a\)/);
    const right = gradeAnswer(hinted, d21, 0.008771);
    assert.equal(right.status, 'correct');
    assert.equal(right.earned, 2);
    assert.match(right.feedback, /^Correct: δ²₁ = 0\.00877135469 \(you gave 0\.008771, within 0\.1 %\)/);
    assert.equal(gradeAnswer(hinted, d21, null).status, 'missing');
    const shown = gradeAnswer(hinted, d21, 'revealed');
    assert.equal(shown.status, 'revealed');
    assert.equal(shown.earned, 0);
    assert.match(shown.feedback, /Revealed/);
    assert.equal(gradeAnswer(hinted, d21, NaN).status, 'incorrect');
  });

  it('grades a whole lab: score and per-question results', async () => {
    const net = await load(LAB_TEXT);
    const expected = expectedValues(net);
    const report = gradeExercise(net, new Map<string, number | null>([['forward', 0.5933], ['bp1', 0.1385], ['bp2', 0.0087], ['update', 0.36]]), expected);
    assert.deepEqual(report.results.map((r) => r.status), ['correct', 'correct', 'incorrect', 'missing', 'incorrect']);
    assert.equal(report.earned, 2);
    assert.equal(report.total, 6);
    assert.equal(report.correct, 2);
    assert.equal(report.count, 5);
    // 0.0087 is 0.81 % off δ²₁ = 0.00877135: outside the question's 0.2 %.
    assert.match(report.results[2].feedback, /too low/);
    assert.deepEqual(report.results.map((r) => r.expected), expected);
  });

  it('names questions in the notation (1-based)', () => {
    assert.equal(questionSymbol({ quantity: 'dW', layer: 3, neuron: 0, input: 1 }), '∂C/∂w³₁₂');
    assert.equal(questionSymbol({ quantity: 'W', layer: 2, neuron: 3, input: 20 }), 'w²₄,₂₁');
    assert.equal(questionSymbol({ quantity: 'delta', layer: 2, neuron: 0, input: null }), 'δ²₁');
    assert.equal(questionSymbol({ quantity: 'loss', layer: 3, neuron: 0, input: null }), 'C');
  });

  it('hides a value from its step to the same step of the next mini-batch', async () => {
    const text = JSON.stringify({
      layers: [{ size: 2 }, { size: 2 }, { size: 1 }],
      loss: 'mse',
      training: { batchSize: 2, epochs: 2 },
      data: { builtin: 'xor' },
      exercise: { questions: [{ id: 'q', prompt: '?', quantity: 'delta', layer: 2, neuron: 1, at: { batch: 2 } }] },
    });
    const net = await load(text);
    const r = runLayout(net);
    const q = net.exercise!.questions[0];
    // 9 micro-steps per batch, 2 batches, + epoch end: batch 2's δ² is step 9 + 5 = 14.
    assert.equal(q.step, 14);
    // The next computation of δ²: epoch 2, batch 1 (after the epoch-end step 19): 19 + 5 = 24.
    assert.deepEqual(shownWindow(r, q), { from: 14, to: 24 });
    assert.equal(net.exercise!.title, 'lab');
  });
});

describe('exercise: answers files', () => {
  const exercise = async () => (await load(LAB_TEXT)).exercise!;

  it('reads numbers and nulls by id', async () => {
    const r = parseAnswers('{"forward": 0.5933, "bp2": null}', await exercise(), 'answers.json');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual([...r.answers!], [['forward', 0.5933], ['bp2', null]]);
  });

  it('a malformed file: each problem with its path, line, column and fix', async () => {
    const ex = await exercise();
    const text = '{\n  "forwrd": 0.59,\n  "bp1": "0.1385",\n  "bp2": [1],\n  "bp4": true\n}';
    const r = parseAnswers(text, ex, 'answers.json');
    assert.equal(r.answers, undefined);
    const got = r.diagnostics.map((d) => [d.path, d.line, d.column, d.message]);
    assert.deepEqual(got, [
      ['forwrd', 2, 3, '"forwrd" is not a question of this exercise; did you mean "forward"?'],
      ['bp1', 3, 10, 'the answer to "bp1" is a string ("0.1385"), not a number: write the number without quotes: 0.1385'],
      ['bp2', 4, 10, 'the answer to "bp2" is an array, not a number: write one number per question, e.g. "q1": 0.5'],
      ['bp4', 5, 10, 'the answer to "bp4" is true, not a number: write a number such as 0.5 (or null to leave it blank)'],
    ]);
    assert.ok(r.diagnostics.every((d) => d.file === 'answers.json' && d.severity === 'error'));
    // Not JSON, not an object, empty.
    const syntax = parseAnswers('{"forward": 0.59,}', ex, 'a.json').diagnostics[0];
    assert.equal(syntax.line, 1);
    assert.match(syntax.message, /not valid JSON here .*trailing commas/);
    assert.match(parseAnswers('[0.59]', ex).diagnostics[0].message, /expected a JSON object from question ids to numbers, e\.g\. \{"forward": 0\.5, "bp1": 0\.5\}; got an array/);
    assert.match(parseAnswers('  ', ex).diagnostics[0].message, /the answers file is empty/);
    assert.match(parseAnswers('{"forward": 1, "forward": 2}', ex).diagnostics[0].message, /answered twice/);
  });
});

describe('exercise: validation of the section', () => {
  it('a valid lab has no diagnostics at all', async () => {
    assert.deepEqual((await loadNetwork(LAB_TEXT, 'lab-mazur.backprop.json')).diagnostics, []);
  });

  it('located messages with did-you-mean for misspelt fields and values', () => {
    const text = mazurWith([
      { id: 'q1', prompt: 'x', quantity: 'delat', layer: 2, neuron: 1 },
      { id: 'q1', prompt: 'x', quantity: 'z', layer: 4, neuron: 1 },
      { id: 'q3', prompt: 'x', quantity: 'a', layer: 2, neuron: 3 },
      { id: 'q4', prompt: 'x', quantity: 'W', layer: 3, neuron: 1 },
      { id: 'q5', prompt: 'x', quantity: 'weight', layer: 3, neuron: 1, input: 3 },
      { id: 'q6', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, tolerence: { rel: 0.01 } },
      { id: 'q 7', prompt: '', quantity: 'loss', layer: 3 },
      { id: 'q8', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, at: { step: 3, phase: 'forward' } },
      { id: 'q9', prompt: 'x', quantity: 'b', layer: 2, neuron: 1, at: { phase: 'backward' }, tolerance: { abs: 0 } },
    ]);
    const r = parseNetworkText(text, 'lab.backprop.json');
    const ds = r.diagnostics.map((d) => `${d.severity} ${d.path}: ${d.message}`);
    const has = (re: RegExp) => assert.ok(ds.some((d) => re.test(d)), `no ${re} in\n${ds.join('\n')}`);
    has(/^error exercise\.questions\[0\]\.quantity: "delat" is not a quantity; did you mean "delta"\?/);
    has(/^error exercise\.questions\[1\]\.id: "q1" is already the id of exercise\.questions\[0\]/);
    has(/^error exercise\.questions\[1\]\.layer: the network has layers 1…3 \(layers\[0\] is layer 1, the input\); layer 4 does not exist: use 2…3/);
    has(/^error exercise\.questions\[2\]\.neuron: layer 2 has neurons 1…2 \(1-based, as in the notation\); neuron 3 does not exist/);
    has(/^error exercise\.questions\[3\]\.input: a question about a weight w\^l_jk needs "input": neuron k of layer 2/);
    has(/^error exercise\.questions\[4\]\.quantity: "weight" is not a quantity; did you mean "W"\?/);
    has(/^error exercise\.questions\[5\]\.tolerence: "tolerence" is not a field of a question; did you mean "tolerance"\?/);
    has(/^error exercise\.questions\[6\]\.id: "q 7" is not a usable id/);
    has(/^error exercise\.questions\[6\]\.prompt: the prompt is empty/);
    has(/^warning exercise\.questions\[6\]\.layer: "layer" is not used by the loss/);
    has(/^error exercise\.questions\[7\]\.at\.phase: "at" takes either "step" or "epoch", "batch", "phase", "layer", not both/);
    has(/^error exercise\.questions\[8\]\.at\.phase: "backward" is not a phase; did you mean "delta"\?/);
    has(/^warning exercise\.questions\[8\]\.tolerance: a tolerance of 0 accepts only the exact value/);
    // Every diagnostic is located in the text.
    assert.ok(r.diagnostics.every((d) => d.line !== undefined && d.file === 'lab.backprop.json'));
    const misspelt = r.diagnostics.find((d) => d.path === 'exercise.questions[0].quantity')!;
    assert.equal(text.split('\n')[misspelt.line! - 1].trim(), '"quantity": "delat",');
    // A misspelt section name is suggested too.
    const top = parseNetworkText(MAZUR_TEXT.replace('"data"', '"excercise": {}, "data"'));
    assert.ok(top.diagnostics.some((d) => /"excercise" is not a field of the network file; did you mean "exercise"\?/.test(d.message)), top.diagnostics.map((d) => d.message).join('\n'));
  });

  it('what needs the data is checked when the network loads: steps, epochs, batches, examples', async () => {
    const errs = await errorsOf(
      mazurWith([
        { id: 'early', prompt: 'x', quantity: 'delta', layer: 2, neuron: 1, at: { step: 2 } },
        { id: 'late', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, at: { step: 11 } },
        { id: 'between', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, at: { step: 10 } },
        { id: 'epoch', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, at: { epoch: 2 } },
        { id: 'batch', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, at: { batch: 2 } },
        { id: 'example', prompt: 'x', quantity: 'z', layer: 2, neuron: 1, example: 2 },
        { id: 'clip', prompt: 'x', quantity: 'dW', layer: 2, neuron: 1, input: 1, at: { phase: 'clip' } },
      ]),
    );
    assert.deepEqual(
      errs.map((e) => [e.path, e.message]),
      [
        ['exercise.questions[0].at.step', 'δ²₁ is not computed yet at step 2 (epoch 1, mini-batch 1, forward of layer 3): step 5 (epoch 1, mini-batch 1, δ of layer 2) computes it; use "at": {"step": 5}, or leave "at" out for the step that computes it'],
        ['exercise.questions[1].at.step', 'step 11 is past the end of training: the run has 10 steps (1 epoch of 10)'],
        ['exercise.questions[2].at.step', 'z²₁ belongs to a mini-batch, and step 10 (epoch 1, mini-batch 1, the end of the epoch) is between mini-batches; ask at the step that computes it, e.g. "at": {"step": 1}'],
        ['exercise.questions[3].at.epoch', 'epoch 2 does not exist: training runs 1 epoch (training.epochs)'],
        ['exercise.questions[4].at.batch', 'mini-batch 2 does not exist: an epoch has 1 mini-batch (1 example in batches of 1)'],
        ['exercise.questions[5].example', 'mini-batch 1 has 1 example; example 2 is not in it (examples are 1-based rows of the mini-batch)'],
        ['exercise.questions[6].at.phase', 'this network has no clip step (training.clipNorm and training.clipValue are not set)'],
      ],
    );
    // Located: the line of the offending value.
    assert.ok(errs.every((e) => typeof e.line === 'number' && e.line > 1));
  });
});
