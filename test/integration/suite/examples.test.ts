// Backprop: New Network from Example… inside a real VS Code (both extension hosts): the command reads the
// examples from the extension (workspace.fs on the extension's URI, also over HTTP in the web host), copies
// one into the workspace without its "$schema" path, opens it, never overwrites (a second copy is
// `-2`), and with stepThrough starts a session paused before the first step (the walkthrough's path).
// Arguments skip the quick pick and the save dialog.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, examplesUri, host, waitFor, workspaceFolder } from './util';

const COMMAND = 'backprop.newFromExample';

async function read(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

const fileName = (uri: vscode.Uri): string => uri.path.split('/').pop() ?? '';

/** The example as shipped (the workspace is a copy of examples/), without its "$schema". */
async function shipped(id: string): Promise<Record<string, unknown>> {
  const json = JSON.parse(await read(examplesUri(`${id}.backprop.json`))) as Record<string, unknown>;
  assert.ok(typeof json.$schema === 'string', `the shipped ${id} names its schema`);
  delete json.$schema;
  return json;
}

async function stopSession(s = vscode.debug.activeDebugSession): Promise<void> {
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

suite(`newFromExample (${host} extension host)`, () => {
  let folder: vscode.Uri;

  suiteSetup(async () => {
    await activateExtension();
    folder = vscode.Uri.joinPath(workspaceFolder().uri, `from-examples-${host}`);
    await vscode.workspace.fs.createDirectory(folder);
  });

  suiteTeardown(async () => {
    await stopSession();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('newFromExample copies an example into a folder, with its content, and opens it', async () => {
    const created = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, 'spiral', folder);
    assert.ok(created instanceof vscode.Uri, 'the command resolves to the new file');
    assert.strictEqual(created.toString(), vscode.Uri.joinPath(folder, 'spiral.backprop.json').toString());
    assert.ok(await exists(created), 'the file exists in the workspace');
    const text = await read(created);
    assert.ok(!text.includes('$schema'), 'no "$schema" path into the extension');
    assert.deepStrictEqual(JSON.parse(text), await shipped('spiral'), 'the example, field for field');
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.toString() === created.toString(), 10_000, 'the copy in the active editor');
    assert.strictEqual(vscode.window.activeTextEditor?.document.getText(), text);
  });

  test('newFromExample run twice does not overwrite: the second copy is -2', async () => {
    const first = vscode.Uri.joinPath(folder, 'momentum.backprop.json');
    const a = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, 'momentum', folder);
    assert.strictEqual(a?.toString(), first.toString());
    // Edit the first copy on disk: the second run must leave it alone.
    const edited = (await read(first)).replace('"epochs": 30', '"epochs": 31');
    await vscode.workspace.fs.writeFile(first, new TextEncoder().encode(edited));
    const b = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, 'momentum', folder);
    assert.ok(b instanceof vscode.Uri);
    assert.strictEqual(fileName(b), 'momentum-2.backprop.json');
    assert.strictEqual(await read(first), edited, 'the first copy is untouched');
    assert.deepStrictEqual(JSON.parse(await read(b)), await shipped('momentum'));
    const c = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, { example: 'momentum.backprop.json', target: first });
    assert.strictEqual(fileName(c!), 'momentum-3.backprop.json', 'a taken file as the target: the next free name beside it');
  });

  test('newFromExample with only an id: the workspace folder, next to the example of the same name', async () => {
    const original = await read(examplesUri('xor.backprop.json'));
    const created = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, 'xor');
    assert.ok(created instanceof vscode.Uri);
    assert.strictEqual(created.toString(), vscode.Uri.joinPath(workspaceFolder().uri, 'xor-2.backprop.json').toString());
    assert.strictEqual(await read(examplesUri('xor.backprop.json')), original, 'xor.backprop.json is not overwritten');
    assert.deepStrictEqual(JSON.parse(await read(created)), await shipped('xor'));
  });

  test('newFromExample refuses an unknown example', async () => {
    const created = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, 'no-such-example', folder);
    assert.strictEqual(created, undefined);
    assert.ok(!(await exists(vscode.Uri.joinPath(folder, 'no-such-example.backprop.json'))));
  });

  test('newFromExample with stepThrough pauses a session on the copy before its first step', async () => {
    const stopped: { reason: string; session: vscode.DebugSession }[] = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('backprop', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string } }) => {
          if (m.type === 'event' && m.event === 'stopped') stopped.push({ reason: m.body?.reason ?? '', session });
        },
      }),
    });
    let session: vscode.DebugSession | undefined;
    try {
      const t0 = Date.now();
      const created = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND, { example: 'high-lr', target: folder, stepThrough: true });
      assert.ok(created instanceof vscode.Uri);
      await waitFor(() => stopped.length > 0, 30_000, 'the stop on entry');
      session = stopped[0].session;
      assert.strictEqual(stopped[0].reason, 'entry');
      assert.strictEqual(session.type, 'backprop');
      assert.strictEqual(session.configuration.network, created.scheme === 'file' ? created.fsPath : created.toString(), 'the session debugs the copy');
      assert.ok(Date.now() - t0 < 30_000, 'paused within 30 s');
    } finally {
      tracker.dispose();
      await stopSession(session);
    }
  });
  test("the walkthrough's first link (as VS Code runs it) pauses Mazur's network before its first step", async () => {
    const ext = await activateExtension();
    const walkthroughs = (ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: { id: string; description: string }[] }[] } }).contributes.walkthroughs;
    const step = walkthroughs[0].steps[0];
    assert.strictEqual(step.id, 'openExample');
    // VS Code hands extensions their manifest with the %keys% already replaced by package.nls.json's text.
    const nls = JSON.parse(await read(vscode.Uri.joinPath(ext.extensionUri, 'package.nls.json'))) as Record<string, string>;
    assert.strictEqual(step.description, nls['walkthrough.gettingStarted.openExample.description'], 'the localized text');
    const description = step.description;
    const link = /\(command:(backprop\.newFromExample)\?([^)]+)\)/.exec(description ?? '');
    assert.ok(link, 'the first step links New Network from Example with arguments');
    const args = JSON.parse(decodeURIComponent(link[2])) as unknown;
    const stopped: vscode.DebugSession[] = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('backprop', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type === 'event' && m.event === 'stopped') stopped.push(session);
        },
      }),
    });
    try {
      const t0 = Date.now();
      // A command link with one JSON argument: VS Code passes it as the command's first argument.
      const created = await vscode.commands.executeCommand<vscode.Uri | undefined>(link[1], args);
      assert.ok(created instanceof vscode.Uri && /mazur(-\d+)?\.backprop\.json$/.test(created.path), 'a copy of Mazur\'s network');
      await waitFor(() => stopped.length > 0, 60_000, 'the stop before the first step');
      const ms = Date.now() - t0;
      console.log(`walkthrough link → paused before the first step: ${ms} ms (${host} host)`);
      assert.ok(ms < 60_000, 'under a minute');
      const frames = (await stopped[0].customRequest('stackTrace', { threadId: 1 })) as { stackFrames: { name: string }[] };
      assert.ok(frames.stackFrames.length > 0, 'a stack frame at the paused position');
    } finally {
      tracker.dispose();
      await stopSession(stopped[0]);
    }
  });
});
