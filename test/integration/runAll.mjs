// `npm run test:integration`: installs what is missing in .vscode-test/ (scripts/vscode-test-setup.mjs),
// bundles the suites (scripts/build-tests.mjs), then runs them in the Node extension host (runTest.mjs) and
// in the web extension host (runWebTests.mjs), then `npm start` in the browser (startWeb.mjs), one after the
// other; each runs even if an earlier one fails.
// Exits non-zero if anything failed. Expects the extension built (`npm run build`; `npm test` does it).
// Env: INTEGRATION_HOSTS=node|web (only one host), plus the runners' variables (see README.md here).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './lib/harness.mjs';

const steps = [
  { name: 'setup', args: [join(repoRoot, 'scripts', 'vscode-test-setup.mjs')], gate: true },
  { name: 'build', args: [join(repoRoot, 'scripts', 'build-tests.mjs')], gate: true },
  { name: 'node host', host: 'node', args: [join(repoRoot, 'test', 'integration', 'runTest.mjs')] },
  { name: 'web host', host: 'web', args: [join(repoRoot, 'test', 'integration', 'runWebTests.mjs')] },
  // `npm start` (web) as a user meets it: the URL it prints, opened in Chromium, a click, F5, F10.
  { name: 'npm start (web)', host: 'web', args: [join(repoRoot, 'test', 'integration', 'startWeb.mjs')] },
];
const only = process.env.INTEGRATION_HOSTS;

let current;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    current?.kill(sig); // the runner cleans up its children, then exits; so do we
    process.exitCode = 130;
  });
}
const results = [];
for (const step of steps) {
  if (step.host && only && only !== step.host) continue;
  if (process.exitCode === 130) break;
  const t0 = Date.now();
  const code = await new Promise((res) => {
    current = spawn(process.execPath, step.args, { stdio: 'inherit', cwd: repoRoot });
    current.on('exit', (c, s) => res(c ?? (s ? 1 : 0)));
    current.on('error', () => res(1));
  });
  current = undefined;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  results.push(`${step.name} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${secs} s`);
  if (code !== 0) {
    process.exitCode = process.exitCode || 1;
    if (step.gate) break;
  }
}
console.log(`\nintegration: ${results.join('; ')}`);
