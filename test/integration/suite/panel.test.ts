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

  /** Wait for a paint after `since` whose equation satisfies `ok`. */
  const painted = (since: number, ok: (r: PaintReport) => boolean, what: string): Promise<PaintReport> =>
    waitFor(() => paints.slice(since).find(ok), 20_000, `${what} (painted so far: ${paints.slice(since).map((p) => `${p.summary} | ${p.equation.slice(0, 120)}`).join(' ;; ')})`);

  test('opens with a session and shows Mazur’s numbers as training steps', async () => {
    const doc = await vscode.workspace.openTextDocument(examplesUri('mazur.backprop.json'));
    await vscode.window.showTextDocument(doc);
    const started = await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'Mazur panel', network: '${file}', stopOnEntry: true });
    assert.strictEqual(started, true);
    await waitFor(() => panel.isOpen, 10_000, 'the panel to open with the session');
    // The ready handshake, then the stop on entry is painted.
    await painted(0, (r) => /step 0\b/.test(r.summary), 'the entry step painted');

    // Step (F10's command): forward through layer 2, z²₁ = 0.3775.
    let n = paints.length;
    await vscode.commands.executeCommand('workbench.action.debug.stepOver');
    const fwd = await painted(n, (r) => r.equation.includes('0.3775'), 'z²₁ = 0.3775 painted');
    assert.ok(fwd.equation.includes('0.593269992'), fwd.equation);
    assert.ok(fwd.at >= fwd.sentAt - 1 && fwd.at - fwd.sentAt < 10_000, `painted ${fwd.at - fwd.sentAt} ms after it was sent`);

    // Selecting neuron 2 of layer 2 (as a click in the diagram does) shows z²₂ = 0.3925.
    n = paints.length;
    panel.select({ layer: 2, neuron: 1 });
    await painted(n, (r) => r.equation.includes('0.3925'), 'z²₂ = 0.3925 painted');

    // On to δ² (BP2): forward 3, loss, δ³, δ².
    panel.select({ layer: 2, neuron: 0 });
    for (let i = 0; i < 4; i++) {
      n = paints.length;
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      await painted(n, (r) => new RegExp(`step ${i + 2}\\b`).test(r.summary), `step ${i + 2} painted`);
    }
    const d2 = panel.lastPainted!;
    assert.ok(d2.equation.includes('0.00877135469'), d2.equation);
    assert.ok(d2.equation.includes('0.138498562'), d2.equation);

    // Step back (the panel's ← button runs this command): z… the δ³ step again.
    n = paints.length;
    await vscode.commands.executeCommand('workbench.action.debug.stepBack');
    const back = await painted(n, (r) => /step 4\b/.test(r.summary), 'step 4 painted after step back');
    assert.ok(back.equation.includes('0.138498562'), back.equation);

    // The panel's own buttons, as the webview posts them: Step by phase finishes the δ phase (step 5), then
    // the gradient phase (step 7); Step Back by layer returns to step 6.
    panel.handleMessage({ type: 'granularity', granularity: 'phase' });
    n = paints.length;
    panel.handleMessage({ type: 'action', action: 'step' });
    await painted(n, (r) => /step 5\b/.test(r.summary), 'step 5 painted after the Step button');
    n = paints.length;
    panel.handleMessage({ type: 'action', action: 'step' });
    const grads = await painted(n, (r) => /step 7\b/.test(r.summary), 'step 7 (end of the gradient phase) painted');
    assert.ok(grads.equation.includes('∂C/∂w²₁₁'), grads.equation);
    panel.handleMessage({ type: 'granularity', granularity: 'layer' });
    n = paints.length;
    panel.handleMessage({ type: 'action', action: 'stepBack' });
    await painted(n, (r) => /step 6\b/.test(r.summary), 'step 6 painted after the Back button');
    // A malformed message from the webview is dropped: nothing steps.
    n = paints.length;
    panel.handleMessage({ type: 'action', action: 'format-disk' });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(paints.slice(n).every((p) => /step 6\b/.test(p.summary)), 'no step after a malformed message');
  });
});
