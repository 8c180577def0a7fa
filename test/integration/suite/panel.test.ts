// The stepper panel inside a real VS Code (both extension hosts): it opens when a Backprop session starts,
// follows the session's steps (driven by VS Code's own debug commands, as the panel's buttons are), and
// the webview reports what it painted: Mazur's numbers in the equation it shows.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, examplesUri, host, waitFor, workspaceFolder } from './util';

interface PaintReport {
  seq: number;
  at: number;
  sentAt: number;
  equation: string;
  summary: string;
}
interface PanelApi {
  isOpen: boolean;
  lastPainted: PaintReport | undefined;
  onDidPaint(f: (r: PaintReport) => void): vscode.Disposable;
  select(s: Record<string, unknown>): void;
  handleMessage(m: unknown): void;
  close(): void;
}

suite(`stepper panel (${host} extension host)`, () => {
  let panel: PanelApi;
  const paints: PaintReport[] = [];
  let sub: vscode.Disposable | undefined;

  suiteSetup(async () => {
    const ext = await activateExtension();
    panel = (ext.exports as { panel: PanelApi }).panel;
    sub = panel.onDidPaint((r) => paints.push(r));
  });

  suiteTeardown(async () => {
    sub?.dispose();
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging(vscode.debug.activeDebugSession);
    panel?.close();
  });

  /** Paints before this index have been looked at. */
  let cursor = 0;
  /**
   * Wait for the next paint (after the last one found) that satisfies `ok`, and move past it. `act` (a step,
   * a selection) runs first; paints it causes are never missed, however fast they come.
   */
  const next = async (act: () => unknown, ok: (r: PaintReport) => boolean, what: string): Promise<PaintReport> => {
    await act();
    const since = cursor;
    const hit = await waitFor(() => paints.slice(since).find(ok), 20_000, `${what} (painted so far: ${paints.slice(since).map((p) => `${p.summary} | ${p.equation.slice(0, 120)}`).join(' ;; ')})`);
    cursor = paints.indexOf(hit) + 1;
    return hit;
  };
  const nothing = (): void => {};
  const stepOver = (): Thenable<unknown> => vscode.commands.executeCommand('workbench.action.debug.stepOver');

  test('opens with a session and shows Mazur’s numbers as training steps', async () => {
    const doc = await vscode.workspace.openTextDocument(examplesUri('mazur.backprop.json'));
    await vscode.window.showTextDocument(doc);
    const started = await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'Mazur panel', network: '${file}', stopOnEntry: true });
    assert.strictEqual(started, true);
    await waitFor(() => panel.isOpen, 10_000, 'the panel to open with the session');
    // The ready handshake, then the stop on entry is painted.
    await next(nothing, (r) => /step 0\b/.test(r.summary), 'the entry step painted');

    // Step (F10's command): forward through layer 2, z²₁ = 0.3775.
    const fwd = await next(stepOver, (r) => r.equation.includes('0.3775'), 'z²₁ = 0.3775 painted');
    assert.ok(fwd.equation.includes('0.593269992'), fwd.equation);
    assert.ok(fwd.at >= fwd.sentAt - 1 && fwd.at - fwd.sentAt < 10_000, `painted ${fwd.at - fwd.sentAt} ms after it was sent`);

    // Selecting neuron 2 of layer 2 (as a click in the diagram does) shows z²₂ = 0.3925.
    await next(() => panel.select({ layer: 2, neuron: 1 }), (r) => r.equation.includes('0.3925'), 'z²₂ = 0.3925 painted');

    // On to δ² (BP2): forward 3, loss, δ³, δ².
    panel.select({ layer: 2, neuron: 0 });
    for (let i = 0; i < 4; i++) await next(stepOver, (r) => new RegExp(`step ${i + 2}\\b`).test(r.summary), `step ${i + 2} painted`);
    const d2 = panel.lastPainted!;
    assert.ok(d2.equation.includes('0.00877135469'), d2.equation);
    assert.ok(d2.equation.includes('0.138498562'), d2.equation);

    // Step back (the panel's ← button runs this command): the δ³ step again.
    const back = await next(() => vscode.commands.executeCommand('workbench.action.debug.stepBack'), (r) => /step 4\b/.test(r.summary), 'step 4 painted after step back');
    assert.ok(back.equation.includes('0.138498562'), back.equation);

    // The panel's own buttons, as the webview posts them: Step by phase finishes the δ phase (step 5), then
    // the gradient phase (step 7); Step Back by layer returns to step 6.
    const post = (m: unknown) => (): void => panel.handleMessage(m);
    panel.handleMessage({ type: 'granularity', granularity: 'phase' });
    await next(post({ type: 'action', action: 'step' }), (r) => /step 5\b/.test(r.summary), 'step 5 painted after the Step button');
    const grads = await next(post({ type: 'action', action: 'step' }), (r) => /step 7\b/.test(r.summary), 'step 7 (end of the gradient phase) painted');
    assert.ok(grads.equation.includes('∂C/∂w²₁₁'), grads.equation);
    panel.handleMessage({ type: 'granularity', granularity: 'layer' });
    await next(post({ type: 'action', action: 'stepBack' }), (r) => /step 6\b/.test(r.summary), 'step 6 painted after the Back button');
    // A malformed message from the webview is dropped: nothing steps.
    const n = paints.length;
    panel.handleMessage({ type: 'action', action: 'format-disk' });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(paints.slice(n).every((p) => /step 6\b/.test(p.summary)), 'no step after a malformed message');
  });

  test('real mouse and keyboard in the webview (driven by the runner): Step button, →, → (focus kept), F10 step once each; ← steps back', async function () {
    this.timeout(90_000);
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging(vscode.debug.activeDebugSession);
    await waitFor(() => !vscode.debug.activeDebugSession, 10_000, 'the previous session to end');
    // The runner's driver (test/integration/lib/panelDriver.mjs) acts on the panel showing "drive me".
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(examplesUri('mazur.backprop.json'))).replace('"Mazur 2-2-2"', '"drive me"');
    const uri = examplesUri('drive-me.backprop.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    // In the first editor group: the panel (beside it) may hold the focus after the last test's steps.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), vscode.ViewColumn.One);
    cursor = paints.length;
    assert.strictEqual(await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'drive me', network: '${file}', stopOnEntry: true }), true);
    const stepOf = (r: PaintReport): number => Number(/step (\d+)\b/.exec(r.summary)?.[1] ?? -1);
    // The driver acts on its own; each wait takes the next paint of the step it expects.
    await next(nothing, (r) => stepOf(r) === 0, 'the entry step painted');
    await next(nothing, (r) => stepOf(r) === 1, 'step 1 after a click on the Step button');
    await next(nothing, (r) => stepOf(r) === 2, 'step 2 after → in the panel');
    await next(nothing, (r) => stepOf(r) === 3, 'step 3 after → again (the panel kept the focus through the stop)');
    await next(nothing, (r) => stepOf(r) === 4, 'step 4 after F10 in the panel (forwarded to VS Code)');
    // ← comes 1.5 s after F10: a second step from one F10 press would show as step 5 before it.
    const back = await next(nothing, (r) => stepOf(r) !== 4, 'the next step painted after F10');
    assert.strictEqual(stepOf(back), 3, `after F10 the next painted step is the step back to 3, not ${back.summary}`);
    assert.ok(back.equation.includes('0.298371109'), back.equation);
  });
});
