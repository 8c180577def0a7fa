/* global document */
// `npm start` as a new user meets it, on a machine without desktop VS Code: runs scripts/start.mjs --web
// (the README's main command, without the build, which `npm test` has done), reads the URL it prints,
// opens it in Debian's Chromium like a person would, opens mazur.backprop.json from the Explorer with the
// mouse, presses F5 and waits for the stepper panel to show the paused session (the first paused step).
// Then F10 and checks the panel's equation shows z²₁ = 0.3775 (Mazur's published value).
// Env: SCREENSHOT=<file.png> (the README's picture), VIEWPORT=WxH, KEEP_TEMP=1, VERBOSE=1.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finish, killGroup, launchChromium, log, makeWorkspace, onCleanup, repoRoot, startWatchdog, tempDir } from './lib/harness.mjs';

const TAG = 'npm start';
startWatchdog(180_000);
const t0 = Date.now();
const tmp = tempDir('bps-start-');
const workspace = makeWorkspace(tmp);
// As npm start's own playground: the copies without the "$schema" path into the repository.
for (const name of readdirSync(workspace).filter((f) => f.endsWith('.backprop.json'))) {
  const file = join(workspace, name);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^\s*"\$schema":\s*"[^"]*",\r?\n/m, ''));
}

const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'start.mjs'), '--web', '--no-build', '--port', '0', '--folder', workspace], {
  cwd: repoRoot,
  detached: true,
  stdio: ['ignore', 'pipe', 'pipe'],
});
onCleanup(() => killGroup(child));
let output = '';
const url = await new Promise((res, rej) => {
  const onData = (d) => {
    output += d;
    if (process.env.VERBOSE) process.stdout.write(d);
    const m = /open (http:\/\/\S+?)\/?\s/.exec(output);
    if (m) res(m[1] + '/');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', (code) => rej(new Error(`scripts/start.mjs exited (${code}) before printing a URL:\n${output}`)));
});
log(TAG, `printed ${url}`);

const context = await launchChromium(tmp);
const page = context.pages()[0] ?? (await context.newPage());
page.on('pageerror', (e) => console.error(`[${TAG}:pageerror]`, e.message));
const fail = async (why) => {
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT }).catch(() => {});
  await finish(1, `${TAG}: ${why}`);
};

try {
  await page.goto(url);
  // The Explorer lists the examples folder; open Mazur's network with a click.
  const item = page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^mazur\.backprop\.json$/ }).first();
  await item.waitFor({ timeout: 60_000 });
  await item.click();
  await page.locator('.tabs-container .tab', { hasText: /^mazur\.backprop\.json/ }).first().waitFor({ timeout: 20_000 });
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('F5');
  // The panel opens beside the file; its page is a frame nested in the webview's frame.
  const panelText = async () => {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => (document.querySelector('#phase-strip, .phase-strip, main') ? document.body.innerText : '')).catch(() => '');
      if (text && /epoch/i.test(text) && /Step/.test(text)) return text;
    }
    return '';
  };
  const waitPanel = async (ok, what, ms = 60_000) => {
    const end = Date.now() + ms;
    let last = '';
    while (Date.now() < end) {
      last = await panelText();
      if (ok(last)) return last;
      await page.waitForTimeout(250);
    }
    throw new Error(`${what}; the panel showed: ${last.slice(0, 400) || '(no panel)'}`);
  };
  await waitPanel((t) => /Before the first step/.test(t), 'F5 did not reach the first paused step');
  log(TAG, `first paused step shown in the panel ${((Date.now() - t0) / 1000).toFixed(1)} s after start`);
  await page.keyboard.press('F10');
  await waitPanel((t) => /0\.3775/.test(t), 'F10 did not show the forward pass of layer 2 (z²₁ = 0.3775)');
  log(TAG, 'F10: the panel shows z²₁ = 0.3775');
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
} catch (e) {
  await fail(e instanceof Error ? e.message : String(e));
}
log(TAG, `passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
await finish(0);
