// The body of the `code` shim (runs on Node 24): a VS Code command line as @vscode/test-electron passes it,
//   --extensionDevelopmentPath=<dir> --extensionTestsPath=<index.js> [<workspace folder>] [other flags]
// run for real in code-server (VS Code server + Node extension host) opened in headless Debian chromium.
// Exits with the code the tests' run() reports; 1 on timeout or when code-server or chromium fail.
// Env: CODE_SERVER_PORT (default: a free port), INTEGRATION_TIMEOUT_MS, VERBOSE=1 (server and page logs),
// SCREENSHOT=<file.png> (the workbench at the end), KEEP_TEMP=1.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clearTimeout, setInterval, setTimeout } from 'node:timers';
import {
  SETUP_HINT, finish, freePort, killGroup, launchChromium, log, onCleanup, paths, runInPage, startWatchdog, tempDir,
} from '../lib/harness.mjs';

const TAG = 'code-server';
const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const extDev = flag('extensionDevelopmentPath');
const extTests = flag('extensionTestsPath');
const folder = argv.find((a) => !a.startsWith('-'));
if (!extDev || !extTests) await finish(2, 'usage: code --extensionDevelopmentPath=<dir> --extensionTestsPath=<file> [folder]');
if (!existsSync(paths.codeServerEntry)) await finish(2, `no code-server at ${paths.codeServerEntry}: ${SETUP_HINT}`);

startWatchdog();
// If the runner that started us dies without stopping us, stop too (code-server and chromium with us).
const parent = process.ppid;
setInterval(() => process.ppid !== parent && finish(1, 'parent process gone'), 1000).unref();

const tmp = tempDir('bps-code-server-');
const port = await freePort(process.env.CODE_SERVER_PORT);
writeFileSync(join(tmp, 'config.yaml'), 'auth: none\n');
const cs = spawn(process.execPath, [paths.codeServerEntry,
  '--config', join(tmp, 'config.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
  '--user-data-dir', join(tmp, 'data'), '--extensions-dir', join(tmp, 'extensions'),
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  '--ignore-last-opened',
  // A built workbench honours the ?payload= (extensionDevelopmentPath, extensionTestsPath) only when the
  // server runs with the smoke-test driver enabled.
  '--vscode-option', 'enable-smoke-test-driver',
], {
  // Own process group: the extension host and watchers it forks are ended with it.
  detached: true,
  stdio: ['ignore', 'pipe', 'pipe'],
  // TMPDIR: code-server's IPC sockets; XDG_*: its config and state, all in the run's temporary folder.
  env: { ...process.env, XDG_CONFIG_HOME: tmp, XDG_DATA_HOME: tmp, TMPDIR: tmp },
});
onCleanup(() => killGroup(cs));

const serverLog = [];
await new Promise((res) => {
  const onOut = (d) => {
    const s = d.toString();
    serverLog.push(s);
    if (process.env.VERBOSE) process.stderr.write(`[${TAG}:server] ${s}`);
    if (/HTTP server listening/.test(s)) {
      clearTimeout(startTimer);
      res();
    }
  };
  cs.stdout.on('data', onOut);
  cs.stderr.on('data', onOut);
  cs.on('exit', (code, sig) => finish(1, `code-server exited (${sig ?? code}):\n${serverLog.join('')}`));
  const startTimer = setTimeout(() => finish(1, `code-server did not start in 60 s:\n${serverLog.join('')}`), 60_000);
});
log(TAG, `server on 127.0.0.1:${port}`);

const context = await launchChromium(tmp);
const remote = (p) => `vscode-remote://127.0.0.1:${port}${resolve(p)}`;
const payload = JSON.stringify([
  ['extensionDevelopmentPath', remote(extDev)], ['extensionTestsPath', remote(extTests)], ['skipWelcome', 'true'],
]);
const url = `http://127.0.0.1:${port}/?${folder ? `folder=${encodeURIComponent(resolve(folder))}&` : ''}` +
  `payload=${encodeURIComponent(payload)}`;
const code = await runInPage(context, url, TAG);
await finish(code);
