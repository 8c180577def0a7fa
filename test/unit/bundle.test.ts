// The engine's browser bundle (dist/engine.browser.mjs, built by `npm run build` before the tests):
// no Node built-ins or CommonJS requires, and it trains the Mazur network to the published number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const bundle = join(__dirname, '..', '..', 'dist', 'engine.browser.mjs');

test('the browser bundle imports nothing from Node and trains Mazur 2-2-2', async () => {
  assert.ok(existsSync(bundle), 'dist/engine.browser.mjs exists (run npm run build)');
  const code = readFileSync(bundle, 'utf8');
  assert.doesNotMatch(code, /\brequire\(/, 'no CommonJS require');
  assert.doesNotMatch(code, /from\s+["']node:/, 'no node: imports');
  const engine = await import(pathToFileURL(bundle).href);
  const text = readFileSync(join(__dirname, '..', '..', 'examples', 'mazur.backprop.json'), 'utf8');
  const { network, diagnostics } = await engine.loadNetwork(text, 'mazur.backprop.json');
  assert.deepEqual(diagnostics, []);
  const t = new engine.Trainer(network);
  t.run();
  assert.ok(Math.abs(t.epochResult(0).train.loss - 0.291027774) < 1e-9);
});
