// The export commands inside a real VS Code (both extension hosts): Save Trained Network As… from a
// debug session's current parameters, Export Training Trace… as JSON Lines (from a file and from a
// session's position) and as CSV files, Export as NumPy Script…. Targets are passed as arguments, so
// no dialog opens; files are written through workspace.fs into the workspace copy of examples/.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, examplesUri, host, waitFor, workspaceFolder } from './util';

let stops = 0;
let tracker: vscode.Disposable | undefined;

async function read(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

function session(): vscode.DebugSession {
  const s = vscode.debug.activeDebugSession;
  assert.ok(s && s.type === 'backprop', 'a backprop debug session is active');
  return s;
}

async function next(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const before = stops;
    await session().customRequest('next', { threadId: 1 });
    await waitFor(() => stops > before, 15_000, 'a stop after next');
  }
}

async function startMazur(): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(examplesUri('mazur.backprop.json'));
  await vscode.window.showTextDocument(doc);
  const before = stops;
  const ok = await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'Mazur exports', network: '${file}', stopOnEntry: true });
  assert.strictEqual(ok, true, 'startDebugging succeeded');
  await waitFor(() => stops > before, 20_000, 'the stop on entry');
}

async function stopSession(): Promise<void> {
  const s = vscode.debug.activeDebugSession;
  if (!s) return;
  const ended = new Promise<void>((resolve) => {
    const d = vscode.debug.onDidTerminateDebugSession(() => {
      d.dispose();
      resolve();
    });
  });
  await vscode.debug.stopDebugging(s);
  await Promise.race([ended, new Promise((r) => setTimeout(r, 5000))]);
}

interface Rec {
  kind: string;
  layer?: number;
  z?: number[][];
  weights?: number[][];
}

suite(`exports (${host} extension host)`, () => {
  suiteSetup(async () => {
    await activateExtension();
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('backprop', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type === 'event' && m.event === 'stopped') stops++;
        },
      }),
    });
  });
  suiteTeardown(() => tracker?.dispose());
  teardown(stopSession);

  test('Save Trained Network As… writes the debug session’s parameters after one step: a valid file with w³₁₁ = 0.35891648', async () => {
    await startMazur();
    await next(9); // forward ×2, loss, δ ×2, gradients ×2, updates ×2: the one mini-batch is done
    const target = examplesUri('out/mazur.trained.backprop.json');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('backprop.exportNetwork', target);
    assert.ok(written, 'the command returned the written file');
    assert.strictEqual(written.toString(), target.toString());
    // The extension's own validator (the engine's, as the Problems panel uses it) finds nothing.
    const diagnostics = await vscode.commands.executeCommand<unknown[] | undefined>('backprop.validateNetwork', target);
    assert.deepStrictEqual(diagnostics, [], 'the saved file validates with no problems');
    const saved = JSON.parse(await read(target)) as { name: string; layers: { weights?: number[][]; biases?: number[] }[] };
    assert.strictEqual(saved.name, 'Mazur 2-2-2 (trained, epoch 1)');
    assert.strictEqual(saved.layers[2].weights?.[0][0], 0.35891647971788465);
    assert.strictEqual(saved.layers[1].weights?.[0][0], 0.1497807161327628);
    assert.deepStrictEqual(saved.layers[2].biases, [0.6, 0.6], 'biases were not trained');
    // The session is where it was: still at step 9.
    const position = (await session().customRequest('backprop/position')) as { step: number };
    assert.strictEqual(position.step, 9);
  });

  test('Export Training Trace… as JSON Lines from a network file: the whole run, first forward z² = (0.3775, 0.3925)', async () => {
    const target = examplesUri('out/mazur.trace.jsonl');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('backprop.exportTrace', target, { format: 'jsonl', source: examplesUri('mazur.backprop.json') });
    assert.ok(written);
    const records = (await read(target)).trim().split('\n').map((l) => JSON.parse(l) as Rec);
    assert.deepStrictEqual(records.map((r) => r.kind), ['header', 'batch', 'forward', 'forward', 'loss', 'delta', 'delta', 'gradient', 'gradient', 'update', 'update', 'epoch']);
    const forward = records.find((r) => r.kind === 'forward');
    assert.ok(forward?.z);
    assert.strictEqual(forward.layer, 2);
    assert.strictEqual(forward.z[0][0], 0.3775);
    assert.ok(Math.abs(forward.z[0][1] - 0.3925) < 1e-15);
    assert.strictEqual(records.find((r) => r.kind === 'update' && r.layer === 3)?.weights?.[0][0], 0.35891647971788465);
  });

  test('Export Training Trace… from a debug session stops at its current step; CSV writes one file per quantity', async () => {
    await startMazur();
    await next(3); // forward 2, forward 3, loss
    const jsonl = examplesUri('out/mazur.partial.jsonl');
    await vscode.commands.executeCommand('backprop.exportTrace', jsonl, { format: 'jsonl' });
    const records = (await read(jsonl)).trim().split('\n').map((l) => JSON.parse(l) as Rec);
    assert.deepStrictEqual(records.map((r) => r.kind), ['header', 'batch', 'forward', 'forward', 'loss']);

    const folder = examplesUri('out/mazur-trace');
    await vscode.commands.executeCommand('backprop.exportTrace', folder, { format: 'csv' });
    const names = (await vscode.workspace.fs.readDirectory(folder)).map(([n]) => n).sort();
    assert.deepStrictEqual(names, ['W.csv', 'a.csv', 'b.csv', 'cost.csv', 'loss.csv', 't.csv', 'x.csv', 'z.csv']);
    const z = (await read(vscode.Uri.joinPath(folder, 'z.csv'))).trim().split('\n');
    assert.deepStrictEqual(z.slice(0, 2), ['step,epoch,batch,example,layer,j,k,value', '1,1,1,0,2,1,,0.3775']);
    assert.strictEqual((await read(vscode.Uri.joinPath(folder, 'loss.csv'))).trim().split('\n')[1], '3,1,1,,,,,0.2983711087600027');
  });

  test('Export as NumPy Script… writes a standalone script with the initial weights and the data', async () => {
    const target = examplesUri('out/mazur.py');
    await vscode.commands.executeCommand('backprop.exportNumpy', target, { source: examplesUri('mazur.backprop.json') });
    const script = await read(target);
    assert.match(script, /^import numpy as np$/m);
    assert.match(script, /\[0\.15, 0\.2\],/);
    assert.match(script, /X_TRAIN = np\.array\(\[\n {4}\[0\.05, 0\.1\],/);
    assert.match(script, /BP1/);
    assert.match(script, /torch\.optim\.SGD/);
  });

  test('a file with errors is refused with a message, and nothing is written', async () => {
    const bad = examplesUri('out/bad.backprop.json');
    await vscode.workspace.fs.writeFile(bad, new TextEncoder().encode('{ "layers": [{ "size": 2 }], "loss": "mse", "data": { "builtin": "xor" } }'));
    const target = examplesUri('out/bad.py');
    const result = await vscode.commands.executeCommand<vscode.Uri | undefined>('backprop.exportNumpy', target, { source: bad });
    assert.strictEqual(result, undefined);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(target)));
  });
  test('a trace too large for the editor is refused at once (with the CLI to stream it), and nothing is written', async () => {
    const big = examplesUri('out/big.backprop.json');
    const network = { name: 'big', seed: 1, layers: [{ size: 64 }, { size: 256, activation: 'relu' }, { size: 10, activation: 'softmax' }], loss: 'cross-entropy', optimizer: { type: 'adam', learningRate: 0.001 }, training: { batchSize: 32, epochs: 50 }, data: { builtin: 'digits' } };
    await vscode.workspace.fs.writeFile(big, new TextEncoder().encode(JSON.stringify(network, null, 2)));
    const target = examplesUri('out/big.trace.jsonl');
    const t0 = Date.now();
    const result = await vscode.commands.executeCommand<vscode.Uri | undefined>('backprop.exportTrace', target, { format: 'jsonl', source: big });
    assert.strictEqual(result, undefined);
    assert.ok(Date.now() - t0 < 10_000, `refused in ${Date.now() - t0} ms, before training`);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(target)));
  });
});
