// A real debug session inside VS Code (both extension hosts): F5-style launch of the Mazur example,
// stepping, a line breakpoint set through VS Code's own breakpoint API, Variables over the real protocol,
// step back, and a malformed file in the Problems panel.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, examplesUri, host, waitFor, workspaceFolder } from './util';

interface StoppedBody {
  reason: string;
  description?: string;
}

const stops: StoppedBody[] = [];
const outputs: string[] = [];
let trackerRegistration: vscode.Disposable | undefined;

function session(): vscode.DebugSession {
  const s = vscode.debug.activeDebugSession;
  assert.ok(s && s.type === 'backprop', 'a backprop debug session is active');
  return s;
}

/** Send a stepping request and wait for the stop it causes. */
async function step(command: string, args: Record<string, unknown> = {}): Promise<StoppedBody> {
  const before = stops.length;
  await session().customRequest(command, { threadId: 1, ...args });
  await waitFor(() => stops.length > before, 15_000, `a stop after ${command}`);
  return stops[stops.length - 1];
}

async function position(): Promise<{ step: number; phase: string; layer: number | null }> {
  return session().customRequest('backprop/position');
}

/** Values of a vector in the current layer's scope, through stackTrace → scopes → variables. */
async function vector(name: string): Promise<number[]> {
  const s = session();
  const frames = (await s.customRequest('stackTrace', { threadId: 1 })) as { stackFrames: { id: number }[] };
  const scopes = (await s.customRequest('scopes', { frameId: frames.stackFrames[0].id })) as { scopes: { name: string; variablesReference: number }[] };
  // The current layer's scope (after the step's "with numbers" scope).
  const layer = scopes.scopes.find((x) => x.name.startsWith('Layer') && !x.name.endsWith('with numbers'));
  assert.ok(layer, scopes.scopes.map((x) => x.name).join(', '));
  const vars = (await s.customRequest('variables', { variablesReference: layer.variablesReference })) as { variables: { name: string; value: string; variablesReference: number }[] };
  const v = vars.variables.find((x) => x.name === name);
  assert.ok(v && v.variablesReference > 0, `${name} is expandable in ${layer.name}: ${vars.variables.map((x) => `${x.name}=${x.value}`).join('; ')}`);
  const items = (await s.customRequest('variables', { variablesReference: v.variablesReference })) as { variables: { value: string }[] };
  return items.variables.map((i) => Number(i.value));
}

function close(actual: number[], expected: number[], tol: number, what: string): void {
  assert.strictEqual(actual.length, expected.length, what);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `${what}[${i}] = ${a}, expected ${expected[i]}`));
}

async function startMazur(): Promise<void> {
  stops.length = 0;
  const doc = await vscode.workspace.openTextDocument(examplesUri('mazur.backprop.json'));
  await vscode.window.showTextDocument(doc);
  // As F5 does with no launch.json: `${file}` is the active network file.
  const ok = await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'Mazur', network: '${file}', stopOnEntry: true });
  assert.strictEqual(ok, true, 'startDebugging succeeded');
  await waitFor(() => stops.length > 0, 20_000, 'the stop on entry');
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

suite(`debugging Mazur 2-2-2 (${host} extension host)`, () => {
  suiteSetup(async () => {
    await activateExtension();
    trackerRegistration = vscode.debug.registerDebugAdapterTrackerFactory('backprop', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { output?: string } & StoppedBody }) => {
          if (m.type === 'event' && m.event === 'stopped' && m.body) stops.push(m.body);
          if (m.type === 'event' && m.event === 'output' && m.body?.output) outputs.push(m.body.output);
        },
      }),
    });
  });
  suiteTeardown(() => trackerRegistration?.dispose());
  teardown(async () => {
    await stopSession();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  test('a session on the example stops on entry; stepping advances the phase; Variables hold Mazur’s z, a and δ', async () => {
    await startMazur();
    assert.strictEqual(stops[0].reason, 'entry');
    assert.deepStrictEqual(await position().then((p) => [p.step, p.phase]), [0, 'start']);
    await step('next');
    assert.deepStrictEqual(await position().then((p) => [p.step, p.phase, p.layer]), [1, 'forward', 2]);
    close(await vector('z²'), [0.3775, 0.3925], 1e-12, 'z²');
    close(await vector('a²'), [0.593269992, 0.596884378], 1e-9, 'a²');
    // Hovering layer 2 in the network file shows its current values.
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', examplesUri('mazur.backprop.json'), new vscode.Position(7, 12));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /\*\*Layer 2\*\*/);
    assert.match(text, /\| z² \| \[0\.3775, 0\.3925\]/);
    await step('next');
    await step('next');
    assert.deepStrictEqual(await position().then((p) => [p.step, p.phase]), [3, 'loss']);
    await step('next');
    assert.deepStrictEqual(await position().then((p) => [p.step, p.phase, p.layer]), [4, 'delta', 3]);
    close(await vector('δ³'), [0.138498562, -0.038098236], 1e-9, 'δ³');
    await step('next');
    close(await vector('δ²'), [0.00877135468, 0.0099542547], 1e-11, 'δ²');
    // The editor shows the frame's line: the top frame points at layer 2's line of the file.
    const frames = (await session().customRequest('stackTrace', { threadId: 1 })) as { stackFrames: { line: number; name: string; source?: { name?: string } }[] };
    assert.strictEqual(frames.stackFrames[0].line, 8);
    assert.strictEqual(frames.stackFrames[0].name, 'δ² = ((W³)ᵀδ³) ⊙ σ′(z²)   (BP2)');
    assert.strictEqual(frames.stackFrames[0].source?.name, 'mazur.backprop.json');
  });

  test('the settings backprop.stepping.granularity and backprop.history.memoryMB apply to a launch that does not set them', async () => {
    const settings = vscode.workspace.getConfiguration('backprop');
    await settings.update('stepping.granularity', 'phase', vscode.ConfigurationTarget.Global);
    await settings.update('history.memoryMB', 16, vscode.ConfigurationTarget.Global);
    try {
      await startMazur();
      assert.strictEqual(session().configuration.granularity, 'phase');
      assert.strictEqual(session().configuration.historyMB, 16);
      // F10 by phase: the whole forward pass (layers 2 and 3) in one step.
      await step('next');
      assert.deepStrictEqual(await position().then((p) => [p.step, p.phase, p.layer]), [2, 'forward', 3]);
    } finally {
      await settings.update('stepping.granularity', undefined, vscode.ConfigurationTarget.Global);
      await settings.update('history.memoryMB', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('step back returns identical values', async () => {
    await startMazur();
    for (let i = 0; i < 4; i++) await step('next');
    const d3 = await vector('δ³');
    await step('next');
    await step('next');
    await step('stepBack');
    await step('stepBack');
    assert.strictEqual((await position()).step, 4);
    assert.deepStrictEqual(await vector('δ³'), d3);
  });

  test('a line breakpoint on a layer (set in VS Code) stops whenever that layer is computed', async () => {
    const uri = examplesUri('mazur.backprop.json');
    // Line 9 (0-based 8) declares layer 3.
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(8, 4)))]);
    await startMazur();
    let stop = await step('continue');
    assert.strictEqual(stop.reason, 'breakpoint');
    assert.deepStrictEqual(await position().then((p) => [p.step, p.phase, p.layer]), [2, 'forward', 3]);
    stop = await step('continue');
    assert.strictEqual(stop.reason, 'breakpoint');
    assert.deepStrictEqual(await position().then((p) => [p.step, p.phase, p.layer]), [4, 'delta', 3]);
    const result = (await session().customRequest('evaluate', { expression: 'max(abs(delta3))', context: 'watch' })) as { result: string };
    assert.ok(Math.abs(Number(result.result) - 0.138498562) < 1e-9, result.result);
  });

  test('the Backprop commands are registered and validation runs on a network file', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['backprop.debugNetwork', 'backprop.runNetwork', 'backprop.validateNetwork']) assert.ok(commands.includes(c), c);
    const result = await vscode.commands.executeCommand('backprop.validateNetwork', examplesUri('mazur.backprop.json'));
    assert.ok(Array.isArray(result), 'validateNetwork returns the diagnostics');
    assert.strictEqual((result as unknown[]).length, 0);
    // Step Through Network: a session that stops on entry.
    stops.length = 0;
    assert.strictEqual(await vscode.commands.executeCommand('backprop.debugNetwork', examplesUri('mazur.backprop.json')), true);
    await waitFor(() => stops.length > 0, 20_000, 'the stop on entry');
    assert.strictEqual(stops[0].reason, 'entry');
    await stopSession();
    // Run Network: trains to the end without stopping and ends the session, printing each epoch.
    stops.length = 0;
    outputs.length = 0;
    const ended = new Promise<void>((resolve) => {
      const d = vscode.debug.onDidTerminateDebugSession(() => {
        d.dispose();
        resolve();
      });
    });
    assert.strictEqual(await vscode.commands.executeCommand('backprop.runNetwork', examplesUri('xor.backprop.json')), true);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 30_000))]);
    assert.strictEqual(stops.length, 0, 'no stop when running');
    assert.ok(outputs.some((o) => /^epoch 2000\/2000: loss 0\.00\d+, accuracy 100\.0%/.test(o)), outputs.slice(-3).join(''));
  });

  test('CSV data is read through workspace.fs beside the network file (both hosts); a missing CSV is a located problem', async () => {
    const dir = examplesUri('csv-data');
    await vscode.workspace.fs.createDirectory(dir);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'points.csv'), new TextEncoder().encode('x1,x2,label\n0.05,0.10,b\n0.5,0.2,a\n'));
    const mazur = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(examplesUri('mazur.backprop.json')))) as Record<string, unknown>;
    const net = { ...mazur, description: undefined, data: { csv: 'points.csv', target: 'label' } };
    const uri = vscode.Uri.joinPath(dir, 'csv.backprop.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(JSON.stringify(net, null, 2)));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    stops.length = 0;
    assert.strictEqual(await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'csv', network: '${file}' }), true);
    await waitFor(() => stops.length > 0, 20_000, 'the stop on entry');
    await step('next');
    // The first CSV row is Mazur's input: z² = (0.3775, 0.3925).
    close(await vector('z²'), [0.3775, 0.3925], 1e-12, 'z² of the first row');
    await stopSession();
    // A CSV that is not there: the Problems panel names the file and the JSON path.
    const missing = vscode.Uri.joinPath(dir, 'missing.backprop.json');
    await vscode.workspace.fs.writeFile(missing, new TextEncoder().encode(JSON.stringify({ ...net, data: { csv: 'nowhere.csv', target: 'label' } }, null, 2)));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(missing));
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(missing).filter((x) => x.source === 'backprop' && x.severity === vscode.DiagnosticSeverity.Error);
      return d.length ? d : undefined;
    }, 15_000, 'a diagnostic for the missing CSV');
    assert.match(diags[0].message, /nowhere\.csv/);
    assert.match(diags[0].message, /not found/);
  });

  test('a malformed network file gets located diagnostics, and debugging it fails cleanly', async () => {
    const uri = examplesUri('broken.backprop.json');
    const good = new TextDecoder().decode(await vscode.workspace.fs.readFile(examplesUri('mazur.backprop.json')));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(good.replace('"activation": "sigmoid"', '"activation": "sigmod"')));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'backprop');
      return d.length ? d : undefined;
    }, 15_000, 'diagnostics for broken.backprop.json');
    assert.match(diags[0].message, /layers\[1\]\.activation: "sigmod" is not an activation; did you mean "sigmoid"\?/);
    assert.strictEqual(diags[0].range.start.line, 7);
    stops.length = 0;
    // Starting it is refused before any session exists (no modal dialog): the error message names the problem.
    const started = await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'broken', network: '${file}' });
    assert.strictEqual(started, false, 'no session for a file with errors');
    assert.strictEqual(stops.length, 0, 'no stop for a broken file');
    assert.strictEqual(vscode.debug.activeDebugSession, undefined);
    // The extension still works afterwards.
    await startMazur();
    assert.strictEqual(stops[0].reason, 'entry');
  });
});
