// Labs inside a real VS Code (both extension hosts): a session on examples/lab-mazur.backprop.json hides
// a²₁ in what the panel paints until the question is answered through the panel's message; the host grades
// it with the engine and replies; Copy Equation as LaTeX puts Mazur's equation on the clipboard; Export Lab
// Report writes the Markdown report (to a given Uri: the save dialog is refused in tests).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, examplesUri, host, waitFor, workspaceFolder } from './util';

interface PaintReport {
  summary: string;
  equation: string;
}
interface Posted {
  type: string;
  id?: number;
  ok?: boolean;
  question?: { id: string; status: string; feedback: string; expected: unknown };
  score?: { earned: number; total: number; answered: number; count: number };
  settings?: { precision: number; colorScale: string };
}
interface PanelApi {
  isOpen: boolean;
  onDidPaint(f: (r: PaintReport) => void): vscode.Disposable;
  onDidPost(f: (m: Posted) => void): vscode.Disposable;
  handleMessage(m: unknown): void;
  readonly displaySettings: { precision: number; colorScale: string };
  close(): void;
}

suite(`labs (${host} extension host)`, () => {
  let panel: PanelApi;
  const paints: PaintReport[] = [];
  const posts: Posted[] = [];
  const subs: vscode.Disposable[] = [];

  suiteSetup(async () => {
    const ext = await activateExtension();
    panel = (ext.exports as { panel: PanelApi }).panel;
    subs.push(
      panel.onDidPaint((r) => paints.push(r)),
      panel.onDidPost((m) => posts.push(m)),
    );
  });

  suiteTeardown(async () => {
    subs.forEach((d) => d.dispose());
    await vscode.workspace.getConfiguration('backprop').update('display.precision', undefined, vscode.ConfigurationTarget.Global);
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging(vscode.debug.activeDebugSession);
    panel?.close();
  });

  test('a lab: the asked value is not painted until answered; the host grades the answer; LaTeX and the report', async function () {
    this.timeout(90_000);
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging(vscode.debug.activeDebugSession);
    await waitFor(() => !vscode.debug.activeDebugSession, 10_000, 'no session');
    const doc = await vscode.workspace.openTextDocument(examplesUri('lab-mazur.backprop.json'));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    let cursor = paints.length;
    assert.strictEqual(await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'lab', network: '${file}', stopOnEntry: true }), true);
    await waitFor(() => panel.isOpen, 10_000, 'the panel to open');
    const painted = async (ok: (r: PaintReport) => boolean, what: string): Promise<PaintReport> => {
      const since = cursor;
      const hit = await waitFor(() => paints.slice(since).find(ok), 20_000, `${what} (painted: ${paints.slice(since).map((p) => `${p.summary} | ${p.equation.slice(0, 100)}`).join(' ;; ')})`);
      cursor = paints.indexOf(hit) + 1;
      return hit;
    };
    await painted((r) => /step 0\b/.test(r.summary), 'the entry step');

    // Step 1 computes a²₁ = 0.593269992, which the lab asks for: the panel paints the step without it.
    await vscode.commands.executeCommand('workbench.action.debug.stepOver');
    const hidden = await painted((r) => /step 1\b/.test(r.summary), 'step 1');
    assert.ok(!hidden.equation.includes('0.59326'), `a²₁ must not be painted: ${hidden.equation}`);
    assert.ok(hidden.equation.includes('question “forward” is hidden'), hidden.equation);

    // Copy LaTeX at the hidden step: the equation with a box where a²₁ goes.
    const boxed = (await vscode.commands.executeCommand('backprop.copyEquationLatex')) as string;
    assert.ok(boxed.includes('\\boxed{?}'), boxed);
    assert.strictEqual(await vscode.env.clipboard.readText(), boxed);

    // Answer through the panel's message: the host grades it with the engine and replies.
    const n = posts.length;
    panel.handleMessage({ type: 'answer', id: 41, question: 'forward', value: 0.5933 });
    const reply = await waitFor(() => posts.slice(n).find((m) => m.type === 'graded' && m.id === 41), 10_000, 'the graded reply');
    assert.strictEqual(reply.ok, true);
    assert.strictEqual(reply.question!.status, 'correct');
    assert.ok(/^Correct: a²₁ = 0\.593269992 \(you gave 0\.5933/.test(reply.question!.feedback), reply.question!.feedback);
    assert.deepStrictEqual(reply.score, { earned: 1, total: 6, answered: 1, count: 5 });
    // A malformed answer is dropped (no reply), a second answer refused.
    panel.handleMessage({ type: 'answer', id: 42, question: 'forward', value: 'lots' });
    panel.handleMessage({ type: 'answer', id: 43, question: 'forward', value: 0.6 });
    const again = await waitFor(() => posts.slice(n).find((m) => m.type === 'graded' && m.id === 43), 10_000, 'the refusal');
    assert.strictEqual(again.ok, false);
    assert.ok(!posts.slice(n).some((m) => m.id === 42), 'no reply to a malformed message');
    // Answered: the value is painted again.
    const shown = await painted((r) => /step 1\b/.test(r.summary) && r.equation.includes('0.593269992'), 'step 1 with a²₁ shown');
    assert.ok(shown.equation.includes('0.3775'), shown.equation);

    // Copy Equation as LaTeX: Mazur's forward equation with its numbers, no panel links.
    const tex = (await vscode.commands.executeCommand('backprop.copyEquationLatex')) as string;
    assert.strictEqual(await vscode.env.clipboard.readText(), tex);
    assert.ok(tex.startsWith('z^{2}_{1} = \\sum_k w^{2}_{1k} a^{1}_k + b^{2}_{1} = 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35 = 0.3775'), tex);
    assert.ok(tex.includes('a^{2}_{1} = \\sigma(0.3775) = 0.59327'), tex);
    assert.ok(!tex.includes('htmlData'), tex);

    // The precision setting reaches the panel (and the equation) live.
    const s = posts.length;
    await vscode.workspace.getConfiguration('backprop').update('display.precision', 7, vscode.ConfigurationTarget.Global);
    const settings = await waitFor(() => posts.slice(s).find((m) => m.type === 'settings'), 10_000, 'the settings message');
    assert.deepStrictEqual(settings.settings, { precision: 7, colorScale: 'diverging' });
    const seven = (await vscode.commands.executeCommand('backprop.copyEquationLatex')) as string;
    assert.ok(seven.includes('a^{2}_{1} = \\sigma(0.3775) = 0.593269992'), seven);

    // Export Lab Report (to a Uri in the workspace): Markdown with the answer, the verdict and the score.
    const target = examplesUri('lab-mazur.lab-report.md');
    const written = (await vscode.commands.executeCommand('backprop.exportLabReport', target)) as vscode.Uri | undefined;
    assert.ok(written, 'the report was written');
    const md = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    assert.ok(md.startsWith("# Lab report: Backpropagation by hand: Mazur's 2-2-2 network\n"), md.slice(0, 200));
    assert.ok(md.includes('| 1 | forward | a²₁ | 0.5933 | ✅ correct | 1/1 |'), md);
    assert.ok(md.includes('- Score: **1/6 points** (1 of 5 correct; 1 answered)'), md);
    assert.ok(md.includes('\\delta^{2}_{1} = \\Big(\\sum_k w^{3}_{k1}'), 'the BP2 equation');
    // The session is where it was.
    await vscode.commands.executeCommand('workbench.action.debug.stepOver');
    await painted((r) => /step 2\b/.test(r.summary), 'step 2 after the report');
  });
});
