// `npm start` picks desktop VS Code when `code` is on PATH: a stand-in `code` records the command line it
// gets (the web path is driven end to end in a real browser by test/integration/startWeb.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('the playground npm start opens by default: a copy of examples/ without the $schema path, and edits survive a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bps-start-'));
  try {
    const record = join(dir, 'args.json');
    const code = join(dir, 'code');
    writeFileSync(code, `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(code, 0o755);
    const playground = join(dir, 'playground');
    const start = () => spawnSync(process.execPath, ['scripts/start.mjs', '--no-build'], {
      cwd: root,
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, BACKPROP_PLAYGROUND: playground },
      encoding: 'utf8',
    });
    const r = start();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(record, 'utf8'))[2], playground);
    const shipped = readdirSync(join(root, 'examples')).sort();
    assert.deepEqual(readdirSync(playground).sort(), shipped);
    for (const name of shipped.filter((f) => f.endsWith('.backprop.json'))) {
      const original = JSON.parse(readFileSync(join(root, 'examples', name), 'utf8')) as Record<string, unknown>;
      const copy = JSON.parse(readFileSync(join(playground, name), 'utf8')) as Record<string, unknown>;
      assert.ok(original.$schema, `${name} names its schema in the repository`);
      delete original.$schema;
      assert.deepEqual(copy, original, `${name}: the same network without "$schema"`);
    }
    writeFileSync(join(playground, 'xor.backprop.json'), '{"edited": true}');
    assert.equal(start().status, 0);
    assert.equal(readFileSync(join(playground, 'xor.backprop.json'), 'utf8'), '{"edited": true}', 'a restart keeps the edit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
