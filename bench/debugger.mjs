// `npm run bench:debugger`: the debugger's latency over the real Debug Adapter Protocol.
//
//   node --import tsx bench/debugger.mjs [--steps N]   (tsx: the shared fixture test/fixtures/mnist-shaped.ts)
//
// Spawns the stdio adapter (dist/debugAdapter.js), launches an mnist-shaped network (784-128-10, batch 64,
// 1,024 synthetic examples in a CSV file, sigmoid/softmax, SGD) and times, from the client's side, each
// request until its `stopped` event arrives: Step Over (one layer step), Step Into (one neuron), Step Back,
// and the Variables round trip (stackTrace + scopes + variables of the current layer). Also the launch
// (initialize → stopped on entry, which includes reading and resolving the file). Prints a Markdown table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { mnistShapedCsv, mnistShapedNetwork } from '../test/fixtures/mnist-shaped.ts';

const args = process.argv.slice(2);
const STEPS = Number(args[args.indexOf('--steps') + 1] || 0) || 300;
const ADAPTER = resolve('dist/debugAdapter.js');

function quantile(a, q) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

// Synthetic mnist-shaped data: 784 inputs in [0, 1), a class 0…9 (deterministic LCG).
const dir = mkdtempSync(join(tmpdir(), 'bp-bench-dbg-'));
const csv = mnistShapedCsv();
writeFileSync(join(dir, 'mnist-shape.csv'), csv.text);
const network = join(dir, 'mnist-shape.backprop.json');
writeFileSync(network, JSON.stringify(mnistShapedNetwork({ csv: 'mnist-shape.csv', inputs: csv.columns, target: 'label' }, { batchSize: 64, epochs: 5 }), null, 2));

const dc = new DebugClient('node', ADAPTER, 'backprop');
await dc.start();
const stopped = () => dc.waitForEvent('stopped', 30000);

async function timed(request) {
  const t0 = performance.now();
  const s = stopped();
  await request();
  await s;
  return performance.now() - t0;
}

const t0 = performance.now();
const entry = stopped();
await Promise.all([dc.configurationSequence(), dc.launch({ network, stopOnEntry: true })]);
await entry;
const launchMs = performance.now() - t0;

const over = [];
const into = [];
const back = [];
const vars = [];
for (let i = 0; i < STEPS; i++) over.push(await timed(() => dc.nextRequest({ threadId: 1 })));
for (let i = 0; i < 50; i++) into.push(await timed(() => dc.stepInRequest({ threadId: 1 })));
for (let i = 0; i < 50; i++) back.push(await timed(() => dc.stepBackRequest({ threadId: 1 })));
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  const frames = await dc.stackTraceRequest({ threadId: 1 });
  const scopes = await dc.scopesRequest({ frameId: frames.body.stackFrames[0].id });
  await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  vars.push(performance.now() - t);
}
await dc.stop();
rmSync(dir, { recursive: true, force: true });

const row = (name, a) => `| ${name} | ${a.length} | ${quantile(a, 0.5).toFixed(2)} | ${quantile(a, 0.95).toFixed(2)} | ${Math.max(...a).toFixed(2)} |`;
console.log(`Debug adapter over DAP (stdio), mnist-shaped 784-128-10, batch 64, ${new Date().toISOString()}, Node ${process.version}`);
console.log('');
console.log(`Launch (initialize → stopped on entry, reading 1,024 CSV rows): ${launchMs.toFixed(0)} ms`);
console.log('');
console.log('| request → stopped (ms) | n | median | p95 | max |');
console.log('|---|---:|---:|---:|---:|');
console.log(row('Step Over (one layer step)', over));
console.log(row('Step Into (one neuron)', into));
console.log(row('Step Back (one neuron / layer step, exact replay)', back));
console.log(row('Variables (stackTrace + scopes + variables)', vars));
