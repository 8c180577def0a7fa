/**
 * Teaching labs in VS Code: `Backprop: Export Lab Report…` (Markdown from src/debug/labReport.ts, saved with
 * the save dialog and workspace.fs, so it works in the web host too) and `Backprop: Copy Current Equation as
 * LaTeX` (the panel's substituted equation, also behind the panel's Copy LaTeX button).
 */
import * as vscode from 'vscode';
import { labReport } from '../debug/labReport';
import { networkUri } from './host';
import type { StepperPanel } from './panel';
import { baseName } from './pure';

export const LAB_COMMANDS = {
  exportLabReport: 'backprop.exportLabReport',
  copyEquationLatex: 'backprop.copyEquationLatex',
} as const;

/** `dir/lab-mazur.backprop.json` → `dir/lab-mazur.lab-report.md` (when the network file's location is known). */
function defaultReportUri(network: string | undefined, fileName: string): vscode.Uri | undefined {
  const name = `${baseName(fileName)}.lab-report.md`;
  try {
    if (network) return vscode.Uri.joinPath(networkUri(network), '..', name);
  } catch {
    // Not a usable location: fall back to the workspace folder.
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, name) : undefined;
}

/**
 * Writes the current session's lab report. `target` (a Uri, for tests and other extensions) skips the save
 * dialog. Resolves to where it was written, or undefined (no lab, cancelled, or the write failed).
 */
export async function exportLabReport(panel: StepperPanel, target?: unknown): Promise<vscode.Uri | undefined> {
  const lab = panel.lab;
  if (!lab) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Export Lab Report needs a paused Backprop debug session on a network file with an "exercise" section (for example examples/lab-mazur.backprop.json): open it and press F5.'),
    );
    return undefined;
  }
  let uri = target instanceof vscode.Uri ? target : undefined;
  if (!uri) {
    uri = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Export Lab Report'),
      saveLabel: vscode.l10n.t('Export'),
      defaultUri: defaultReportUri(lab.network, lab.fileName),
      filters: { [vscode.l10n.t('Markdown')]: ['md'] },
    });
    if (!uri) return undefined;
  }
  let text: string;
  try {
    text = labReport(lab.runtime, lab.answers, { fileName: lab.fileName, date: new Date().toISOString().slice(0, 16).replace('T', ' '), precision: panel.displaySettings.precision });
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not write the lab report: {0}', e instanceof Error ? e.message : String(e)));
    return undefined;
  }
  try {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not write the lab report to {0}: {1}. Choose a folder you can write to.', uri.toString(true), e instanceof Error ? e.message : String(e)));
    return undefined;
  }
  const open = vscode.l10n.t('Open');
  void vscode.window.showInformationMessage(vscode.l10n.t('Lab report written to {0}.', uri.toString(true)), open).then(async (choice) => {
    if (choice === open) await vscode.window.showTextDocument(uri);
  });
  return uri;
}

/** Copies the panel's current substituted equation (LaTeX, without the panel's links). Resolves to it, or undefined. */
export async function copyEquationLatex(panel: StepperPanel): Promise<string | undefined> {
  const tex = panel.equationLatex;
  if (tex === null) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No equation with numbers to copy: pause a Backprop debug session at a forward, loss, δ, gradient or update step.'));
    return undefined;
  }
  await vscode.env.clipboard.writeText(tex);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied the equation as LaTeX'), 3000);
  return tex;
}

export function registerLabCommands(panel: StepperPanel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(LAB_COMMANDS.exportLabReport, (target?: unknown) => exportLabReport(panel, target)),
    vscode.commands.registerCommand(LAB_COMMANDS.copyEquationLatex, () => copyEquationLatex(panel)),
  ];
}
