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
    assert.equal(await p.text('td[data-ref="a:2:0"]'), '0.593269992');
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
    assert.equal(await p.text('td[data-ref="delta:2:0"]'), '0.00877135469');
    assert.match(await p.text('.phase[aria-current="step"]'), /δ/);
    assert.equal(await p.page.locator('.phase[data-state="done"]').count(), 4);

    // Pointing at a number in the equation highlights its origin in the table and the diagram.
    const num = p.page.locator('.eq-substituted [data-ref="delta:3:0"]').first();
    assert.equal(await num.count(), 1, 'δ³₁ is a linked number in the equation');
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
    assert.equal(await p.text('td[data-ref="W:3:0:0"]'), '0.35891648');
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
});
