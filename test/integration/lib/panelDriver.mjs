/* global document -- the functions passed to frame.evaluate() run in the page */
// Real input into the stepper panel's webview, inside the real VS Code the suites run in: the mouse and the
// keyboard as Playwright sends them to the page (not messages made up by a test). It waits for a panel
// showing the network file drive-me.backprop.json (written by test/integration/suite/panel.test.ts), then:
//   click the Step button → press → (the panel's own key) → press → again (the focus must have come back
//   to the panel after the stop) → press F10 (VS Code's key, which the webview forwards to the workbench)
//   → wait, so a double step would show → click the panel, press ← (step back).
// Each action waits until the panel shows the step it expects. The suite checks the same sequence from
// the extension host (the steps the panel reports painted). Logs `[panel-driver] …` lines.
import { setTimeout as sleep } from 'node:timers/promises';

/** The webview frame showing the panel for the "drive me" network, or null. */
async function findPanel(page) {
  for (const f of page.frames()) {
    const title = await f.$('.title').catch(() => null);
    if (title && /drive-me\.backprop\.json/.test((await title.textContent().catch(() => '')) ?? '')) return f;
  }
  return null;
}

/** The step the panel shows ("STEP 3 of 10"), or -1. */
const shownStep = (frame) =>
  frame.evaluate(() => {
    const m = /step\s+(\d+)\s+of\s+\d+/i.exec(document.body.innerText);
    return m ? Number(m[1]) : -1;
  });

async function waitStep(frame, want, isDone) {
  for (let i = 0; i < 200 && !isDone(); i++) {
    if ((await shownStep(frame).catch(() => -1)) === want) return true;
    await sleep(100);
  }
  return false;
}

/**
 * Wait until the panel has held the keyboard focus for two polls in a row (VS Code focuses the editor at
 * each stop; the panel host gives the focus back after a step started in the panel): a person presses the
 * next key once the step is on screen, not within the same millisecond.
 */
async function settledFocus(frame, isDone) {
  let streak = 0;
  for (let i = 0; i < 40 && !isDone(); i++) {
    streak = (await frame.evaluate(() => document.hasFocus()).catch(() => false)) ? streak + 1 : 0;
    if (streak >= 2) return true;
    await sleep(150);
  }
  return false;
}

export async function drivePanel(page, log, isDone) {
  let frame = null;
  let tries = 0;
  while (!isDone() && !(frame = await findPanel(page))) {
    if (process.env.DRIVER_DEBUG && ++tries % 20 === 0) {
      for (const f of page.frames()) log('panel-driver', `frame ${f.url().slice(0, 50)}: ${await f.evaluate(() => document.body?.innerText.slice(0, 80)).catch((e) => 'ERR ' + e.message.slice(0, 80))}`);
    }
    await sleep(250);
  }
  if (!frame) return;
  log('panel-driver', `found the panel's webview frame (${frame.url().slice(0, 60)}…)`);
  const steps = [
    ['click the Step button', 1, () => frame.click('vscode-button[data-action="step"]')],
    // After the click the panel should hold the focus; if the stop took it (a slow machine), click into the
    // panel as a person would. (The next → is the one that checks the focus comes back by itself.)
    ['press → in the panel', 2, async () => {
      if (!(await settledFocus(frame, isDone))) { log('panel-driver', 'no focus after the click: clicking the panel'); await frame.click('.title'); }
      await page.keyboard.press('ArrowRight');
    }],
    ['press → again', 3, async () => { if (!(await settledFocus(frame, isDone))) log('panel-driver', 'the panel did not get the focus back'); await page.keyboard.press('ArrowRight'); }],
    ['press F10 in the panel', 4, async () => { await settledFocus(frame, isDone); await page.keyboard.press('F10'); }],
    ['press ← in the panel', 3, async () => { await sleep(1500); await frame.click('.title'); await page.keyboard.press('ArrowLeft'); }],
  ];
  if (!(await waitStep(frame, 0, isDone))) return log('panel-driver', 'the panel never showed step 0');
  for (const [what, want, act] of steps) {
    await act();
    const ok = await waitStep(frame, want, isDone);
    // The suite may finish (and close the page) as soon as it has seen the last step painted.
    if (!ok && isDone()) return;
    log('panel-driver', `${what}: ${ok ? `step ${want} shown` : `step ${want} NOT shown (shows ${await shownStep(frame).catch(() => '?')})`}`);
    if (process.env.DRIVER_DEBUG) {
      await sleep(600);
      const top = await page.evaluate(() => `${document.activeElement?.tagName}.${document.activeElement?.className}`.slice(0, 120));
      const inner = await frame.evaluate(() => `${document.hasFocus()} ${document.activeElement?.tagName}`).catch((e) => e.message);
      log('panel-driver', `focus: top=${top} panel=${inner}`);
    }
    if (!ok) return;
  }
}
