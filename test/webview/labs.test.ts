// Labs and display settings in the panel's webview (real Chromium): the values a lab asks for are hidden
// (tables, diagram, equation, its text) until answered; answering by keyboard posts a validated message,
// the host's grade (the real engine, via Session.graded) is shown with the running score, and the value
// shows again; Reveal; malformed input; Copy LaTeX; precision and colour-scale settings; malformed settings;
// the panel's own text in the language of the bundle the host sends (and a malformed bundle).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { expectedValues } from '../../src/engine';
import type { FromWebview } from '../../src/shared/protocol';
import { Harness, type Panel } from './harness';
import { Session } from './trace';

const artifacts = join(__dirname, '..', '..', 'test-artifacts');
const harness = new Harness();

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await harness.start();
});
after(async () => {
  await harness.stop();
});

async function assertClean(p: Panel): Promise<void> {
  assert.deepEqual(await p.cspViolations(), [], 'CSP violations');
  assert.deepEqual(p.consoleErrors, [], 'console errors');
}

type Answer = Extract<FromWebview, { type: 'answer' }>;
type Reveal = Extract<FromWebview, { type: 'reveal' }>;

describe('labs in the panel', () => {
  it('hides the asked value until it is answered by keyboard, then grades and shows it', async () => {
    const p = await harness.open({ width: 1100, height: 1100 });
    const s = await Session.lab();
    const [aExpected] = expectedValues(s.rt.net);
    await p.send(s.message());
    // The card lists the lab's five questions, none answered.
    assert.match(await p.text('.lab-card h2'), /Lab: Backpropagation by hand: Mazur's 2-2-2 network/);
    assert.equal(await p.page.locator('.lab-question').count(), 5);
    assert.match(await p.text('.lab-score'), /Score 0\/6 · 0 of 5 answered/);
    assert.equal(await p.page.locator('.lab-question.now').count(), 0, 'nothing is hidden at step 0');

    // Step 1 computes a²₁, which question "forward" asks for: hidden in the table, the diagram and the equation.
    await s.step();
    const fwd = (await p.send(s.message()))!;
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '?');
    assert.equal(await p.text('td[data-ref="z:2:0"]'), '0.3775', 'z²₁ is not asked: shown');
    assert.equal(await p.text('td[data-ref="a:2:1"]'), '0.5969', 'a²₂ is not asked: shown');
    assert.equal(await p.page.locator('.neuron.hidden-answer[data-l="2"][data-j="0"]').count(), 1);
    assert.equal(await p.page.locator('.neuron[data-l="2"][data-j="0"] text').textContent(), '?');
    assert.match((await p.page.locator('.neuron[data-l="2"][data-j="0"]').getAttribute('aria-label'))!, /hidden until you answer/);
    assert.ok(!fwd.equation.includes('0.59326'), `the painted equation text must not show a²₁: ${fwd.equation}`);
    assert.match(fwd.equation, /question “forward” is hidden/);
    assert.ok(!(await p.text('.eq-substituted')).includes('0.5933'), 'the typeset equation shows no a²₁');
    assert.match(await p.text('.eq-substituted'), /\?/);
    assert.equal(await p.page.locator('.lab-question.now[data-question="forward"]').count(), 1);
    assert.match(await p.text('.lab-question[data-question="forward"] .lab-badge'), /answer now/);

    // A malformed answer is refused in the panel: nothing is posted.
    const input = p.page.locator('#lab-answer-forward');
    let n = await p.count();
    await input.focus();
    await p.page.keyboard.type('abc');
    await p.page.keyboard.press('Enter');
    assert.match(await p.text('.lab-question[data-question="forward"] .lab-feedback'), /“abc” is not a number/);
    // Typing in the field does not trigger the panel's shortcuts (b = step back, n = step).
    assert.equal((await p.posted()).slice(n).length, 0, 'no message for a malformed answer or the typed keys');

    // Typed with a decimal comma and submitted with Enter.
    await input.fill('');
    await p.page.keyboard.type('0,5933');
    n = await p.count();
    await p.page.keyboard.press('Enter');
    const answer = (await p.waitPosted((m): m is Answer => m.type === 'answer', n)) as Answer;
    assert.deepEqual([answer.question, answer.value], ['forward', 0.5933]);
    // The host grades with the engine and replies, then sends the step again with the value shown.
    await p.deliver(s.graded(answer));
    await p.page.waitForFunction(() => /Correct/.test(document.querySelector('.lab-question[data-question="forward"] .lab-feedback')?.textContent ?? ''), undefined, { timeout: 5000 });
    assert.match(await p.text('.lab-question[data-question="forward"] .lab-feedback'), new RegExp(`Correct: a²₁ = ${String(Number(aExpected.toPrecision(9))).replace('.', '\\.')} \\(you gave 0\\.5933, within 0\\.1 %\\)`));
    assert.match(await p.text('.lab-score'), /Score 1\/6 · 1 of 5 answered/);
    assert.equal(await p.page.evaluate(() => document.activeElement?.classList.contains('lab-feedback')), true, 'the focus moves to the result');
    const shown = (await p.send(s.message()))!;
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.5933');
    assert.ok(shown.equation.includes('0.593269992'), shown.equation);
    assert.equal(await p.page.locator('.lab-question[data-question="forward"] .lab-form').isVisible(), false, 'answered: no field');

    // Step 4 (δ³, BP1): question "bp1" hides δ³₁; Reveal (keyboard) shows it for no points.
    await s.step(3);
    await p.send(s.message());
    assert.equal(await p.text('td[data-ref="delta:3:0"]'), '?');
    await p.page.locator('.lab-question[data-question="bp1"] .lab-reveal').focus();
    n = await p.count();
    await p.page.keyboard.press('Enter');
    const reveal = (await p.waitPosted((m): m is Reveal => m.type === 'reveal', n)) as Reveal;
    assert.equal(reveal.question, 'bp1');
    await p.deliver(s.graded(reveal));
    await p.page.waitForFunction(() => /Revealed/.test(document.querySelector('.lab-question[data-question="bp1"] .lab-feedback')?.textContent ?? ''), undefined, { timeout: 5000 });
    await p.send(s.message());
    assert.equal(await p.text('td[data-ref="delta:3:0"]'), '0.1385');
    assert.match(await p.text('.lab-score'), /Score 1\/6 · 2 of 5 answered/);

    // Step 5 (δ², BP2): a wrong answer is graded with how far off and the hint, and δ²₁ shows again.
    await s.step();
    await p.send(s.message());
    assert.equal(await p.text('td[data-ref="delta:2:0"]'), '?');
    await p.page.locator('#lab-answer-bp2').fill('0.0087');
    n = await p.count();
    await p.page.locator('.lab-question[data-question="bp2"] .lab-submit').click();
    const wrong = (await p.waitPosted((m): m is Answer => m.type === 'answer', n)) as Answer;
    await p.deliver(s.graded(wrong));
    await p.page.waitForFunction(() => /Not quite/.test(document.querySelector('.lab-question[data-question="bp2"] .lab-feedback')?.textContent ?? ''), undefined, { timeout: 5000 });
    assert.match(await p.text('.lab-question[data-question="bp2"] .lab-feedback'), /too low, off by 7\.14e-5 \(0\.81 %\).*Hint: δ²₁ =/);
    await p.send(s.message());
    assert.equal(await p.text('td[data-ref="delta:2:0"]'), '0.008771');
    // Answering again is refused by the host (one attempt per question).
    assert.deepEqual(s.graded({ id: 99, question: 'bp2', value: 0.00877 }), { type: 'graded', id: 99, ok: false, error: 'Question "bp2" is already answered.' });
    await p.page.screenshot({ path: join(artifacts, 'panel-lab.png'), fullPage: true });
    await assertClean(p);
  });

  it('Copy LaTeX posts copyLatex; it is disabled where the step has no equation', async () => {
    const p = await harness.open();
    const s = await Session.mazur();
    await p.send(s.message());
    assert.equal(await p.page.locator('vscode-button.copy-latex[disabled]').count(), 1, 'no equation at step 0');
    await s.step();
    await p.send(s.message());
    assert.equal(await p.page.locator('vscode-button.copy-latex[disabled]').count(), 0);
    const n = await p.count();
    await p.page.locator('vscode-button.copy-latex').click();
    assert.deepEqual(await p.waitPosted((m) => m.type === 'copyLatex', n), { type: 'copyLatex' });
    await assertClean(p);
  });

  it('follows the precision and colour-scale settings; rejects malformed settings', async () => {
    const p = await harness.open({ theme: 'dark' });
    const s = await Session.mazur();
    await s.step();
    await p.send(s.message());
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.5933');
    const fill = () => p.page.evaluate(() => (document.querySelector('.neuron[data-l="2"][data-j="0"] circle') as SVGElement).style.fill);
    const diverging = await fill();
    // 8 significant digits in the tables (the host builds the equation with them too).
    await p.send({ type: 'settings', settings: { precision: 8, colorScale: 'grayscale' } });
    await p.page.waitForFunction(() => document.querySelector('td[data-ref="a:2:0"]')?.textContent === '0.59326999', undefined, { timeout: 5000 });
    s.precision = 8;
    const eight = (await p.send(s.message()))!;
    assert.match(await p.text('.eq-substituted'), /0\.59326999/);
    assert.ok(eight.equation.includes('0.593269992'), 'the plain text keeps 9 digits');
    // Grayscale: neurons are grey (r = g = b), the legend says so.
    const grey = await fill();
    const rgb = /rgb\((\d+), (\d+), (\d+)\)/.exec(grey);
    assert.ok(rgb && rgb[1] === rgb[2] && rgb[2] === rgb[3], `grey fill: ${grey}`);
    assert.notEqual(grey, diverging);
    assert.match(await p.text('.scale-legend'), /dark negative · light positive/);
    // Symmetric log: a small value gets a stronger tint than on the linear scale.
    await p.send({ type: 'settings', settings: { precision: 4, colorScale: 'symmetric-log' } });
    await p.page.waitForFunction(() => /log scale/.test(document.querySelector('.scale-legend')?.textContent ?? ''), undefined, { timeout: 5000 });
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.5933');
    // Malformed settings are dropped and reported.
    const n = await p.count();
    await p.deliver({ type: 'settings', settings: { precision: 40, colorScale: 'rainbow' } });
    const err = await p.waitPosted((m) => m.type === 'error', n);
    assert.match((err as { message: string }).message, /settings\.precision is not a whole number from 2 to 17/);
    await p.deliver({ type: 'graded', id: 1, ok: true, question: { id: 'x' }, score: {} });
    await p.waitPosted((m) => m.type === 'error' && /graded: malformed/.test(m.message), n);
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.5933');
    assert.deepEqual(await p.cspViolations(), []);
  });

  it('shows its own text in the language of the bundle sent with the settings; refuses a malformed bundle', async () => {
    const settings = { precision: 4, colorScale: 'diverging' };
    const bundle = {
      'Check gradient': 'Gradient prüfen',
      'Check the selected weight’s (or bias’s) gradient by finite differences (G)': 'Den Gradienten des gewählten Gewichts (oder Bias) mit finiten Differenzen prüfen (G)',
      Network: 'Netz',
      Epoch: 'Epoche',
      '{0} of {1}': '{0} von {1}',
      Step: 'Schritt',
      'by layer': 'je Schicht',
    };
    const text = (p: Panel, sel: string) => p.page.locator(sel).first().evaluate((e) => e.textContent ?? '');
    const s = await Session.mazur();
    await s.step();

    // As the host does after ready: the settings with the bundle, then the snapshot.
    const p = await harness.open();
    await p.send({ type: 'settings', settings, l10n: bundle });
    await p.send(s.message());
    assert.equal(await text(p, 'vscode-button.grad-check'), 'Gradient prüfen');
    assert.equal(await p.page.locator('vscode-button.grad-check').getAttribute('title'), bundle['Check the selected weight’s (or bias’s) gradient by finite differences (G)']);
    assert.equal(await text(p, '.diagram-card h2'), 'Netz');
    assert.equal(await text(p, '.pos-epoch dt'), 'Epoche');
    assert.match(await text(p, '.pos-epoch dd'), /^1 von \d+$/);
    assert.equal(await text(p, 'vscode-button[data-action="step"]'), 'Schritt →');
    assert.equal(await p.page.locator('vscode-button[data-action="step"]').getAttribute('aria-label'), 'Schritt');
    assert.equal(await text(p, '.granularity vscode-option[value="layer"]'), 'je Schicht');
    // What the bundle does not translate stays English; numbers and notation are untouched.
    assert.equal(await text(p, '.values-heading'), 'Values for the selected example');
    assert.equal(await text(p, '#help h2'), 'Keyboard shortcuts');
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.5933');

    // A malformed bundle: the message is dropped and reported, the panel keeps its language.
    const n = await p.count();
    await p.deliver({ type: 'settings', settings, l10n: { 'Check gradient': 42 } });
    const err = await p.waitPosted((m) => m.type === 'error', n);
    assert.match((err as { message: string }).message, /settings: l10n\["Check gradient"\] is not a string/);
    assert.equal(await text(p, 'vscode-button.grad-check'), 'Gradient prüfen');
    await assertClean(p);

    // A bundle that comes after the page has drawn a snapshot relabels it (built-once text and rendered text alike).
    const q = await harness.open();
    await q.send({ type: 'settings', settings });
    await q.send(s.message());
    assert.equal(await text(q, 'vscode-button.grad-check'), 'Check gradient');
    assert.match(await text(q, '.pos-epoch dd'), /^1 of \d+$/);
    await q.send({ type: 'settings', settings, l10n: bundle });
    await q.page.waitForFunction(() => document.querySelector('vscode-button.grad-check')?.textContent === 'Gradient prüfen', undefined, { timeout: 5000 });
    assert.equal(await text(q, '.diagram-card h2'), 'Netz');
    assert.match(await text(q, '.pos-epoch dd'), /^1 von \d+$/);
    assert.equal(await text(q, 'vscode-button[data-action="step"]'), 'Schritt →');
    await assertClean(q);
  });
});
