// Node extension host: the standard @vscode/test-electron entry. Runs out/integration/node/index.js (the
// mocha entry, built by scripts/build-tests.mjs) against the extension in this repo (dist/extension.js),
// with a temporary copy of examples/ opened as the workspace folder.
//
// Which VS Code runs it:
//   - VSCODE_EXECUTABLE_PATH=<a desktop VS Code binary>: that one (on headless Linux, under xvfb-run);
//   - VSCODE_VERSION=stable|insiders|<x.y.z>: test-electron downloads that version (needs the internet);
//   - neither: test/integration/vscode-shim/code, which runs code-server from the .vscode-test/ cache in
//     headless chromium (offline; installed by scripts/vscode-test-setup.mjs).
import { runTests } from '@vscode/test-electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  SETUP_HINT, childPids, finish, log, makeWorkspace, onCleanup, outDir, paths, repoRoot, startWatchdog, tempDir,
  timeoutMs,
} from './lib/harness.mjs';

const TAG = 'node-host';
const extensionTestsPath = join(outDir, 'node', 'index.js');
if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) await finish(2, 'no dist/extension.js: run `npm run build` first');
if (!existsSync(extensionTestsPath)) await finish(2, `no ${extensionTestsPath}: run \`node scripts/build-tests.mjs\` first`);

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH || undefined;
const version = process.env.VSCODE_VERSION || undefined;
if (!vscodeExecutablePath && !version) {
  vscodeExecutablePath = paths.shim;
  if (!existsSync(paths.codeServerEntry) || !existsSync(paths.node24)) await finish(2, `code-server is not installed: ${SETUP_HINT}`);
}

// The shim has its own (slightly shorter) limit and cleans up after itself; this one is the backstop, and
// also covers a real VS Code. On any exit, stop what runTests started (it does not expose its child).
startWatchdog(timeoutMs + 30_000);
onCleanup(async () => {
  for (const pid of childPids()) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
});

const tmp = tempDir('bps-node-host-');
const workspace = makeWorkspace(tmp);
log(TAG, `VS Code: ${vscodeExecutablePath ?? `download ${version}`}; workspace: ${workspace}`);
const t0 = Date.now();
try {
  await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath,
    vscodeExecutablePath,
    version,
    launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(tmp, 'user-data')}`],
    extensionTestsEnv: { MOCHA_COLOR: process.stdout.isTTY ? '1' : '0' },
  });
  log(TAG, `passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await finish(0);
} catch (err) {
  await finish(1, `[${TAG}] failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err instanceof Error ? err.message : err}`);
}
