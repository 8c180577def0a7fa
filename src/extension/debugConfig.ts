/**
 * Launch configurations of type `backprop`: F5 without a launch.json, the dynamic list of the
 * workspace's network files, and turning the `network` attribute into the form the adapter reads
 * (a file-system path for local files, a URI string for other file systems).
 */
import * as vscode from 'vscode';
import { formatDiagnostic } from '../engine';
import { isNetworkDocument, type NetworkDiagnostics } from './diagnostics';
import { baseName, classifyNetworkArgument, documentForPath, networkArgument, relativeSegments } from './pure';

export const DEBUG_TYPE = 'backprop';
export const NETWORK_GLOB = '**/*.backprop.json';
export const EXCLUDE_GLOB = '**/node_modules/**';
const MAX_LISTED_FILES = 50;

/** The launch attributes of a `backprop` configuration (see `contributes.debuggers` in package.json). */
export interface BackpropLaunchConfiguration extends vscode.DebugConfiguration {
  /** The network file: a path (absolute, or relative to the workspace folder) or a URI string. */
  network?: string;
  stopOnEntry?: boolean;
  granularity?: 'neuron' | 'example' | 'layer' | 'phase' | 'batch' | 'epoch';
  seed?: number;
  epochs?: number;
  /** Memory for step-back checkpoints, MB. */
  historyMB?: number;
  noDebug?: boolean;
}

const GRANULARITY_SETTING = ['neuron', 'example', 'layer', 'phase', 'batch', 'epoch'];

/**
 * The settings a launch configuration does not set itself: `backprop.stepping.granularity` (what F10 does)
 * and `backprop.history.memoryMB` (step-back memory), read for the network file's folder.
 */
export function applySettings(config: vscode.DebugConfiguration, uri: vscode.Uri): void {
  const settings = vscode.workspace.getConfiguration('backprop', uri);
  const granularity = settings.get<string>('stepping.granularity');
  if (config.granularity === undefined && granularity !== undefined && GRANULARITY_SETTING.includes(granularity)) config.granularity = granularity;
  const mb = settings.get<number>('history.memoryMB');
  if (config.historyMB === undefined && typeof mb === 'number' && Number.isFinite(mb)) config.historyMB = Math.min(4096, Math.max(4, mb));
}

/** The active editor's document, when it is a network file. */
export function activeNetworkDocument(): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && isNetworkDocument(doc) ? doc : undefined;
}

/** A ready-to-launch configuration for one network file. */
export function launchConfiguration(uri: vscode.Uri, options: { noDebug?: boolean } = {}): BackpropLaunchConfiguration {
  const config: BackpropLaunchConfiguration = {
    type: DEBUG_TYPE,
    request: 'launch',
    name: options.noDebug ? vscode.l10n.t('Run {0}', baseName(uri.path)) : vscode.l10n.t('Step through {0}', baseName(uri.path)),
    network: networkArgument(uri),
    stopOnEntry: !options.noDebug,
  };
  if (options.noDebug) config.noDebug = true;
  return config;
}

export function showNothingToDebug(): void {
  void vscode.window.showErrorMessage(
    vscode.l10n.t(
      'Backprop Stepper: there is no network file to debug. Open a *.backprop.json file and press F5, or add a "backprop" launch configuration whose "network" names the file.',
    ),
  );
}

/**
 * The URI a substituted `network` attribute means. In the web host `${file}` becomes the document's
 * path without its scheme: an open document or a workspace folder with that path supplies the scheme.
 */
export function resolveNetworkUri(network: string, folder: vscode.WorkspaceFolder | undefined): vscode.Uri | undefined {
  switch (classifyNetworkArgument(network)) {
    case 'empty':
      return undefined;
    case 'uri':
      return vscode.Uri.parse(network);
    case 'relative': {
      const base = folder ?? vscode.workspace.workspaceFolders?.[0];
      return base ? vscode.Uri.joinPath(base.uri, ...relativeSegments(network)) : undefined;
    }
    case 'absolute': {
      const active = vscode.window.activeTextEditor?.document.uri;
      const candidates = [...(active ? [active] : []), ...vscode.workspace.textDocuments.map((d) => d.uri)];
      const doc = documentForPath(network, candidates);
      if (doc) return doc;
      const remoteFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme !== 'file');
      const owner = remoteFolders.find((f) => network === f.uri.path || network.startsWith(f.uri.path.replace(/\/?$/, '/')));
      return owner ? owner.uri.with({ path: network }) : vscode.Uri.file(network);
    }
  }
}

export class BackpropConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** With the Problems panel's checker, a network file with errors is reported instead of launched. */
  constructor(private readonly diagnostics?: NetworkDiagnostics) {}

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      // F5 with no launch.json: debug the active network file.
      const doc = activeNetworkDocument();
      if (!doc) {
        showNothingToDebug();
        return undefined;
      }
      // Keep what VS Code put there (`noDebug` for Run Without Debugging).
      return {
        ...config,
        type: DEBUG_TYPE,
        request: 'launch',
        name: vscode.l10n.t('Step through {0}', baseName(doc.uri.path)),
        // `${file}` for local files; other schemes by URI, since the web host's `${file}` drops the scheme
        // (and fails for schemes it does not know).
        network: doc.uri.scheme === 'file' ? '${file}' : networkArgument(doc.uri),
        stopOnEntry: true,
      };
    }
    config.type ||= DEBUG_TYPE;
    config.request ||= 'launch';
    config.name ||= vscode.l10n.t('Step through the network file');
    if (config.network === undefined || config.network === '') {
      if (!activeNetworkDocument()) {
        showNothingToDebug();
        return undefined;
      }
      config.network = '${file}';
    }
    if (config.stopOnEntry === undefined) config.stopOnEntry = true;
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const network: unknown = config.network;
    if (typeof network !== 'string') {
      showNothingToDebug();
      return undefined;
    }
    const uri = resolveNetworkUri(network, folder);
    if (!uri) {
      if (classifyNetworkArgument(network) === 'relative') {
        void vscode.window.showErrorMessage(
          vscode.l10n.t('Backprop Stepper: "network" is the relative path {0}, but no folder is open to resolve it against; give an absolute path or use ${file}.', JSON.stringify(network)),
        );
      } else showNothingToDebug();
      return undefined;
    }
    config.network = networkArgument(uri);
    applySettings(config, uri);
    // A file with errors does not start a session: the Problems panel says what to fix.
    if (this.diagnostics && (await this.hasErrors(uri))) return undefined;
    return config;
  }

  /** Checks the network file with the engine's validator; on errors, shows them and returns true. */
  private async hasErrors(uri: vscode.Uri): Promise<boolean> {
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(uri);
    } catch {
      return false; // the adapter reports a file it cannot read
    }
    if (!isNetworkDocument(doc)) return false;
    let result: Awaited<ReturnType<NetworkDiagnostics['check']>>;
    // Usually the Problems panel has checked this version already: its result is reused (no second load).
    for (let attempt = 0; attempt < 5 && result === undefined; attempt++) result = await this.diagnostics!.current(doc);
    const errors = (result ?? []).filter((d) => d.severity === 'error');
    if (errors.length === 0) return false;
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showErrorMessage(
      errors.length === 1
        ? vscode.l10n.t('Backprop Stepper: {0} has an error, so training cannot start: {1}', baseName(uri.path), formatDiagnostic({ ...errors[0], file: baseName(uri.path) }))
        : vscode.l10n.t('Backprop Stepper: {0} has {1} errors, so training cannot start (see the Problems panel). First: {2}', baseName(uri.path), errors.length, formatDiagnostic({ ...errors[0], file: baseName(uri.path) })),
    );
    return true;
  }
}

/** The "Backprop Stepper…" entries of the Run and Debug view: the current file, then each network file of the workspace. */
export class BackpropDynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(_folder: vscode.WorkspaceFolder | undefined, token?: vscode.CancellationToken): Promise<vscode.DebugConfiguration[]> {
    const configs: vscode.DebugConfiguration[] = [defaultLaunchConfiguration()];
    let files: vscode.Uri[] = [];
    try {
      files = await vscode.workspace.findFiles(NETWORK_GLOB, EXCLUDE_GLOB, MAX_LISTED_FILES, token);
    } catch {
      // No file search (e.g. no folder open): the current-file entry alone.
    }
    const named = files.map((uri) => ({ uri, label: vscode.workspace.asRelativePath(uri) })).sort((a, b) => a.label.localeCompare(b.label));
    for (const { uri, label } of named) configs.push({ ...launchConfiguration(uri), name: vscode.l10n.t('Step through {0}', label) });
    return configs;
  }
}

/** The configuration launch.json starts with (also in package.json's `initialConfigurations`). */
export function defaultLaunchConfiguration(): BackpropLaunchConfiguration {
  return { type: DEBUG_TYPE, request: 'launch', name: vscode.l10n.t('Step through the current network file'), network: '${file}', stopOnEntry: true };
}
