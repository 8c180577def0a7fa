/**
 * What the debug adapter needs from where it runs: reading the network file and the data files it
 * names. The inline adapter in VS Code reads through `vscode.workspace.fs` (desktop and web); the
 * standalone stdio adapter reads from the local disk.
 */
import type { DataHost } from '../engine';

export interface AdapterHost {
  /** The text of the network file named by the launch attribute `network` (a path, or a URI string). */
  readNetwork(network: string): Promise<string>;
  /** Reads the files the network file names (CSV data), relative to the network file. */
  dataHost(network: string): DataHost;
  /**
   * The `path` to put in a DAP `Source` for the network file so the client opens the same document: a file
   * system path for local files; the URI string for other schemes (VS Code accepts both).
   */
  sourcePath(network: string): string;
}
