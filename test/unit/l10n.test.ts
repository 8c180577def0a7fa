// Translation readiness: every string the manifest shows is a %key% of package.nls.json (and every key is
// used); l10n/bundle.l10n.json holds exactly the l10n.t(...) strings of src/ and webview/ (regenerate it
// with `npm run l10n`); no message shown to people in src/extension is a bare literal; and the panel's
// webview writes no bare English text where it sets labels, titles and text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

test('package.json shows only %keys% of package.nls.json, and every key is used', () => {
  const manifest = read('package.json');
  const nls = JSON.parse(read('package.nls.json')) as Record<string, string>;
  const used = new Set([...manifest.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]));
  assert.ok(used.size > 30, `${used.size} keys`);
  for (const k of used) assert.ok(typeof nls[k] === 'string' && nls[k].length > 0, `package.nls.json lacks "${k}"`);
  for (const k of Object.keys(nls)) assert.ok(used.has(k), `package.nls.json has "${k}", which package.json does not use`);
  const pkg = JSON.parse(manifest) as { displayName: string; contributes: { commands: { title: string }[]; configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> } } };
  assert.match(pkg.displayName, /^%.+%$/);
  for (const c of pkg.contributes.commands) assert.match(c.title, /^%.+%$/, c.title);
  for (const [name, p] of Object.entries(pkg.contributes.configuration.properties)) assert.match(p.description ?? p.markdownDescription ?? '', /^%.+%$/, name);
});

/** A fresh export of src/ and webview/, as `npm run l10n` writes it. */
function freshExport(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'bps-l10n-'));
  try {
    const cli = join(root, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'export', '--outDir', dir, join(root, 'src'), join(root, 'webview')], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return JSON.parse(readFileSync(join(dir, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
let exported: Record<string, string> | undefined;
const fresh = (): Record<string, string> => (exported ??= freshExport());

test('l10n/bundle.l10n.json is the set of l10n.t strings in src/ and webview/ (npm run l10n regenerates it)', () => {
  assert.match(JSON.parse(read('package.json')).scripts.l10n, /--outDir \.\/l10n \.\/src \.\/webview$/);
  const committed = JSON.parse(read('l10n/bundle.l10n.json')) as Record<string, string>;
  assert.deepEqual(Object.keys(committed).sort(), Object.keys(fresh()).sort(), 'l10n/bundle.l10n.json is out of date: run `npm run l10n`');
  assert.ok(Object.keys(fresh()).length >= 200);
});

/** The webview's sources without their comment lines. */
const webviewFiles = (): [string, string][] =>
  readdirSync(join(root, 'webview'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, read(join('webview', f)).split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line)).join('\n')]);

test('every l10n.t message of the webview is exported (its file is marked for the exporter, the message is a literal)', () => {
  const bundle = fresh();
  const missing: string[] = [];
  let calls = 0;
  for (const [f, text] of webviewFiles()) {
    for (const m of text.matchAll(/\bl10n\.t\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\S))/g)) {
      calls++;
      const literal = m[1] ?? m[2];
      if (literal === undefined) {
        missing.push(`${f}: l10n.t(${text.slice(m.index + m[0].length - 1, m.index + m[0].length + 30)}… is not a quoted literal`);
        continue;
      }
      const message = literal.replace(/\\(.)/g, '$1');
      if (!(message in bundle)) missing.push(`${f}: "${message}" (does the file have \`import type * as _l10nExport from 'vscode'\`?)`);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(calls >= 200, `${calls} calls`);
});

test('the webview sets no bare English text, title, aria-label, alt, label or placeholder', () => {
  // A literal with a word in it, written straight into what people see or hear: each must go through l10n.t.
  const word = String.raw`\s*(['"\`])[^'"\`]*[A-Za-z]{2,}`;
  const patterns = [
    new RegExp(String.raw`\.(textContent|innerText|title|alt|placeholder)\s*=` + word),
    new RegExp(String.raw`(setAttribute|setAttr)\((\w+(\.\w+)*,\s*)?'(aria-label|aria-valuetext|title|alt|label|placeholder)',` + word),
    new RegExp(String.raw`setText\([^,]+,` + word),
    new RegExp(String.raw`['"]?\b(aria-label|aria-valuetext|title|alt|label|placeholder)['"]?:` + word),
    // A child of h(tag, {…}, 'text').
    new RegExp(String.raw`\bh\('[\w-]+',\s*\{[^{}]*\},` + word),
  ];
  const offenders: string[] = [];
  for (const [f, text] of webviewFiles())
    for (const line of text.split('\n')) {
      // Only bare literal text counts: drop the messages of l10n.t calls, then templates' substitutions (innermost first).
      let literal = line.replace(/\bl10n\.t\(\s*(['"])(?:(?!\1)[^\\]|\\.)*\1/g, 'l10n.t(');
      for (let before = ''; before !== literal; ) [before, literal] = [literal, literal.replace(/\$\{[^{}]*\}/g, '')];
      if (patterns.some((p) => p.test(literal))) offenders.push(`${f}: ${line.trim()}`);
    }
  assert.deepEqual(offenders, []);
});

test('messages shown to people in src/extension go through vscode.l10n.t', () => {
  const dir = join(root, 'src', 'extension');
  const offenders: string[] = [];
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    const shown = /\b(show(?:Error|Warning|Information)Message|showInputBox|showQuickPick|setStatusBarMessage)\(\s*(['"`])/g;
    for (const m of text.matchAll(shown)) offenders.push(`${f}: ${m[1]}(${text.slice(m.index + m[0].length - 1, m.index + m[0].length + 40)}…`);
    for (const m of text.matchAll(/\b(title|placeHolder|prompt|openLabel|saveLabel|detail):\s*(['"`])[A-Za-z]/g)) {
      // Property values shown in dialogs, quick picks and progress notifications.
      const line = text.slice(text.lastIndexOf('\n', m.index) + 1, text.indexOf('\n', m.index));
      if (!/l10n\.t/.test(line)) offenders.push(`${f}: ${line.trim()}`);
    }
  }
  assert.deepEqual(offenders, []);
});
