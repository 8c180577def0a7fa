// `npm start` picks desktop VS Code when `code` is on PATH: a stand-in `code` records the command line it
// gets (the web path is driven end to end in a real browser by test/integration/startWeb.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

test('npm start opens the examples in desktop VS Code with the extension under development when `code` is on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bps-start-'));
  try {
    const record = join(dir, 'args.json');
    const code = join(dir, 'code');
    writeFileSync(code, `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(code, 0o755);
    const folder = join(dir, 'ws');
    const r = spawnSync(process.execPath, ['scripts/start.mjs', '--no-build', '--folder', folder], {
      cwd: root,
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(record, 'utf8')), ['--new-window', `--extensionDevelopmentPath=${root}`, folder]);
    assert.match(r.stdout, /opening .* in VS Code/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm start -- --desktop without `code` on PATH says how to get it, and a bad option is named', () => {
  const r = spawnSync(process.execPath, ['scripts/start.mjs', '--no-build', '--desktop'], {
    cwd: root,
    env: { ...process.env, PATH: '/nonexistent' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /`code` is not on PATH .*--web/);
  const bad = spawnSync(process.execPath, ['scripts/start.mjs', '--no-build', '--prot', '3000'], { cwd: root, encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown option --prot/);
});
