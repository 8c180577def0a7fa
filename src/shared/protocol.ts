/**
 * The message protocol between the extension host (src/extension/panel.ts) and the stepper panel's
 * webview (webview/). One discriminated union per direction, a ready handshake and request ids:
 *
 *   webview → host  { type: 'ready' }                       once its script runs (and after a reload)
 *   host → webview  { type: 'snapshot', seq, snapshot }     the session's state at a step (or none)
 *   webview → host  { type: 'select', selection }           the user picked a layer/neuron/example/table
 *   host → webview  { type: 'snapshot', … }                 the same step seen with the new selection
 *   webview → host  { type: 'action', action }              a debug-toolbar action (step, back, …)
 *   webview → host  { type: 'request', id, request }        a question with an answer (gradient check)
 *   host → webview  { type: 'response', id, … }             its answer, or an error message
 *   webview → host  { type: 'painted', seq, … }             the snapshot seq is on screen (latency, tests)
 *   host → webview  { type: 'settings', settings, l10n? }   display settings (precision, colour scale), after
 *                                                            ready and whenever they change; after ready also
 *                                                            the translations (vscode.l10n.bundle) if not English
 *   webview → host  { type: 'answer' | 'reveal', id, … }    a lab question answered (or revealed)
 *   host → webview  { type: 'graded', id, … }               its grade (then a snapshot with the value shown)
 *   webview → host  { type: 'copyLatex' }                   copy the substituted equation's LaTeX
 *
 * Every message is checked on arrival by the `parse…` functions below: anything else is dropped with
 * a reason, never trusted. The module has no dependency (no DOM, no Node, no vscode): both sides import it.
 *
 * Numbers: JSON has no NaN or ±Infinity, and VS Code serializes messages, so numbers that may be
 * non-finite travel as `Num` (a number, or one of the strings 'NaN', 'Infinity', '-Infinity');
 * `enc`/`dec` convert.
 */

export const PROTOCOL_VERSION = 1;

// ------------------------------------------------------------------------------------------------
// Numbers
// ------------------------------------------------------------------------------------------------

export type Num = number | 'NaN' | 'Infinity' | '-Infinity';

export function enc(x: number): Num {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function dec(v: Num): number {
  return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

export function encArray(a: ArrayLike<number>, start = 0, end = a.length): Num[] {
  const out: Num[] = new Array(Math.max(0, end - start));
  for (let i = start; i < end; i++) out[i - start] = enc(a[i]);
  return out;
}

const isNum = (v: unknown): v is Num => (typeof v === 'number' && Number.isFinite(v)) || v === 'NaN' || v === 'Infinity' || v === '-Infinity';

// ------------------------------------------------------------------------------------------------
// What the panel shows
// ------------------------------------------------------------------------------------------------

/** The quantity neurons are coloured by, and the one edges are coloured by. */
export type NeuronQuantity = 'a' | 'z' | 'delta';
export type EdgeQuantity = 'W' | 'dW';
/** On-demand tables of the selected layer. */
export type TableKind = 'W' | 'b' | 'dW' | 'db' | 'optimizer';
export const TABLE_KINDS: readonly TableKind[] = ['W', 'b', 'dW', 'db', 'optimizer'];

/** What Step (F10) steps over; 'neuron' and 'example' step inside a layer step (views of it). */
export type PanelGranularity = 'neuron' | 'example' | 'layer' | 'phase' | 'batch' | 'epoch';
export const PANEL_GRANULARITIES: readonly PanelGranularity[] = ['neuron', 'example', 'layer', 'phase', 'batch', 'epoch'];

export type PanelAction = 'stepBack' | 'step' | 'stepInto' | 'stepOut' | 'continue' | 'pause' | 'restart' | 'reverseContinue';
export const PANEL_ACTIONS: readonly PanelAction[] = ['stepBack', 'step', 'stepInto', 'stepOut', 'continue', 'pause', 'restart', 'reverseContinue'];

/** What the user has selected in the panel; the host answers with a snapshot seen through it. */
export interface Selection {
  /** Layer in the notation (1…L; 1 is the input). */
  layer: number;
  /** 0-based neuron j of that layer. */
  neuron: number;
  /** 0-based example (row) of the mini-batch. */
  example: number;
  /** 0-based input k of the selected neuron's weight w^l_jk (for its history and gradient check), or null. */
  weight: number | null;
  neurons: NeuronQuantity;
  edges: EdgeQuantity;
  /** Tables of the selected layer to include. */
  tables: TableKind[];
}

export const DEFAULT_SELECTION: Selection = { layer: 2, neuron: 0, example: 0, weight: null, neurons: 'a', edges: 'W', tables: [] };

/**
 * Where a number in an equation came from, so pointing at it can highlight its origin:
 * `q` the quantity, `l` its layer (notation), `j` the neuron (0-based), `k` the input (weights).
 */
export interface Ref {
  q: 'a' | 'z' | 'delta' | 'sigmaPrime' | 'y' | 'W' | 'b' | 'dW' | 'db' | 'cost';
  l: number;
  j: number;
  k?: number;
}

/** The string form of a Ref, as carried in KaTeX's \htmlData{ref=…} and in data-ref attributes. */
export function refKey(r: Ref): string {
  return r.k === undefined ? `${r.q}:${r.l}:${r.j}` : `${r.q}:${r.l}:${r.j}:${r.k}`;
}

export function parseRefKey(s: string): Ref | null {
  const m = /^(a|z|delta|sigmaPrime|y|W|b|dW|db|cost):(\d{1,4}):(\d{1,6})(?::(\d{1,6}))?$/.exec(s);
  if (!m) return null;
  const r: Ref = { q: m[1] as Ref['q'], l: Number(m[2]), j: Number(m[3]) };
  if (m[4] !== undefined) r.k = Number(m[4]);
  return r;
}

/** The equation of the current step. */
export interface EquationView {
  /** e.g. "Backpropagate the error (BP2)". */
  title: string;
  /** The rule's name, when it has one: 'BP1' … 'BP4', 'forward', 'loss', 'update'. */
  rule: string;
  /** The general form, LaTeX (e.g. \delta^{2} = ((W^{3})^T \delta^{3}) \odot \sigma'(z^{2})). */
  general: string;
  /**
   * The same equation for the selected neuron with the real numbers substituted, LaTeX. Numbers are
   * wrapped in \htmlData{ref=<refKey>}{…} so the panel can link them to their origin; null when the
   * step has no per-neuron equation (start, clipping, epoch end).
   */
  substituted: string | null;
  /** What `substituted` is about: "neuron 1 of layer 2, example 1 of 4". */
  subject: string;
  /** The substituted equation as plain text (screen readers, copy), one line per equation. */
  text: string[];
}

/** One layer as the panel draws it, for the selected example. */
export interface LayerView {
  /** Notation index: 1 = input … L = output. */
  l: number;
  size: number;
  /** 'input' for layer 1. */
  activation: string;
  /** What the current mini-batch has computed for this layer at this step. */
  computed: { z: boolean; delta: boolean; grad: boolean };
  /**
   * Per-neuron values for the selected example (null when not computed yet at this step). For layer 1,
   * `a` is the input x and z, delta are null.
   */
  z: Num[] | null;
  a: Num[] | null;
  delta: Num[] | null;
  /** Biases (null for layer 1). */
  b: Num[] | null;
  /** ‖∂C/∂W^l, ∂C/∂b^l‖ of this mini-batch when computed, else null. */
  gradNorm: Num | null;
  /** Share of ReLU neurons ≤ 0 for every example of the batch (dead for this batch); null when not a ReLU layer or z not computed. */
  deadShare: number | null;
  /**
   * The incoming weights W^l (size × inputs, row-major) — or their gradient when edges are 'dW' —
   * only when the layer is small enough to draw every edge (size·inputs ≤ EDGE_LIMIT), else null.
   */
  edges: Num[] | null;
}

/** Layers with more incoming weights than this are drawn without individual edges. */
export const EDGE_LIMIT = 4096;
/** A table with more cells than this is sent as the selected neuron's row only. */
export const TABLE_CELL_LIMIT = 4096;

export interface TableView {
  kind: TableKind | 'm' | 'v' | 'momentum';
  /** e.g. "W³ (2 × 2)", "∂C/∂W³, row 1 (784 of 100352)". */
  title: string;
  rows: number;
  cols: number;
  /** 0-based index of the first row shown (a row slice of a large table). */
  rowOffset: number;
  values: Num[];
}

export interface PhaseCell {
  /** e.g. "forward 2", "loss", "δ³ (BP1)", "∂C/∂W² (BP3, BP4)", "update 3", "clip". */
  label: string;
  phase: 'forward' | 'loss' | 'delta' | 'gradient' | 'clip' | 'update' | 'epoch-end';
  layer: number | null;
  state: 'done' | 'current' | 'todo';
}

export interface Series {
  /** x: step or batch number; y values (may be non-finite). */
  x: number[];
  y: Num[];
}

export interface HistoryView {
  /** Mini-batch loss by batch number (1-based, over the whole run), thinned to at most HISTORY_POINTS. */
  loss: Series;
  /** Loss on the training and validation sets at each epoch end (x = epoch). */
  epochTrain: Series;
  epochValidation: Series | null;
  /** Gradient norm per computing layer (keys 2…L as strings) by batch. */
  gradNorms: Record<string, Series>;
  /** The selected weight's value and optimizer state by batch (only when a weight is selected). */
  weight: { label: string; value: Series; state: Record<string, Series> } | null;
}

export const HISTORY_POINTS = 400;

export interface HealthBadge {
  kind: 'nan' | 'exploding' | 'vanishing' | 'dead-relu' | 'rising-loss';
  severity: 'error' | 'warning' | 'info';
  /** One line: what is wrong, where. */
  title: string;
  /** What it means and the usual remedies. */
  detail: string;
  layer: number | null;
}

/** The decision boundary of a network with two inputs: the output's class over a grid. */
export interface BoundaryView {
  /** Grid size (n × n), the input ranges, and per cell the predicted value in [0, 1] for one output or the class index. */
  n: number;
  x0: number; x1: number; y0: number; y1: number;
  /** 'probability' (one sigmoid output: P(class 1)) or 'class' (argmax index). */
  kind: 'probability' | 'class';
  values: number[];
  classes: number;
  /** The training points (at most 500): x, y and class. */
  points: { x: number; y: number; c: number }[];
}

export interface Position {
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
  /** 1-based mini-batch within the epoch, and mini-batches per epoch. */
  batch: number;
  batches: number;
  /** Examples in the mini-batch (0 when none is in progress), and the dataset rows (1-based, first 16). */
  examples: number;
  rows: number[];
  phase: 'start' | 'forward' | 'loss' | 'delta' | 'gradient' | 'clip' | 'update' | 'epoch-end' | 'end';
  layer: number | null;
  /** Neuron / example being stepped through (F11), 0-based, or null. */
  neuron: number | null;
  example: number | null;
  /** The mini-batch's cost when computed (else the last recorded; null before the first loss step), and the hyper-parameters shown. */
  loss: Num | null;
  optimizer: string;
  learningRate: number;
  /** Why the session is stopped: 'entry', 'step', 'breakpoint', … or 'running'. */
  reason: string;
  canStepBack: boolean;
}

/** How the panel colours values (the setting backprop.display.colorScale). */
export type ColorScale = 'diverging' | 'symmetric-log' | 'grayscale';
export const COLOR_SCALES: readonly ColorScale[] = ['diverging', 'symmetric-log', 'grayscale'];

/** The display settings the panel follows (backprop.display.*). */
export interface PanelSettings {
  /** Significant digits of the numbers shown (2…17). */
  precision: number;
  colorScale: ColorScale;
}
export const DEFAULT_SETTINGS: PanelSettings = { precision: 4, colorScale: 'diverging' };
export const MIN_PRECISION = 2;
export const MAX_PRECISION = 17;

/** One question of a lab as the question card shows it. */
export interface QuestionView {
  id: string;
  prompt: string;
  /** The value in the notation (δ²₁) and where it is asked ("step 5 (epoch 1, mini-batch 1, δ of layer 2)"). */
  symbol: string;
  step: number;
  where: string;
  /** open: not answered; the others are final. */
  status: 'open' | 'correct' | 'incorrect' | 'revealed';
  /** The session is at a step where the panel would show this value: it is hidden now. */
  hiddenNow: boolean;
  /** Once answered or revealed: the answer, the value, the feedback and the points earned. */
  given: number | null;
  expected: Num | null;
  feedback: string;
  hint: string | null;
  points: number;
  earned: number;
}

export interface ExerciseView {
  title: string;
  instructions: string;
  questions: QuestionView[];
  /** Points earned of the total, and questions answered of all. */
  score: { earned: number; total: number; answered: number; count: number };
}

export interface Snapshot {
  /** The network file's name (for the title). */
  name: string;
  position: Position;
  layers: LayerView[];
  /** The selection this snapshot was built for (the host clamps it to the network). */
  selection: Selection;
  equation: EquationView;
  phases: PhaseCell[];
  tables: TableView[];
  history: HistoryView;
  health: HealthBadge[];
  boundary: BoundaryView | null;
  granularity: PanelGranularity;
  loss: string;
  /** The lab of the network file (when it has an exercise section). */
  exercise?: ExerciseView | null;
  /**
   * Values the panel must not show (lab questions not answered yet): refKeys, and 'loss' for the mini-batch's
   * cost. Their numbers in this snapshot are sent as 'NaN'; the equation shows them as ?.
   */
  hidden?: string[];
}

export interface GradientCheckResult {
  label: string;
  analytic: Num;
  numeric: Num;
  relError: Num;
  epsilon: number;
  /** "pass" below 1e-7, "warn" below 1e-4, else "fail" (the usual thresholds). */
  verdict: 'pass' | 'warn' | 'fail';
}

// ------------------------------------------------------------------------------------------------
// Messages
// ------------------------------------------------------------------------------------------------

export type WebviewRequest = { kind: 'gradientCheck'; layer: number; neuron: number; weight: number | null };

export type ToWebview =
  | { type: 'snapshot'; seq: number; snapshot: Snapshot; sentAt: number }
  | { type: 'idle'; seq: number; message: string }
  | { type: 'running'; seq: number }
  | { type: 'response'; id: number; ok: true; result: GradientCheckResult }
  | { type: 'response'; id: number; ok: false; error: string }
  /** `l10n`: the host's vscode.l10n.bundle (message → translation) in the first one after ready; absent for English. */
  | { type: 'settings'; settings: PanelSettings; l10n?: Record<string, string> }
  | { type: 'graded'; id: number; ok: true; question: QuestionView; score: ExerciseView['score'] }
  | { type: 'graded'; id: number; ok: false; error: string };

export type FromWebview =
  | { type: 'ready'; version: number }
  | { type: 'select'; selection: Selection }
  | { type: 'action'; action: PanelAction }
  | { type: 'granularity'; granularity: PanelGranularity }
  | { type: 'request'; id: number; request: WebviewRequest }
  /**
   * The snapshot `seq` is on screen: `at` is the animation frame after the DOM update (the frame that paints
   * it); `received` and `rendered` (optional) when the message arrived and when the DOM update finished.
   * All on the clock performance.timeOrigin + performance.now().
   */
  | { type: 'painted'; seq: number; at: number; equation: string; summary: string; received?: number; rendered?: number }
  | { type: 'error'; message: string }
  /** A lab question's answer (a finite number), or a request to reveal its value (no points). */
  | { type: 'answer'; id: number; question: string; value: number }
  | { type: 'reveal'; id: number; question: string }
  /** Copy the current substituted equation as LaTeX (the host has the clipboard). */
  | { type: 'copyLatex' };

// ------------------------------------------------------------------------------------------------
// Validation (both directions: the receiving side calls these and drops what fails)
// ------------------------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = 1e9): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isStr = (v: unknown, max = 1e6): v is string => typeof v === 'string' && v.length <= max;
const oneOf = <T extends string>(v: unknown, options: readonly T[]): v is T => typeof v === 'string' && (options as readonly string[]).includes(v);
const bad = <T>(error: string): Parsed<T> => ({ ok: false, error });

export function parseSelection(v: unknown): Parsed<Selection> {
  if (!isObj(v)) return bad('selection is not an object');
  if (!isInt(v.layer, 1, 1000)) return bad('selection.layer is not a layer number');
  if (!isInt(v.neuron, 0, 1e6)) return bad('selection.neuron is not a neuron index');
  if (!isInt(v.example, 0, 1e6)) return bad('selection.example is not an example index');
  if (v.weight !== null && !isInt(v.weight, 0, 1e6)) return bad('selection.weight is neither null nor an input index');
  if (!oneOf(v.neurons, ['a', 'z', 'delta'] as const)) return bad('selection.neurons is not a, z or delta');
  if (!oneOf(v.edges, ['W', 'dW'] as const)) return bad('selection.edges is not W or dW');
  if (!Array.isArray(v.tables) || v.tables.length > TABLE_KINDS.length || !v.tables.every((t) => oneOf(t, TABLE_KINDS))) return bad('selection.tables is not a list of table kinds');
  return { ok: true, value: { layer: v.layer, neuron: v.neuron, example: v.example, weight: v.weight as number | null, neurons: v.neurons, edges: v.edges, tables: [...(v.tables as TableKind[])] } };
}

/** Check a message from the webview (host side). */
export function parseFromWebview(v: unknown): Parsed<FromWebview> {
  if (!isObj(v) || typeof v.type !== 'string') return bad('message is not an object with a type');
  switch (v.type) {
    case 'ready':
      return isInt(v.version, 0, 1000) ? { ok: true, value: { type: 'ready', version: v.version } } : bad('ready: version missing');
    case 'select': {
      const s = parseSelection(v.selection);
      return s.ok ? { ok: true, value: { type: 'select', selection: s.value } } : s;
    }
    case 'action':
      return oneOf(v.action, PANEL_ACTIONS) ? { ok: true, value: { type: 'action', action: v.action } } : bad(`action: unknown action ${JSON.stringify(v.action)}`);
    case 'granularity':
      return oneOf(v.granularity, PANEL_GRANULARITIES) ? { ok: true, value: { type: 'granularity', granularity: v.granularity } } : bad('granularity: unknown granularity');
    case 'request': {
      if (!isInt(v.id, 0, Number.MAX_SAFE_INTEGER)) return bad('request: id is not a non-negative integer');
      const r = v.request;
      if (!isObj(r) || r.kind !== 'gradientCheck') return bad('request: unknown request kind');
      if (!isInt(r.layer, 2, 1000) || !isInt(r.neuron, 0, 1e6) || (r.weight !== null && !isInt(r.weight, 0, 1e6))) return bad('request: gradientCheck needs layer ≥ 2, neuron and weight (or null for the bias)');
      return { ok: true, value: { type: 'request', id: v.id, request: { kind: 'gradientCheck', layer: r.layer, neuron: r.neuron, weight: r.weight as number | null } } };
    }
    case 'painted':
      if (!isInt(v.seq, 0, Number.MAX_SAFE_INTEGER) || typeof v.at !== 'number' || !isStr(v.equation, 100000) || !isStr(v.summary, 100000)) return bad('painted: seq, at, equation and summary required');
      if ((v.received !== undefined && typeof v.received !== 'number') || (v.rendered !== undefined && typeof v.rendered !== 'number')) return bad('painted: received and rendered are times');
      return { ok: true, value: { type: 'painted', seq: v.seq, at: v.at, equation: v.equation, summary: v.summary, ...(typeof v.received === 'number' ? { received: v.received } : {}), ...(typeof v.rendered === 'number' ? { rendered: v.rendered } : {}) } };
    case 'error':
      return isStr(v.message, 10000) ? { ok: true, value: { type: 'error', message: v.message } } : bad('error: message missing');
    case 'answer':
      if (!isInt(v.id, 0, Number.MAX_SAFE_INTEGER)) return bad('answer: id is not a non-negative integer');
      if (!isQuestionId(v.question)) return bad('answer: question is not a question id');
      if (typeof v.value !== 'number' || !Number.isFinite(v.value)) return bad('answer: value is not a finite number');
      return { ok: true, value: { type: 'answer', id: v.id, question: v.question, value: v.value } };
    case 'reveal':
      if (!isInt(v.id, 0, Number.MAX_SAFE_INTEGER)) return bad('reveal: id is not a non-negative integer');
      return isQuestionId(v.question) ? { ok: true, value: { type: 'reveal', id: v.id, question: v.question } } : bad('reveal: question is not a question id');
    case 'copyLatex':
      return { ok: true, value: { type: 'copyLatex' } };
    default:
      return bad(`unknown message type ${JSON.stringify(v.type).slice(0, 40)}`);
  }
}

/** A lab question's id as the network file allows it. */
const isQuestionId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(v);

export function parseSettings(v: unknown): Parsed<PanelSettings> {
  if (!isObj(v)) return bad('settings is not an object');
  if (!isInt(v.precision, MIN_PRECISION, MAX_PRECISION)) return bad(`settings.precision is not a whole number from ${MIN_PRECISION} to ${MAX_PRECISION}`);
  if (!oneOf(v.colorScale, COLOR_SCALES)) return bad(`settings.colorScale is not one of ${COLOR_SCALES.join(', ')}`);
  return { ok: true, value: { precision: v.precision, colorScale: v.colorScale } };
}

/** Bounds of a translation bundle (the panel's and the extension's messages: a few hundred). */
export const L10N_MAX_ENTRIES = 10000;
export const L10N_MAX_CHARS = 10000;

/** A translation bundle: an object of strings by string, bounded; copied into a fresh object. */
export function parseL10nBundle(v: unknown): Parsed<Record<string, string>> {
  if (!isObj(v)) return bad('l10n is not an object');
  const entries = Object.entries(v);
  if (entries.length > L10N_MAX_ENTRIES) return bad(`l10n has more than ${L10N_MAX_ENTRIES} messages`);
  for (const [k, t] of entries) if (k.length > L10N_MAX_CHARS || !isStr(t, L10N_MAX_CHARS)) return bad(`l10n[${JSON.stringify(k.slice(0, 40))}] is not a string of at most ${L10N_MAX_CHARS} characters`);
  // Object.fromEntries defines own properties: a "__proto__" message stays a message.
  return { ok: true, value: Object.fromEntries(entries) as Record<string, string> };
}

const QUESTION_STATUSES = ['open', 'correct', 'incorrect', 'revealed'] as const;

function checkQuestion(q: unknown): boolean {
  return (
    isObj(q) &&
    isQuestionId(q.id) &&
    isStr(q.prompt, 10000) &&
    isStr(q.symbol, 100) &&
    isInt(q.step, 0, Number.MAX_SAFE_INTEGER) &&
    isStr(q.where, 1000) &&
    oneOf(q.status, QUESTION_STATUSES) &&
    typeof q.hiddenNow === 'boolean' &&
    (q.given === null || (typeof q.given === 'number' && Number.isFinite(q.given))) &&
    (q.expected === null || isNum(q.expected)) &&
    isStr(q.feedback, 10000) &&
    (q.hint === null || isStr(q.hint, 10000)) &&
    typeof q.points === 'number' &&
    typeof q.earned === 'number'
  );
}

const isScore = (s: unknown): boolean => isObj(s) && typeof s.earned === 'number' && typeof s.total === 'number' && isInt(s.answered) && isInt(s.count);

function checkExercise(e: unknown): string | null {
  if (e === null || e === undefined) return null;
  if (!isObj(e) || !isStr(e.title, 1000) || !isStr(e.instructions, 100000)) return 'snapshot.exercise';
  if (!Array.isArray(e.questions) || e.questions.length > 1000 || !e.questions.every(checkQuestion)) return 'snapshot.exercise.questions';
  if (!isScore(e.score)) return 'snapshot.exercise.score';
  return null;
}

const isNumArray = (v: unknown): v is Num[] => Array.isArray(v) && v.every(isNum);
const isNumArrayOrNull = (v: unknown): boolean => v === null || isNumArray(v);
const isSeries = (v: unknown): v is Series => isObj(v) && Array.isArray(v.x) && v.x.every((x) => typeof x === 'number') && isNumArray(v.y) && v.x.length === v.y.length;

function checkSnapshot(s: unknown): string | null {
  if (!isObj(s)) return 'snapshot is not an object';
  if (!isStr(s.name, 1000)) return 'snapshot.name';
  const p = s.position;
  if (!isObj(p) || !isInt(p.step) || !isInt(p.totalSteps) || !isInt(p.epoch) || !isInt(p.epochs) || !isInt(p.batch) || !isInt(p.batches) || !isInt(p.examples)) return 'snapshot.position counters';
  if (!Array.isArray(p.rows) || !p.rows.every((r) => isInt(r))) return 'snapshot.position.rows';
  if (!oneOf(p.phase, ['start', 'forward', 'loss', 'delta', 'gradient', 'clip', 'update', 'epoch-end', 'end'] as const)) return 'snapshot.position.phase';
  if (p.layer !== null && !isInt(p.layer, 1, 1000)) return 'snapshot.position.layer';
  if ((p.neuron !== null && !isInt(p.neuron)) || (p.example !== null && !isInt(p.example))) return 'snapshot.position.neuron/example';
  if ((p.loss !== null && !isNum(p.loss)) || !isStr(p.optimizer, 100) || typeof p.learningRate !== 'number' || !isStr(p.reason, 100) || typeof p.canStepBack !== 'boolean') return 'snapshot.position fields';
  if (!Array.isArray(s.layers) || s.layers.length < 2 || s.layers.length > 1000) return 'snapshot.layers';
  for (const [i, l] of s.layers.entries()) {
    if (!isObj(l) || l.l !== i + 1 || !isInt(l.size, 1, 1e6) || !isStr(l.activation, 40) || !isObj(l.computed)) return `snapshot.layers[${i}]`;
    for (const f of ['z', 'a', 'delta', 'b', 'edges'] as const) if (!isNumArrayOrNull(l[f])) return `snapshot.layers[${i}].${f}`;
    for (const f of ['z', 'a', 'delta'] as const) if (Array.isArray(l[f]) && (l[f] as unknown[]).length !== l.size) return `snapshot.layers[${i}].${f} length`;
    if (l.gradNorm !== null && !isNum(l.gradNorm)) return `snapshot.layers[${i}].gradNorm`;
    if (l.deadShare !== null && typeof l.deadShare !== 'number') return `snapshot.layers[${i}].deadShare`;
  }
  const sel = parseSelection(s.selection);
  if (!sel.ok) return `snapshot.${sel.error}`;
  const e = s.equation;
  if (!isObj(e) || !isStr(e.title, 1000) || !isStr(e.rule, 100) || !isStr(e.general, 10000) || (e.substituted !== null && !isStr(e.substituted, 100000)) || !isStr(e.subject, 1000) || !Array.isArray(e.text) || !e.text.every((t) => isStr(t, 100000))) return 'snapshot.equation';
  if (!Array.isArray(s.phases) || !s.phases.every((c) => isObj(c) && isStr(c.label, 200) && oneOf(c.state, ['done', 'current', 'todo'] as const))) return 'snapshot.phases';
  if (!Array.isArray(s.tables) || !s.tables.every((t) => isObj(t) && isStr(t.title, 1000) && isInt(t.rows) && isInt(t.cols) && isInt(t.rowOffset) && isNumArray(t.values) && t.values.length === (t.rows as number) * (t.cols as number))) return 'snapshot.tables';
  const h = s.history;
  if (!isObj(h) || !isSeries(h.loss) || !isSeries(h.epochTrain) || (h.epochValidation !== null && !isSeries(h.epochValidation)) || !isObj(h.gradNorms) || !Object.values(h.gradNorms).every(isSeries)) return 'snapshot.history';
  if (h.weight !== null && !(isObj(h.weight) && isStr(h.weight.label, 200) && isSeries(h.weight.value) && isObj(h.weight.state) && Object.values(h.weight.state).every(isSeries))) return 'snapshot.history.weight';
  if (!Array.isArray(s.health) || !s.health.every((b) => isObj(b) && oneOf(b.kind, ['nan', 'exploding', 'vanishing', 'dead-relu', 'rising-loss'] as const) && oneOf(b.severity, ['error', 'warning', 'info'] as const) && isStr(b.title, 1000) && isStr(b.detail, 10000))) return 'snapshot.health';
  const bd = s.boundary;
  if (bd !== null && !(isObj(bd) && isInt(bd.n, 1, 256) && Array.isArray(bd.values) && bd.values.length === (bd.n as number) * (bd.n as number) && bd.values.every((x) => typeof x === 'number') && Array.isArray(bd.points))) return 'snapshot.boundary';
  if (!oneOf(s.granularity, PANEL_GRANULARITIES)) return 'snapshot.granularity';
  if (!isStr(s.loss, 100)) return 'snapshot.loss';
  const ex = checkExercise(s.exercise);
  if (ex) return ex;
  if (s.hidden !== undefined && !(Array.isArray(s.hidden) && s.hidden.length <= 10000 && s.hidden.every((k) => isStr(k, 64)))) return 'snapshot.hidden';
  return null;
}

/** Check a message from the host (webview side). */
export function parseToWebview(v: unknown): Parsed<ToWebview> {
  if (!isObj(v) || typeof v.type !== 'string') return bad('message is not an object with a type');
  switch (v.type) {
    case 'snapshot': {
      if (!isInt(v.seq, 0, Number.MAX_SAFE_INTEGER) || typeof v.sentAt !== 'number') return bad('snapshot: seq and sentAt required');
      const err = checkSnapshot(v.snapshot);
      return err ? bad(`snapshot: malformed ${err}`) : { ok: true, value: v as ToWebview };
    }
    case 'idle':
      return isInt(v.seq, 0, Number.MAX_SAFE_INTEGER) && isStr(v.message, 10000) ? { ok: true, value: { type: 'idle', seq: v.seq, message: v.message } } : bad('idle: seq and message required');
    case 'running':
      return isInt(v.seq, 0, Number.MAX_SAFE_INTEGER) ? { ok: true, value: { type: 'running', seq: v.seq } } : bad('running: seq required');
    case 'response': {
      if (!isInt(v.id, 0, Number.MAX_SAFE_INTEGER)) return bad('response: id required');
      if (v.ok === false) return isStr(v.error, 10000) ? { ok: true, value: { type: 'response', id: v.id, ok: false, error: v.error } } : bad('response: error text required');
      const r = v.result;
      if (v.ok !== true || !isObj(r) || !isStr(r.label, 200) || !isNum(r.analytic) || !isNum(r.numeric) || !isNum(r.relError) || typeof r.epsilon !== 'number' || !oneOf(r.verdict, ['pass', 'warn', 'fail'] as const)) return bad('response: malformed gradient-check result');
      return { ok: true, value: v as ToWebview };
    }
    case 'settings': {
      const st = parseSettings(v.settings);
      if (!st.ok) return bad(`settings: ${st.error}`);
      if (v.l10n === undefined) return { ok: true, value: { type: 'settings', settings: st.value } };
      const l10n = parseL10nBundle(v.l10n);
      return l10n.ok ? { ok: true, value: { type: 'settings', settings: st.value, l10n: l10n.value } } : bad(`settings: ${l10n.error}`);
    }
    case 'graded': {
      if (!isInt(v.id, 0, Number.MAX_SAFE_INTEGER)) return bad('graded: id required');
      if (v.ok === false) return isStr(v.error, 10000) ? { ok: true, value: { type: 'graded', id: v.id, ok: false, error: v.error } } : bad('graded: error text required');
      if (v.ok !== true || !checkQuestion(v.question) || !isScore(v.score)) return bad('graded: malformed question or score');
      return { ok: true, value: v as ToWebview };
    }
    default:
      return bad(`unknown message type ${JSON.stringify(v.type).slice(0, 40)}`);
  }
}
