// `npm run package`: the .vsix that @vscode/vsce builds holds what the extension needs and nothing else —
// the bundles, the webview's assets, the schema, the examples, the icon, the marketplace README, CHANGELOG
// and licence; no sources, tests, source maps or node_modules — and stays small. Reads the real archive
// (its zip central directory) that `vsce package` writes. Needs `npm run build` first (npm test does it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  browser: string;
  icon: string;
  scripts: Record<string, string>;
  contributes: { walkthroughs?: { steps: { media: { markdown?: string; image?: string; svg?: string } }[] }[] };
};

interface Entry {
  name: string;
  compressed: number;
  size: number;
  method: number;
  offset: number;
}

/** The entries of a zip archive, from its end-of-central-directory record. */
function zipEntries(zip: Buffer): Entry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'not a zip archive (no end-of-central-directory record)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const nameLength = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    out.push({
      method: zip.readUInt16LE(p + 10),
      compressed: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      offset: zip.readUInt32LE(p + 42),
      name: zip.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + extra + comment;
  }
  return out;
}

function readEntry(zip: Buffer, e: Entry): Buffer {
  const start = e.offset + 30 + zip.readUInt16LE(e.offset + 26) + zip.readUInt16LE(e.offset + 28);
  const data = zip.subarray(start, start + e.compressed);
  return e.method === 0 ? data : inflateRawSync(data);
}

test('npm run package: the .vsix holds the bundles, assets, examples and documents, no sources, tests or dependencies, and is small', () => {
  assert.ok(existsSync(join(root, pkg.main.replace(/^\.\//, ''))), 'run `npm run build` first');
  assert.match(pkg.scripts.package, /vsce package/);
  const dir = mkdtempSync(join(tmpdir(), 'bps-vsix-'));
  try {
    const out = join(dir, 'backprop-stepper.vsix');
    // The package script's own vsce command line (after its build), written to a temporary file.
    const vsce = pkg.scripts.package.replace(/^.*?vsce package/, '').trim().split(/\s+/);
    const r = spawnSync(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', ...vsce, '-o', out], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const zip = readFileSync(out);
    const entries = zipEntries(zip);
    const names = entries.map((e) => e.name);
    const files = names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));

    // Nothing that does not ship.
    for (const f of files) {
      assert.doesNotMatch(f, /^(src|test|bench|scripts|webview|out|node_modules|\.vscode-test|\.playground)\//, f);
      assert.doesNotMatch(f, /\.(ts|map|mjs|tsbuildinfo|vsix)$/, f);
      assert.doesNotMatch(f, /(^|\/)(tsconfig|eslint|package-lock)/, f);
    }
    // What the manifest points at, and what the webview and the walkthrough load.
    const need = [pkg.main, pkg.browser, pkg.icon, 'dist/debugAdapter.js', 'dist/cli.js', 'dist/webview/main.js', 'dist/webview/main.css', 'schemas/backprop.schema.json', 'readme.md', 'changelog.md', 'LICENSE.txt', 'package.json', 'data/README.md'];
    for (const wt of pkg.contributes.walkthroughs ?? []) {
      for (const s of wt.steps) for (const m of [s.media.markdown, s.media.image, s.media.svg]) if (m) need.push(m);
    }
    for (const f of need) assert.ok(files.includes(f.replace(/^\.\//, '')), `the package lacks ${f}`);
    assert.ok(files.some((f) => /^dist\/webview\/fonts\/KaTeX_Main-Regular-.*\.woff2$/.test(f)), 'KaTeX fonts');
    for (const ex of readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.backprop.json'))) {
      assert.ok(files.includes(`examples/${ex}`), `example ${ex}`);
    }
    // The marketplace README is MARKETPLACE.md, and every image it shows is in the package.
    const readme = readEntry(zip, entries.find((e) => e.name === 'extension/readme.md')!).toString('utf8');
    assert.equal(readme, readFileSync(join(root, 'MARKETPLACE.md'), 'utf8'));
    for (const m of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(files.includes(m[1]), `README image ${m[1]}`);
    // Small: about 1.6 MB compressed today (bundles ~2.5 MB, screenshot, fonts).
    const total = entries.reduce((s, e) => s + e.compressed, 0);
    assert.ok(total < 3 * 1024 * 1024, `the package is ${(total / 1024 / 1024).toFixed(2)} MB compressed`);
    assert.ok(files.length < 90, `${files.length} files`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
