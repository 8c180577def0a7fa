/**
 * The Debug Adapter: translates Debug Adapter Protocol requests into calls on the training runtime
 * (runtime.ts). One thread, "training"; the call stack is the step, its phase, the example(s), the
 * mini-batch and the epoch, each pointing at the line of the layer being computed.
 */
import { Breakpoint, DebugSession, InitializedEvent, InvalidatedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { adamBiasCorrections, GRANULARITIES, type StepGranularity } from '../engine';
import { formatValue, tensorStats, type Tensor, type Value } from './expr';
import type { AdapterHost } from './host';
import { phaseTitle, stepEquation, sup } from './notation';
import { DebugRuntime, EDITABLE_HYPERPARAMETERS, EXCEPTION_FILTERS, fmt, type StopInfo } from './runtime';
import { explainNeuron, explainStep } from './explain';

/** Custom DAP request: a Markdown summary of the layer declared at a line of the network file (for hovers). */
export const LAYER_SUMMARY_REQUEST = 'backprop/layerSummary';
export interface LayerSummaryArguments {
  /** 1-based line in the network file. */
  line: number;
}
export interface LayerSummaryResponse {
  /** Markdown, or null when the line declares no computing layer or nothing has been computed yet. */
  markdown: string | null;
}

/** Custom DAP request: where training stands (for the panel and tests). */
export const POSITION_REQUEST = 'backprop/position';

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The network file: a path, or a URI string (VS Code for the Web). */
  network: string;
  stopOnEntry?: boolean;
  granularity?: StepGranularity;
  seed?: number;
  epochs?: number;
  /** Memory for the checkpoints that make Step Back exact, in MB (default 64). */
  historyMB?: number;
}

const THREAD_ID = 1;

type Container =
  | { kind: 'current' }
  | { kind: 'equations' }
  | { kind: 'network' }
  | { kind: 'training' }
  | { kind: 'layer'; l: number }
  | { kind: 'optimizer'; l: number }
  | { kind: 'tensor'; t: Tensor; evalName: string | null; editable: boolean }
  | { kind: 'row'; t: Tensor; row: number; evalName: string | null; editable: boolean };

export class BackpropDebugSession extends DebugSession {
  private runtime: DebugRuntime | null = null;
  private network = '';
  private configured!: Promise<void>;
  private markConfigured: () => void = () => {};
  private containers = new Map<number, Container>();
  private nextRef = 1;
  private clientSupportsInvalidated = false;
  /** Breakpoints that arrived before the network was loaded. */
  private pendingLines: DebugProtocol.SourceBreakpoint[] | null = null;
  private lastStop: StopInfo | null = null;

  constructor(readonly host: AdapterHost) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configured = new Promise((resolve) => (this.markConfigured = resolve));
  }

  /** The session's runtime once launched (the stepper panel reads its state from here: one engine per session). */
  get currentRuntime(): DebugRuntime | null {
    return this.runtime;
  }

  /** Why the session last stopped ('entry', 'step', 'breakpoint', …), or '' before the first stop. */
  get lastStopReason(): string {
    return this.lastStop?.reason ?? '';
  }

  /** Is a step or run in progress? */
  get isBusy(): boolean {
    return this.busy;
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsInvalidated = !!args.supportsInvalidatedEvent;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsSetVariable: true,
      supportsEvaluateForHovers: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsSteppingGranularity: true,
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      supportsCompletionsRequest: true,
      supportsDelayedStackTraceLoading: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ ...f })),
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    if (!args.network || typeof args.network !== 'string') {
      return this.fail(response, 'No network file to debug: set "network" in the launch configuration (a *.backprop.json file), or open one and press F5.');
    }
    if (args.granularity !== undefined && !GRANULARITIES.includes(args.granularity)) {
      return this.fail(response, `"granularity": "${args.granularity}" is not a granularity; use one of ${GRANULARITIES.join(', ')}.`);
    }
    for (const key of ['seed', 'epochs'] as const) {
      const v = args[key];
      if (v !== undefined && (!Number.isInteger(v) || (key === 'epochs' ? v < 1 : v < 0))) {
        return this.fail(response, `"${key}": ${JSON.stringify(v)} must be ${key === 'epochs' ? 'an integer ≥ 1' : 'a non-negative integer'}.`);
      }
    }
    const mb = args.historyMB;
    if (mb !== undefined && (typeof mb !== 'number' || !Number.isFinite(mb) || mb < 1 || mb > 65536)) {
      return this.fail(response, `"historyMB": ${JSON.stringify(mb)} must be a number of megabytes from 1 to 65536 (the memory for step-back checkpoints; 64 by default).`);
    }
    this.network = args.network;
    let text: string;
    try {
      text = await this.host.readNetwork(args.network);
    } catch (e) {
      return this.fail(response, `Cannot read the network file ${args.network}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const options: { seed?: number; epochs?: number; granularity?: StepGranularity; historyMB?: number } = {};
    if (mb !== undefined) options.historyMB = mb;
    if (args.seed !== undefined) options.seed = args.seed;
    if (args.epochs !== undefined) options.epochs = args.epochs;
    if (args.granularity !== undefined) options.granularity = args.granularity;
    const loaded = await DebugRuntime.load(text, this.displayName(), this.host.dataHost(args.network), options);
    for (const d of loaded.diagnostics) this.sendEvent(new OutputEvent(`${DebugRuntime.describeDiagnostics([d])}\n`, d.severity === 'error' ? 'stderr' : 'console'));
    if (!loaded.runtime) {
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0] ? DebugRuntime.describeDiagnostics([errors[0]]) : 'the network file has errors';
      return this.fail(response, `The network file has ${errors.length} error${errors.length === 1 ? '' : 's'} (see the Problems panel and the Debug Console). First: ${first}`);
    }
    this.runtime = loaded.runtime;
    const rt = this.runtime;
    const net = rt.net;
    this.sendEvent(new OutputEvent(`${net.name}: ${[net.inputSize, ...net.layers.map((l) => l.size)].join('-')}, ${net.train.count} training example${net.train.count === 1 ? '' : 's'}, ${rt.trainer.epochs} epoch${rt.trainer.epochs === 1 ? '' : 's'} of ${rt.trainer.batchesPerEpoch} mini-batch${rt.trainer.batchesPerEpoch === 1 ? '' : 'es'}, ${rt.trainer.totalSteps} steps.\n`, 'console'));
    if (this.pendingLines) {
      rt.setLineBreakpoints(this.pendingLines.map((b) => ({ line: b.line, ...opt(b) })));
      this.pendingLines = null;
    }
    this.sendEvent(new InitializedEvent());
    // Breakpoints are set between `initialized` and `configurationDone`; wait for them (briefly).
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, 2000))]);
    this.sendResponse(response);
    if (args.noDebug) {
      const stop = await rt.runToEnd((line) => this.sendEvent(new OutputEvent(line, 'console')));
      if (stop.reason === 'exception') this.sendEvent(new OutputEvent(`Training stopped: ${stop.description}\n`, 'stderr'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    if (args.stopOnEntry ?? true) this.stopped({ reason: 'entry', description: 'start of training', hitBreakpointIds: [] });
    else void this.drive(() => rt.continue(this.log));
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigured();
    this.sendResponse(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runtime?.pause();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runtime?.pause();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    rt.restart();
    this.sendResponse(response);
    this.stopped({ reason: 'entry', description: 'restarted', hitBreakpointIds: [] });
  }

  // ------------------------------------------------------------------------------------------
  // Breakpoints
  // ------------------------------------------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const bps: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    const rt = this.runtime;
    if (!rt) {
      // Before launch: keep them; they are verified once the file is loaded.
      this.pendingLines = bps;
      response.body = { breakpoints: bps.map((b) => ({ verified: false, line: b.line, message: 'the network file is not loaded yet' })) };
      return this.sendResponse(response);
    }
    if (args.source.path && !this.sameSource(args.source.path)) {
      response.body = { breakpoints: bps.map((b) => ({ verified: false, line: b.line, message: 'breakpoints stop only in the network file being debugged' })) };
      return this.sendResponse(response);
    }
    const results = rt.setLineBreakpoints(bps.map((b) => ({ line: this.convertClientLineToDebugger(b.line), ...opt(b) })));
    response.body = {
      breakpoints: results.map((r) => {
        const bp: DebugProtocol.Breakpoint = new Breakpoint(r.verified, r.line !== undefined ? this.convertDebuggerLineToClient(r.line) : undefined);
        bp.id = r.id;
        if (r.message) bp.message = r.message;
        if (r.verified) bp.source = this.source();
        return bp;
      }),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const results = rt.setFunctionBreakpoints(args.breakpoints.map((b) => ({ name: b.name, ...opt(b) })));
    response.body = { breakpoints: results.map(toBreakpoint) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const filters: DebugProtocol.ExceptionFilterOptions[] = [...(args.filterOptions ?? []), ...args.filters.filter((f) => !args.filterOptions?.some((o) => o.filterId === f)).map((filterId) => ({ filterId }))];
    const results = rt.setExceptionFilters(filters.map((f) => (f.condition ? { filterId: f.filterId, condition: f.condition } : { filterId: f.filterId })));
    response.body = { breakpoints: results.map(toBreakpoint) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    let name = args.name;
    const c = args.variablesReference !== undefined ? this.containers.get(args.variablesReference) : undefined;
    if (c && c.kind === 'row' && c.evalName) name = `${c.evalName}[${c.row}]${args.name}`;
    else if (c && c.kind === 'tensor' && c.evalName) name = `${c.evalName}${args.name}`;
    const info = rt.dataBreakpointInfo(name);
    response.body = { dataId: info.dataId, description: info.description, accessTypes: ['write'], canPersist: true };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const results = rt.setDataBreakpoints(args.breakpoints.map((b) => ({ dataId: b.dataId, ...opt(b) })));
    response.body = { breakpoints: results.map(toBreakpoint) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------------------------------
  // Running and stepping
  // ------------------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, 'training')] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    if (this.lastStop?.reason === 'end' && rt.trainer.finished) {
      this.sendEvent(new TerminatedEvent());
      return;
    }
    void this.drive(() => rt.continue(this.log));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    this.sendResponse(response);
    const g: StepGranularity = args.granularity === 'instruction' ? 'neuron' : rt.granularity;
    void this.drive(() => rt.stepForward(g, this.log));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    this.sendResponse(response);
    // Step Into = one neuron's computation; 'line'/'statement' granularity: one example.
    const g: StepGranularity = args.granularity === 'line' || args.granularity === 'statement' ? 'example' : 'neuron';
    void this.drive(() => rt.stepForward(g, this.log));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    this.sendResponse(response);
    void this.drive(() => rt.stepOut(this.log));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    this.sendResponse(response);
    const g: StepGranularity = args.granularity === 'instruction' ? 'neuron' : rt.granularity;
    void this.drive(async () => rt.stepBack(g));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    this.sendResponse(response);
    void this.drive(() => rt.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    rt.pause();
    this.sendResponse(response);
  }

  private readonly log = (text: string): void => {
    this.sendEvent(new OutputEvent(text, 'console'));
  };

  /** Run a motion and report where it stopped. Only one runs at a time. */
  private busy = false;
  private async drive(motion: () => Promise<StopInfo>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const stop = await motion();
      this.stopped(stop);
    } catch (e) {
      this.sendEvent(new OutputEvent(`internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`, 'stderr'));
      this.stopped({ reason: 'pause', description: 'internal error', hitBreakpointIds: [] });
    } finally {
      this.busy = false;
    }
  }

  private stopped(stop: StopInfo): void {
    this.lastStop = stop;
    this.containers.clear();
    const reason = stop.reason === 'end' ? 'step' : stop.reason;
    const ev = new StoppedEvent(reason, THREAD_ID, stop.text) as DebugProtocol.StoppedEvent;
    if (stop.description) ev.body.description = stop.description;
    if (stop.hitBreakpointIds.length) ev.body.hitBreakpointIds = stop.hitBreakpointIds;
    ev.body.allThreadsStopped = true;
    if (stop.reason === 'end' && this.runtime) this.sendEvent(new OutputEvent(`Training finished after ${this.runtime.trainer.epochs} epoch(s). Continue ends the session; Step Back goes back.\n`, 'console'));
    this.sendEvent(ev);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const s = this.lastStop;
    const id = s?.reason === 'exception' ? (s.description?.startsWith('NaN') ? 'nan' : (s.description?.split(' ')[0] ?? 'health')) : 'none';
    response.body = { exceptionId: id, description: s?.text ?? s?.description ?? '', breakMode: 'always' };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------------------------------
  // Stack, scopes, variables
  // ------------------------------------------------------------------------------------------

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    const t = rt.trainer;
    const pos = t.position;
    const view = rt.stepper.view;
    const src = rt.source;
    const lineOf = (): number => {
      if (pos.phase === 'start') return src.layerLine(2);
      if (pos.layer !== null) return src.layerLine(pos.layer);
      if (pos.phase === 'loss') return src.loss?.start ?? src.layerLine(rt.L);
      return src.training?.start ?? src.layerLine(rt.L);
    };
    const line = this.convertDebuggerLineToClient(lineOf());
    const source = this.source();
    const frame = (id: number, name: string): StackFrame => new StackFrame(id, name, source, line, 1);
    const frames: StackFrame[] = [];
    const ev = view.event;
    const rows = ev ? ev.examples : t.examples;
    frames.push(frame(1, stepEquation(rt.net, pos.phase, pos.layer, view.neuron) + (view.neuron !== null ? `  [neuron ${view.neuron + 1}]` : '')));
    frames.push(frame(2, pos.phase === 'start' ? 'start of training' : `${phaseTitle(pos.phase)}${pos.layer !== null ? `, layer ${pos.layer}` : ''}`));
    if (pos.phase !== 'start' && pos.phase !== 'epoch-end') {
      const exName = view.example !== null ? `example ${view.example + 1} of ${rows.length} (data row ${rows[view.example]})` : rows.length === 1 ? `example (data row ${rows[0]})` : `examples ${rows.length} (data rows ${listRows(rows)})`;
      frames.push(frame(3, exName));
    }
    frames.push(frame(4, `mini-batch ${pos.batch}/${t.batchesPerEpoch}`));
    frames.push(frame(5, `epoch ${pos.epoch}/${t.epochs}  (step ${pos.step}/${t.totalSteps})`));
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const rt = this.need(response);
    if (!rt) return;
    const l = rt.currentLayer;
    const pos = rt.trainer.position;
    const view = rt.stepper.view;
    const scopes: Scope[] = [];
    // The equation of this step with its numbers, first (for the selected neuron, or each neuron).
    if (pos.phase === 'loss' || (pos.layer !== null && ['forward', 'delta', 'gradient', 'update'].includes(pos.phase))) {
      const name = pos.phase === 'loss' ? 'Loss, with numbers' : view.neuron !== null ? `Neuron ${view.neuron + 1} of layer ${l}, with numbers` : `Layer ${l}, with numbers`;
      scopes.push(new Scope(name, this.ref({ kind: 'equations' }), false));
    }
    response.body = {
      scopes: [
        ...scopes,
        new Scope(`Layer ${l}${l === rt.L ? ' (output)' : ''}`, this.ref({ kind: 'current' }), false),
        new Scope('Network', this.ref({ kind: 'network' }), false),
        new Scope('Training', this.ref({ kind: 'training' }), false),
      ],
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const c = this.containers.get(args.variablesReference);
    let vars: DebugProtocol.Variable[] = [];
    if (c) {
      try {
        vars = this.expand(rt, c, args.start ?? 0, args.count ?? 0);
      } catch (e) {
        vars = [{ name: 'error', value: e instanceof Error ? e.message : String(e), variablesReference: 0 }];
      }
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  private expand(rt: DebugRuntime, c: Container, start: number, count: number): DebugProtocol.Variable[] {
    switch (c.kind) {
      case 'current':
        return this.layerVars(rt, rt.currentLayer);
      case 'equations':
        return this.equationVars(rt);
      case 'layer':
        return this.layerVars(rt, c.l);
      case 'network': {
        const vars: DebugProtocol.Variable[] = [];
        for (let l = 1; l <= rt.L; l++) {
          const spec = rt.net.layers[l - 2];
          const desc = l === 1 ? `input, ${rt.net.inputSize} neurons` : `${spec.size} neurons, ${spec.activation}${spec.batchNorm ? ', batch norm' : ''}${spec.dropout ? `, dropout ${spec.dropout}` : ''}${spec.residual ? ', residual' : ''}`;
          vars.push({ name: `layer ${l}`, value: desc, variablesReference: this.ref({ kind: 'layer', l }), presentationHint: { kind: 'class' } });
        }
        vars.push(this.valueVar(rt, 'y', 'y (targets)', 'y', false));
        return vars;
      }
      case 'training':
        return this.trainingVars(rt);
      case 'optimizer':
        return this.optimizerVars(rt, c.l);
      case 'tensor':
      case 'row':
        return this.tensorChildren(c, start, count);
    }
  }

  private layerVars(rt: DebugRuntime, l: number): DebugProtocol.Variable[] {
    if (l === 1) return [this.valueVar(rt, 'a¹ = x', 'a¹ = x (the input)', 'x', true)];
    const s = sup(l);
    const spec = rt.net.layers[l - 2];
    const vars = [
      this.valueVar(rt, `z${s}`, `z${s}`, `z${l}`, false),
      this.valueVar(rt, `a${s}`, `a${s}`, `a${l}`, false),
      this.valueVar(rt, `δ${s}`, `δ${s}`, `delta${l}`, false),
      this.valueVar(rt, `W${s}`, `W${s}`, `W${l}`, true),
      this.valueVar(rt, `b${s}`, `b${s}`, `b${l}`, true),
      this.valueVar(rt, `∂C/∂W${s}`, `∂C/∂W${s}`, `dW${l}`, false),
      this.valueVar(rt, `∂C/∂b${s}`, `∂C/∂b${s}`, `db${l}`, false),
    ];
    if (spec.dropout > 0) vars.push(this.valueVar(rt, `dropout mask`, 'dropout mask', `mask${l}`, false));
    if (spec.batchNorm) {
      vars.push(this.valueVar(rt, 'μ (batch mean)', 'μ', `mu${l}`, false), this.valueVar(rt, 'σ² (batch variance)', 'σ²', `var${l}`, false));
      vars.push(this.valueVar(rt, 'γ', 'γ', `gamma${l}`, false), this.valueVar(rt, 'β', 'β', `beta${l}`, false));
      const p = rt.trainer.model.layers[l - 2];
      if (p.runningMean) {
        vars.push(this.tensorVar('running mean', { data: p.runningMean.slice(), shape: [spec.size] }, null, false));
        vars.push(this.tensorVar('running variance', { data: p.runningVar!.slice(), shape: [spec.size] }, null, false));
      }
    }
    vars.push({ name: 'optimizer state', value: rt.net.optimizer.type, variablesReference: this.ref({ kind: 'optimizer', l }) });
    vars.push({ name: 'activation', value: spec.activation, variablesReference: 0 });
    return vars;
  }

  /** Each equation line as `left side = the rest`, for the selected neuron (or each neuron, up to 8). */
  private equationVars(rt: DebugRuntime): DebugProtocol.Variable[] {
    const view = rt.stepper.view;
    const x = view.example ?? 0;
    const pos = rt.trainer.position;
    const n = pos.layer !== null ? rt.net.layers[pos.layer - 2].size : 1;
    const neurons = view.neuron !== null ? [view.neuron] : Array.from({ length: Math.min(n, 8) }, (_, j) => j);
    const vars: DebugProtocol.Variable[] = [];
    const seen = new Map<string, number>();
    for (const j of neurons) {
      const e = explainNeuron(rt, j, x);
      if (!e) continue;
      for (const line of e.lines) {
        const { name: base, value } = resultFirst(line);
        const k = (seen.get(base) ?? 0) + 1;
        seen.set(base, k);
        vars.push({ name: k > 1 ? `${base} (${k})` : base, value, variablesReference: 0, presentationHint: { attributes: ['readOnly'] } });
      }
      if (pos.phase === 'loss') break;
    }
    if (view.neuron === null && n > 8) vars.push({ name: '…', value: `${n} neurons: Step Into (F11) goes neuron by neuron`, variablesReference: 0 });
    return vars;
  }

  private optimizerVars(rt: DebugRuntime, l: number): DebugProtocol.Variable[] {
    const t = rt.trainer;
    // The optimizer state lives in the trainer's slots; the update event carries it by reference.
    const states = t.optimizerStates(l);
    const vars: DebugProtocol.Variable[] = [];
    const s = sup(l);
    const n = rt.net.layers[l - 2].size;
    const k = rt.net.layers[l - 2].inputSize;
    for (const [label, st, shape] of [
      [`W${s}`, states.W, [n, k]],
      [`b${s}`, states.b, [n]],
    ] as const) {
      vars.push({ name: `${label} updates (step)`, value: String(st.step), variablesReference: 0 });
      if (st.momentum) vars.push(this.tensorVar(`${label} momentum buffer`, { data: st.momentum.slice(), shape }, null, false));
      if (st.mean) vars.push(this.tensorVar(`${label} m (1st moment)`, { data: st.mean.slice(), shape }, null, false));
      if (st.square) vars.push(this.tensorVar(`${label} ${st.mean ? 'v (2nd moment)' : 'v (mean of g²)'}`, { data: st.square.slice(), shape }, null, false));
      if (st.mean && st.square && st.step > 0) {
        const { c1, c2 } = adamBiasCorrections(rt.net.optimizer, st.step);
        vars.push(this.tensorVar(`${label} m̂`, { data: st.mean.map((x) => x / c1), shape }, null, false));
        vars.push(this.tensorVar(`${label} v̂`, { data: st.square.map((x) => x / c2), shape }, null, false));
      }
    }
    if (vars.length === 2) vars.push({ name: 'state', value: 'plain SGD keeps no state', variablesReference: 0 });
    return vars;
  }

  private trainingVars(rt: DebugRuntime): DebugProtocol.Variable[] {
    const t = rt.trainer;
    const pos = t.position;
    const o = rt.net.optimizer as unknown as Record<string, number | string | boolean>;
    const last = t.epochsCompleted > 0 ? t.epochResult(t.epochsCompleted - 1) : null;
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    const v = (name: string, value: string, evaluateName?: string): DebugProtocol.Variable => ({ name, value, variablesReference: 0, ...(evaluateName ? { evaluateName } : {}) });
    const vars = [
      v('epoch', `${pos.epoch} of ${t.epochs}`, 'epoch'),
      v('mini-batch', `${pos.batch} of ${t.batchesPerEpoch}`, 'batch'),
      v('step', `${pos.step} of ${t.totalSteps}`, 'step'),
      v('phase', pos.phase),
      v('examples', t.step === 0 ? '(none yet)' : `[${listRows(rt.stepper.view.event?.examples ?? t.examples)}]`),
      v('loss', fmt(rt.currentLoss()), 'loss'),
      v('optimizer', String(o.type)),
    ];
    for (const key of EDITABLE_HYPERPARAMETERS) {
      const relevant = key === 'learningRate' || key === 'weightDecay' || (key === 'momentum' && ['sgd', 'momentum', 'nesterov', 'rmsprop'].includes(String(o.type))) || (key.startsWith('beta') && String(o.type).startsWith('adam'));
      if (relevant) vars.push(v(key, fmt(Number(o[key])), key === 'learningRate' ? 'lr' : key));
    }
    vars.push(v('batch size', String(t.batchSize)), v('loss function', rt.net.loss));
    vars.push(v('accuracy (last epoch)', last ? pct(last.train.accuracy) : '(no epoch finished yet)', 'accuracy'));
    if (last?.validation) vars.push(v('validation accuracy', pct(last.validation.accuracy), 'valAccuracy'), v('validation loss', fmt(last.validation.loss), 'valLoss'));
    return vars;
  }

  /** A quantity by its expression name, or a line saying why it has no value now. */
  private valueVar(rt: DebugRuntime, name: string, _label: string, evalName: string, editable: boolean): DebugProtocol.Variable {
    let value: Value | undefined;
    try {
      value = rt.lookup(evalName);
    } catch (e) {
      return { name, value: e instanceof Error ? e.message : String(e), variablesReference: 0, evaluateName: evalName, presentationHint: { kind: 'data', attributes: ['readOnly'] } };
    }
    if (value === undefined) return { name, value: '—', variablesReference: 0 };
    if (typeof value !== 'object') return { name, value: String(value), variablesReference: 0, evaluateName: evalName };
    return this.tensorVar(name, value, evalName, editable);
  }

  private tensorVar(name: string, t: Tensor, evalName: string | null, editable: boolean): DebugProtocol.Variable {
    const rows = t.shape.length === 2 ? t.shape[0] : t.shape[0];
    const v: DebugProtocol.Variable = {
      name,
      value: summarize(t),
      type: t.shape.length === 2 ? `matrix ${t.shape[0]}×${t.shape[1]}` : `vector ${t.shape[0]}`,
      variablesReference: this.ref({ kind: 'tensor', t, evalName, editable }),
      indexedVariables: rows,
    };
    if (evalName) v.evaluateName = evalName;
    if (!editable) v.presentationHint = { attributes: ['readOnly'] };
    return v;
  }

  private tensorChildren(c: Extract<Container, { kind: 'tensor' | 'row' }>, start: number, count: number): DebugProtocol.Variable[] {
    const t = c.t;
    const out: DebugProtocol.Variable[] = [];
    if (c.kind === 'tensor' && t.shape.length === 2) {
      const [r, k] = t.shape;
      const end = count > 0 ? Math.min(r, start + count) : r;
      for (let i = start; i < end; i++) {
        const row = { data: t.data.subarray(i * k, i * k + k), shape: [k] };
        const evalName = c.evalName ? `${c.evalName}[${i}]` : null;
        const v: DebugProtocol.Variable = { name: `[${i}]`, value: summarize(row), variablesReference: this.ref({ kind: 'row', t, row: i, evalName: c.evalName, editable: c.editable }), indexedVariables: k };
        if (evalName) v.evaluateName = evalName;
        out.push(v);
      }
      return out;
    }
    const k = c.kind === 'row' ? t.shape[1] : t.shape[0];
    const base = c.kind === 'row' ? c.row * k : 0;
    const end = count > 0 ? Math.min(k, start + count) : k;
    for (let i = start; i < end; i++) {
      const v: DebugProtocol.Variable = { name: `[${i}]`, value: String(t.data[base + i]), variablesReference: 0 };
      if (c.evalName) v.evaluateName = c.kind === 'row' ? `${c.evalName}[${c.row}][${i}]` : `${c.evalName}[${i}]`;
      if (!c.editable) v.presentationHint = { attributes: ['readOnly'] };
      out.push(v);
    }
    return out;
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const c = this.containers.get(args.variablesReference);
    try {
      const value = this.parseNumber(rt, args.value);
      let target: string;
      if (c?.kind === 'training') {
        target = args.name;
      } else if ((c?.kind === 'row' || c?.kind === 'tensor') && c.evalName) {
        const idx = /^\[(\d+)\]$/.exec(args.name);
        if (!idx) throw new Error(`cannot set ${args.name}`);
        target = c.kind === 'row' ? `${c.evalName}[${c.row}][${idx[1]}]` : `${c.evalName}[${idx[1]}]`;
        if (!c.editable) throw new Error(`${c.evalName.replace(/\d+$/, '')} is computed from the weights, biases and inputs: edit those instead`);
      } else {
        throw new Error(`${args.name} cannot be edited: edit a weight, a bias, an input or a hyper-parameter`);
      }
      const newValue = rt.setValue(target, value);
      response.body = { value: String(newValue) };
      this.sendResponse(response);
      this.containers.clear();
      if (this.clientSupportsInvalidated) this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
    } catch (e) {
      this.sendErrorResponse(response, { id: 2001, format: e instanceof Error ? e.message : String(e), showUser: true });
    }
  }

  private parseNumber(rt: DebugRuntime, text: string): number {
    const v = rt.evaluate(text);
    if (typeof v !== 'number') throw new Error(`"${text}" is not a number`);
    return v;
  }

  // ------------------------------------------------------------------------------------------
  // Expressions
  // ------------------------------------------------------------------------------------------

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const expr = args.expression.trim();
    if (args.context === 'repl' && expr === 'explain') {
      response.body = { result: explainStep(rt, rt.stepper.view.example ?? 0), variablesReference: 0 };
      return this.sendResponse(response);
    }
    if (args.context === 'repl' && (expr === '' || expr === 'help' || expr === '?')) {
      response.body = { result: `Names: ${rt.nameList().join(', ')}\nFunctions: norm max min mean sum abs exp log sqrt sigmoid tanh relu len argmax argmin any all T dot matmul (and A @ B)\nExamples: W2[0][1]   max(abs(delta))   norm(dW3) / norm(W3)   loss\n\`explain\` prints this step's equations with their numbers.`, variablesReference: 0 };
      return this.sendResponse(response);
    }
    try {
      const v = rt.evaluate(expr);
      if (typeof v === 'object') {
        const ref = this.ref({ kind: 'tensor', t: v, evalName: /^[A-Za-zδ]+\d*$/.test(expr) ? expr : null, editable: false });
        response.body = { result: summarize(v), variablesReference: ref, indexedVariables: v.shape[0], type: v.shape.length === 2 ? `matrix ${v.shape[0]}×${v.shape[1]}` : `vector ${v.shape[0]}` };
      } else {
        response.body = { result: typeof v === 'number' ? String(v) : formatValue(v), variablesReference: 0 };
      }
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 3001, format: e instanceof Error ? e.message : String(e), showUser: false });
    }
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const rt = this.need(response);
    if (!rt) return;
    const before = args.text.slice(0, args.column - 1);
    const word = /[A-Za-zδη_]\w*$/.exec(before)?.[0] ?? '';
    const fns = ['norm', 'max', 'min', 'mean', 'sum', 'abs', 'exp', 'log', 'sqrt', 'sigmoid', 'tanh', 'relu', 'len', 'argmax', 'any', 'all', 'dot'];
    const items = [...rt.nameList().map((n) => ({ label: n, type: 'variable' as const })), ...fns.map((f) => ({ label: f, type: 'function' as const }))].filter((i) => i.label.startsWith(word));
    response.body = { targets: items.map((i) => ({ ...i, start: before.length - word.length, length: word.length })) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------------------------------
  // Custom requests
  // ------------------------------------------------------------------------------------------

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    const rt = this.runtime;
    if (command === LAYER_SUMMARY_REQUEST) {
      const line = (args as LayerSummaryArguments | undefined)?.line;
      response.body = { markdown: rt && typeof line === 'number' ? this.layerSummary(rt, line) : null } satisfies LayerSummaryResponse;
      return this.sendResponse(response);
    }
    if (command === POSITION_REQUEST) {
      response.body = rt ? { ...rt.trainer.position, neuron: rt.stepper.view.neuron, example: rt.stepper.view.example, totalSteps: rt.trainer.totalSteps, finished: rt.trainer.finished } : null;
      return this.sendResponse(response);
    }
    super.customRequest(command, response, args);
  }

  private layerSummary(rt: DebugRuntime, line: number): string | null {
    const target = rt.source.targetAt(line);
    if (target.kind !== 'layer') return null;
    const l = target.layer;
    const s = sup(l);
    const rows: string[] = [`**Layer ${l}** — ${rt.net.layers[l - 2].size} neurons, ${rt.net.layers[l - 2].activation} (step ${rt.trainer.step}, ${rt.trainer.position.phase})`, '', '| | value |', '|---|---|'];
    for (const [label, name] of [
      [`z${s}`, `z${l}`],
      [`a${s}`, `a${l}`],
      [`δ${s}`, `delta${l}`],
      [`W${s}`, `W${l}`],
      [`b${s}`, `b${l}`],
      [`∂C/∂W${s}`, `dW${l}`],
    ]) {
      let text: string;
      try {
        const v = rt.lookup(name);
        text = v === undefined ? '—' : typeof v === 'object' ? summarize(v) : String(v);
      } catch {
        text = '_not computed yet in this mini-batch_';
      }
      rows.push(`| ${label} | ${text.replace(/\|/g, '\\|')} |`);
    }
    return rows.join('\n');
  }

  // ------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------

  private ref(c: Container): number {
    const id = this.nextRef++;
    this.containers.set(id, c);
    return id;
  }

  private need(response: DebugProtocol.Response): DebugRuntime | null {
    if (this.runtime) return this.runtime;
    this.sendErrorResponse(response, { id: 1002, format: 'no network is loaded (the launch failed or has not happened)', showUser: false });
    return null;
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendEvent(new OutputEvent(`${message}\n`, 'stderr'));
    this.sendErrorResponse(response, { id: 1001, format: message.replace(/\{/g, '{{').replace(/\}/g, '}}'), showUser: true });
    this.sendEvent(new TerminatedEvent());
  }

  private displayName(): string {
    const n = this.network;
    return decodeURIComponent(n.split(/[\\/]/).pop() ?? n);
  }

  private source(): Source {
    return new Source(this.displayName(), this.host.sourcePath(this.network));
  }

  private sameSource(path: string): boolean {
    const norm = (p: string) => p.replace(/\\/g, '/').toLowerCase();
    const mine = norm(this.host.sourcePath(this.network));
    return norm(path) === mine || mine.endsWith(norm(path)) || norm(path).endsWith(mine);
  }
}

function opt(b: { condition?: string; hitCondition?: string; logMessage?: string }): { condition?: string; hitCondition?: string; logMessage?: string } {
  const o: { condition?: string; hitCondition?: string; logMessage?: string } = {};
  if (b.condition) o.condition = b.condition;
  if (b.hitCondition) o.hitCondition = b.hitCondition;
  if (b.logMessage) o.logMessage = b.logMessage;
  return o;
}

/**
 * An equation line as a variable whose value starts with the result, since the Variables view is narrow:
 * `z²₁ = Σ… = 0.15·0.05 + … = 0.3775   (note)` → name `z²₁`, value `0.3775   ← Σ… = 0.15·0.05 + …   (note)`.
 */
export function resultFirst(line: string): { name: string; value: string } {
  const m = /^(.*?)( {3}\(.*\))?$/.exec(line)!;
  const main = m[1];
  const note = m[2] ?? '';
  const parts = main.split(' = ');
  if (parts.length < 2) {
    const arrow = main.indexOf(' ← ');
    if (arrow > 0) return { name: main.slice(0, arrow), value: `${main.slice(arrow + 3)}${note}` };
    return line.startsWith('… ') ? { name: '…', value: line.slice(2) } : { name: line, value: '' };
  }
  const [lhs, ...rest] = parts;
  const result = rest.pop()!;
  const arrow = lhs.indexOf(' ← ');
  const name = arrow > 0 ? lhs.slice(0, arrow) : lhs;
  const how = [...(arrow > 0 ? [lhs.slice(arrow + 3)] : []), ...rest].join(' = ');
  return { name, value: how ? `${result}   ← ${how}${note}` : `${result}${note}` };
}

function toBreakpoint(r: { id: number; verified: boolean; message?: string }): DebugProtocol.Breakpoint {
  const bp: DebugProtocol.Breakpoint = new Breakpoint(r.verified);
  bp.id = r.id;
  if (r.message) bp.message = r.message;
  return bp;
}

function listRows(rows: ArrayLike<number>): string {
  const n = rows.length;
  const shown = Array.from({ length: Math.min(n, 8) }, (_, i) => rows[i]);
  return shown.join(', ') + (n > 8 ? `, … (${n})` : '');
}

/** `2×3  [min …, max …, mean …, ‖·‖ …]`, with the values themselves for short vectors. */
export function summarize(t: Tensor): string {
  const d = t.data;
  const shape = t.shape.join('×');
  const st = tensorStats(t);
  const stats = d.length ? `min ${fmt(st.min)}, max ${fmt(st.max)}, mean ${fmt(st.mean)}, norm ${fmt(st.norm)}` : 'empty';
  if (t.shape.length === 1 && d.length <= 8) return `[${Array.from(d, fmt).join(', ')}]  (${shape}: ${stats})`;
  return `${shape}  (${stats})`;
}
