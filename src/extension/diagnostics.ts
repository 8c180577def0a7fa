/**
 * The Problems panel for network files: every open `*.backprop.json` document is parsed, validated,
 * its data loaded and the network resolved by the engine as the user types (debounced), and each
 * engine diagnostic becomes a `vscode.Diagnostic` on the network file or on the CSV file it is about.
 */
import { parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';
import { loadNetwork, nodeAtPath, type Diagnostic } from '../engine';
import { dataUri, displayUri, workspaceDataHost } from './host';
import { baseName, diagnosticMessage, diagnosticRange, isForeignDiagnostic, isNetworkFileName, type RangeLike } from './pure';

/** Beyond this many characters a file is not checked as the user types (parsing would stall the host). */
export const MAX_LIVE_CHARACTERS = 8_000_000;
const DEFAULT_DELAY_MS = 250;
/** Documents that are views of other files (diffs, output): never checked. */
const IGNORED_SCHEMES = new Set(['git', 'gitfs', 'output', 'vscode-scm', 'vscode-bulkeditpreview', 'merge-conflict.conflict-diff']);

export function isNetworkDocument(doc: vscode.TextDocument): boolean {
  return !IGNORED_SCHEMES.has(doc.uri.scheme) && isNetworkFileName(doc.uri.path);
}

const toRange = (r: RangeLike | undefined): vscode.Range =>
  r ? new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) : new vscode.Range(0, 0, 0, 0);

const toSeverity = (d: Diagnostic): vscode.DiagnosticSeverity =>
  d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;

function makeDiagnostic(d: Diagnostic, range: vscode.Range): vscode.Diagnostic {
  const out = new vscode.Diagnostic(range, diagnosticMessage(d), toSeverity(d));
  out.source = 'backprop';
  return out;
}

interface ForeignEntry {
  uri: vscode.Uri;
  diagnostics: vscode.Diagnostic[];
}

export class NetworkDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('backprop');
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per network document: the number of the latest check; an older check's result is dropped. */
  private readonly generations = new Map<string, number>();
  /** Per network document: the diagnostics it put on other files (CSV), by URI string. */
  private readonly foreign = new Map<string, Map<string, ForeignEntry>>();
  /** Per network document: the data files its last check read (re-check when one of them changes). */
  private readonly dependencies = new Map<string, Set<string>>();
  /** Per network document: the last published result and the document version it was computed for. */
  private readonly results = new Map<string, { version: number; diagnostics: Diagnostic[] }>();

  constructor(private readonly delayMs = DEFAULT_DELAY_MS) {
    const ws = vscode.workspace;
    this.subscriptions.push(
      this.collection,
      ws.onDidOpenTextDocument((doc) => this.documentChanged(doc)),
      ws.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.documentChanged(e.document);
      }),
      ws.onDidSaveTextDocument((doc) => this.documentChanged(doc)),
      ws.onDidCloseTextDocument((doc) => this.documentClosed(doc)),
    );
    for (const doc of ws.textDocuments) this.documentChanged(doc);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }

  /** A network file was edited (check it), or a data file that open network files read (check them). */
  private documentChanged(doc: vscode.TextDocument): void {
    if (isNetworkDocument(doc)) this.schedule(doc);
    const key = doc.uri.toString();
    for (const [network, deps] of this.dependencies) {
      if (!deps.has(key)) continue;
      this.results.delete(network);
      const networkDoc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === network);
      if (networkDoc) this.schedule(networkDoc);
    }
  }

  private documentClosed(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (isNetworkDocument(doc)) {
      this.cancel(key);
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      this.collection.delete(doc.uri);
      this.setForeign(key, new Map());
      this.dependencies.delete(key);
      this.generations.delete(key);
      this.results.delete(key);
    } else {
      // A closed data file is read from disk from now on, which may differ from its unsaved text.
      this.documentChanged(doc);
    }
  }

  private cancel(key: string): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(key);
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    this.cancel(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.check(doc).catch(() => undefined);
      }, this.delayMs),
    );
  }

  /**
   * Checks a network document now and publishes the result. Returns the engine's diagnostics, or
   * undefined when a later edit or check superseded this one. Never throws.
   */
  async check(doc: vscode.TextDocument): Promise<Diagnostic[] | undefined> {
    const key = doc.uri.toString();
    this.cancel(key);
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const current = () => this.generations.get(key) === generation && !doc.isClosed;

    const fileName = displayUri(doc.uri);
    let diagnostics: Diagnostic[];
    const read = new Set<string>();
    let text = '';
    try {
      text = doc.getText();
      if (text.length > MAX_LIVE_CHARACTERS) {
        const mb = (text.length / 1e6).toFixed(1);
        diagnostics = [
          {
            severity: 'warning',
            path: '',
            message: `this file is too large to check as you type (${mb} million characters); a network file this large is probably not one`,
            file: fileName,
            offset: 0,
            length: 0,
            line: 1,
            column: 1,
          },
        ];
      } else {
        const host = workspaceDataHost(doc.uri, (uri) => read.add(uri.toString()));
        diagnostics = (await loadNetwork(text, fileName, host)).diagnostics;
      }
    } catch (e) {
      diagnostics = [
        { severity: 'error', path: '', message: `internal error while checking the file (please report it): ${e instanceof Error ? e.message : String(e)}`, file: fileName },
      ];
    }
    if (!current()) return undefined;
    try {
      this.publish(doc, text, fileName, diagnostics);
    } catch {
      // Publishing is best effort; a failure here must not reach the extension host.
    }
    this.dependencies.set(key, read);
    this.results.set(key, { version: doc.version, diagnostics });
    return diagnostics;
  }

  /**
   * The diagnostics of the document as it is now: the last check's when it saw this version (and no data
   * file it read has changed since), else a new check. Undefined when superseded, as for `check`.
   */
  async current(doc: vscode.TextDocument): Promise<Diagnostic[] | undefined> {
    const last = this.results.get(doc.uri.toString());
    if (last && last.version === doc.version && !this.timers.has(doc.uri.toString())) return last.diagnostics;
    return this.check(doc);
  }

  private publish(doc: vscode.TextDocument, text: string, fileName: string, diagnostics: readonly Diagnostic[]): void {
    const own: vscode.Diagnostic[] = [];
    const foreign = new Map<string, ForeignEntry>();
    // The parse tree, built only when a CSV diagnostic needs its JSON path located in the network file.
    let tree: ReturnType<typeof parseTree> | null = null;
    const rangeOfPath = (path: string): vscode.Range => {
      if (tree === null) tree = parseTree(text) ?? undefined;
      const node = nodeAtPath(tree, path);
      return node ? new vscode.Range(doc.positionAt(node.offset), doc.positionAt(node.offset + node.length)) : new vscode.Range(0, 0, 0, 0);
    };
    for (const d of diagnostics) {
      if (!isForeignDiagnostic(d, fileName)) {
        own.push(makeDiagnostic(d, toRange(diagnosticRange(d, (o) => doc.positionAt(o)))));
        continue;
      }
      const uri = dataUri(doc.uri, d.file as string);
      const openData = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString());
      const range = diagnosticRange(d, openData ? (o) => openData.positionAt(o) : undefined);
      if (!range || isNetworkFileName(uri.path)) {
        // Not located in the data file (or the "data file" is a network file): show it where the network file names the data.
        own.push(makeDiagnostic(d, rangeOfPath(d.path || 'data')));
        continue;
      }
      const out = makeDiagnostic(d, toRange(range));
      out.relatedInformation = [
        new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, rangeOfPath(d.path || 'data')), `the data of ${baseName(doc.uri.path)}`),
      ];
      const k = uri.toString();
      const entry = foreign.get(k) ?? { uri, diagnostics: [] };
      entry.diagnostics.push(out);
      foreign.set(k, entry);
    }
    this.collection.set(doc.uri, own);
    this.setForeign(doc.uri.toString(), foreign);
  }

  /** Replaces what one network file reports on other files, merging with what other networks report there. */
  private setForeign(network: string, entries: Map<string, ForeignEntry>): void {
    const previous = this.foreign.get(network) ?? new Map<string, ForeignEntry>();
    if (entries.size > 0) this.foreign.set(network, entries);
    else this.foreign.delete(network);
    const touched = new Map<string, vscode.Uri>();
    for (const [k, e] of previous) touched.set(k, e.uri);
    for (const [k, e] of entries) touched.set(k, e.uri);
    for (const [k, uri] of touched) {
      const all: vscode.Diagnostic[] = [];
      for (const byFile of this.foreign.values()) all.push(...(byFile.get(k)?.diagnostics ?? []));
      if (all.length > 0) this.collection.set(uri, all);
      else this.collection.delete(uri);
    }
  }
}
