/**
 * The training runtime behind a debug session: loads a network file, owns the engine's Trainer and
 * Stepper, and adds what a debugger needs on top — breakpoints (line, conditional, hit count, logpoint,
 * function, exception, data), running in time slices that can be paused, reverse continue, the values of
 * the current step for Variables and expressions, and edit-and-continue. It knows nothing of the Debug
 * Adapter Protocol (the adapter translates).
 */
import { formatDiagnostic, hasErrors, loadNetwork, suggestName, Stepper, Trainer, type DataHost, type Diagnostic, type ResolvedNetwork, type StepEvent, type StepGranularity } from '../engine';
import { compileExpression, compileTemplate, ExprError, formatNumber, tensor, truthy, type CompiledExpr, type ExprEnv, type Tensor, type Value } from './expr';
import { SourceMap, type BreakTarget } from './source';
import { sup } from './notation';

export type { StepGranularity };

export interface LaunchOptions {
  seed?: number;
  epochs?: number;
  /** What Step Over does (default 'layer'). */
  granularity?: StepGranularity;
  /** Memory for the step-back checkpoints, in MB (default 64; the Trainer's historyBytes). */
  historyMB?: number;
}

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'exception' | 'pause' | 'end' | 'goto';

export interface StopInfo {
  reason: StopReason;
  /** Shown by the client beside the reason (e.g. "NaN in δ² (stopped before the update)"). */
  description?: string;
  /** Longer text for exception stops. */
  text?: string;
  hitBreakpointIds: number[];
}

export interface BreakpointResult {
  id: number;
  verified: boolean;
  message?: string;
  line?: number;
}

interface HitCondition {
  op: '==' | '>=' | '>' | '%';
  n: number;
}

interface Rule {
  id: number;
  kind: 'line' | 'function' | 'exception' | 'data';
  /** Does the event belong to this rule (before its condition)? */
  matches(e: StepEvent): boolean;
  /** Which micro-steps (program index; P = epoch end) can match, for skipping the rest. */
  candidate(phase: string, layer: number | null): boolean;
  condition: CompiledExpr | null;
  hit: HitCondition | null;
  log: ReturnType<typeof compileTemplate> | null;
  hits: number;
  /** The exception filter id, for exception rules. */
  filter: string | null;
  describe(e: StepEvent): string;
}

export interface LineBreakpoint {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}
export interface NamedBreakpoint {
  name: string;
  condition?: string;
  hitCondition?: string;
}
export interface ExceptionFilter {
  filterId: string;
  condition?: string;
}
export interface DataBreakpoint {
  dataId: string;
  condition?: string;
  hitCondition?: string;
}

export const EXCEPTION_FILTERS = [
  { filter: 'nan', label: 'NaN or Infinity', description: 'Stop at the step that produced NaN or ±Infinity, before the update that would spread it.', default: true, supportsCondition: false },
  { filter: 'exploding', label: 'Exploding gradient', description: 'Stop when a layer’s gradient norm exceeds the threshold (condition: an expression over gradNorm, e.g. gradNorm > 100; default 1e3).', default: false, supportsCondition: true, conditionDescription: 'e.g. gradNorm > 100' },
  { filter: 'vanishing', label: 'Vanishing gradient', description: 'Stop when a layer’s gradient norm falls below the threshold (condition: e.g. gradNorm < 1e-6; default 1e-7).', default: false, supportsCondition: true, conditionDescription: 'e.g. gradNorm < 1e-6' },
  { filter: 'rising', label: 'Loss rising', description: 'Stop when the moving average of the loss has risen 1.5× above its best.', default: false, supportsCondition: true, conditionDescription: 'e.g. loss > 1' },
] as const;

/** Function breakpoint names: phases, optionally with a layer number (forward2, update3). */
const FUNCTION_NAMES = ['forward', 'loss', 'backward', 'delta', 'gradient', 'clip', 'update', 'epoch', 'batch'];

/** Milliseconds of work between yields while running (keeps the extension host responsive). */
const SLICE_MS = 16;

export class DebugRuntime {
  readonly trainer: Trainer;
  readonly stepper: Stepper;
  readonly source: SourceMap;
  granularity: StepGranularity;
  private rules: Rule[] = [];
  private lineRules: Rule[] = [];
  private functionRules: Rule[] = [];
  private exceptionRules: Rule[] = [];
  private dataRules: Rule[] = [];
  private nextId = 1;
  /** Values watched by data breakpoints, as last seen. */
  private readonly watched = new Map<string, number>();
  /** Set by pause(); checked between slices. */
  private pauseRequested = false;
  private running = false;

  private constructor(
    readonly net: ResolvedNetwork,
    readonly text: string,
    readonly fileName: string,
    options: LaunchOptions,
  ) {
    const trainerOptions: { epochs?: number; historyBytes?: number } = {};
    if (options.epochs !== undefined) trainerOptions.epochs = options.epochs;
    if (options.historyMB !== undefined) trainerOptions.historyBytes = options.historyMB * 1024 * 1024;
    this.trainer = new Trainer(net, trainerOptions);
    this.stepper = new Stepper(this.trainer);
    this.source = new SourceMap(text);
    this.granularity = options.granularity ?? 'layer';
  }


  /** Load and resolve a network file. Never throws: problems come back as diagnostics. */
  static async load(text: string, fileName: string, host: DataHost | undefined, options: LaunchOptions = {}): Promise<{ runtime?: DebugRuntime; diagnostics: Diagnostic[] }> {
    const loadOptions: { seed?: number } = {};
    if (options.seed !== undefined) loadOptions.seed = options.seed;
    const loaded = await loadNetwork(text, fileName, host, loadOptions);
    if (!loaded.network || hasErrors(loaded.diagnostics)) return { diagnostics: loaded.diagnostics };
    return { runtime: new DebugRuntime(loaded.network, text, fileName, options), diagnostics: loaded.diagnostics };
  }

  get L(): number {
    return this.net.layers.length + 1;
  }

  get event(): StepEvent | null {
    return this.stepper.view.event;
  }

  get finished(): boolean {
    return this.trainer.finished && this.stepper.view.neuron === null && this.stepper.view.example === null;
  }

  // ------------------------------------------------------------------------------------------
  // Breakpoints
  // ------------------------------------------------------------------------------------------

  setLineBreakpoints(bps: LineBreakpoint[]): BreakpointResult[] {
    const results: BreakpointResult[] = [];
    const rules: Rule[] = [];
    for (const bp of bps) {
      const id = this.nextId++;
      const target = this.source.targetAt(bp.line);
      const where = describeTarget(target, this.L);
      if (target.kind === 'none' || target.kind === 'input') {
        const first = this.source.layers[1]?.start;
        results.push({
          id,
          verified: false,
          line: bp.line,
          message:
            target.kind === 'input'
              ? 'layer 1 is the input: nothing is computed there. Put the breakpoint on a computing layer (2…L).'
              : `line ${bp.line} declares no layer. Put line breakpoints on a layer in "layers"${first ? ` (from line ${first})` : ''}, on "loss" or on "optimizer".`,
        });
        continue;
      }
      try {
        const rule = this.makeRule(id, 'line', bp, {
          matches: (e) => targetMatches(target, e),
          candidate: (phase, layer) => (target.kind === 'layer' ? layer === target.layer : target.kind === 'loss' ? phase === 'loss' : phase === 'update'),
          describe: () => where,
        });
        if (bp.logMessage) rule.log = compileTemplate(bp.logMessage);
        rules.push(rule);
        const line = target.kind === 'layer' ? this.source.layerLine(target.layer) : bp.line;
        results.push({ id, verified: true, line });
      } catch (e) {
        results.push({ id, verified: false, line: bp.line, message: errorText(e) });
      }
    }
    this.lineRules = rules;
    this.collect();
    return results;
  }

  setFunctionBreakpoints(bps: NamedBreakpoint[]): BreakpointResult[] {
    const results: BreakpointResult[] = [];
    const rules: Rule[] = [];
    for (const bp of bps) {
      const id = this.nextId++;
      const m = /^\s*([a-z]+)\s*(\d+)?\s*$/i.exec(bp.name);
      const name = m?.[1]?.toLowerCase() ?? '';
      const layer = m?.[2] !== undefined ? Number(m[2]) : null;
      if (!m || !FUNCTION_NAMES.includes(name)) {
        const guess = FUNCTION_NAMES.find((n) => n.startsWith(bp.name.trim().toLowerCase().slice(0, 3)));
        results.push({ id, verified: false, message: `"${bp.name}" is not a phase. Use one of ${FUNCTION_NAMES.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}; add a layer number to stop at one layer (forward2, update3).` });
        continue;
      }
      if (layer !== null && (layer < 2 || layer > this.L || !['forward', 'backward', 'delta', 'gradient', 'update'].includes(name))) {
        results.push({ id, verified: false, message: layer < 2 || layer > this.L ? `layer ${layer} does not compute: layers 2…${this.L} do.` : `"${name}" has no layer number.` });
        continue;
      }
      const phases = name === 'backward' ? ['delta', 'gradient'] : name === 'epoch' ? ['epoch-end'] : name === 'batch' ? ['update'] : [name];
      const lastUpdate = (e: StepEvent) => e.kind === 'update' && e.layer === this.L;
      try {
        rules.push(
          this.makeRule(id, 'function', bp, {
            matches: (e) => (name === 'batch' ? lastUpdate(e) : phases.includes(e.kind) && (layer === null || ('layer' in e && e.layer === layer))),
            candidate: (phase, l) => (name === 'batch' ? phase === 'update' && l === this.L : phases.includes(phase) && (layer === null || l === layer)),
            describe: () => bp.name.trim(),
          }),
        );
        results.push({ id, verified: true });
      } catch (e) {
        results.push({ id, verified: false, message: errorText(e) });
      }
    }
    this.functionRules = rules;
    this.collect();
    return results;
  }

  setExceptionFilters(filters: ExceptionFilter[]): BreakpointResult[] {
    const results: BreakpointResult[] = [];
    const rules: Rule[] = [];
    for (const f of filters) {
      const id = this.nextId++;
      const known = EXCEPTION_FILTERS.find((x) => x.filter === f.filterId);
      if (!known) {
        results.push({ id, verified: false, message: `unknown exception filter "${f.filterId}"` });
        continue;
      }
      const bp = f.condition ? { condition: f.condition } : {};
      try {
        const hasCondition = !!f.condition;
        const spec: Pick<Rule, 'matches' | 'candidate' | 'describe'> =
          f.filterId === 'nan'
            ? { matches: (e) => e.nonFinite !== null, candidate: () => false, describe: describeNonFinite }
            : f.filterId === 'rising'
              ? { matches: (e) => e.kind === 'loss' && (hasCondition || e.rising), candidate: (p) => p === 'loss', describe: () => 'loss rising' }
              : f.filterId === 'exploding'
                ? { matches: (e) => e.kind === 'gradient' && (hasCondition || e.exploding), candidate: (p) => p === 'gradient', describe: (e) => `exploding gradient: ‖∂C/∂W${sup((e as { layer: number }).layer)}‖ = ${fmt((e as { norm: number }).norm)}` }
                : { matches: (e) => e.kind === 'gradient' && (hasCondition || e.vanishing), candidate: (p) => p === 'gradient', describe: (e) => `vanishing gradient: ‖∂C/∂W${sup((e as { layer: number }).layer)}‖ = ${fmt((e as { norm: number }).norm)}` };
        rules.push({ ...this.makeRule(id, 'exception', bp, spec), filter: f.filterId });
        results.push({ id, verified: true });
      } catch (e) {
        results.push({ id, verified: false, message: errorText(e) });
      }
    }
    this.exceptionRules = rules;
    this.collect();
    return results;
  }

  /** What a data breakpoint on a variable would watch (a single weight or bias), or why it cannot. */
  dataBreakpointInfo(name: string): { dataId: string | null; description: string } {
    const p = parseParamRef(name.replace(/\s+/g, ''));
    if (!p) return { dataId: null, description: 'Data breakpoints watch one weight or bias, e.g. W3[0][1] or b2[0].' };
    const err = this.checkParam(p);
    if (err) return { dataId: null, description: err };
    const id = p.kind === 'W' ? `W${p.layer}[${p.row}][${p.col}]` : `b${p.layer}[${p.row}]`;
    return { dataId: id, description: `${id} changes` };
  }

  setDataBreakpoints(bps: DataBreakpoint[]): BreakpointResult[] {
    const results: BreakpointResult[] = [];
    const rules: Rule[] = [];
    this.watched.clear();
    for (const bp of bps) {
      const id = this.nextId++;
      const p = parseParamRef(bp.dataId);
      const err = p ? this.checkParam(p) : `"${bp.dataId}" is not a weight or bias`;
      if (!p || err) {
        results.push({ id, verified: false, message: err ?? '' });
        continue;
      }
      const key = bp.dataId;
      // Remembered per breakpoint: two breakpoints on one weight each see its changes.
      const slot = `${id}:${key}`;
      this.watched.set(slot, this.paramValue(p));
      try {
        rules.push(
          this.makeRule(id, 'data', bp, {
            matches: (e) => {
              if (e.kind !== 'update' || e.layer !== p.layer) return false;
              const now = this.paramValue(p);
              const before = this.watched.get(slot);
              this.watched.set(slot, now);
              return !Object.is(now, before);
            },
            candidate: (phase, l) => phase === 'update' && l === p.layer,
            describe: () => `${key} changed to ${fmt(this.paramValue(p))}`,
          }),
        );
        results.push({ id, verified: true });
      } catch (e) {
        results.push({ id, verified: false, message: errorText(e) });
      }
    }
    this.dataRules = rules;
    this.collect();
    return results;
  }

  private makeRule(id: number, kind: Rule['kind'], bp: { condition?: string; hitCondition?: string }, spec: Pick<Rule, 'matches' | 'candidate' | 'describe'>): Rule {
    const condition = bp.condition && bp.condition.trim() ? compileExpression(bp.condition) : null;
    if (condition) this.checkNames(condition.names);
    const hit = bp.hitCondition && bp.hitCondition.trim() ? parseHitCondition(bp.hitCondition) : null;
    return { id, kind, condition, hit, log: null, hits: 0, filter: null, ...spec };
  }

  /** Unknown names in a condition are reported when it is set, not when it first runs. */
  private checkNames(names: readonly string[]): void {
    const known = new Set(this.nameList());
    for (const n of names) {
      if (!known.has(n)) {
        const list = this.nameList();
        const guess = suggestName(n, list);
        throw new ExprError(`unknown name "${n}"${guess ? `; did you mean "${guess}"?` : ''} (names: ${list.slice(0, 24).join(', ')}, …)`, 0, 0);
      }
    }
  }

  private collect(): void {
    this.rules = [...this.exceptionRules, ...this.dataRules, ...this.functionRules, ...this.lineRules];
    const P = this.trainer.program.length;
    this.candidates = new Uint8Array(P + 1);
    for (let i = 0; i <= P; i++) {
      const micro = i < P ? this.trainer.program[i] : null;
      const phase = micro ? micro.phase : 'epoch-end';
      const layer = micro && micro.pos >= 0 ? micro.pos + 2 : null;
      this.candidates[i] = this.rules.some((r) => r.candidate(phase, layer)) ? 1 : 0;
    }
    this.anyCandidate = this.candidates.some((c) => c === 1);
  }
  private candidates = new Uint8Array(0);
  private anyCandidate = false;

  /** Steps until the next step a breakpoint could stop at (or until the end). */
  private stepsToCandidate(): number {
    const t = this.trainer;
    const left = t.totalSteps - t.step;
    if (!this.anyCandidate) return left;
    const P = t.program.length;
    for (let k = 1; k <= Math.min(left, P + 1); k++) {
      const loc = t.locate(t.step + k);
      if (this.candidates[loc.micro ? loc.index : P]) return k;
    }
    // Only the epoch end (index P) can match, and it is further away.
    return this.candidates[P] ? t.stepsToPause('epoch') : left;
  }

  /** Evaluate the rules on the event just executed. Logpoints print through `log`; returns a stop or null. */
  private check(e: StepEvent, log: (text: string) => void, reverse = false): StopInfo | null {
    let stop: StopInfo | null = null;
    for (const r of this.rules) {
      // A logpoint never stops, so reverse continue passes over it (it logs only going forward).
      if (reverse && r.log) continue;
      if (!r.matches(e)) continue;
      if (r.condition) {
        let ok = false;
        try {
          ok = truthy(r.condition.evaluate(this.env()));
        } catch (err) {
          // A value this step has not computed (δ during the forward pass): the condition is not met here.
          // Any other failure stops, so that a broken condition is seen.
          if (err instanceof NotAvailable) ok = false;
          else {
            if (!reverse) log(`breakpoint condition "${r.condition.source}" failed: ${errorText(err)} — stopping here.\n`);
            ok = true;
          }
        }
        if (!ok) continue;
      }
      if (!reverse) {
        r.hits++;
        if (r.hit && !hitMatches(r.hit, r.hits)) continue;
        if (r.log) {
          log(r.log.render(this.env()) + '\n');
          continue;
        }
      }
      const reason: StopReason = r.kind === 'line' ? 'breakpoint' : r.kind === 'function' ? 'function breakpoint' : r.kind === 'data' ? 'data breakpoint' : 'exception';
      if (!stop) stop = { reason, description: r.describe(e), hitBreakpointIds: [r.id] };
      else if (stop.reason === reason) stop.hitBreakpointIds.push(r.id);
      if (r.kind === 'exception') stop.text = r.describe(e);
    }
    return stop;
  }

  // ------------------------------------------------------------------------------------------
  // Motion
  // ------------------------------------------------------------------------------------------

  /** Step forward by a granularity. Steps of more than one micro-step stop at breakpoints on the way. */
  async stepForward(g: StepGranularity, log: (text: string) => void): Promise<StopInfo> {
    const view = this.stepper.view;
    if (g === 'neuron' || g === 'example' || ((view.neuron !== null || view.example !== null) && g === 'layer')) {
      if (this.trainer.finished && !this.canSubStep(g)) return { reason: 'end', description: 'training finished', hitBreakpointIds: [] };
      const v = this.stepper.forward(g === 'layer' ? 'layer' : g);
      this.refreshWatched();
      const e = v.event;
      if (e?.nonFinite) return { reason: 'exception', description: describeNonFinite(e), text: describeNonFinite(e), hitBreakpointIds: [] };
      return { reason: 'step', hitBreakpointIds: [] };
    }
    if (this.trainer.finished) return { reason: 'end', description: 'training finished', hitBreakpointIds: [] };
    const target = this.trainer.step + this.trainer.stepsToPause(g);
    return this.runTo(target, log);
  }

  private canSubStep(g: StepGranularity): boolean {
    const v = this.stepper.view;
    const e = v.event;
    if (!e) return false;
    if (g === 'neuron' && v.neuron !== null) {
      const n = e.kind === 'forward' ? e.z.length / e.examples.length : e.kind === 'delta' ? e.delta.length / e.examples.length : e.kind === 'gradient' ? e.db.length : e.kind === 'update' ? e.b.length : 0;
      return v.neuron + 1 < n;
    }
    if (g === 'example' && v.example !== null) return v.example + 1 < e.examples.length;
    return false;
  }

  /**
   * Step Out: from a neuron or example sub-step, to the end of the phase; at a phase's end, to the end of
   * the mini-batch; at a mini-batch's end, to the end of the epoch; otherwise to the end of the phase.
   */
  async stepOut(log: (text: string) => void): Promise<StopInfo> {
    const t = this.trainer;
    const v = this.stepper.view;
    const sub = v.neuron !== null || v.example !== null;
    const atPhaseEnd = t.step > t.firstStep && this.stepper.isPause(t.step, 'phase');
    if (sub && atPhaseEnd) {
      this.stepper.goTo(t.step);
      return { reason: 'step', hitBreakpointIds: [] };
    }
    if (t.finished) return { reason: 'end', description: 'training finished', hitBreakpointIds: [] };
    const g = sub || !atPhaseEnd ? 'phase' : this.stepper.isPause(t.step, 'batch') ? 'epoch' : 'batch';
    return this.runTo(t.step + t.stepsToPause(g), log);
  }

  async continue(log: (text: string) => void): Promise<StopInfo> {
    if (this.trainer.finished) return { reason: 'end', description: 'training finished', hitBreakpointIds: [] };
    return this.runTo(this.trainer.totalSteps, log);
  }

  /** Run training to the end without breakpoints (for "Run Without Debugging"); stops only on NaN or pause. */
  async runToEnd(onEpoch: (text: string) => void): Promise<StopInfo> {
    return this.runTo(this.trainer.totalSteps, onEpoch, false);
  }

  epochLine(epoch: number): string {
    const r = this.trainer.epochResult(epoch - 1);
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const v = r.validation ? `; validation loss ${fmt(r.validation.loss)}, accuracy ${pct(r.validation.accuracy)}` : '';
    return `epoch ${epoch}/${this.trainer.epochs}: loss ${fmt(r.train.loss)}, accuracy ${pct(r.train.accuracy)}${v}\n`;
  }

  /** Ask a running continue/step to stop at the next slice boundary. */
  pause(): void {
    if (this.running) this.pauseRequested = true;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Run forward to step `target`, stopping at breakpoints on the way; long runs go in time slices and
   * yield between them, and pause() stops them.
   */
  private async runTo(target: number, log: (text: string) => void, breakpoints = true): Promise<StopInfo> {
    const t = this.trainer;
    this.running = true;
    this.pauseRequested = false;
    // Without breakpoints (Run Without Debugging) a NaN still ends the run: training cannot go on from it.
    const nanRule = breakpoints ? this.exceptionRules.find(isNanRule) : undefined;
    const stopOnNaN = !breakpoints || nanRule !== undefined;
    const nanStop = (e: StepEvent | null): StopInfo => {
      const text = e ? describeNonFinite(e) : 'NaN or Infinity';
      return { reason: 'exception', description: text, text, hitBreakpointIds: nanRule ? [nanRule.id] : [] };
    };
    let lastEpoch = t.epochsCompleted;
    const epochsDone = () => {
      for (; lastEpoch < t.epochsCompleted; lastEpoch++) log(this.epochLine(lastEpoch + 1));
    };
    try {
      let chunk = 64;
      let sliceStart = now();
      while (t.step < target) {
        const toCandidate = breakpoints ? this.stepsToCandidate() : Infinity;
        const quiet = Math.min(toCandidate - 1, target - t.step - 1, chunk);
        if (quiet > 0) {
          const before = now();
          const r = t.advance(quiet);
          chunk = now() - before < SLICE_MS / 4 ? Math.min(chunk * 2, 1 << 20) : Math.max(1, chunk >> 1);
          epochsDone();
          if (r.stopped && stopOnNaN) {
            const e = this.stepper.goTo(t.step).event;
            this.refreshWatched();
            return nanStop(e);
          }
        } else {
          const e = t.next();
          if (!e) break;
          epochsDone();
          // The stepper's view follows the trainer (without a replay: the event is the last one).
          this.stepper.goTo(t.step);
          const stop = breakpoints ? this.check(e, log) : e.nonFinite ? nanStop(e) : null;
          if (stop) {
            this.refreshWatched();
            return stop;
          }
        }
        if (now() - sliceStart > SLICE_MS) {
          await yieldToHost();
          sliceStart = now();
          if (this.pauseRequested) {
            this.stepper.goTo(t.step);
            this.refreshWatched();
            return { reason: 'pause', hitBreakpointIds: [] };
          }
        }
      }
      const ev = this.stepper.goTo(t.step).event;
      this.refreshWatched();
      if (ev?.nonFinite && stopOnNaN) return nanStop(ev);
      return t.finished ? { reason: 'end', description: 'training finished', hitBreakpointIds: [] } : { reason: 'step', hitBreakpointIds: [] };
    } finally {
      this.running = false;
    }
  }

  /** Step back by a granularity (exact: the engine replays from a checkpoint). */
  stepBack(g: StepGranularity): StopInfo {
    if (this.trainer.step <= this.trainer.firstStep && this.stepper.view.neuron === null && this.stepper.view.example === null) {
      return { reason: 'step', description: this.trainer.firstStep > 0 ? 'history starts at the last edit' : 'start of training', hitBreakpointIds: [] };
    }
    this.stepper.backward(g);
    this.refreshWatched();
    return { reason: 'step', hitBreakpointIds: [] };
  }

  /**
   * Reverse Continue: back to the latest earlier step where a breakpoint (with its condition; hit counts
   * and logpoints do not apply backwards) would stop, or to the start.
   */
  async reverseContinue(): Promise<StopInfo> {
    const t = this.trainer;
    const here = t.step;
    const first = t.firstStep;
    if (here <= first) return { reason: 'step', description: first > 0 ? 'history starts at the last edit' : 'start of training', hitBreakpointIds: [] };
    this.running = true;
    this.pauseRequested = false;
    try {
      let found: { step: number; stop: StopInfo } | null = null;
      if (this.rules.length) {
        t.goTo(first);
        // Data breakpoints compare each update with the value before it: start from the value at `first`.
        this.refreshWatched();
        let sliceStart = now();
        while (t.step < here - 1) {
          const quiet = Math.min(this.stepsToCandidate() - 1, here - 1 - t.step - 1);
          if (quiet > 0) t.advance(quiet);
          else {
            const e = t.next();
            if (!e) break;
            // Conditions read the current step's values (gradNorm from its event): the view follows the replay.
            this.stepper.goTo(t.step);
            const stop = this.check(e, () => {}, true);
            if (stop) found = { step: t.step, stop };
          }
          if (now() - sliceStart > SLICE_MS) {
            await yieldToHost();
            sliceStart = now();
            if (this.pauseRequested) break;
          }
        }
      }
      this.stepper.goTo(found ? found.step : first);
      this.refreshWatched();
      return found ? found.stop : { reason: 'step', description: first > 0 ? 'history starts at the last edit' : 'start of training', hitBreakpointIds: [] };
    } finally {
      this.running = false;
    }
  }

  /** Restart from step 0 (same network, same seed: the same numbers). */
  restart(): void {
    this.stepper.goTo(this.trainer.firstStep);
    this.refreshWatched();
    for (const r of this.rules) r.hits = 0;
  }

  private refreshWatched(): void {
    for (const slot of this.watched.keys()) {
      const p = parseParamRef(slot.slice(slot.indexOf(':') + 1));
      if (p) this.watched.set(slot, this.paramValue(p));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Values of the current step
  // ------------------------------------------------------------------------------------------

  /** Which of this mini-batch's quantities have been computed at the current step. */
  computed(l: number): { z: boolean; delta: boolean; grad: boolean } {
    const t = this.trainer;
    const K = this.net.layers.length;
    const pos = l - 2;
    // At step 0, and at the start of an edited mini-batch (whose previous batch belongs to the unedited run).
    if (t.step <= t.firstStep || pos < 0 || pos >= K) return { z: false, delta: false, grad: false };
    const loc = t.locate(t.step);
    if (!loc.micro) return { z: false, delta: false, grad: false };
    const i = loc.index;
    return { z: i >= pos, delta: i >= K + 1 + (K - 1 - pos), grad: i >= 2 * K + 1 + (K - 1 - pos) };
  }

  /** Rows of the current mini-batch in the workspace (0 before the first step). */
  get batchRows(): number {
    return this.trainer.step <= this.trainer.firstStep || !this.trainer.locate(this.trainer.step).micro ? 0 : this.trainer.ws.m;
  }

  /** A per-example quantity of the current batch as a tensor: a vector for a batch of one. */
  batchTensor(buf: Float64Array, n: number): Tensor {
    const m = this.batchRows;
    const data = buf.slice(0, m * n);
    return m === 1 ? tensor(data, [n]) : tensor(data, [m, n]);
  }

  /** The layer the current step is about (the output layer for the loss, clip and epoch end). */
  get currentLayer(): number {
    const pos = this.trainer.position;
    return pos.phase === 'start' ? 2 : (pos.layer ?? this.L);
  }

  /** The value of a name in expressions, or undefined when it is unknown. Throws when it is known but not computed yet. */
  lookup(name: string): Value | undefined {
    const t = this.trainer;
    const pos = t.position;
    const lastEpoch = t.epochsCompleted > 0 ? t.epochResult(t.epochsCompleted - 1) : null;
    switch (name) {
      case 'epoch':
        return pos.epoch;
      case 'batch':
        return pos.batch;
      case 'step':
        return pos.step;
      case 'layer':
        return this.currentLayer;
      case 'L':
        return this.L;
      case 'neuron':
        return this.stepper.view.neuron ?? NaN;
      case 'example':
        return this.stepper.view.example ?? NaN;
      case 'loss':
        return this.currentLoss();
      case 'lr':
      case 'eta':
      case 'η':
        return this.net.optimizer.learningRate;
      case 'gradNorm': {
        const e = this.event;
        return e && e.kind === 'gradient' ? e.norm : this.layerGradNorm(this.currentLayer);
      }
      case 'accuracy':
        return lastEpoch ? lastEpoch.train.accuracy : NaN;
      case 'trainLoss':
        return lastEpoch ? lastEpoch.train.loss : NaN;
      case 'valAccuracy':
        return lastEpoch?.validation ? lastEpoch.validation.accuracy : NaN;
      case 'valLoss':
        return lastEpoch?.validation ? lastEpoch.validation.loss : NaN;
      case 'x':
      case 'a1':
        return this.needBatch('x', () => this.batchTensor(t.ws.X, this.net.inputSize));
      case 'y':
        return this.needBatch('y', () => this.batchTensor(t.ws.T, this.net.layers[this.net.layers.length - 1].size));
      case 'costs':
        return this.needBatch('costs', () => (this.computed(2).z && this.lossComputed() ? tensor(t.ws.costs.slice(0, t.ws.m), [t.ws.m]) : this.notYet('the per-example costs', 'loss')));
    }
    const m = /^(z|a|delta|δ|W|b|dW|db|mask|mu|var|gamma|beta)(\d+)?$/.exec(name);
    if (!m) return undefined;
    const l = m[2] !== undefined ? Number(m[2]) : this.currentLayer;
    if (!Number.isInteger(l) || l < 1 || l > this.L) return undefined;
    return this.layerValue(m[1] === 'δ' ? 'delta' : m[1], l);
  }

  private needBatch(what: string, f: () => Value): Value {
    if (this.batchRows === 0) throw new NotAvailable(this.noBatchText(what));
    return f();
  }

  /** Why a per-batch quantity has no value at a step with no mini-batch in progress (the start, an epoch's end). */
  private noBatchText(what: string): string {
    const t = this.trainer;
    if (t.step > 0 && t.step === t.firstStep) {
      const next = t.locate(t.step + 1);
      return `${what}: history starts at the last edit, before mini-batch ${next.batchInEpoch + 1} of epoch ${next.epoch + 1} (step forward)`;
    }
    if (t.step > 0 && !t.locate(t.step).micro) {
      const epoch = t.position.epoch;
      return `${what}: no mini-batch is in progress at the end of epoch ${epoch} (${epoch < t.epochs ? `the next step starts epoch ${epoch + 1}` : 'training is finished'})`;
    }
    return `${what} is not loaded yet: no mini-batch has started (step forward first)`;
  }

  /** A quantity of the current mini-batch that its step has not computed yet. */
  private notYet(what: string, phase: string): never {
    if (this.trainer.step > 0 && this.batchRows === 0) throw new NotAvailable(this.noBatchText(what));
    throw new NotAvailable(`${what} is not computed yet in this mini-batch (the ${phase} step computes it)`);
  }

  private lossComputed(): boolean {
    const t = this.trainer;
    if (t.step <= t.firstStep) return false;
    const loc = t.locate(t.step);
    return !!loc.micro && loc.index >= this.net.layers.length;
  }

  /** Whether a loss is known: this mini-batch's is computed, or an earlier one's was recorded. */
  lossKnown(): boolean {
    return this.lossComputed() || this.trainer.losses.value.length > 0;
  }

  /** The loss of the current mini-batch when computed, else the last recorded batch loss. */
  currentLoss(): number {
    const t = this.trainer;
    if (this.lossComputed()) {
      let s = 0;
      for (let i = 0; i < t.ws.m; i++) s += t.ws.costs[i];
      return s / t.ws.m;
    }
    const h = t.losses;
    return h.value.length ? h.value[h.value.length - 1] : NaN;
  }

  /** ‖∂C/∂W^l, ∂C/∂b^l (, ∂C/∂γ, ∂C/∂β)‖ of the current mini-batch, or NaN while not computed. */
  layerGradNorm(l: number): number {
    const p = this.trainer.model.layers[l - 2];
    if (!p || !this.computed(l).grad) return NaN;
    let s = 0;
    for (const arr of [p.dW, p.db, p.dGamma, p.dBeta]) if (arr) for (let i = 0; i < arr.length; i++) s += arr[i] * arr[i];
    return Math.sqrt(s);
  }

  layerValue(q: string, l: number): Value | undefined {
    const t = this.trainer;
    if (l === 1) {
      if (q === 'a') return this.lookup('x');
      throw new Error(`layer 1 is the input: it has only a¹ = x`);
    }
    const pos = l - 2;
    const spec = this.net.layers[pos];
    const p = t.model.layers[pos];
    const buf = t.ws.layers[pos];
    const n = spec.size;
    const c = this.computed(l);
    switch (q) {
      case 'W':
        return tensor(p.W.slice(), [n, spec.inputSize]);
      case 'b':
        return tensor(p.b.slice(), [n]);
      case 'z':
        return c.z ? this.batchTensor(buf.Z, n) : this.notYet(`z${sup(l)}`, 'forward');
      case 'a':
        return c.z ? this.batchTensor(buf.A, n) : this.notYet(`a${sup(l)}`, 'forward');
      case 'delta':
        return c.delta ? this.batchTensor(buf.D, n) : this.notYet(`δ${sup(l)}`, 'backward (δ)');
      case 'dW':
        return c.grad ? tensor(p.dW.slice(), [n, spec.inputSize]) : this.notYet(`∂C/∂W${sup(l)}`, 'gradient');
      case 'db':
        return c.grad ? tensor(p.db.slice(), [n]) : this.notYet(`∂C/∂b${sup(l)}`, 'gradient');
      case 'mask':
        if (!buf.mask) throw new Error(`layer ${l} has no dropout`);
        return c.z ? this.batchTensor(buf.mask, n) : this.notYet(`the dropout mask of layer ${l}`, 'forward');
      case 'mu':
      case 'var':
        if (!buf.mean) throw new Error(`layer ${l} has no batch normalization`);
        return c.z ? tensor((q === 'mu' ? buf.mean : buf.variance!).slice(), [n]) : this.notYet(`the batch statistics of layer ${l}`, 'forward');
      case 'gamma':
      case 'beta':
        if (!p.gamma) throw new Error(`layer ${l} has no batch normalization`);
        return tensor((q === 'gamma' ? p.gamma : p.beta!).slice(), [n]);
    }
    return undefined;
  }

  /** Every name expressions can use. */
  nameList(): string[] {
    // Layer-numbered names first: a misspelt `delt3` is closest to `delta3`, before `delta`.
    const names: string[] = [];
    for (let l = 2; l <= this.L; l++) {
      for (const q of ['z', 'a', 'delta', 'δ', 'W', 'b', 'dW', 'db']) names.push(`${q}${l}`);
      const spec = this.net.layers[l - 2];
      if (spec.dropout > 0) names.push(`mask${l}`);
      if (spec.batchNorm) names.push(`mu${l}`, `var${l}`, `gamma${l}`, `beta${l}`);
    }
    names.push('epoch', 'batch', 'step', 'layer', 'L', 'neuron', 'example', 'loss', 'lr', 'eta', 'η', 'gradNorm', 'accuracy', 'trainLoss', 'valAccuracy', 'valLoss', 'x', 'y', 'costs', 'z', 'a', 'delta', 'δ', 'W', 'b', 'dW', 'db', 'a1');
    return names;
  }

  env(): ExprEnv {
    return { lookup: (n) => this.lookup(n), names: () => this.nameList() };
  }

  evaluate(expression: string): Value {
    return compileExpression(expression).evaluate(this.env());
  }

  // ------------------------------------------------------------------------------------------
  // Edit and continue
  // ------------------------------------------------------------------------------------------

  private checkParam(p: ParamRef): string | null {
    if (p.layer < 2 || p.layer > this.L) return `layer ${p.layer} has no parameters: layers 2…${this.L} do`;
    const spec = this.net.layers[p.layer - 2];
    if (p.row < 0 || p.row >= spec.size) return `${p.kind}${p.layer} has ${spec.size} rows: index ${p.row} is out of range 0…${spec.size - 1}`;
    if (p.kind === 'W' && (p.col < 0 || p.col >= spec.inputSize)) return `W${p.layer} has ${spec.inputSize} columns: index ${p.col} is out of range 0…${spec.inputSize - 1}`;
    return null;
  }

  private paramValue(p: ParamRef): number {
    const lp = this.trainer.model.layers[p.layer - 2];
    return p.kind === 'W' ? lp.W[p.row * this.net.layers[p.layer - 2].inputSize + p.col] : lp.b[p.row];
  }

  /**
   * Set a weight, bias, input of the current mini-batch or hyper-parameter, as of the start of the current
   * mini-batch, and recompute up to the current step. Returns the new value.
   */
  setValue(target: string, value: number): number {
    if (!Number.isFinite(value)) throw new Error(`the new value must be a finite number (got ${value})`);
    // Own properties only: `toString`, `constructor` … are not hyper-parameters.
    const hyper = Object.prototype.hasOwnProperty.call(HYPER, target) ? HYPER[target] : undefined;
    if (hyper) {
      const o = this.net.optimizer as unknown as Record<string, number>;
      if (hyper.check && !hyper.check(value)) throw new Error(`${target} must be ${hyper.range}`);
      const unused = this.unusedHyper(hyper.field, value);
      if (unused) throw new Error(unused);
      this.edit(() => (o[hyper.field] = value));
      return o[hyper.field];
    }
    const p = parseParamRef(target);
    if (p) {
      const err = this.checkParam(p);
      if (err) throw new Error(err);
      const spec = this.net.layers[p.layer - 2];
      this.edit(() => {
        const lp = this.trainer.model.layers[p.layer - 2];
        if (p.kind === 'W') lp.W[p.row * spec.inputSize + p.col] = value;
        else lp.b[p.row] = value;
      });
      return this.paramValue(p);
    }
    const x = /^(x|a1)\[(-?\d+)\](?:\[(-?\d+)\])?$/.exec(target.replace(/\s+/g, ''));
    if (x) {
      const t = this.trainer;
      const m = this.batchRows;
      if (m === 0) throw new Error(this.noBatchText('x'));
      const nIn = this.net.inputSize;
      // x[row][col] always; x[col] for a mini-batch of one (where x is a vector).
      const row = x[3] !== undefined ? Number(x[2]) : m === 1 ? 0 : NaN;
      const col = x[3] !== undefined ? Number(x[3]) : m === 1 ? Number(x[2]) : NaN;
      if (Number.isNaN(col)) throw new Error(`x is ${m}×${nIn} (one row per example of the mini-batch): write x[row][column]`);
      if (!(row >= 0 && row < m && col >= 0 && col < nIn)) throw new Error(`x is ${m === 1 ? `a vector of ${nIn}` : `${m}×${nIn}`}: index ${x[3] !== undefined ? `[${x[2]}][${x[3]}]` : `[${x[2]}]`} is out of range`);
      const dataRow = t.examples[row];
      this.edit(() => (this.net.train.inputs[dataRow * nIn + col] = value));
      return this.net.train.inputs[dataRow * nIn + col];
    }
    throw new Error(`"${target}" cannot be edited: edit a weight (W2[0][1]), a bias (b2[0]), an input of this mini-batch (x[0]) or a hyper-parameter (lr, momentum, beta1, beta2, weightDecay). z, a, δ and gradients are computed from those.`);
  }

  /**
   * Why a hyper-parameter edit would not take effect, or null. The optimizer state is allocated at launch
   * (no momentum buffer when momentum was 0), so momentum cannot be switched on later.
   */
  private unusedHyper(field: string, value: number): string | null {
    const type = this.net.optimizer.type;
    if ((field === 'beta1' || field === 'beta2') && type !== 'adam' && type !== 'adamw') return `${field} is used only by adam and adamw; this network uses ${type}`;
    if (field === 'momentum' && this.trainer.optimizerStates(2).W.momentum === null) {
      if (type === 'adam' || type === 'adamw') return `${type} has no momentum setting: its beta1 plays that role`;
      if (value !== 0) return `${type} was launched without momentum, so it keeps no momentum buffer: set "momentum" in the network file and restart`;
    }
    return null;
  }

  private edit(apply: () => void): void {
    const v = this.stepper.view;
    const t = this.trainer;
    const here = t.step;
    if (here > 0 && here === t.firstStep) {
      // At the start of an edited mini-batch (where step back stops), that mini-batch is the one to edit, but
      // Trainer.edit takes the mini-batch of the step just executed (the one before, no longer restorable):
      // edit from the first step of this mini-batch, then come back.
      t.next();
    }
    t.edit(apply);
    // Keep the neuron / example sub-step the user was on.
    this.stepper.goTo(here);
    if (v.neuron !== null || v.example !== null) Object.assign(this.stepper.view, { neuron: v.neuron, example: v.example });
    this.refreshWatched();
  }

  /** One line per diagnostic, for messages. */
  static describeDiagnostics(diagnostics: Diagnostic[]): string {
    return diagnostics.map(formatDiagnostic).join('\n');
  }
}

const HYPER: Record<string, { field: string; check?: (v: number) => boolean; range?: string }> = {
  lr: { field: 'learningRate', check: (v) => v >= 0, range: '≥ 0' },
  eta: { field: 'learningRate', check: (v) => v >= 0, range: '≥ 0' },
  η: { field: 'learningRate', check: (v) => v >= 0, range: '≥ 0' },
  learningRate: { field: 'learningRate', check: (v) => v >= 0, range: '≥ 0' },
  momentum: { field: 'momentum', check: (v) => v >= 0 && v < 1, range: 'in [0, 1)' },
  beta1: { field: 'beta1', check: (v) => v >= 0 && v < 1, range: 'in [0, 1)' },
  beta2: { field: 'beta2', check: (v) => v >= 0 && v < 1, range: 'in [0, 1)' },
  weightDecay: { field: 'weightDecay', check: (v) => v >= 0, range: '≥ 0' },
};

/** A quantity that has no value at the current step (not computed yet in this mini-batch, or no mini-batch in progress). */
export class NotAvailable extends Error {}

export const EDITABLE_HYPERPARAMETERS = ['learningRate', 'momentum', 'beta1', 'beta2', 'weightDecay'];

interface ParamRef {
  kind: 'W' | 'b';
  layer: number;
  row: number;
  col: number;
}

/** `W3[0][1]`, `W3[0,1]`, `b2[1]` → a parameter reference. */
export function parseParamRef(s: string): ParamRef | null {
  let m = /^W(\d+)\[(\d+)\](?:\[(\d+)\]|,?(\d+)\])$/.exec(s) ?? /^W(\d+)\[(\d+),(\d+)\]$/.exec(s);
  m = /^W(\d+)\[(\d+)\]\[(\d+)\]$/.exec(s) ?? /^W(\d+)\[(\d+),(\d+)\]$/.exec(s);
  if (m) return { kind: 'W', layer: Number(m[1]), row: Number(m[2]), col: Number(m[3]) };
  m = /^b(\d+)\[(\d+)\]$/.exec(s);
  if (m) return { kind: 'b', layer: Number(m[1]), row: Number(m[2]), col: 0 };
  return null;
}

function isNanRule(r: Rule): boolean {
  return r.filter === 'nan';
}

function describeNonFinite(e: StepEvent): string {
  const nf = e.nonFinite;
  if (!nf) return 'NaN or Infinity';
  const l = nf.layer !== null ? sup(nf.layer) : '';
  const q = nf.quantity === 'delta' ? `δ${l}` : nf.quantity === 'gradient' ? `∂C/∂W${l}` : nf.quantity === 'loss' ? 'the loss' : nf.quantity === 'parameters' ? `W${l}` : `${nf.quantity}${l}`;
  return `NaN or Infinity in ${q} (stopped before the update that would spread it)`;
}

function describeTarget(t: BreakTarget, L: number): string {
  switch (t.kind) {
    case 'layer':
      return `layer ${t.layer}${t.layer === L ? ' (output)' : ''}`;
    case 'loss':
      return 'loss';
    case 'optimizer':
      return 'update';
    default:
      return '';
  }
}

function targetMatches(t: BreakTarget, e: StepEvent): boolean {
  switch (t.kind) {
    case 'layer':
      return 'layer' in e && e.layer === t.layer;
    case 'loss':
      return e.kind === 'loss';
    case 'optimizer':
      return e.kind === 'update';
    default:
      return false;
  }
}

/** DAP hit conditions: `5` or `== 5` (the 5th hit), `>= 5`, `> 5`, `% 3` (every 3rd). */
export function parseHitCondition(s: string): HitCondition {
  const m = /^\s*(==|=|>=|>|%)?\s*(\d+)\s*$/.exec(s);
  if (!m) throw new ExprError(`hit count "${s}" is not understood: write a number (stop at that hit), ">= n", "> n" or "% n" (every n-th hit)`, 0, s.length);
  const op = (m[1] === '=' || !m[1] ? '==' : m[1]) as HitCondition['op'];
  const n = Number(m[2]);
  if (op === '%' && n === 0) throw new ExprError('hit count "% 0" would never stop: use % 1 or more', 0, s.length);
  return { op, n };
}

function hitMatches(h: HitCondition, hits: number): boolean {
  switch (h.op) {
    case '==':
      return hits === h.n;
    case '>=':
      return hits >= h.n;
    case '>':
      return hits > h.n;
    case '%':
      return hits % h.n === 0;
  }
}

/** Numbers as the debugger shows them: 9 significant digits (0.298371109, 1e-7, 1.23456789e12). */
export function fmt(x: number): string {
  return formatNumber(x, 9);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Let the host's event loop run (DAP requests such as pause arrive in between). */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
