// The stepper panel's webview in a real Chromium (playwright-core + Debian's chromium), fed snapshots
// built by the real host code from a real debug runtime (Mazur's worked example; a 784-128-10 network).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION, type FromWebview, type Selection } from '../../src/shared/protocol';
import { Harness, type Panel } from './harness';
import { Session } from './trace';

const artifacts = join(__dirname, '..', '..', 'test-artifacts');
const harness = new Harness();
const opened: Panel[] = [];

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await harness.start();
});
after(async () => {
  await harness.stop();
});

async function open(opts: Parameters<Harness['open']>[0] = {}): Promise<Panel> {
  const p = await harness.open(opts);
  opened.push(p);
  return p;
}

/** No CSP violation and nothing on the console but what we expect. */
async function assertClean(p: Panel): Promise<void> {
  assert.deepEqual(await p.cspViolations(), [], 'CSP violations');
  assert.deepEqual(p.consoleErrors, [], 'console errors');
}

/** Play the host: answer every `select` the page posts after `since` with a snapshot of that selection. */
async function answerSelect(p: Panel, s: Session, since: number): Promise<Selection> {
  const m = (await p.waitPosted((x) => x.type === 'select', since)) as Extract<FromWebview, { type: 'select' }>;
  s.selection = m.selection;
  await p.send(s.message());
  return m.selection;
}

const stat = (a: number[]): string => {
  const x = [...a].sort((p, q) => p - q);
  return `median ${x[Math.floor(x.length / 2)].toFixed(2)} ms, p95 ${x[Math.min(x.length - 1, Math.floor(x.length * 0.95))].toFixed(2)} ms, max ${x[x.length - 1].toFixed(2)} ms`;
};

/** Step `steps` times; the render time per step (and its parts), and delivery → painted. */
async function measure(p: Panel, s: Session, steps: number): Promise<string> {
  const toPainted: number[] = [];
  const before = (await p.renderTimes()).length;
  for (let i = 0; i < steps; i++) {
    if (s.rt.finished) break;
    await s.step();
    const painted = (await p.send(s.message()))!;
    toPainted.push(painted.at - p.sentAt);
  }
  const parts: string[] = [];
  for (const part of ['position', 'diagram', 'equation', 'selection', 'values', 'params', 'plots']) {
    const t = (await p.renderTimes(`render:${part}`)).slice(-toPainted.length);
    if (t.length) parts.push(`${part} ${(t.reduce((a, b) => a + b, 0) / t.length).toFixed(2)}`);
  }
  return `render ${stat((await p.renderTimes()).slice(before))} (mean ms: ${parts.join(', ')}); message → painted ${stat(toPainted)} over ${toPainted.length} steps`;
}

describe('stepper panel webview', () => {
  it('handshakes, then paints Mazur’s numbers step by step', async () => {
    const p = await open();
    const ready = await p.waitPosted((m) => m.type === 'ready');
    assert.deepEqual(ready, { type: 'ready', version: PROTOCOL_VERSION });
    const s = await Session.mazur();

    const entry = await p.send(s.message());
    assert.ok(entry);
    assert.match(entry.summary, /step 0\b/);
    assert.equal(typeof entry.at, 'number');
    assert.match(await p.text('.title'), /Mazur 2-2-2/);

    // Forward through layer 2: z²₁ = 0.3775, a²₁ = 0.593269992.
    await s.step();
    const fwd = (await p.send(s.message()))!;
    assert.match(fwd.summary, /epoch 1 batch 1 step 1 forward layer 2/);
    assert.ok(fwd.equation.includes('0.3775') && fwd.equation.includes('0.593269992'), fwd.equation);
    assert.match(await p.text('.eq-text'), /0\.3775/);
    assert.equal(await p.text('td[data-ref="z:2:0"]'), '0.3775');
    // Tables show the setting's significant digits (4 by default), the full value on hover.
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.5933');
    assert.equal(await p.page.locator('td[data-ref="a:2:0"]').getAttribute('title'), '0.593269992107');
    assert.equal(await p.text('td[data-ref="z:2:1"]'), '0.3925');
    assert.match(await p.text('.phase[aria-current="step"]'), /forward 2|2/);
    assert.equal(await p.page.locator('.phase[aria-current="step"]').count(), 1);
    // The values that this step computed are marked as changed.
    assert.equal(await p.page.locator('td[data-ref="a:2:0"].changed').count(), 1);
    // The equation is typeset (KaTeX) and its numbers link to their origin.
    assert.ok((await p.page.locator('.eq-substituted .katex').count()) > 0);
    assert.ok((await p.page.locator('.eq-general .katex').count()) > 0);

    // On to δ² (BP2): forward 3, loss, δ³, δ².
    await s.step(4);
    const d2 = (await p.send(s.message()))!;
    assert.match(d2.summary, /step 5 delta layer 2/);
    assert.ok(d2.equation.includes('0.00877135469'), d2.equation);
    assert.equal(await p.text('td[data-ref="delta:2:0"]'), '0.008771');
    assert.equal(await p.page.locator('td[data-ref="delta:2:0"]').getAttribute('title'), '0.00877135468949');
    assert.match(await p.text('.phase[aria-current="step"]'), /δ/);
    assert.equal(await p.page.locator('.phase[data-state="done"]').count(), 4);

    // Pointing at a number in the equation highlights its origin in the table and the diagram.
    const num = p.page.locator('.eq-substituted [data-ref="delta:3:0"]').first();
    assert.equal(await num.count(), 1, 'δ³₁ is a linked number in the equation');
    assert.equal(await num.getAttribute('title'), 'error δ of neuron 1 in layer 3 = 0.138498561629');
    await num.hover();
    assert.equal(await p.page.locator('td[data-ref="delta:3:0"].linked').count(), 1);
    assert.equal(await p.page.locator('.neuron.linked[data-l="3"][data-j="0"]').count(), 1);
    await num.focus();
    assert.equal(await p.page.locator('td[data-ref="delta:3:0"].linked').count(), 1);

    // Ask for the output layer's W table (click its neuron, tick W), then step to its update:
    // w³₁₁ = 0.35891648, marked as changed by that step.
    let n = await p.count();
    await p.page.locator('.neuron[data-l="3"][data-j="0"]').click();
    assert.equal((await answerSelect(p, s, n)).layer, 3);
    n = await p.count();
    await p.page.locator('vscode-checkbox[data-kind="W"]').click();
    const sel = await answerSelect(p, s, n);
    assert.deepEqual(sel.tables, ['W']);
    assert.equal(await p.text('td[data-ref="W:3:0:0"]'), '0.4');
    while (s.rt.trainer.position.phase !== 'update' || s.rt.trainer.position.layer !== 3) {
      await s.step();
      await p.send(s.message());
    }
    assert.equal(await p.text('td[data-ref="W:3:0:0"]'), '0.3589');
    assert.equal(await p.page.locator('td[data-ref="W:3:0:0"]').getAttribute('title'), '0.358916479718');
    assert.equal(await p.page.locator('td[data-ref="W:3:0:0"].changed').count(), 1, 'the update marks the weight it changed');
    await assertClean(p);
  });

  for (const theme of ['light', 'dark', 'hc'] as const) {
    it(`looks right in the ${theme} theme (screenshot)`, async () => {
      const p = await open({ theme, width: 1100, height: 1000 });
      const s = await Session.mazur();
      s.selection = { ...s.selection, layer: 3, neuron: 0, weight: 0, tables: ['W', 'dW'] };
      await s.step(5);
      await p.send(s.message());
      // A gradient check of the selected weight, answered by the real host code.
      const n = await p.count();
      await p.page.keyboard.press('g');
      const req = (await p.waitPosted((m) => m.type === 'request', n)) as Extract<FromWebview, { type: 'request' }>;
      await p.send({ type: 'response', id: req.id, ok: true, result: s.gradientCheck(req.request.layer, req.request.neuron, req.request.weight) });
      await p.page.locator('.grad-result .verdict').waitFor();
      await p.page.evaluate(() => document.fonts.ready);
      await p.page.screenshot({ path: join(artifacts, `panel-${theme === 'hc' ? 'high-contrast' : theme}.png`), fullPage: true });
      await assertClean(p);
    });
  }

  it('repaints its colours when the theme changes within the same kind (only the variables on <html>)', async () => {
    const p = await open({ theme: 'dark' });
    const s = await Session.mazur();
    await s.step();
    await p.send(s.message());
    const fill = () => p.page.evaluate(() => (document.querySelector('.neuron[data-l="2"][data-j="0"] circle') as SVGElement).style.fill);
    const before = await fill();
    assert.ok(before, 'a²₁ is coloured');
    // As VS Code does on a switch from one dark theme to another: body class unchanged, variables replaced.
    await p.page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-charts-orange', '#00ff00');
      document.documentElement.style.setProperty('--vscode-charts-blue', '#ff00ff');
    });
    await p.page.waitForFunction((was) => (document.querySelector('.neuron[data-l="2"][data-j="0"] circle') as SVGElement).style.fill !== was, before, { timeout: 5000 });
    await assertClean(p);
  });

  it('is operable by keyboard alone, and the keys post the right actions', async () => {
    const p = await open();
    const s = await Session.mazur();
    await s.step(2);
    await p.send(s.message());
    // Tab reaches the toolbar's buttons, with a visible focus.
    const focused: string[] = [];
    for (let i = 0; i < 40 && !focused.includes('step'); i++) {
      await p.page.keyboard.press('Tab');
      focused.push(await p.page.evaluate(() => document.activeElement?.getAttribute('data-action') ?? document.activeElement?.tagName.toLowerCase() ?? ''));
    }
    assert.ok(focused.includes('step'), `Tab order: ${focused.join(', ')}`);
    assert.ok(focused.includes('stepBack'), `Tab order: ${focused.join(', ')}`);
    await p.page.keyboard.press('Enter');
    await p.waitPosted((m) => m.type === 'action' && m.action === 'step');
    await p.page.evaluate(() => (document.activeElement as HTMLElement).blur());

    const keys: [string, string][] = [
      ['ArrowRight', 'step'],
      ['n', 'step'],
      ['ArrowLeft', 'stepBack'],
      ['b', 'stepBack'],
      ['i', 'stepInto'],
      ['o', 'stepOut'],
      ['c', 'continue'],
      ['Shift+C', 'reverseContinue'],
      ['Shift+R', 'restart'],
    ];
    for (const [key, action] of keys) {
      const n = await p.count();
      await p.page.keyboard.press(key);
      const m = await p.waitPosted((x) => x.type === 'action', n);
      assert.deepEqual(m, { type: 'action', action }, `key ${key}`);
    }
    // Pause only while running.
    let n = await p.count();
    await p.page.keyboard.press('p');
    await p.page.waitForTimeout(50);
    assert.equal((await p.posted()).slice(n).length, 0, 'P does nothing while paused');
    await p.send({ type: 'running', seq: s.seq++ });
    assert.match(await p.text('.status'), /Running/);
    assert.match(await p.text('.overlay'), /Running/);
    n = await p.count();
    await p.page.keyboard.press('p');
    assert.deepEqual(await p.waitPosted((x) => x.type === 'action', n), { type: 'action', action: 'pause' });
    await p.send(s.message());

    // Digits choose the quantity the neurons are coloured by; W toggles the edges.
    n = await p.count();
    await p.page.keyboard.press('3');
    assert.equal((await answerSelect(p, s, n)).neurons, 'delta');
    n = await p.count();
    await p.page.keyboard.press('w');
    assert.equal((await answerSelect(p, s, n)).edges, 'dW');
    // ] selects the next neuron of the selected layer.
    n = await p.count();
    await p.page.keyboard.press(']');
    const next = await answerSelect(p, s, n);
    assert.deepEqual([next.layer, next.neuron], [2, 1]);
    assert.equal(await p.page.locator('tr.selected[data-l="2"][data-j="1"]').count(), 1);

    // Focus a neuron of the diagram and press Enter: it is selected.
    const neuron = p.page.locator('.neuron[data-l="3"][data-j="1"]');
    await neuron.focus();
    n = await p.count();
    await p.page.keyboard.press('Enter');
    const sel = await answerSelect(p, s, n);
    assert.deepEqual([sel.layer, sel.neuron], [3, 1]);
    assert.equal(await p.page.locator('.neuron.selected').count(), 1);
    assert.equal(await p.page.locator('.neuron.selected[data-l="3"][data-j="1"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await p.page.locator('tr.selected[data-l="3"][data-j="1"]').count(), 1);

    // G checks the selected parameter's gradient (the bias here); the host's answer is shown.
    n = await p.count();
    await p.page.keyboard.press('g');
    const req = (await p.waitPosted((m) => m.type === 'request', n)) as Extract<FromWebview, { type: 'request' }>;
    assert.deepEqual(req.request, { kind: 'gradientCheck', layer: 3, neuron: 1, weight: null });
    await p.send({ type: 'response', id: req.id, ok: false, error: 'No mini-batch is loaded' });
    // window.postMessage delivers asynchronously: wait for the answer to be shown.
    await p.page.waitForFunction(() => /No mini-batch is loaded/.test(document.querySelector('.grad-result')?.textContent ?? ''), undefined, { timeout: 5000 });
    assert.match(await p.text('.grad-result'), /No mini-batch is loaded/);

    // The granularity picker posts the new granularity.
    n = await p.count();
    await p.page.evaluate(() => {
      const g = document.querySelector('vscode-single-select.granularity') as HTMLElement & { value: string };
      g.value = 'neuron';
      g.dispatchEvent(new Event('change', { bubbles: true }));
    });
    assert.deepEqual(await p.waitPosted((m) => m.type === 'granularity', n), { type: 'granularity', granularity: 'neuron' });
    // ? shows the shortcut list, Escape hides it.
    await p.page.keyboard.press('?');
    assert.ok(await p.page.locator('#help').isVisible());
    assert.match(await p.text('#help'), /Step back/);
    await p.page.keyboard.press('Escape');
    assert.ok(!(await p.page.locator('#help').isVisible()));
    await assertClean(p);
  });

  it('rejects a malformed message and renders nothing from it', async () => {
    const p = await open();
    const s = await Session.mazur();
    await s.step();
    await p.send(s.message());
    const before = await p.text('.eq-text');
    const bad = s.message() as { snapshot: { name: string; layers: unknown } };
    bad.snapshot.name = 'evil';
    bad.snapshot.layers = 'not layers';
    const n = await p.count();
    await p.deliver(bad);
    const err = await p.waitPosted((m) => m.type === 'error', n);
    assert.match((err as { message: string }).message, /malformed/);
    await p.deliver({ type: 'nonsense' });
    await p.deliver({ type: 'snapshot', seq: -1 });
    await p.page.waitForTimeout(50);
    const posted = (await p.posted()).slice(n);
    assert.equal(posted.filter((m) => m.type === 'error').length, 3);
    assert.equal(posted.filter((m) => m.type === 'painted').length, 0, 'nothing painted from a malformed message');
    assert.doesNotMatch(await p.text('.title'), /evil/);
    assert.equal(await p.text('.eq-text'), before);
    assert.ok(await p.page.locator('.error-bar').isVisible());
    assert.deepEqual(await p.cspViolations(), []);
  });

  it('shows the idle state, and restores the selection after a reload (getState)', async () => {
    const p = await open();
    await p.send({ type: 'idle', seq: 0, message: 'No debug session.' });
    assert.match(await p.text('.overlay'), /No training session/);
    assert.match(await p.text('.status'), /No session/);
    assert.ok(!(await p.page.locator('main.content').isVisible()));

    const s = await Session.mazur();
    await s.step();
    await p.send(s.message());
    let n = await p.count();
    await p.page.locator('.neuron[data-l="2"][data-j="1"]').click();
    await answerSelect(p, s, n);
    n = await p.count();
    await p.page.keyboard.press('2');
    await answerSelect(p, s, n);
    const state = await p.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.ok(state);

    // A reloaded panel (same state): after the host's snapshot with its default selection, it asks
    // for the one the user had.
    const q = await open({ state });
    const fresh = await Session.mazur();
    await fresh.step();
    n = await q.count();
    await q.send(fresh.message());
    const sel = ((await q.waitPosted((m) => m.type === 'select', n)) as Extract<FromWebview, { type: 'select' }>).selection;
    assert.deepEqual([sel.layer, sel.neuron, sel.neurons], [2, 1, 'z']);
    fresh.selection = sel;
    await q.send(fresh.message());
    assert.ok((await q.text('.eq-text')).includes('0.3925'));
    await assertClean(p);
    await assertClean(q);
  });

  it('draws a 784-128-10 network compactly and renders it quickly', async () => {
    const p = await open({ theme: 'dark', profile: true });
    const s = await Session.large();
    s.selection = { ...s.selection, layer: 2, neuron: 5, tables: ['W'] };
    await p.send(s.message());
    for (let i = 0; i < 12; i++) {
      await s.step();
      await p.send(s.message());
    }
    const circles = await p.page.locator('svg circle').count();
    assert.ok(circles <= 300, `${circles} circles`);
    assert.equal(await p.page.locator('.diagram .compact').count(), 2, 'the input image and the hidden heatmap');
    assert.equal(await p.page.locator('.diagram .neuron').count(), 10);
    assert.equal(await p.page.locator('.layer-table').nth(0).locator('tbody tr:not([hidden])').count(), 10, 'a page of the 784 inputs');
    // A click on the input image selects the pixel under it.
    const img = p.page.locator('.diagram .compact').first().locator('image');
    const box = (await img.boundingBox())!;
    const n = await p.count();
    await p.page.mouse.click(box.x + box.width * (3.5 / 28), box.y + box.height * (2.5 / 28));
    const sel = await answerSelect(p, s, n);
    assert.deepEqual([sel.layer, sel.neuron], [1, 2 * 28 + 3]);
    assert.match(await p.text('.layer-table >> nth=0'), /57\s/);

    // Render time of a step (the latency target is step → painted p95 ≤ 16 ms; see the benchmark).
    const large = await measure(p, s, 30);
    console.log(`784-128-10: ${large}; ${circles} circles`);
    await p.page.screenshot({ path: join(artifacts, 'panel-784-128-10.png'), fullPage: true });

    const m = await open({ profile: true });
    const mazur = await Session.mazur();
    await m.send(mazur.message());
    console.log(`Mazur 2-2-2: ${await measure(m, mazur, 9)}`);
    await assertClean(p);
    await assertClean(m);
  });
});
