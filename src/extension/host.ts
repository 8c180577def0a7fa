/**
 * File access for the debug adapter and the diagnostics, through `vscode.workspace.fs` so that it works
 * in the desktop and in the web-worker extension host alike. An open document's text wins over the
 * file on disk (unsaved edits are what the user sees and what the Problems panel reports on).
 */
import * as vscode from 'vscode';
import type { AdapterHost } from '../debug/host';
import type { DataHost } from '../engine';
import { classifyNetworkArgument, isAbsolutePath, isUriString, networkArgument, relativeSegments } from './pure';

/** The URI of a `network` argument: a URI string as it is, a path as a local file. */
export function networkUri(network: string): vscode.Uri {
  return classifyNetworkArgument(network) === 'uri' ? vscode.Uri.parse(network) : vscode.Uri.file(network);
}

/** How to name a URI in messages: the path for local files, the readable URI otherwise. */
export function displayUri(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
}

/** A data file named in the network file at `network`: relative to its folder, or absolute, or a URI. */
export function dataUri(network: vscode.Uri, path: string): vscode.Uri {
  if (isUriString(path)) return vscode.Uri.parse(path);
  if (isAbsolutePath(path)) {
    return network.scheme === 'file' ? vscode.Uri.file(path) : network.with({ path: '/' + relativeSegments(path).join('/') });
  }
  return vscode.Uri.joinPath(network, '..', ...relativeSegments(path));
}

/** Why a read failed, in words: `file not found`, `it is a folder`, … */
function readFailure(e: unknown): string {
  const code = e instanceof vscode.FileSystemError ? e.code : '';
  const text = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  if (code === 'FileNotFound' || /EntryNotFound|FileNotFound|ENOENT/.test(text)) return 'file not found';
  if (code === 'FileIsADirectory' || /EntryIsADirectory|FileIsADirectory|EISDIR/.test(text)) return 'it is a folder, not a file';
  if (code === 'NoPermissions' || /NoPermissions|EACCES|EPERM/.test(text)) return 'permission denied';
  if (code === 'Unavailable' || /Unavailable/.test(text)) return 'the file system is unavailable';
  return e instanceof Error ? e.message : String(e);
}

/** The text of a file: the open document's when it is open, else the file's bytes as UTF-8. */
export async function readText(uri: vscode.Uri): Promise<string> {
  const key = uri.toString();
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  if (open) return open.getText();
  const bytes = await vscode.workspace.fs.readFile(uri);
  return new TextDecoder('utf-8').decode(bytes);
}

/** CSV access relative to the network file; `onRead` learns every data URI asked for (to re-check on change). */
export function workspaceDataHost(network: vscode.Uri, onRead?: (uri: vscode.Uri) => void): DataHost {
  return {
    async readText(path: string): Promise<string> {
      const uri = dataUri(network, path);
      onRead?.(uri);
      try {
        return await readText(uri);
      } catch (e) {
        throw new Error(`${readFailure(e)}: ${displayUri(uri)}`);
      }
    },
  };
}

/** The adapter's view of the workspace. */
export const workspaceAdapterHost: AdapterHost = {
  async readNetwork(network: string): Promise<string> {
    const uri = networkUri(network);
    try {
      return await readText(uri);
    } catch (e) {
      throw new Error(`cannot read ${displayUri(uri)}: ${readFailure(e)}`);
    }
  },
  dataHost(network: string): DataHost {
    return workspaceDataHost(networkUri(network));
  },
  sourcePath(network: string): string {
    return networkArgument(networkUri(network));
  },
};
