/**
 * The export commands (docs/exports.md): the training trace as JSON Lines or CSV files, the trained
 * network as a new `*.backprop.json`, and a standalone NumPy script. The engine's pure exporters
 * (src/engine/export*.ts) produce the text; this file picks the source and the target and writes
 * through `vscode.workspace.fs` (no `fs`: it runs in the web-worker extension host too).
 *
 * Source: the active `backprop` debug session when there is one (the trace up to its current step,
 * the network with its current parameters), otherwise the active network file (trained headlessly,
 * in slices that yield to the extension host, with progress and Cancel).
 *
 * Each command takes optional arguments so that tests and other extensions can skip the dialogs:
 * `(target?: Uri, options?: { format?: 'jsonl' | 'csv', source?: Uri })`.
 */
import * as vscode from 'vscode';
import { VERSION } from '../cli/version';
import type { BackpropDebugSession } from '../debug/adapter';
import {
  ExportError,
  TraceCsv,
  Trainer,
  loadNetwork,
  formatDiagnostic,
  hasErrors,
  numpyFileName,
  numpyScript,
  relativePosixPath,
  traceRecordJson,
  traceRecords,
  estimateTraceChars,
  trainedFileName,
  trainedNetworkText,
  trainedPosition,
  type NetworkFile,
  type ResolvedNetwork,
  type TraceFormat,
} from '../engine';
import { activeNetworkDocument, DEBUG_TYPE } from './debugConfig';
import { dataUri, displayUri, networkUri, readText, workspaceDataHost } from './host';
import type { StepperPanel } from './panel';
import { baseName } from './pure';

export const EXPORT_COMMANDS = {
  exportTrace: 'backprop.exportTrace',
  exportNetwork: 'backprop.exportNetwork',
  exportNumpy: 'backprop.exportNumpy',
} as const;

const GENERATOR = `backprop-stepper ${VERSION}`;
/** Work between two yields to the extension host (ms). */
const SLICE_MS = 20;
/** The largest trace (characters) an export from VS Code builds in memory; the CLI streams larger ones. */
const TRACE_LIMIT_CHARS = 256 * 1024 * 1024;

export interface ExportOptions {
  format?: TraceFormat;
  /** The network file to export from (instead of the debug session or the active editor). */
  source?: vscode.Uri | string;
}

/** What an export starts from: a loaded network file, and the debug session's trainer when there is one. */
interface Source {
  uri: vscode.Uri;
  file: NetworkFile;
  net: ResolvedNetwork;
  /** The session's trainer (its current step and parameters), or null for a network file. */
  session: { trainer: Trainer; name: string } | null;
  epochs: number;
}

class Cancelled extends Error {}

const yieldToHost = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const now = (): number => (globalThis.performance ? globalThis.performance.now() : Date.now());

/** "mazur" of mazur.backprop.json. */
function stem(uri: vscode.Uri): string {
  return baseName(uri.path).replace(/\.backprop\.json$/i, '').replace(/\.json$/i, '');
}

function sibling(uri: vscode.Uri, name: string): vscode.Uri {
  return vscode.Uri.joinPath(uri, '..', name);
}

async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Exports {
  /** The inline adapters of running sessions, by session id. */
  private readonly adapters = new Map<string, BackpropDebugSession>();

  constructor(panel: StepperPanel) {
    // The inline adapter factory hands every session's adapter to the panel; learn them there too
    // (one engine per session: the exports read the session's own runtime, as the panel does).
    const register = panel.register.bind(panel);
    panel.register = (session, adapter) => {
      this.adapters.set(session.id, adapter);
      register(session, adapter);
    };
  }

  register(): vscode.Disposable[] {
    return [
      vscode.debug.onDidTerminateDebugSession((s) => this.adapters.delete(s.id)),
      vscode.commands.registerCommand(EXPORT_COMMANDS.exportTrace, (target?: unknown, options?: ExportOptions) => this.run(() => this.exportTrace(asUri(target), options ?? {}))),
      vscode.commands.registerCommand(EXPORT_COMMANDS.exportNetwork, (target?: unknown, options?: ExportOptions) => this.run(() => this.exportNetwork(asUri(target), options ?? {}))),
      vscode.commands.registerCommand(EXPORT_COMMANDS.exportNumpy, (target?: unknown, options?: ExportOptions) => this.run(() => this.exportNumpy(asUri(target), options ?? {}))),
    ];
  }

  /** Runs a command: refusals and failures become one error message (and the command returns undefined). */
  private async run(f: () => Promise<vscode.Uri | undefined>): Promise<vscode.Uri | undefined> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof Cancelled) return undefined;
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: {0}', message(e)));
      return undefined;
    }
  }

  /** The session to export from: the active backprop session when its adapter runs here, with a runtime. */
  private activeSession(): { session: vscode.DebugSession; adapter: BackpropDebugSession } | undefined {
    const s = vscode.debug.activeDebugSession;
    if (!s || s.type !== DEBUG_TYPE) return undefined;
    const adapter = this.adapters.get(s.id);
    return adapter?.currentRuntime ? { session: s, adapter } : undefined;
  }

  /** Loads the source network: the `source` option, else the debug session's file, else the active editor's. */
  private async source(options: ExportOptions, useSession: boolean): Promise<Source> {
    const active = useSession && options.source === undefined ? this.activeSession() : undefined;
    let uri: vscode.Uri | undefined;
    let text: string;
    let seed: number | undefined;
    if (active) {
      const runtime = active.adapter.currentRuntime!;
      uri = networkUri(String(active.session.configuration.network ?? runtime.fileName));
      text = runtime.text;
      seed = runtime.net.seed;
    } else {
      uri = options.source instanceof vscode.Uri ? options.source : typeof options.source === 'string' ? networkUri(options.source) : activeNetworkDocument()?.uri;
      if (!uri) throw new ExportError(vscode.l10n.t('open a *.backprop.json file (or start a Backprop debug session) to export it.'));
      try {
        text = await readText(uri);
      } catch (e) {
        throw new ExportError(vscode.l10n.t('cannot read {0}: {1}', displayUri(uri), message(e)));
      }
    }
    const loaded = await loadNetwork(text, baseName(uri.path), workspaceDataHost(uri), seed === undefined ? {} : { seed });
    if (!loaded.network || !loaded.file || hasErrors(loaded.diagnostics)) {
      const first = loaded.diagnostics.find((d) => d.severity === 'error');
      throw new ExportError(vscode.l10n.t('{0} has errors; fix them first (see the Problems panel): {1}', baseName(uri.path), first ? formatDiagnostic(first) : ''));
    }
    const trainer = active?.adapter.currentRuntime?.trainer;
    return {
      uri,
      file: loaded.file,
      net: loaded.network,
      session: trainer && active ? { trainer, name: active.session.name } : null,
      epochs: trainer ? trainer.epochs : loaded.network.training.epochs,
    };
  }

  private async saveDialog(defaultUri: vscode.Uri, title: string, filters?: Record<string, string[]>): Promise<vscode.Uri> {
    const uri = await vscode.window.showSaveDialog({ defaultUri, title, saveLabel: vscode.l10n.t('Export'), ...(filters ? { filters } : {}) });
    if (!uri) throw new Cancelled();
    return uri;
  }

  /** Runs `work` under a cancellable progress notification; `work` calls `tick(done)` between slices. */
  private progress<T>(title: string, total: number, work: (tick: (done: number) => Promise<void>) => Promise<T>): Promise<T> {
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        let shown = 0;
        let sliceStart = now();
        const tick = async (done: number): Promise<void> => {
          if (now() - sliceStart < SLICE_MS) return;
          const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
          if (pct - shown >= 1) {
            progress.report({ increment: pct - shown, message: `${Math.floor(pct)}%` });
            shown = pct;
          }
          await yieldToHost();
          if (token.isCancellationRequested) throw new Cancelled();
          sliceStart = now();
        };
        return work(tick);
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Export Training Trace…
  // ------------------------------------------------------------------------------------------

  private async exportTrace(target: vscode.Uri | undefined, options: ExportOptions): Promise<vscode.Uri | undefined> {
    const src = await this.source(options, true);
    let format = options.format;
    if (!format) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('JSON Lines'), description: vscode.l10n.t('one record per step, as backprop-stepper trace writes it'), format: 'jsonl' as const },
          { label: vscode.l10n.t('CSV'), description: vscode.l10n.t('a folder with one CSV file per quantity (z, a, delta, dW, db, W, b, loss, …)'), format: 'csv' as const },
        ],
        { placeHolder: vscode.l10n.t('Export the training trace as') },
      );
      if (!picked) return undefined;
      format = picked.format;
    }
    const lastStep = src.session ? src.session.trainer.step : undefined;
    if (lastStep === 0) throw new ExportError(vscode.l10n.t('the debug session has not run a step yet: step (F10) first, or stop the session to export the whole training of {0}.', baseName(src.uri.path)));
    // Refuse a trace too large to build in the editor's memory before asking where to put it.
    const estimate = estimateTraceChars(src.net, src.epochs, format, lastStep);
    if (estimate > TRACE_LIMIT_CHARS) {
      const mb = (x: number) => Math.round(x / (1024 * 1024)).toLocaleString('en-US');
      const file = baseName(src.uri.path);
      throw new ExportError(
        vscode.l10n.t(
          'the trace of {0} would be about {1} MB, more than the {2} MB an export from VS Code holds in memory. Export fewer steps (step a debug session to where you need the trace, then export from there) or fewer epochs, or stream it to a file with the CLI: backprop-stepper export {0} --format {3} --out <file>.',
          file,
          mb(estimate),
          mb(TRACE_LIMIT_CHARS),
          format,
        ),
      );
    }
    const name = format === 'jsonl' ? `${stem(src.uri)}.trace.jsonl` : `${stem(src.uri)}-trace`;
    target ??= await this.saveDialog(
      sibling(src.uri, name),
      format === 'jsonl' ? vscode.l10n.t('Save the training trace (JSON Lines)') : vscode.l10n.t('Folder for the CSV files (one per quantity)'),
      format === 'jsonl' ? { [vscode.l10n.t('JSON Lines')]: ['jsonl'] } : undefined,
    );
    // A fresh trainer replays the run (the same bits as the session's, which stays where it is).
    const t = new Trainer(src.net, { epochs: src.epochs, historyBytes: 4 * 1024 * 1024 });
    const last = lastStep ?? t.totalSteps;
    const title = src.session
      ? vscode.l10n.t('Exporting the trace of {0} up to step {1}', baseName(src.uri.path), last)
      : vscode.l10n.t('Training {0} and exporting its trace', baseName(src.uri.path));
    const dest = target;
    const stopped = await this.progress(title, last, async (tick) => {
      const traceOptions = { generator: GENERATOR, dataSpec: src.file.data, lastStep: last };
      let stop: string | null = null;
      if (format === 'jsonl') {
        const parts: string[] = [];
        for (const r of traceRecords(t, traceOptions)) {
          parts.push(traceRecordJson(r, src.net.optimizer, GENERATOR), '\n');
          if (r.kind === 'stopped') stop = vscode.l10n.t('training stopped at epoch {0}, batch {1}: the gradient of layer {2} is NaN or infinite', r.epoch, r.batch, r.layer);
          await tick(t.step);
        }
        await writeText(dest, parts.join(''));
      } else {
        const csv = new TraceCsv(src.net.optimizer);
        for (const r of traceRecords(t, traceOptions)) {
          csv.add(r);
          if (r.kind === 'stopped') stop = vscode.l10n.t('training stopped at epoch {0}, batch {1}: the gradient of layer {2} is NaN or infinite', r.epoch, r.batch, r.layer);
          await tick(t.step);
        }
        await vscode.workspace.fs.createDirectory(dest);
        for (const f of csv.files()) await writeText(vscode.Uri.joinPath(dest, f.name), f.text);
      }
      return stop;
    });
    const edited = src.session && src.session.trainer.firstStep > 0 ? ' ' + vscode.l10n.t('(Values edited during the session are not in it: the trace replays the file.)') : '';
    const what = format === 'jsonl' ? vscode.l10n.t('JSON Lines') : vscode.l10n.t('CSV files');
    const text = vscode.l10n.t('Exported the training trace of {0} ({1}, steps 1–{2}) to {3}.', baseName(src.uri.path), what, Math.min(last, t.step), baseName(dest.path)) + edited;
    if (stopped) void vscode.window.showWarningMessage(vscode.l10n.t('{0} {1}', text, stopped));
    else this.done(text, format === 'jsonl' ? dest : undefined);
    return dest;
  }

  // ------------------------------------------------------------------------------------------
  // Save Trained Network As…
  // ------------------------------------------------------------------------------------------

  private async exportNetwork(target: vscode.Uri | undefined, options: ExportOptions): Promise<vscode.Uri | undefined> {
    const src = await this.source(options, true);
    let trainer: Trainer;
    if (src.session) {
      trainer = src.session.trainer;
    } else {
      trainer = new Trainer(src.net, { epochs: src.epochs, historyBytes: 4 * 1024 * 1024 });
      const t = trainer;
      const stopped = await this.progress(vscode.l10n.t('Training {0}', baseName(src.uri.path)), t.totalSteps, async (tick) => {
        while (!t.finished) {
          const { stopped } = t.run(Math.max(1, t.stepsPerEpoch));
          if (stopped) return stopped;
          await tick(t.step);
        }
        return null;
      });
      if (stopped) throw new ExportError(vscode.l10n.t('training {0} stopped on a NaN or infinite gradient (layer {1}); nothing to save. Lower the learning rate or clip the gradients.', baseName(src.uri.path), stopped.layer ?? '?'));
    }
    target ??= await this.saveDialog(sibling(src.uri, trainedFileName(src.uri.path)), vscode.l10n.t('Save the trained network'), { [vscode.l10n.t('Network files')]: ['json'] });
    let csvPath: string | undefined;
    const data = src.file.data;
    if ('csv' in data) {
      const csv = dataUri(src.uri, data.csv);
      csvPath = csv.scheme === target.scheme && csv.authority === target.authority ? relativePosixPath(vscode.Uri.joinPath(target, '..').path, csv.path) : csv.toString();
    }
    const text = trainedNetworkText({ file: src.file, net: src.net, model: trainer.model, position: trainedPosition(trainer), sourceName: baseName(src.uri.path), ...(csvPath !== undefined ? { csvPath } : {}) });
    await writeText(target, text);
    const name = (JSON.parse(text) as { name: string }).name;
    this.done(vscode.l10n.t('Saved "{0}" ({1}) to {2}.', name, src.session ? vscode.l10n.t('the parameters of the debug session at step {0}', trainer.step) : vscode.l10n.t('trained to the end'), baseName(target.path)), target);
    return target;
  }

  // ------------------------------------------------------------------------------------------
  // Export as NumPy Script…
  // ------------------------------------------------------------------------------------------

  private async exportNumpy(target: vscode.Uri | undefined, options: ExportOptions): Promise<vscode.Uri | undefined> {
    // The script starts from the initial weights: the session only tells which file (and seed, epochs).
    const src = await this.source(options, true);
    target ??= await this.saveDialog(sibling(src.uri, numpyFileName(src.uri.path)), vscode.l10n.t('Save the NumPy script'), { Python: ['py'] });
    const scriptName = baseName(target.path);
    const result = numpyScript(src.net, { scriptName, sourceName: baseName(src.uri.path), generator: GENERATOR, epochs: src.epochs });
    await writeText(target, result.script);
    if (result.data) await writeText(sibling(target, result.data.name), result.data.text);
    this.done(
      result.data
        ? vscode.l10n.t('Wrote {0} and its data {1}: run python3 {0} (needs NumPy).', scriptName, result.data.name)
        : vscode.l10n.t('Wrote {0}: run python3 {0} (needs NumPy).', scriptName),
      target,
    );
    return target;
  }

  /** A non-modal success message with an Open button for a written file. */
  private done(text: string, open?: vscode.Uri): void {
    if (!open) {
      void vscode.window.showInformationMessage(text);
      return;
    }
    const openLabel = vscode.l10n.t('Open');
    void vscode.window.showInformationMessage(text, openLabel).then(async (choice) => {
      if (choice === openLabel) await vscode.window.showTextDocument(open);
    });
  }
}

function asUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg !== '') return networkUri(arg);
  return undefined;
}

/** Registers the three export commands (called once from activate). */
export function registerExports(panel: StepperPanel): vscode.Disposable[] {
  return new Exports(panel).register();
}
