/**
 * Decisions of the extension that need no VS Code API (unit-tested in test/unit/extension-pure.test.ts):
 * what a `network` launch argument is, how CSV paths are split, where an engine diagnostic goes.
 * No `vscode` import here, and nothing from Node: this runs in the web-worker extension host too.
 */
import type { Diagnostic } from '../engine';

/** Network files are recognized by name (`*.backprop.json`, any case). */
export function isNetworkFileName(name: string): boolean {
  return /\.backprop\.json$/i.test(name);
}

/**
 * Is `s` a URI string (`file:///…`, `vscode-vfs://…`, `untitled:Untitled-1`)? A one-letter scheme is a
 * Windows drive letter (`C:\net.backprop.json`, `c:/net.backprop.json`), so a path, not a URI.
 */
export function isUriString(s: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  return m !== null && m[1].length > 1;
}

/** An absolute path: POSIX (`/…`), UNC (`\\server\…`) or a Windows drive (`C:\…`, `C:/…`). */
export function isAbsolutePath(s: string): boolean {
  return /^(?:\/|\\\\|[A-Za-z]:[\\/])/.test(s);
}

/** What a `network` launch argument names, and how the host must turn it into a URI. */
export type NetworkArgumentKind = 'uri' | 'absolute' | 'relative' | 'empty';

export function classifyNetworkArgument(network: unknown): NetworkArgumentKind {
  if (typeof network !== 'string' || network.trim() === '') return 'empty';
  if (isUriString(network)) return 'uri';
  return isAbsolutePath(network) ? 'absolute' : 'relative';
}

/** The URI parts the extension looks at (a `vscode.Uri` fits). */
export interface UriLike {
  readonly scheme: string;
  readonly path: string;
  readonly fsPath: string;
  toString(): string;
}

/**
 * The string form of a network file's location that the debug adapter receives as `network` and shows
 * in its `Source`s: the file-system path for `file:` URIs (desktop), the URI string for any other scheme
 * (the web host's `vscode-vfs:`, `vscode-test-web:`, remote file systems …).
 */
export function networkArgument(uri: UriLike): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

/**
 * Which open document a substituted absolute path means, when it is not a local file: in the web host
 * `${file}` becomes the document's path without its scheme (`/owner/repo/net.backprop.json`). Returns
 * the first candidate (pass the active editor's document first) whose `path` or `fsPath` is `network`.
 */
export function documentForPath<T extends UriLike>(network: string, candidates: readonly T[]): T | undefined {
  return candidates.find((u) => u.scheme !== 'file' && (u.path === network || u.fsPath === network));
}

/**
 * Path segments of a data file named relative to the network file (`data/iris.csv`, `..\shared\x.csv`),
 * for `Uri.joinPath(networkFolder, ...segments)`. Both separators are accepted, as the CLI does on Windows.
 */
export function relativeSegments(rel: string): string[] {
  return rel.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

/** The last segment of a path or URI path (`/a/b/xor.backprop.json` → `xor.backprop.json`). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((s) => s !== '');
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

/** 0-based line and character, as `vscode.Position`. */
export interface PositionLike {
  line: number;
  character: number;
}

export interface RangeLike {
  start: PositionLike;
  end: PositionLike;
}

/**
 * The range of an engine diagnostic in the text it is about: from `offset`/`length` through `positionAt`
 * when both are known (the text is open), else from the 1-based `line`/`column` (and `length` on that
 * line), else undefined (the diagnostic is not located).
 */
export function diagnosticRange(d: Diagnostic, positionAt?: (offset: number) => PositionLike): RangeLike | undefined {
  const length = Math.max(0, d.length ?? 0);
  if (d.offset !== undefined && positionAt) {
    const start = positionAt(Math.max(0, d.offset));
    const end = positionAt(Math.max(0, d.offset) + length);
    return { start, end };
  }
  if (d.line !== undefined) {
    const line = Math.max(0, d.line - 1);
    const character = Math.max(0, (d.column ?? 1) - 1);
    return { start: { line, character }, end: { line, character: character + length } };
  }
  return undefined;
}

/** The Problems-panel text: `layers[2].activation: unknown activation …` (the message alone for the whole file). */
export function diagnosticMessage(d: Diagnostic): string {
  return d.path ? `${d.path}: ${d.message}` : d.message;
}

/**
 * Is the diagnostic about another file than the network file (a CSV file's contents)? `networkFile` is
 * the name the network was loaded under (the engine copies it to the network file's diagnostics).
 */
export function isForeignDiagnostic(d: Diagnostic, networkFile: string): boolean {
  return d.file !== undefined && d.file !== networkFile;
}

export function countSeverities(ds: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of ds) {
    if (d.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}
