/**
 * The stepper panel's host: one webview panel beside the network file, a view onto the active
 * `backprop` debug session (never a second engine). It follows the session's stops through a debug
 * adapter tracker, reads the state from the session's runtime (the adapter runs inline, in this
 * extension host) through `buildSnapshot`, and turns the panel's buttons into the debug toolbar's
 * own commands, so the panel, F10 and the toolbar always agree.
 *
 * Messages both ways are typed and validated (src/shared/protocol.ts); the page has a nonce CSP and
 * may load only the extension's dist/webview files (src/shared/panelHtml.ts).
 */
import * as vscode from 'vscode';
import type { BackpropDebugSession } from '../debug/adapter';
import type { QuestionResult } from '../engine';
import { answerQuestion, hiddenKeys } from '../debug/exerciseView';
import { buildSnapshot, checkGradient, plainLatex } from '../debug/panel';
import type { DebugRuntime } from '../debug/runtime';
import { makeNonce, panelHtml } from '../shared/panelHtml';
import {
  COLOR_SCALES,
  DEFAULT_SELECTION,
  DEFAULT_SETTINGS,
  MAX_PRECISION,
  MIN_PRECISION,
  parseFromWebview,
  parseSelection,
  refKey,
  type FromWebview,
  type PanelAction,
  type PanelSettings,
  type Selection,
  type ToWebview,
} from '../shared/protocol';
import { DEBUG_TYPE } from './debugConfig';
import { baseName } from './pure';

export const PANEL_VIEW_TYPE = 'backprop.stepper';
export const SHOW_PANEL_COMMAND = 'backprop.showPanel';

/** What the webview reported after putting a snapshot on screen (for tests and the latency benchmark). */
export interface PaintReport {
  seq: number;
  /** performance.timeOrigin + performance.now() in the webview when painted; sentAt the same clock in the host when sent. */
  at: number;
  sentAt: number;
  equation: string;
  summary: string;
  /** When the webview received the message and finished updating the DOM (same clock), when it says. */
  received?: number;
  rendered?: number;
}

const ACTION_COMMANDS: Record<PanelAction, string> = {
  step: 'workbench.action.debug.stepOver',
  stepInto: 'workbench.action.debug.stepInto',
  stepOut: 'workbench.action.debug.stepOut',
  stepBack: 'workbench.action.debug.stepBack',
  reverseContinue: 'workbench.action.debug.reverseContinue',
  continue: 'workbench.action.debug.continue',
  pause: 'workbench.action.debug.pause',
  restart: 'workbench.action.debug.restart',
};

/** The same actions as DAP requests, for a session that is not the focused one. */
const ACTION_REQUESTS: Record<PanelAction, string> = {
  step: 'next',
  stepInto: 'stepIn',
  stepOut: 'stepOut',
  stepBack: 'stepBack',
  reverseContinue: 'reverseContinue',
  continue: 'continue',
  pause: 'pause',
  restart: 'restart',
};

/** The panel's display settings (backprop.display.*), clamped to what the protocol allows. */
export function readDisplaySettings(): PanelSettings {
  const c = vscode.workspace.getConfiguration('backprop');
  const p = c.get<number>('display.precision', DEFAULT_SETTINGS.precision);
  const scale = c.get<string>('display.colorScale', DEFAULT_SETTINGS.colorScale);
  return {
    precision: typeof p === 'number' && Number.isFinite(p) ? Math.max(MIN_PRECISION, Math.min(MAX_PRECISION, Math.round(p))) : DEFAULT_SETTINGS.precision,
    colorScale: (COLOR_SCALES as readonly string[]).includes(scale) ? (scale as PanelSettings['colorScale']) : DEFAULT_SETTINGS.colorScale,
  };
}

/** A lab in progress: the session's runtime and the answers given in the panel so far. */
export interface LabSession {
  runtime: DebugRuntime;
  fileName: string;
  /** The network file as the launch configuration names it (a path or a URI), when known. */
  network?: string;
  answers: ReadonlyMap<string, QuestionResult>;
}

const now = (): number => (globalThis.performance ? globalThis.performance.timeOrigin + globalThis.performance.now() : Date.now());

/** If the webview does not report a paint within this time, the next snapshot is sent anyway. */
const PAINT_TIMEOUT_MS = 500;

export class StepperPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private seq = 0;
  private selection: Selection = { ...DEFAULT_SELECTION };
  /** Adapters by VS Code session id (the inline adapter factory registers them). */
  private readonly adapters = new Map<string, BackpropDebugSession>();
  private session: vscode.DebugSession | undefined;
  private running = false;
  /** A snapshot is on its way and not painted yet; another stop meanwhile sets `dirty`. */
  private inFlight: { seq: number; sentAt: number } | undefined;
  private dirty = false;
  private inFlightTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly paintListeners = new Set<(r: PaintReport) => void>();
  private lastPaint: PaintReport | undefined;
  /** When an action came from the panel while it had focus: give focus back after the stop it causes. */
  private refocusUntil = 0;
  /** Stops seen so far, the count when a panel action started, and the last snapshot sent before the latest stop. */
  private stops = 0;
  private stopsAtAction = 0;
  private seqAtStop = 0;
  /** Lab answers given in the panel, per debug session (kept while the session lives). */
  private readonly answers = new Map<string, Map<string, QuestionResult>>();
  private settings: PanelSettings = readDisplaySettings();
  private readonly postListeners = new Set<(m: ToWebview) => void>();

  constructor(private readonly extensionUri: vscode.Uri) {
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
        createDebugAdapterTracker: (session) => ({
          onWillReceiveMessage: (m: { type?: string; command?: string }) => {
            if (m.type === 'request' && (m.command === 'continue' || m.command === 'reverseContinue')) this.onRunning(session);
          },
          onDidSendMessage: (m: { type?: string; event?: string }) => {
            // A stop, or values changed in place (edit and continue sends `invalidated`).
            if (m.type === 'event' && (m.event === 'stopped' || m.event === 'invalidated')) this.onStopped(session);
          },
        }),
      }),
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type !== DEBUG_TYPE || s.configuration.noDebug) return;
        this.session = s;
        const auto = vscode.workspace.getConfiguration('backprop').get<boolean>('panel.openOnDebug', true);
        if (auto) this.show(true);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('backprop.display')) return;
        this.settings = readDisplaySettings();
        this.post({ type: 'settings', settings: this.settings });
        // The equation's digits come from the host.
        this.refresh();
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        this.adapters.delete(s.id);
        this.answers.delete(s.id);
        if (this.session?.id === s.id) {
          this.session = undefined;
          this.running = false;
          this.postIdle();
        }
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => {
        if (s && s.type === DEBUG_TYPE && this.adapters.has(s.id)) {
          this.session = s;
          this.refresh();
        }
      }),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          const saved = state && typeof state === 'object' ? parseSelection((state as { selection?: unknown }).selection) : undefined;
          if (saved?.ok) this.selection = saved.value;
          this.attach(panel);
        },
      }),
    );
  }

  /** Called by the adapter factory for every `backprop` session. */
  register(session: vscode.DebugSession, adapter: BackpropDebugSession): void {
    this.adapters.set(session.id, adapter);
    if (!this.session || this.session.id === session.id) this.session = session;
  }

  /** Open (or reveal) the panel beside the editor. */
  show(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, vscode.l10n.t('Backprop Stepper'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.webviewOptions());
    this.attach(panel);
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
      retainContextWhenHidden: false,
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = false;
    this.inFlight = undefined;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    panel.webview.options = this.webviewOptions();
    const asset = (f: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', f)).toString();
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, nonce: makeNonce(), scriptUri: asset('main.js'), styleUri: asset('main.css') });
    const subs: vscode.Disposable[] = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(panel, m)),
      panel.onDidChangeViewState(() => {
        // Hidden, the webview's page is discarded (no retainContextWhenHidden): it reloads when shown
        // again, restores its state and says `ready`, and then gets the current snapshot.
        if (!panel.visible) {
          this.ready = false;
          this.inFlight = undefined;
          this.dirty = false;
        } else if (this.ready) this.refresh();
      }),
    ];
    panel.onDidDispose(() => {
      subs.forEach((d) => d.dispose());
      if (this.panel === panel) {
        this.panel = undefined;
        this.ready = false;
      }
    });
  }

  // ------------------------------------------------------------------------------------------
  // Following the session
  // ------------------------------------------------------------------------------------------

  private adapter(): BackpropDebugSession | undefined {
    return this.session ? this.adapters.get(this.session.id) : undefined;
  }

  private onStopped(session: vscode.DebugSession): void {
    if (!this.adapters.has(session.id)) return;
    this.session = session;
    this.running = false;
    this.stops++;
    this.seqAtStop = this.seq;
    this.refresh();
  }

  private onRunning(session: vscode.DebugSession): void {
    if (this.session?.id !== session.id) return;
    this.running = true;
    this.post({ type: 'running', seq: ++this.seq });
  }

  /** Send the current state now, or as soon as the previous snapshot is painted. */
  refresh(): void {
    if (!this.panel || !this.ready || !this.panel.visible) return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.sendSnapshot();
  }

  private sendSnapshot(): void {
    const adapter = this.adapter();
    const rt = adapter?.currentRuntime;
    if (!this.session || !adapter || !rt) return this.postIdle();
    if (this.running) return;
    let msg: ToWebview;
    const seq = ++this.seq;
    const sentAt = now();
    try {
      const snapshot = buildSnapshot(rt, this.selection, { name: baseName(rt.fileName), reason: adapter.lastStopReason || 'entry', precision: this.settings.precision, answers: this.sessionAnswers() });
      this.selection = snapshot.selection;
      msg = { type: 'snapshot', seq, snapshot, sentAt };
    } catch (e) {
      msg = { type: 'idle', seq, message: vscode.l10n.t('The panel could not read this step: {0}', e instanceof Error ? e.message : String(e)) };
    }
    this.inFlight = { seq, sentAt };
    clearTimeout(this.inFlightTimer);
    this.inFlightTimer = setTimeout(() => this.painted(seq), PAINT_TIMEOUT_MS);
    this.post(msg);
  }

  private painted(seq: number): void {
    if (!this.inFlight || this.inFlight.seq > seq) return;
    this.inFlight = undefined;
    clearTimeout(this.inFlightTimer);
    if (this.dirty) {
      this.dirty = false;
      this.sendSnapshot();
    }
  }

  private postIdle(): void {
    this.post({ type: 'idle', seq: ++this.seq, message: vscode.l10n.t('No Backprop debug session. Open a *.backprop.json file and press F5 (or run “Backprop: Step Through Network Training”).') });
  }

  private post(msg: ToWebview): void {
    for (const f of this.postListeners) f(msg);
    if (this.panel && this.ready) void this.panel.webview.postMessage(msg);
  }

  /** The answers of the current session's lab (created on first use). */
  private sessionAnswers(): Map<string, QuestionResult> {
    const id = this.session?.id ?? '';
    let m = this.answers.get(id);
    if (!m) this.answers.set(id, (m = new Map()));
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // From the webview
  // ------------------------------------------------------------------------------------------

  private receive(panel: vscode.WebviewPanel, raw: unknown): void {
    if (panel === this.panel) this.handleMessage(raw);
  }

  /** A message as from the webview: validated, then acted on (public so tests can press the panel's buttons). */
  handleMessage(raw: unknown): void {
    const parsed = parseFromWebview(raw);
    if (!parsed.ok) {
      console.warn(`Backprop Stepper panel: dropped a malformed message (${parsed.error})`);
      return;
    }
    const m: FromWebview = parsed.value;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.inFlight = undefined;
        this.dirty = false;
        // The panel's own text follows VS Code's language: the bundle (none for English) comes with the first message.
        this.post({ type: 'settings', settings: this.settings, ...(vscode.l10n.bundle ? { l10n: vscode.l10n.bundle } : {}) });
        if (this.running) this.post({ type: 'running', seq: ++this.seq });
        else this.sendSnapshot();
        return;
      case 'select':
        this.selection = m.selection;
        this.refresh();
        return;
      case 'granularity': {
        const rt = this.adapter()?.currentRuntime;
        if (rt) rt.granularity = m.granularity;
        this.refresh();
        return;
      }
      case 'action':
        void this.act(m.action);
        return;
      case 'request':
        this.answer(m.id, m.request.layer, m.request.neuron, m.request.weight);
        return;
      case 'painted': {
        // Only one snapshot is in flight at a time; a late report (after PAINT_TIMEOUT_MS) has no send time.
        const sentAt = this.inFlight?.seq === m.seq ? this.inFlight.sentAt : NaN;
        const report: PaintReport = { seq: m.seq, at: m.at, sentAt, equation: m.equation, summary: m.summary, received: m.received, rendered: m.rendered };
        this.lastPaint = report;
        for (const f of this.paintListeners) f(report);
        this.painted(m.seq);
        // Only the paint of a snapshot taken after the stop the action caused (not a repaint in between).
        if (this.refocusUntil > Date.now() && this.stops > this.stopsAtAction && m.seq > this.seqAtStop) {
          this.refocusUntil = 0;
          // After VS Code's own reveal of the stopped frame's source, which this waits for; on a busy machine
          // that reveal can come later, so look again twice (only while the panel is still not active).
          const panel = this.panel;
          for (const ms of [150, 500, 1200]) {
            setTimeout(() => {
              if (panel && this.panel === panel && panel.visible && (ms === 150 || !panel.active)) panel.reveal(panel.viewColumn, false);
            }, ms);
          }
        }
        return;
      }
      case 'error':
        console.warn(`Backprop Stepper panel: ${m.message}`);
        return;
      case 'answer':
      case 'reveal':
        this.grade(m.id, m.question, m.type === 'answer' ? m.value : 'revealed');
        return;
      case 'copyLatex':
        void vscode.commands.executeCommand('backprop.copyEquationLatex');
        return;
    }
  }

  /** Grade a lab answer given in the panel with the engine, reply, and show the value again. */
  private grade(id: number, question: string, value: number | 'revealed'): void {
    const rt = this.adapter()?.currentRuntime;
    if (!rt) return this.post({ type: 'graded', id, ok: false, error: vscode.l10n.t('No Backprop debug session is paused.') });
    try {
      const r = answerQuestion(rt, this.sessionAnswers(), question, value);
      this.post({ type: 'graded', id, ok: true, question: r.view, score: r.score });
    } catch (e) {
      this.post({ type: 'graded', id, ok: false, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.refresh();
  }

  private async act(action: PanelAction): Promise<void> {
    const session = this.session;
    // VS Code focuses the editor when a session stops (debug.focusEditorOnBreak); a step started from the
    // panel's keyboard or buttons should leave the focus in the panel, so the next key steps again.
    // (`panel.active` cannot tell: it is not updated yet when a click in the webview sends the action.)
    if (this.panel?.visible) {
      this.refocusUntil = Date.now() + 5000;
      this.stopsAtAction = this.stops;
    }
    if (!session) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Start a Backprop debug session first (F5 on a *.backprop.json file).'));
      return;
    }
    if (vscode.debug.activeDebugSession?.id === session.id) {
      await vscode.commands.executeCommand(ACTION_COMMANDS[action]);
      return;
    }
    try {
      await session.customRequest(ACTION_REQUESTS[action], action === 'restart' ? {} : { threadId: 1 });
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: {0} failed: {1}', action, e instanceof Error ? e.message : String(e)));
    }
  }

  private answer(id: number, layer: number, neuron: number, weight: number | null): void {
    const rt = this.adapter()?.currentRuntime;
    if (!rt) return this.post({ type: 'response', id, ok: false, error: vscode.l10n.t('No Backprop debug session is paused.') });
    // A lab's hidden value would show through its gradient check.
    const hidden = rt.net.exercise ? hiddenKeys(rt, this.sessionAnswers()) : undefined;
    const keys = weight === null ? [refKey({ q: 'db', l: layer, j: neuron }), refKey({ q: 'b', l: layer, j: neuron })] : [refKey({ q: 'dW', l: layer, j: neuron, k: weight }), refKey({ q: 'W', l: layer, j: neuron, k: weight })];
    const by = keys.map((k) => hidden?.get(k)).find((q) => q !== undefined);
    if (by !== undefined) return this.post({ type: 'response', id, ok: false, error: vscode.l10n.t('Answer question “{0}” first: its value is hidden until then.', by) });
    try {
      this.post({ type: 'response', id, ok: true, result: checkGradient(rt, layer, neuron, weight) });
    } catch (e) {
      this.post({ type: 'response', id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  // ------------------------------------------------------------------------------------------
  // For tests and the benchmark (exported through the extension's API)
  // ------------------------------------------------------------------------------------------

  get isOpen(): boolean {
    return !!this.panel;
  }

  get lastPainted(): PaintReport | undefined {
    return this.lastPaint;
  }

  /** Every message the host sends the webview (tests watch the graded replies). */
  onDidPost(f: (m: ToWebview) => void): vscode.Disposable {
    this.postListeners.add(f);
    return new vscode.Disposable(() => this.postListeners.delete(f));
  }

  /** The display settings the panel follows now. */
  get displaySettings(): PanelSettings {
    return { ...this.settings };
  }

  /**
   * The substituted equation the panel shows at the session's current step (with its selection, digits and
   * hidden lab values), as LaTeX without its links; null with no paused session or at a step without one.
   */
  get equationLatex(): string | null {
    const adapter = this.adapter();
    const rt = adapter?.currentRuntime;
    if (!rt || this.running) return null;
    const s = buildSnapshot(rt, this.selection, { name: baseName(rt.fileName), reason: adapter.lastStopReason || 'entry', precision: this.settings.precision, answers: this.sessionAnswers() });
    return s.equation.substituted ? plainLatex(s.equation.substituted) : null;
  }

  /** The current session's lab, when its network file has an exercise. */
  get lab(): LabSession | undefined {
    const rt = this.adapter()?.currentRuntime;
    if (!rt?.net.exercise) return undefined;
    const network: unknown = this.session?.configuration.network;
    return { runtime: rt, fileName: rt.fileName, answers: this.sessionAnswers(), ...(typeof network === 'string' && network ? { network } : {}) };
  }

  onDidPaint(f: (r: PaintReport) => void): vscode.Disposable {
    this.paintListeners.add(f);
    return new vscode.Disposable(() => this.paintListeners.delete(f));
  }

  /** Change the selection as a click in the panel would. */
  select(selection: Partial<Selection>): void {
    const s = parseSelection({ ...this.selection, ...selection });
    if (!s.ok) throw new Error(s.error);
    this.selection = s.value;
    this.refresh();
  }

  close(): void {
    this.panel?.dispose();
  }

  dispose(): void {
    clearTimeout(this.inFlightTimer);
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
