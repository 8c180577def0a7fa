// Bundles the integration test suites (test/integration/) for both extension hosts with esbuild. The
// extension itself is built by scripts/build.mjs. Output (git-ignored):
//   out/integration/node/index.js            mocha entry of the Node host (CJS; vscode and mocha external)
//   out/integration/node/suite/<name>.test.js one bundle per test/integration/suite/<name>.test.ts
//   out/integration/web/index.js             the web-worker host: mocha's browser build, the entry and every
//                                            suite in one bundle
// Every test/integration/suite/*.test.ts is picked up; nothing to register.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'test', 'integration');
const out = join(root, 'out', 'integration');
// INTEGRATION_SUITE_DIR=bench: bundle test/integration/bench/ instead (npm run bench:vscode).
const suiteDir = process.env.INTEGRATION_SUITE_DIR || 'suite';
const suites = readdirSync(join(src, suiteDir)).filter((f) => f.endsWith('.test.ts')).sort();
if (suites.length === 0) throw new Error(`no test/integration/${suiteDir}/*.test.ts`);

// INTEGRATION_GREP=<regexp>: only the tests whose full title matches (fixed into the bundles at build time).
const grep = JSON.stringify(process.env.INTEGRATION_GREP || '');
const common = {
  bundle: true, format: 'cjs', target: 'es2022', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root,
};
const node = { ...common, platform: 'node', external: ['vscode', 'mocha'], define: { __INTEGRATION_HOST__: '"node"', __INTEGRATION_GREP__: grep } };

// The web bundle's list of suites: a generated module, required by index.web.ts after mocha.setup().
const suitesModule = {
  name: 'integration-suites',
  setup(build) {
    build.onResolve({ filter: /^integration-suites:all$/ }, () => ({ path: 'all', namespace: 'integration-suites' }));
    build.onLoad({ filter: /.*/, namespace: 'integration-suites' }, () => ({
      contents: suites.map((f) => `import './${f.replace(/\.ts$/, '')}';`).join('\n'),
      resolveDir: join(src, suiteDir),
      loader: 'ts',
    }));
  },
};
const assertShim = join(src, 'shims', 'assert.ts');
const web = {
  ...common,
  platform: 'browser',
  external: ['vscode'],
  define: { __INTEGRATION_HOST__: '"web"', __INTEGRATION_GREP__: grep, global: 'globalThis' },
  alias: { assert: assertShim, 'node:assert': assertShim, 'assert/strict': assertShim, 'node:assert/strict': assertShim },
  plugins: [suitesModule],
};

rmSync(out, { recursive: true, force: true });
await Promise.all([
  esbuild.build({ ...node, entryPoints: [join(src, 'index.node.ts')], outfile: join(out, 'node', 'index.js') }),
  esbuild.build({ ...node, entryPoints: suites.map((f) => join(src, suiteDir, f)), outdir: join(out, 'node', 'suite') }),
  esbuild.build({ ...web, entryPoints: [join(src, 'index.web.ts')], outfile: join(out, 'web', 'index.js') }),
]);
console.log(`built integration tests: ${suites.length} suite file(s) (${suites.join(', ')}) for the node and web hosts` +
  (process.env.INTEGRATION_GREP ? `, only tests matching /${process.env.INTEGRATION_GREP}/` : ''));
