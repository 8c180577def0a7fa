// `backprop-stepper grade`, run as users run it: the built bundle dist/cli.js in a child process, on the
// shipped lab (examples/lab-mazur.backprop.json) with answer files written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { expectedValues, loadNetwork, showNumber } from '../../src/engine';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();
const CLI = join(root, 'dist', 'cli.js');
const LAB = join(root, 'examples', 'lab-mazur.backprop.json');
const MAZUR = join(root, 'examples', 'mazur.backprop.json');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI)) assert.fail(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'backprop-grade-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const noStackTrace = (stderr: string): void => assert.doesNotMatch(stderr, /^\s+at /m, `stack trace on stderr:\n${stderr}`);

/** The lab's expected values, from the engine (not hard-coded). */
async function expected(): Promise<Record<string, number>> {
  const net = (await loadNetwork(readFileSync(LAB, 'utf8'), LAB)).network!;
  const v = expectedValues(net);
  return Object.fromEntries(net.exercise!.questions.map((q, i) => [q.id, v[i]]));
}

test('grade: every answer right → exit 0, a table with each question and the full score', async () => {
  const e = await expected();
  // Four significant digits, as a learner copies them from the panel.
  const answers = Object.fromEntries(Object.entries(e).map(([id, v]) => [id, Number(v.toPrecision(4))]));
  const r = cli('grade', LAB, file('right.json', JSON.stringify(answers)));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^Backpropagation by hand: Mazur's 2-2-2 network — .*lab-mazur\.backprop\.json$/);
  const row = (id: string) => lines.find((l) => new RegExp(`^\\s*\\d+\\s+${id}\\s`).test(l)) ?? assert.fail(`no row for ${id}:\n${r.stdout}`);
  assert.match(row('bp2'), /δ²₁\s+5\s+0\.00877135469\s+0\.008771\s+[−+]\S+\s+correct\s+1\/1/);
  assert.match(row('forward'), /a²₁\s+1\s+0\.593269992\s+0\.5933\s/);
  assert.match(row('bp4'), /∂C\/∂w³₁₁\s+6\s+0\.0821670406\s/);
  assert.match(row('update'), /w³₁₁\s+9\s+0\.35891648\s+0\.3589\s.*correct\s+2\/2/);
  assert.match(r.stdout, /Score: 6\/6 points \(5 of 5 correct\)/);
});

test('grade: wrong and missing answers → exit 1, how far off, the hint, the partial score', async () => {
  const e = await expected();
  const r = cli('grade', LAB, file('some.json', JSON.stringify({ forward: e.forward, bp2: e.bp2 * 1.01, update: null })));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /\bbp2\b.*WRONG\s+0\/1/);
  assert.match(r.stdout, /\bbp1\b.*—.*missing\s+0\/1/);
  const given = showNumber(e.bp2 * 1.01).replace('.', '\\.');
  assert.match(r.stdout, new RegExp(`3\\. bp2: Not quite: you gave ${given}, too high, off by 8\\.77e-5 \\(1 %\\); δ²₁ = 0\\.00877135469 \\(accepted within 0\\.2 %\\)\\. Hint: `));
  assert.match(r.stdout, /Score: 1\/6 points \(1 of 5 correct\)/);
});

test('grade --json: machine-readable results, the engine’s values', async () => {
  const e = await expected();
  const r = cli('grade', LAB, file('json.json', JSON.stringify({ bp1: 0.1385, bp4: 0.5 })), '--json');
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { title: string; questions: { id: string; status: string; expected: number; given: number | null; step: number; earned: number; symbol: string }[]; score: Record<string, number> };
  assert.equal(out.title, "Backpropagation by hand: Mazur's 2-2-2 network");
  assert.deepEqual(out.questions.map((q) => [q.id, q.status, q.step, q.symbol]), [
    ['forward', 'missing', 1, 'a²₁'],
    ['bp1', 'correct', 4, 'δ³₁'],
    ['bp2', 'missing', 5, 'δ²₁'],
    ['bp4', 'incorrect', 6, '∂C/∂w³₁₁'],
    ['update', 'missing', 9, 'w³₁₁'],
  ]);
  for (const q of out.questions) assert.equal(q.expected, e[q.id], q.id);
  assert.deepEqual(out.score, { earned: 1, total: 6, correct: 1, count: 5 });
});

test('grade: a malformed or missing answers file names the file, the JSON path and the fix (exit 2)', () => {
  const bad = file('bad.json', '{\n  "bp1": "0.1385",\n  "bp_2": 0.0087\n}');
  const r = cli('grade', LAB, bad);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  noStackTrace(r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines[0], `${bad}:2:10: error: bp1: the answer to "bp1" is a string ("0.1385"), not a number: write the number without quotes: 0.1385`);
  assert.equal(lines[1], `${bad}:3:3: error: bp_2: "bp_2" is not a question of this exercise; did you mean "bp2"?`);
  assert.match(lines[2], new RegExp(`^backprop-stepper: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: fix the answers file: a JSON object from question ids \\(forward, bp1, bp2, bp4, update\\) to numbers`));

  const syntax = cli('grade', LAB, file('syntax.json', '{"bp1": 0.1385,}'));
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, /syntax\.json:1:\d+: error: not valid JSON here/);

  const missing = cli('grade', LAB, join(dir, 'nope.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^backprop-stepper: cannot read ".*nope\.json": no such file\n$/);

  const noLab = cli('grade', MAZUR, bad);
  assert.equal(noLab.code, 2);
  assert.match(noLab.stderr, /mazur\.backprop\.json has no "exercise" section, so there is nothing to grade/);
  for (const x of [syntax, missing, noLab]) noStackTrace(x.stderr);
});

test('grade: usage errors (exit 2)', () => {
  const one = cli('grade', LAB);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /grade: expected the network file and the answers file, got only one file/);
  assert.equal(cli('grade', LAB, 'a.json', 'b.json').code, 2);
  assert.match(cli('grade', LAB, 'a.json', '--seed', '3').stderr, /grade does not take --seed/);
  assert.match(cli('train', LAB, '--json').stderr, /train does not take --json/);
  assert.match(cli('--help').stdout, /backprop-stepper grade <file> <answers\.json> \[--json\]/);
  assert.deepEqual(parseArgs(['grade', 'net.json', 'a.json', '--json']), { kind: 'grade', file: 'net.json', answers: 'a.json', json: true });
  assert.deepEqual(parseArgs(['grade', '--', 'net.json', '-a.json']), { kind: 'grade', file: 'net.json', answers: '-a.json', json: false });
});
