/**
 * The Backprop commands: step through or run a network file, validate it, and pick one (for the
 * `${command:pickNetwork}` variable of a launch configuration).
 */
import * as vscode from 'vscode';
import type { Diagnostic } from '../engine';
import { activeNetworkDocument, EXCLUDE_GLOB, launchConfiguration, NETWORK_GLOB, showNothingToDebug } from './debugConfig';
import { isNetworkDocument, type NetworkDiagnostics } from './diagnostics';
import { networkUri } from './host';
import { baseName, countSeverities, isNetworkFileName, networkArgument } from './pure';

export const COMMANDS = {
  debugNetwork: 'backprop.debugNetwork',
  runNetwork: 'backprop.runNetwork',
  validateNetwork: 'backprop.validateNetwork',
  pickNetwork: 'backprop.pickNetwork',
} as const;

/**
 * The network file a command is about: the `Uri` a menu passes (editor title, explorer), a path or URI
 * string (from another extension or a test), or else the active editor's network file.
 */
function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg !== '') return networkUri(arg);
  return activeNetworkDocument()?.uri;
}

/** Starts a `backprop` session on the file; resolves to whether it started. */
async function start(arg: unknown, noDebug: boolean): Promise<boolean> {
  const uri = targetUri(arg);
  if (!uri) {
    showNothingToDebug();
    return false;
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return vscode.debug.startDebugging(folder, launchConfiguration(uri, { noDebug }), noDebug ? { noDebug: true } : undefined);
}

/**
 * Checks the file now, shows the result ("no problems", or the Problems panel) and returns the
 * engine's diagnostics (undefined when there is no network file to check).
 */
async function validate(diagnostics: NetworkDiagnostics, arg: unknown): Promise<Diagnostic[] | undefined> {
  const uri = targetUri(arg);
  if (!uri || !isNetworkFileName(uri.path)) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: open a *.backprop.json file to validate it.'));
    return undefined;
  }
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: cannot open {0}: {1}', baseName(uri.path), e instanceof Error ? e.message : String(e)));
    return undefined;
  }
  if (!isNetworkDocument(doc)) return undefined;
  let result: Diagnostic[] | undefined;
  // A check is dropped when an edit arrives meanwhile; try again on the newer text.
  for (let attempt = 0; attempt < 5 && result === undefined; attempt++) result = await diagnostics.check(doc);
  if (result === undefined) return undefined;
  const name = baseName(uri.path);
  const { errors, warnings } = countSeverities(result);
  if (errors === 0 && warnings === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0}: No problems', name));
    return result;
  }
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  const parts: string[] = [];
  if (errors > 0) parts.push(errors === 1 ? vscode.l10n.t('1 error') : vscode.l10n.t('{0} errors', errors));
  if (warnings > 0) parts.push(warnings === 1 ? vscode.l10n.t('1 warning') : vscode.l10n.t('{0} warnings', warnings));
  const message = vscode.l10n.t('{0}: {1} (see the Problems panel)', name, parts.join(', '));
  if (errors > 0) void vscode.window.showErrorMessage(message);
  else void vscode.window.showWarningMessage(message);
  return result;
}

/** A quick pick of the workspace's network files; the chosen one as a `network` argument, or undefined. */
async function pickNetwork(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(NETWORK_GLOB, EXCLUDE_GLOB, 500);
  if (files.length === 0) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: there are no *.backprop.json files in the workspace.'));
    return undefined;
  }
  const items = files
    .map((uri) => ({ label: baseName(uri.path), description: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.description.localeCompare(b.description));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('The network file to step through'), matchOnDescription: true });
  return picked ? networkArgument(picked.uri) : undefined;
}

export function registerCommands(diagnostics: NetworkDiagnostics): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.debugNetwork, (arg?: unknown) => start(arg, false)),
    vscode.commands.registerCommand(COMMANDS.runNetwork, (arg?: unknown) => start(arg, true)),
    vscode.commands.registerCommand(COMMANDS.validateNetwork, (arg?: unknown) => validate(diagnostics, arg)),
    vscode.commands.registerCommand(COMMANDS.pickNetwork, () => pickNetwork()),
  ];
}
