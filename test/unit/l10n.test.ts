// Translation readiness: every string the manifest shows is a %key% of package.nls.json (and every key is
// used); l10n/bundle.l10n.json holds exactly the vscode.l10n.t(...) strings of src/ (regenerate it with
// `npm run l10n`); and no message shown to people in src/extension is a bare literal.
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

test('l10n/bundle.l10n.json is the set of vscode.l10n.t strings in src/ (npm run l10n regenerates it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bps-l10n-'));
  try {
    const cli = join(root, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'export', '--outDir', dir, join(root, 'src')], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const fresh = JSON.parse(readFileSync(join(dir, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const committed = JSON.parse(read('l10n/bundle.l10n.json')) as Record<string, string>;
    assert.deepEqual(Object.keys(committed).sort(), Object.keys(fresh).sort(), 'l10n/bundle.l10n.json is out of date: run `npm run l10n`');
    assert.ok(Object.keys(fresh).length >= 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
