// One build script for every bundle (esbuild) and the generated JSON Schema.
// Usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const LOAD_MARK = 'var __backpropLoadStart = globalThis.performance ? globalThis.performance.now() : Date.now();';

/** KaTeX's stylesheet with woff2 fonts only (every webview engine reads woff2), so no woff/ttf is copied. */
function katexWoff2Only() {
  return {
    name: 'katex-woff2-only',
    setup(build) {
      build.onLoad({ filter: /katex[\\/]dist[\\/]katex\.css$/ }, async (args) => {
        const css = await readFile(args.path, 'utf8');
        return { contents: css.replace(/,\s*url\([^)]*\.woff\) format\("woff"\)|,\s*url\([^)]*\.ttf\) format\("truetype"\)/g, ''), loader: 'css', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  // Headless CLI (Node).
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  // The engine alone for browsers / web workers: proves it has no Node or VS Code dependency.
  { entryPoints: ['src/engine/index.ts'], outfile: 'dist/engine.browser.mjs', platform: 'browser', format: 'esm' },
  // The engine for Node consumers (benchmarks, scripts).
  { entryPoints: ['src/engine/index.ts'], outfile: 'dist/engine.mjs', platform: 'node', format: 'esm' },
  // VS Code extension (desktop) and its web build, when present.
  // The banner notes when the bundle starts loading, so activation can report load + activate time.
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'], banner: { js: LOAD_MARK } },
  // The web worker has no Node built-ins: @vscode/debugadapter's `events` and `url` come from small stand-ins.
  {
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/web/extension.js',
    platform: 'browser',
    format: 'cjs',
    external: ['vscode'],
    banner: { js: LOAD_MARK },
    alias: { events: './src/extension/web/events.ts', url: './src/extension/web/url.ts' },
    define: { global: 'globalThis' },
  },
  { entryPoints: ['src/debug/standalone.ts'], outfile: 'dist/debugAdapter.js', platform: 'node', format: 'cjs' },
  // The panel: main.js, main.css (its styles + KaTeX's) and KaTeX's woff2 fonts under dist/webview/fonts/.
  // Always minified (with a source map): the page is loaded again each time the panel is shown after
  // being hidden, and 412 KB parse faster than 742 KB.
  {
    entryPoints: ['webview/main.ts'],
    minify: true,
    outfile: 'dist/webview/main.js',
    platform: 'browser',
    format: 'iife',
    loader: { '.woff2': 'file' },
    assetNames: 'fonts/[name]-[hash]',
    plugins: [katexWoff2Only()],
  },
].filter((b) => existsSync(join(root, b.entryPoints[0])));

// Prefer packages' ES module builds (jsonc-parser's UMD build cannot be bundled).
const common = { bundle: true, sourcemap: true, target: 'es2022', minify, logLevel: 'warning', absWorkingDir: root, mainFields: ['module', 'main'] };

async function emitSchema() {
  // The schema's single source is src/engine/spec.ts; bundle it to a temporary module and run it.
  const out = join(root, 'dist', 'schema-gen.mjs');
  await esbuild.build({ ...common, entryPoints: ['src/engine/spec.ts'], outfile: out, platform: 'node', format: 'esm', sourcemap: false });
  const { networkJsonSchema } = await import(out + '?t=' + Date.now());
  mkdirSync(join(root, 'schemas'), { recursive: true });
  writeFileSync(join(root, 'schemas', 'backprop.schema.json'), JSON.stringify(networkJsonSchema(), null, 2) + '\n');
}

await emitSchema();
if (watch) {
  for (const b of bundles) await (await esbuild.context({ ...common, ...b })).watch();
  console.log(`watching ${bundles.length} bundles`);
} else {
  await Promise.all(bundles.map((b) => esbuild.build({ ...common, ...b })));
  console.log(`built ${bundles.length} bundles and schemas/backprop.schema.json`);
}
