// Labs in a debug session (src/debug/exerciseView.ts, the hiding in src/debug/panel.ts), the lab report
// (src/debug/labReport.ts) and the protocol's new messages (answer, reveal, copyLatex, settings, graded).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerQuestion, hiddenKeys } from '../../src/debug/exerciseView';
import { labReport } from '../../src/debug/labReport';
import { buildSnapshot, equationLatex, plainLatex } from '../../src/debug/panel';
import { DebugRuntime } from '../../src/debug/runtime';
import { expectedValues, type QuestionResult } from '../../src/engine';
import { DEFAULT_SELECTION, parseFromWebview, parseSettings, parseToWebview, type Selection, type Snapshot } from '../../src/shared/protocol';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();
const LAB = readFileSync(join(root, 'examples', 'lab-mazur.backprop.json'), 'utf8');

async function lab(): Promise<DebugRuntime> {
  const { runtime } = await DebugRuntime.load(LAB, 'lab-mazur.backprop.json', undefined);
  assert.ok(runtime);
  return runtime;
}

const snap = (rt: DebugRuntime, answers: Map<string, QuestionResult>, sel: Partial<Selection> = {}, precision?: number): Snapshot =>
  buildSnapshot(rt, { ...DEFAULT_SELECTION, ...sel }, { name: 'lab', reason: 'step', answers, ...(precision ? { precision } : {}) });

/** Every number the snapshot carries, as JSON text (what the webview receives). */
const json = (s: Snapshot): string => JSON.stringify(s);

describe('labs in a session: what the panel hides', () => {
  it('hides each asked value from its step until answered, everywhere the snapshot carries it', async () => {
    const rt = await lab();
    const answers = new Map<string, QuestionResult>();
    const [a21, d31, d21, dw311, w311] = expectedValues(rt.net);
    // Step 0: nothing computed, nothing hidden.
    let s = snap(rt, answers);
    assert.deepEqual(s.hidden, []);
    assert.equal(s.exercise!.questions.length, 5);
    assert.ok(s.exercise!.questions.every((q) => q.status === 'open' && !q.hiddenNow));
    assert.deepEqual(s.exercise!.score, { earned: 0, total: 6, answered: 0, count: 5 });

    // Step 1: a²₁ computed → hidden in the layer values, the equation's result, the equation text.
    rt.stepper.goTo(1);
    s = snap(rt, answers);
    assert.deepEqual(s.hidden, ['a:2:0']);
    assert.equal(s.layers[1].a![0], 'NaN');
    assert.equal(s.layers[1].z![0], 0.3775, 'z²₁ is not asked');
    assert.ok(!json(s).includes(String(a21)), 'a²₁ appears nowhere in the snapshot');
    assert.match(s.equation.substituted!, /a\^\{2\}_\{1\} = \\sigma\(.*\) = \\htmlData\{ref=a:2:0\}\{\\boxed\{\?\}\}/);
    assert.deepEqual(s.equation.text, ['The value asked by question “forward” is hidden: work it out from the numbers shown, then answer in the question card (or reveal).']);
    assert.equal(s.exercise!.questions[0].hiddenNow, true);

    // Step 6 (∂C/∂W³): δ³₁, δ²₁, ∂C/∂w³₁₁ and a²₁ (still unanswered) are hidden; the dW table and dW edges too.
    rt.stepper.goTo(6);
    s = snap(rt, answers, { layer: 3, tables: ['dW', 'W'], edges: 'dW', weight: 0 });
    assert.deepEqual(new Set(s.hidden), new Set(['a:2:0', 'delta:3:0', 'db:3:0', 'delta:2:0', 'db:2:0', 'dW:3:0:0']));
    for (const v of [a21, d31, d21, dw311]) assert.ok(!json(s).includes(String(v)), `${v} is not in the snapshot`);
    assert.equal(s.tables.find((t) => t.kind === 'dW')!.values[0], 'NaN');
    assert.equal(s.layers[2].edges![0], 'NaN');
    assert.notEqual(s.layers[2].edges![1], 'NaN', 'the other weights are shown');
    // The gradient step's equation: a²₁ and δ³₁ are operands, ∂C/∂w³₁₁ the result, ∂C/∂b³₁ = δ³₁ — all boxes.
    assert.equal((plainLatex(s.equation.substituted!).match(/\\boxed\{\?\}/g) ?? []).length, 4);

    // Answering shows the value again (right or wrong), and the score follows.
    const r1 = answerQuestion(rt, answers, 'forward', 0.5933);
    assert.equal(r1.result.status, 'correct');
    assert.equal(r1.view.status, 'correct');
    assert.deepEqual(r1.score, { earned: 1, total: 6, answered: 1, count: 5 });
    answerQuestion(rt, answers, 'bp1', 'revealed' as never);
    assert.throws(() => answerQuestion(rt, answers, 'forward', 0.6), /already answered/);
    assert.throws(() => answerQuestion(rt, answers, 'nope', 0.6), /There is no question "nope"/);
    s = snap(rt, answers, { layer: 3, tables: ['dW'], edges: 'dW' });
    assert.deepEqual(new Set(s.hidden), new Set(['delta:2:0', 'db:2:0', 'dW:3:0:0']));
    assert.equal(s.layers[1].a![0], a21);
    assert.equal(s.layers[2].delta![0], d31);
    assert.equal(s.exercise!.questions[1].status, 'revealed');
    assert.equal(s.exercise!.questions[1].expected, d31);

    // Step 9 (update 3): w³₁₁ hidden in the W table, the edges and the weight's history.
    rt.stepper.goTo(9);
    s = snap(rt, answers, { layer: 3, tables: ['W'], edges: 'W', weight: 0 });
    assert.ok(s.hidden!.includes('W:3:0:0'));
    assert.ok(!json(s).includes(String(w311)), 'w³₁₁ is not in the snapshot');
    assert.equal(s.history.weight!.value.y.at(-1), 'NaN');
    // After the run (the window ends with training), back at step 0 nothing is hidden.
    rt.stepper.goTo(0);
    assert.deepEqual(snap(rt, answers).hidden, []);
  });

  it('hides the loss in the position, the plot and the loss equation', async () => {
    const file = JSON.parse(LAB) as { exercise: { questions: unknown[] } };
    file.exercise.questions = [{ id: 'C', prompt: 'The cost?', quantity: 'loss' }];
    const { runtime: rt } = await DebugRuntime.load(JSON.stringify(file), 'loss.backprop.json', undefined);
    assert.ok(rt);
    rt.stepper.goTo(3);
    const [C] = expectedValues(rt.net);
    const s = snap(rt, new Map());
    assert.deepEqual(s.hidden, ['loss', 'cost:3:0']);
    assert.equal(s.position.loss, 'NaN');
    assert.equal(s.history.loss.y.at(-1), 'NaN');
    assert.ok(!json(s).includes(String(C)));
    assert.match(s.equation.substituted!, /= \\htmlData\{ref=cost:3:0\}\{\\boxed\{\?\}\}$/);
    assert.deepEqual([...hiddenKeys(rt, new Map())], [['loss', 'C'], ['cost:3:0', 'C']]);
  });

  it('the equation’s digits follow the precision setting', async () => {
    const rt = await lab();
    rt.stepper.goTo(2);
    const answers = new Map<string, QuestionResult>([['forward', {} as QuestionResult]]);
    assert.match(plainLatex(snap(rt, answers, { layer: 3 }).equation.substituted!), /= 0\.4 \\cdot 0\.5933 \+ 0\.45 \\cdot 0\.5969 \+ 0\.6 = 1\.10591 \\\\ a\^\{3\}_\{1\} = \\sigma\(1\.106\) = 0\.751365$/);
    assert.match(plainLatex(snap(rt, answers, { layer: 3 }, 8).equation.substituted!), /0\.4 \\cdot 0\.59326999 \+ 0\.45 \\cdot 0\.59688438 \+ 0\.6 = 1\.1059059/);
  });
});

describe('the lab report', () => {
  it('Markdown with each question’s equation in LaTeX, the answer, the verdict and the score; the session is left where it was', async () => {
    const rt = await lab();
    const answers = new Map<string, QuestionResult>();
    rt.stepper.goTo(9);
    answerQuestion(rt, answers, 'forward', 0.5933);
    answerQuestion(rt, answers, 'bp2', 0.0087);
    answerQuestion(rt, answers, 'update', 'revealed' as never);
    rt.stepper.goTo(7);
    const before = rt.evaluate('dW2[0][0]');
    const md = labReport(rt, answers, { fileName: 'lab-mazur.backprop.json', date: '2026-01-02 10:00' });
    assert.equal(rt.trainer.step, 7);
    assert.ok(Object.is(rt.evaluate('dW2[0][0]'), before), 'the session’s values are untouched');
    const lines = md.split('\n');
    assert.equal(lines[0], "# Lab report: Backpropagation by hand: Mazur's 2-2-2 network");
    assert.ok(lines.includes('- Network: **Lab: Mazur 2-2-2 by hand** (`lab-mazur.backprop.json`)'));
    assert.ok(lines.includes('- Score: **1/6 points** (1 of 5 correct; 2 answered, 1 revealed)'), md);
    assert.ok(lines.includes('| 3 | bp2 | δ²₁ | 0.0087 | ❌ incorrect | 0/1 |'));
    assert.ok(lines.includes('| 4 | bp4 | ∂C/∂w³₁₁ | — | — not answered | 0/1 |'));
    // Each question's equation: general form and substituted numbers, from the same builder as the panel.
    assert.ok(md.includes('## 3. bp2: δ²₁'));
    const d2 = equationLatex(rt, 'delta', 2, 0, 0, 0);
    assert.equal(rt.trainer.step, 7);
    assert.ok(md.includes(`$$\n${d2.general}\n$$`), 'BP2 general form');
    assert.ok(md.includes('\\delta^{2}_{1} = \\Big(\\sum_k w^{3}_{k1} \\delta^{3}_k\\Big)\\,\\sigma\'(z^{2}_{1}) = (0.4 \\cdot 0.1385 + 0.5 \\cdot (-0.0381)) \\cdot 0.2413 = 0.00877135'), md);
    assert.ok(!md.includes('htmlData'), 'no panel links in the report');
    // Multi-line equations (forward: z and a) in a gathered block.
    assert.match(md, /\$\$\n\\begin\{gathered\}\nz\^\{2\}_\{1\} = .* = 0\.3775 \\\\\na\^\{2\}_\{1\} = \\sigma\(0\.3775\) = 0\.59327\n\\end\{gathered\}\n\$\$/);
    // The update's equation: w ← w − η ∂C/∂w with Mazur's numbers.
    assert.ok(md.includes('w^{3}_{11} \\leftarrow w - \\eta \\frac{\\partial C}{\\partial w} = 0.4 - 0.5 \\cdot 0.08217 = 0.358916'), md);
    assert.ok(md.includes('| Verdict | 👁 revealed, 0/2 points |'));
    assert.ok(md.includes('| Error | −7.14e-5 (0.81 %) |'), md);
    assert.ok(md.includes('Not quite: you gave 0.0087, too low'));
  });

  it('a network without an exercise has no report', async () => {
    const { runtime } = await DebugRuntime.load(readFileSync(join(root, 'examples', 'mazur.backprop.json'), 'utf8'), 'mazur.backprop.json', undefined);
    assert.throws(() => labReport(runtime!, new Map(), { fileName: 'mazur.backprop.json', date: 'now' }), /no exercise section/);
  });
});

describe('protocol: labs and settings messages', () => {
  it('accepts well-formed messages and rejects malformed ones with a reason', () => {
    assert.deepEqual(parseFromWebview({ type: 'answer', id: 3, question: 'q1', value: 0.5 }), { ok: true, value: { type: 'answer', id: 3, question: 'q1', value: 0.5 } });
    assert.deepEqual(parseFromWebview({ type: 'reveal', id: 4, question: 'bp-2.x' }), { ok: true, value: { type: 'reveal', id: 4, question: 'bp-2.x' } });
    assert.deepEqual(parseFromWebview({ type: 'copyLatex', extra: 1 }), { ok: true, value: { type: 'copyLatex' } });
    const bad: [unknown, RegExp][] = [
      [{ type: 'answer', id: 3, question: 'q1', value: '0.5' }, /value is not a finite number/],
      [{ type: 'answer', id: 3, question: 'q1', value: null }, /value is not a finite number/],
      [{ type: 'answer', id: -1, question: 'q1', value: 1 }, /id is not a non-negative integer/],
      [{ type: 'answer', id: 1, question: 'q 1', value: 1 }, /question is not a question id/],
      [{ type: 'answer', id: 1, question: 'x'.repeat(41), value: 1 }, /question is not a question id/],
      [{ type: 'reveal', id: 1 }, /question is not a question id/],
    ];
    for (const [m, re] of bad) {
      const r = parseFromWebview(m);
      assert.equal(r.ok, false, JSON.stringify(m));
      if (!r.ok) assert.match(r.error, re);
    }
    assert.deepEqual(parseSettings({ precision: 6, colorScale: 'symmetric-log' }), { ok: true, value: { precision: 6, colorScale: 'symmetric-log' } });
    for (const s of [{ precision: 1, colorScale: 'diverging' }, { precision: 18, colorScale: 'diverging' }, { precision: 4.5, colorScale: 'diverging' }, { precision: 4, colorScale: 'viridis' }, null]) assert.equal(parseSettings(s).ok, false, JSON.stringify(s));
    assert.equal(parseToWebview({ type: 'settings', settings: { precision: 4, colorScale: 'grayscale' } }).ok, true);
    assert.equal(parseToWebview({ type: 'graded', id: 1, ok: false, error: 'no' }).ok, true);
    assert.equal(parseToWebview({ type: 'graded', id: 1, ok: true, question: { id: 'q' }, score: {} }).ok, false);
  });

  it('snapshots with a lab pass the webview’s validation; a malformed exercise or hidden list does not', async () => {
    const rt = await lab();
    rt.stepper.goTo(5);
    const answers = new Map<string, QuestionResult>();
    answerQuestion(rt, answers, 'forward', 0.1);
    const s = snap(rt, answers);
    const msg = () => JSON.parse(JSON.stringify({ type: 'snapshot', seq: 1, snapshot: s, sentAt: 0 })) as { snapshot: Record<string, unknown> };
    assert.equal(parseToWebview(msg()).ok, true);
    const m1 = msg();
    (m1.snapshot.exercise as { questions: { status: string }[] }).questions[0].status = 'great';
    assert.match((parseToWebview(m1) as { error: string }).error, /snapshot\.exercise\.questions/);
    const m2 = msg();
    m2.snapshot.hidden = [42];
    assert.match((parseToWebview(m2) as { error: string }).error, /snapshot\.hidden/);
  });
});
