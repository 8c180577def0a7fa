// The stepper panel's webview: receives the host's snapshots (checked with parseToWebview), draws the
// position, the phase strip, the equation, the network, the tables and the plots, and posts the user's
// selections and debug actions back. Keyboard shortcuts: webview/keys.ts (and README.md here).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import 'katex/dist/katex.css';
import './styles.css';
import {
  PROTOCOL_VERSION,
  TABLE_KINDS,
  PANEL_GRANULARITIES,
  parseRefKey,
  parseSelection,
  type FromWebview,
  type GradientCheckResult,
  type NeuronQuantity,
  type PanelAction,
  type PanelGranularity,
  type Selection,
  type Snapshot,
  type TableKind,
  type ToWebview,
  parseToWebview,
} from '../src/shared/protocol';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { colorScale, readTheme, setColorScale, themeVersion } from './colors';
import { Diagram } from './diagram';
import { h, setAttr, setText, toggleClass, type Localized } from './dom';
import { EquationPane } from './equation';
import { ExerciseCard } from './exercise';
import { fmt, fmtNum, setPrecision, sub, subPair, sup } from './format';
import { SHORTCUTS, commandFor, shortcutFor, type Command } from './keys';
import { l10n, localize, setL10nBundle } from './l10n';
import { BoundaryPlot, LinePlot, type PlotSeries } from './plots';
import { ChangeTracker, LayerTables, ParamTables, tableLabel } from './tables';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface UiState {
  selection: Selection | null;
  pages: Record<string, number>;
  help: boolean;
}

const vscode = acquireVsCodeApi();
const post = (m: FromWebview): void => vscode.postMessage(m);

/** The state saved before a reload, checked like a message (it may come from an older version of the panel). */
function loadState(): UiState {
  const s = vscode.getState() as Partial<Record<keyof UiState, unknown>> | null | undefined;
  const sel = s?.selection ? parseSelection(s.selection) : null;
  const pages: Record<string, number> = {};
  if (s?.pages && typeof s.pages === 'object') for (const [l, p] of Object.entries(s.pages)) if (Number.isInteger(p) && (p as number) >= 0) pages[l] = p as number;
  return { selection: sel?.ok ? sel.value : null, pages, help: s?.help === true };
}

const ui = loadState();
const saveState = (): void => vscode.setState(ui);

// ------------------------------------------------------------------------------------------------
// Layout
// ------------------------------------------------------------------------------------------------

// Text is read in the current language when shown (l10n.ts): tables of functions, not of strings.
const NEURON_LABEL: Record<NeuronQuantity, Localized> = { a: () => l10n.t('a (activation)'), z: () => l10n.t('z (weighted input)'), delta: () => l10n.t('δ (error)') };
const ACTIONS: { action: PanelAction; label: Localized; text: Localized; primary?: boolean }[] = [
  { action: 'restart', label: () => l10n.t('Restart'), text: () => `⟲ ${l10n.t('Restart')}` },
  { action: 'reverseContinue', label: () => l10n.t('Reverse continue'), text: () => `◀◀ ${l10n.t('Reverse')}` },
  { action: 'stepBack', label: () => l10n.t('Step back'), text: () => `← ${l10n.t('Back')}` },
  { action: 'step', label: () => l10n.t('Step'), text: () => `${l10n.t('Step')} →`, primary: true },
  { action: 'stepInto', label: () => l10n.t('Step into'), text: () => `↘ ${l10n.t('Into')}` },
  { action: 'stepOut', label: () => l10n.t('Step out'), text: () => `↗ ${l10n.t('Out')}` },
  { action: 'continue', label: () => l10n.t('Continue'), text: () => `▶ ${l10n.t('Continue')}` },
  { action: 'pause', label: () => l10n.t('Pause'), text: () => `‖ ${l10n.t('Pause')}` },
];
const GRANULARITY_LABEL: Record<PanelGranularity, Localized> = {
  neuron: () => l10n.t('by neuron'),
  example: () => l10n.t('by example'),
  layer: () => l10n.t('by layer'),
  phase: () => l10n.t('by phase'),
  batch: () => l10n.t('by batch'),
  epoch: () => l10n.t('by epoch'),
};
const PHASE_NAMES: Record<string, Localized> = {
  start: () => l10n.t('start'),
  forward: () => l10n.t('forward pass'),
  loss: () => l10n.t('loss'),
  delta: () => l10n.t('backpropagate δ'),
  gradient: () => l10n.t('gradients'),
  clip: () => l10n.t('clipping'),
  update: () => l10n.t('update'),
  'epoch-end': () => l10n.t('epoch end'),
  end: () => l10n.t('finished'),
};
/** The rows of the position list: its key (and class pos-<key>) and its term. */
const POSITION_ITEMS: [string, Localized][] = [
  ['Epoch', () => l10n.t('Epoch')],
  ['Batch', () => l10n.t('Batch')],
  ['Example', () => l10n.t('Example')],
  ['Phase', () => l10n.t('Phase')],
  ['Layer', () => l10n.t('Layer')],
  ['Step', () => l10n.t('Step')],
  ['Loss', () => l10n.t('Loss')],
  ['Optimizer', () => l10n.t('Optimizer')],
];

/**
 * A select's options in the current language. They are built again when the language changes (a
 * vscode-single-select reads its options' text when they are added), keeping the value.
 */
function fillOptions(select: HTMLElement & { value: string }, options: [string, Localized][]): void {
  localize(() => {
    const value = select.value;
    select.replaceChildren(...options.map(([v, label]) => h('vscode-option', { value: v }, label())));
    if (value) select.value = value;
  });
}

const app = document.getElementById('app')!;
app.replaceChildren();
localize(() => app.setAttribute('aria-label', l10n.t('Backprop Stepper panel')));
const body = document.body;

const titleEl = h('h1', { class: 'title' }, () => l10n.t('Backprop Stepper'));
const statusBadge = h('span', { class: 'status', role: 'status' }, l10n.t('Waiting for the debugger…'));
const position = h('dl', { class: 'position', 'aria-label': () => l10n.t('Where training is') });
const posItems = new Map<string, HTMLElement>();
for (const [k, term] of POSITION_ITEMS) {
  const v = h('dd');
  posItems.set(k, v);
  position.append(h('div', { class: `pos-item pos-${k.toLowerCase()}` }, h('dt', {}, term), v));
}
const header = h('header', { class: 'header' }, h('div', { class: 'title-row' }, titleEl, statusBadge), position);

// Toolbar
const buttons = new Map<PanelAction, HTMLElement>();
const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': () => l10n.t('Debug actions') });
for (const a of ACTIONS) {
  const sc = shortcutFor(a.action);
  const b = h('vscode-button', { 'data-action': a.action, secondary: !a.primary, title: () => `${a.label()}${sc ? ` (${sc.label})` : ''}`, 'aria-label': a.label, 'aria-keyshortcuts': sc?.aria ?? null }, a.text);
  b.addEventListener('click', () => act(a.action));
  buttons.set(a.action, b);
  toolbar.append(b);
}
const granularity = h('vscode-single-select', { class: 'granularity', 'aria-label': () => l10n.t('Step granularity: what Step advances by'), title: () => l10n.t('What Step (→) advances by') }) as HTMLElement & { value: string };
fillOptions(granularity, PANEL_GRANULARITIES.map((g) => [g, GRANULARITY_LABEL[g]]));
granularity.addEventListener('change', () => {
  const g = granularity.value as PanelGranularity;
  if (PANEL_GRANULARITIES.includes(g) && g !== last?.granularity) post({ type: 'granularity', granularity: g });
});
const checkButton = h('vscode-button', { class: 'grad-check', secondary: true, title: () => l10n.t('Check the selected weight’s (or bias’s) gradient by finite differences (G)'), 'aria-keyshortcuts': 'G' }, () => l10n.t('Check gradient'));
checkButton.addEventListener('click', () => gradientCheck());
const helpButton = h('vscode-button', { secondary: true, title: () => l10n.t('Keyboard shortcuts (?)'), 'aria-label': () => l10n.t('Keyboard shortcuts'), 'aria-keyshortcuts': 'Shift+?', 'aria-expanded': 'false' }, '?');
helpButton.addEventListener('click', () => toggleHelp());
toolbar.append(h('span', { class: 'toolbar-gap' }), h('label', { class: 'inline-label' }, () => l10n.t('Step')), granularity, checkButton, helpButton);

const helpPanel = h('section', { class: 'card help', id: 'help', 'aria-label': () => l10n.t('Keyboard shortcuts') });
{
  const list = h('dl', { class: 'shortcuts' });
  for (const s of SHORTCUTS) list.append(h('div', {}, h('dt', {}, h('kbd', {}, () => s.label)), h('dd', {}, () => s.what)));
  helpPanel.append(
    h('h2', {}, () => l10n.t('Keyboard shortcuts')),
    list,
    h('p', { class: 'note' }, () => l10n.t('VS Code’s own debug keys — F5 continue, F10 step over, F11 step into, Shift+F11 step out, Shift+F5 stop, Ctrl+Shift+F5 restart — work here too: they drive the same debug session. Tab moves between controls; Enter or Space selects the focused neuron or table row; arrow keys move through a compact layer.')),
  );
}

const phaseStrip = h('ol', { class: 'phases', 'aria-label': () => l10n.t('Steps of this mini-batch') });
const health = h('div', { class: 'health', 'aria-label': () => l10n.t('Health of training'), role: 'region' });
health.hidden = true;

// Diagram card
const diagram = new Diagram({ selectNeuron: (l, j) => select({ layer: l, neuron: j, weight: null }), selectWeight: (l, j, k) => select({ layer: l, neuron: j, weight: k }) });
const quantity = h('vscode-single-select', { 'aria-label': () => l10n.t('Colour neurons by'), title: () => l10n.t('Colour neurons by (1 a, 2 z, 3 δ)') }) as HTMLElement & { value: string };
fillOptions(quantity, (['a', 'z', 'delta'] as const).map((q) => [q, NEURON_LABEL[q]]));
quantity.addEventListener('change', () => setQuantity(quantity.value as NeuronQuantity));
const edgeSelect = h('vscode-single-select', { 'aria-label': () => l10n.t('Colour edges by'), title: () => l10n.t('Colour edges by (W)') }) as HTMLElement & { value: string };
fillOptions(edgeSelect, [
  ['W', () => l10n.t('weights W')],
  ['dW', () => l10n.t('gradients ∂C/∂W')],
]);
edgeSelect.addEventListener('change', () => {
  const v = edgeSelect.value === 'dW' ? 'dW' : 'W';
  if (current && v !== current.edges) select({ edges: v });
});
const LEGEND: Record<string, Localized> = {
  diverging: () => l10n.t('blue negative · orange positive, scaled per layer; dashed: not computed yet'),
  'symmetric-log': () => l10n.t('blue negative · orange positive, log scale of |value| per layer (4 decades); dashed: not computed yet'),
  grayscale: () => l10n.t('dark negative · light positive, scaled per layer; dashed: not computed yet'),
};
const legendNote = h('span', { class: 'note' });
localize(() => setText(legendNote, LEGEND[colorScale()]()));
const legend = h('div', { class: 'scale-legend', 'aria-hidden': 'true' }, h('span', {}, '−'), h('span', { class: 'scale-bar' }), h('span', {}, '+'), legendNote);
const diagramCard = h(
  'section',
  { class: 'card diagram-card', 'aria-label': () => l10n.t('Network') },
  h('div', { class: 'card-head' }, h('h2', {}, () => l10n.t('Network')), h('div', { class: 'controls' }, h('label', { class: 'inline-label' }, () => l10n.t('Neurons')), quantity, h('label', { class: 'inline-label' }, () => l10n.t('Edges')), edgeSelect)),
  diagram.svg,
  legend,
);

// Equation card + selected parameter + gradient check
const equation = new EquationPane();
const paramSelect = h('vscode-single-select', { 'aria-label': () => l10n.t('Selected parameter of the selected neuron'), title: () => l10n.t('The weight (or bias) whose history and gradient check are shown') }) as HTMLElement & { value: string };
paramSelect.addEventListener('change', () => {
  const v = paramSelect.value;
  const w = v === 'bias' ? null : Number(v);
  if (current && w !== current.weight) select({ weight: w });
});
const selectedLabel = h('span', { class: 'selected-label' });
const gradResult = h('div', { class: 'grad-result', 'aria-live': 'polite' });
const selectionRow = h('div', { class: 'selection-row' }, h('span', { class: 'inline-label' }, () => l10n.t('Selected')), selectedLabel, paramSelect);
const copyLatex = h('vscode-button', { class: 'copy-latex', secondary: true, title: () => l10n.t('Copy the equation with its numbers as LaTeX (Backprop: Copy Current Equation as LaTeX)'), 'aria-label': () => l10n.t('Copy the equation as LaTeX') }, () => l10n.t('Copy LaTeX'));
copyLatex.addEventListener('click', () => {
  if (!copyLatex.hasAttribute('disabled')) post({ type: 'copyLatex' });
});
equation.el.append(h('div', { class: 'eq-tools' }, copyLatex), selectionRow, gradResult);

// The lab's question card (when the network file has an exercise).
const lab = new ExerciseCard((m) => post(m));

// Tables
const changes = new ChangeTracker();
const layerTables = new LayerTables({ selectNeuron: (l, j) => select({ layer: l, neuron: j, weight: null }), selectWeight: (l, j, k) => select({ layer: l, neuron: j, weight: k }) }, changes, ui.pages, saveState);
const paramTables = new ParamTables({ selectNeuron: (l, j) => select({ layer: l, neuron: j }), selectWeight: (l, j, k) => select({ layer: l, neuron: j, weight: k }) }, changes);
const tableBoxes = new Map<TableKind, HTMLElement & { checked: boolean }>();
const tableChoice = h('div', { class: 'table-choice', role: 'group', 'aria-label': () => l10n.t('Parameter tables of the selected layer') });
for (const k of TABLE_KINDS) {
  const cb = h('vscode-checkbox', { label: () => tableLabel(k), 'data-kind': k }) as HTMLElement & { checked: boolean };
  cb.addEventListener('change', () => {
    if (!current) return;
    const tables = TABLE_KINDS.filter((t) => tableBoxes.get(t)!.checked);
    select({ tables });
  });
  tableBoxes.set(k, cb);
  tableChoice.append(cb);
}
const paramHeading = h('h2', {}, () => l10n.t('Parameters'));
const valuesCard = h('section', { class: 'card values-card', 'aria-label': () => l10n.t('Layer values') }, h('h2', { class: 'values-heading' }, () => l10n.t('Values for the selected example')), layerTables.el);
const paramsCard = h('section', { class: 'card params-card', 'aria-label': () => l10n.t('Parameters of the selected layer') }, h('div', { class: 'card-head' }, paramHeading, tableChoice), paramTables.el);

// Plots
const lossPlot = new LinePlot(() => l10n.t('Loss by mini-batch'), { xLabel: () => l10n.t('batch'), describe: () => l10n.t('the mini-batch cost over training') });
const epochPlot = new LinePlot(() => l10n.t('Loss by epoch'), { xLabel: () => l10n.t('epoch'), describe: () => l10n.t('training and validation loss at each epoch end') });
const normPlot = new LinePlot(() => l10n.t('Gradient norms ‖∂C/∂W‖ (log scale)'), { logY: true, xLabel: () => l10n.t('batch'), describe: () => l10n.t('per-layer gradient norms; falling towards 1e-8 means vanishing, rising towards 1e3 exploding') });
const weightPlot = new LinePlot(() => l10n.t('Selected weight'), { xLabel: () => l10n.t('batch'), describe: () => l10n.t('the selected weight and its optimizer state over training') });
const boundary = new BoundaryPlot();
const plots = h('section', { class: 'plots', 'aria-label': () => l10n.t('Training plots') }, lossPlot.el, epochPlot.el, normPlot.el, weightPlot.el, boundary.el);

const overlay = h('div', { class: 'overlay', role: 'status', 'aria-live': 'polite' });
const errorBar = h('div', { class: 'error-bar', role: 'alert' });
errorBar.hidden = true;
const content = h('main', { class: 'content' }, lab.el, h('div', { class: 'top-grid' }, diagramCard, equation.el), valuesCard, paramsCard, plots);
app.append(header, toolbar, helpPanel, phaseStrip, health, errorBar, overlay, content);
helpPanel.hidden = !ui.help;

// ------------------------------------------------------------------------------------------------
// State and actions
// ------------------------------------------------------------------------------------------------

let last: Snapshot | null = null;
let current: Selection | null = ui.selection;
let mode: 'waiting' | 'idle' | 'running' | 'paused' = 'waiting';
/** The host's message while idle (setMode is called again when the language changes). */
let idleMessage = '';
let restored = false;
let requestId = 1;
const pending = new Map<number, string>();

function select(change: Partial<Selection>): void {
  if (!last) return;
  const base = current ?? last.selection;
  const next: Selection = { ...base, ...change, tables: change.tables ? [...change.tables] : [...base.tables] };
  if (change.layer !== undefined && change.layer !== base.layer) {
    next.weight = change.weight ?? null;
  }
  current = next;
  ui.selection = next;
  saveState();
  post({ type: 'select', selection: next });
}

function setQuantity(q: NeuronQuantity): void {
  if (current && q !== current.neurons) select({ neurons: q });
}

function act(action: PanelAction): void {
  const b = buttons.get(action);
  if (b && b.hasAttribute('disabled')) return;
  post({ type: 'action', action });
}

function gradientCheck(): void {
  if (!last || !current) return;
  if (current.layer < 2) {
    showGrad(l10n.t('Select a neuron of layer 2 or later: the input layer has no weights.'), 'warn');
    return;
  }
  const id = requestId++;
  const label = paramName(current);
  pending.set(id, label);
  showGrad(l10n.t('Checking {0} by finite differences…', label), 'pending');
  post({ type: 'request', id, request: { kind: 'gradientCheck', layer: current.layer, neuron: current.neuron, weight: current.weight } });
}

function paramName(s: Selection): string {
  return s.weight === null ? `∂C/∂b${sup(s.layer)}${sub(s.neuron + 1)}` : `∂C/∂w${sup(s.layer)}${subPair(s.neuron + 1, s.weight + 1)}`;
}

function showGrad(text: string, cls: string, result?: GradientCheckResult): void {
  gradResult.replaceChildren();
  gradResult.className = `grad-result ${cls}`;
  if (!result) {
    gradResult.append(h('p', {}, text));
    return;
  }
  const verdict = { pass: l10n.t('PASS'), warn: l10n.t('CHECK'), fail: l10n.t('FAIL') }[result.verdict];
  gradResult.append(
    h('div', { class: 'grad-head' }, h('strong', {}, l10n.t('Gradient check {0}', result.label)), h('span', { class: `verdict ${result.verdict}` }, verdict)),
    h(
      'dl',
      { class: 'grad-values' },
      h('div', {}, h('dt', {}, l10n.t('analytic (backprop)')), h('dd', { class: 'grad-analytic' }, fmtNum(result.analytic))),
      h('div', {}, h('dt', {}, l10n.t('numeric (ε = {0})', fmt(result.epsilon))), h('dd', { class: 'grad-numeric' }, fmtNum(result.numeric))),
      h('div', {}, h('dt', {}, l10n.t('relative error')), h('dd', { class: 'grad-rel' }, fmtNum(result.relError, 3))),
    ),
    h(
      'p',
      { class: 'note' },
      result.verdict === 'pass'
        ? l10n.t('Backprop agrees with finite differences (relative error below 1e-7).')
        : result.verdict === 'warn'
          ? l10n.t('Close but not tight (below 1e-4): fine for kinks such as ReLU at 0; otherwise look closer.')
          : l10n.t('Backprop and finite differences disagree: the gradient of this parameter is wrong.'),
    ),
  );
}

function toggleHelp(show = helpPanel.hidden): void {
  helpPanel.hidden = !show;
  helpButton.setAttribute('aria-expanded', String(show));
  ui.help = show;
  saveState();
}

function run(cmd: Command): void {
  switch (cmd.kind) {
    case 'action':
      act(cmd.action);
      return;
    case 'gradientCheck':
      gradientCheck();
      return;
    case 'quantity':
      setQuantity(cmd.q);
      return;
    case 'toggleEdges':
      if (current) select({ edges: current.edges === 'W' ? 'dW' : 'W' });
      return;
    case 'neuron': {
      if (!current || !last) return;
      const size = last.layers[current.layer - 1]?.size ?? 1;
      select({ neuron: (current.neuron + cmd.delta + size) % size, weight: null });
      return;
    }
    case 'layer': {
      if (!current || !last) return;
      const L = last.layers.length;
      const layer = ((current.layer - 1 + cmd.delta + L) % L) + 1;
      select({ layer, neuron: Math.min(current.neuron, last.layers[layer - 1].size - 1), weight: null });
      return;
    }
    case 'help':
      toggleHelp();
      return;
    case 'closeHelp':
      if (!helpPanel.hidden) toggleHelp(false);
      return;
  }
}

document.addEventListener('keydown', (e) => {
  const cmd = commandFor(e);
  if (!cmd) return;
  e.preventDefault();
  run(cmd);
});

// Pointing at a number (equation, diagram or table) highlights every place showing the same value.
let linked: Element[] = [];
function link(key: string | null): void {
  for (const el of linked) el.classList.remove('linked');
  linked = [];
  if (key) {
    const q = CSS.escape(key);
    linked = [...document.querySelectorAll(`[data-ref="${q}"], [data-refs~="${q}"]`)];
    for (const el of linked) el.classList.add('linked');
  }
  diagram.highlight(key ? parseRefKey(key) : null);
}
const refOf = (t: EventTarget | null): string | null => {
  const el = (t as Element | null)?.closest?.('[data-ref]');
  return el ? el.getAttribute('data-ref') : null;
};
content.addEventListener('mouseover', (e) => link(refOf(e.target)));
content.addEventListener('mouseleave', () => link(null));
content.addEventListener('focusin', (e) => link(refOf(e.target)));
content.addEventListener('focusout', () => link(null));

// VS Code marks the theme's kind with the body's class and sets its colours as variables on <html>:
// a switch between two dark themes changes only the latter.
const themeObserver = new MutationObserver(() => {
  if (readTheme() && last) {
    diagram.invalidate();
    render(last, -1);
  }
});
themeObserver.observe(body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
readTheme();

// ------------------------------------------------------------------------------------------------
// Rendering
// ------------------------------------------------------------------------------------------------

function setMode(m: typeof mode, message = ''): void {
  mode = m;
  idleMessage = m === 'idle' ? message : '';
  body.dataset.mode = m;
  const texts = { waiting: l10n.t('Waiting for the debugger…'), idle: l10n.t('No session'), running: l10n.t('Running…'), paused: l10n.t('Paused') };
  setText(statusBadge, m === 'paused' && last ? l10n.t('Paused · {0}', last.position.reason) : texts[m]);
  setAttr(statusBadge, 'class', `status ${m}`);
  overlay.hidden = m === 'paused';
  if (m === 'idle') {
    overlay.replaceChildren(h('h2', {}, l10n.t('No training session')), h('p', {}, message || l10n.t('Open a *.backprop.json file and press F5 (or run “Backprop: Step Through Network Training”) to step through its training here.')));
  } else if (m === 'running') {
    overlay.replaceChildren(h('h2', {}, l10n.t('Running…')), h('p', {}, l10n.t('Training runs until a breakpoint, the end, or Pause (P).')));
  } else if (m === 'waiting') overlay.replaceChildren(h('p', {}, l10n.t('Waiting for the debugger…')));
  content.hidden = m === 'idle' || (m === 'waiting' && !last);
  toggleClass(content, 'stale', m === 'running');
  updateButtons();
}

function updateButtons(): void {
  const paused = mode === 'paused' && !!last;
  const running = mode === 'running';
  const canBack = paused && !!last?.position.canStepBack;
  const finished = last?.position.phase === 'end';
  const enabled: Record<PanelAction, boolean> = {
    restart: paused || running,
    reverseContinue: canBack,
    stepBack: canBack,
    step: paused && !finished,
    stepInto: paused && !finished,
    stepOut: paused && !finished,
    continue: paused && !finished,
    pause: running,
  };
  for (const [a, b] of buttons) setAttr(b, 'disabled', enabled[a] ? null : '');
  setAttr(checkButton, 'disabled', paused && current && current.layer >= 2 ? null : '');
}

function summary(s: Snapshot): string {
  const p = s.position;
  return `epoch ${p.epoch} batch ${p.batch} step ${p.step} ${p.phase}${p.layer !== null ? ` layer ${p.layer}` : ''}`;
}

function renderPosition(s: Snapshot): void {
  const p = s.position;
  setText(titleEl, s.name);
  setText(posItems.get('Epoch')!, l10n.t('{0} of {1}', p.epoch, p.epochs));
  setText(posItems.get('Batch')!, l10n.t('{0} of {1}', p.batch, p.batches));
  const list = `${p.rows.slice(0, 4).join(', ')}${p.rows.length > 4 ? '…' : ''}`;
  const rows = p.rows.length ? ` (${p.rows.length > 1 ? l10n.t('rows {0}', list) : l10n.t('row {0}', list)})` : '';
  setText(posItems.get('Example')!, p.example !== null ? `${l10n.t('{0} of {1}', p.example + 1, p.examples)}${rows}` : p.examples ? `${l10n.t('all {0}', p.examples)}${rows}` : '—');
  setText(posItems.get('Phase')!, PHASE_NAMES[p.phase]?.() ?? p.phase);
  setText(posItems.get('Layer')!, p.layer === null ? '—' : p.neuron !== null ? l10n.t('{0}, neuron {1}', p.layer, p.neuron + 1) : String(p.layer));
  setText(posItems.get('Step')!, l10n.t('{0} of {1}', p.step, p.totalSteps));
  setText(posItems.get('Loss')!, s.hidden?.includes('loss') ? l10n.t('? (hidden by the lab) ({0})', s.loss) : p.loss === null ? l10n.t('not computed yet ({0})', s.loss) : `${fmtNum(p.loss)} (${s.loss})`);
  setText(posItems.get('Optimizer')!, `${p.optimizer}, η = ${fmt(p.learningRate)}`);
}

let phaseKey = '';
function renderPhases(s: Snapshot): void {
  const key = s.phases.map((c) => c.label).join('|');
  if (key !== phaseKey) {
    phaseKey = key;
    phaseStrip.replaceChildren(...s.phases.map((c) => h('li', { class: `phase phase-${c.phase}` }, c.label)));
  }
  const cells = phaseStrip.children;
  for (let i = 0; i < s.phases.length; i++) {
    const el = cells[i] as HTMLElement;
    const st = s.phases[i].state;
    if (el.dataset.state !== st) el.dataset.state = st;
    setAttr(el, 'aria-current', st === 'current' ? 'step' : null);
    setAttr(el, 'title', `${s.phases[i].label}: ${st === 'current' ? l10n.t('just computed (current)') : st === 'done' ? l10n.t('done') : l10n.t('to do')}`);
  }
}

/** Keep the current phase in view when the strip scrolls (after the frame: reading layout mid-render would force it). */
function scrollPhases(): void {
  const cur = phaseStrip.querySelector('[aria-current="step"]') as HTMLElement | null;
  if (cur && phaseStrip.scrollWidth > phaseStrip.clientWidth) phaseStrip.scrollLeft = cur.offsetLeft - phaseStrip.clientWidth / 2;
}

let healthKey = '';
function renderHealth(s: Snapshot): void {
  const key = s.health.map((b) => b.kind + b.title).join('|');
  if (key === healthKey) return;
  healthKey = key;
  health.replaceChildren(
    ...s.health.map((b) => h('details', { class: `badge ${b.severity} health-${b.kind}` }, h('summary', {}, h('span', { class: 'sev' }, b.severity === 'error' ? '⛔' : b.severity === 'warning' ? '⚠' : 'ℹ'), ` ${b.title}`), h('p', {}, b.detail))),
  );
  health.hidden = s.health.length === 0;
}

let paramKey = '';
function renderSelection(s: Snapshot): void {
  const sel = s.selection;
  // Setting a vscode-single-select's value makes it look its options up and render again: only on change.
  setValue(quantity, sel.neurons);
  setValue(edgeSelect, sel.edges);
  setValue(granularity, s.granularity);
  for (const [k, cb] of tableBoxes) if (cb.checked !== sel.tables.includes(k)) cb.checked = sel.tables.includes(k);
  setText(paramHeading, l10n.t('Parameters of layer {0}', sel.layer));
  setText(selectedLabel, sel.layer === 1 ? l10n.t('input {0} (layer 1)', sel.neuron + 1) : l10n.t('neuron {0} of layer {1}, example {2}', sel.neuron + 1, sel.layer, sel.example + 1));
  const inputs = sel.layer >= 2 ? s.layers[sel.layer - 2].size : 0;
  const key = `${sel.layer}:${sel.neuron}:${inputs}`;
  const rebuilt = key !== paramKey;
  if (rebuilt) {
    paramKey = key;
    paramSelect.replaceChildren();
    if (sel.layer >= 2) {
      paramSelect.append(h('vscode-option', { value: 'bias' }, l10n.t('bias {0}', `b${sup(sel.layer)}${sub(sel.neuron + 1)}`)));
      for (let k = 0; k < Math.min(inputs, 64); k++) paramSelect.append(h('vscode-option', { value: String(k) }, l10n.t('weight {0}', `w${sup(sel.layer)}${subPair(sel.neuron + 1, k + 1)}`)));
    }
  }
  paramSelect.hidden = sel.layer < 2;
  setValue(paramSelect, sel.weight === null ? 'bias' : String(sel.weight), rebuilt);
}

function setValue(select: HTMLElement & { value: string }, value: string, force = false): void {
  if (force || select.value !== value) select.value = value;
}

function renderPlots(s: Snapshot): void {
  const hs = s.history;
  lossPlot.update([{ label: l10n.t('batch loss ({0})', s.loss), series: hs.loss }]);
  const ep: PlotSeries[] = [{ label: l10n.t('train'), series: hs.epochTrain }];
  if (hs.epochValidation) ep.push({ label: l10n.t('validation'), series: hs.epochValidation, dashed: true });
  epochPlot.update(ep);
  normPlot.update(Object.keys(hs.gradNorms).sort((a, b) => Number(a) - Number(b)).map((l) => ({ label: l10n.t('layer {0}', l), series: hs.gradNorms[l] })));
  weightPlot.el.hidden = hs.weight === null;
  if (hs.weight) {
    setText(weightPlot.caption, l10n.t('{0} over training', hs.weight.label));
    weightPlot.update([{ label: l10n.t('value'), series: hs.weight.value }, ...Object.entries(hs.weight.state).map(([k, v]) => ({ label: k, series: v, dashed: true }))]);
  }
  boundary.update(s.boundary, themeVersion());
}

const PROFILE = new URLSearchParams(location.search).has('profile');
function timed(name: string, f: () => void): void {
  if (!PROFILE) return f();
  const t = performance.now();
  f();
  performance.measure(`render:${name}`, { start: t, end: performance.now() });
}

function render(s: Snapshot, seq: number, received = performance.now()): void {
  const t0 = performance.now();
  last = s;
  current = s.selection;
  changes.begin(s.position.step);
  timed('position', () => {
    renderPosition(s);
    renderPhases(s);
    renderHealth(s);
  });
  timed('diagram', () => diagram.update(s));
  timed('equation', () => equation.update(s.equation));
  setAttr(copyLatex, 'disabled', s.equation.substituted === null ? '' : null);
  lab.update(s.exercise);
  timed('selection', () => renderSelection(s));
  timed('values', () => layerTables.update(s));
  timed('params', () => paramTables.update(s));
  timed('plots', () => renderPlots(s));
  setMode('paused');
  const t1 = performance.now();
  // Keep the performance buffer bounded over long sessions.
  if (performance.getEntriesByType('measure').length > 2000) performance.clearMeasures();
  if (seq < 0) return;
  performance.measure('render', { start: t0, end: t1 });
  requestAnimationFrame(() => {
    setTimeout(scrollPhases, 0);
    const o = performance.timeOrigin;
    post({ type: 'painted', seq, at: o + performance.now(), received: o + received, rendered: o + t1, equation: s.equation.text.join('\n'), summary: summary(s) });
  });
}

function onSnapshot(s: Snapshot, seq: number, received: number): void {
  // After a reload, ask once for the selection the user had (the host answers with a new snapshot).
  if (!restored) {
    restored = true;
    const want = ui.selection;
    if (want && JSON.stringify(want) !== JSON.stringify(s.selection) && want.layer <= s.layers.length) {
      render(s, seq, received);
      current = want;
      post({ type: 'select', selection: want });
      return;
    }
  }
  ui.selection = s.selection;
  saveState();
  render(s, seq, received);
}

function showError(text: string): void {
  errorBar.hidden = false;
  errorBar.replaceChildren(h('span', {}, text));
  post({ type: 'error', message: text });
}

window.addEventListener('message', (e: MessageEvent) => {
  const received = performance.now();
  const parsed = parseToWebview(e.data);
  if (!parsed.ok) {
    showError(l10n.t('Dropped a malformed message from the extension: {0}', parsed.error));
    return;
  }
  const m: ToWebview = parsed.value;
  try {
    switch (m.type) {
      case 'snapshot':
        errorBar.hidden = true;
        onSnapshot(m.snapshot, m.seq, received);
        break;
      case 'idle':
        last = null;
        setMode('idle', m.message);
        requestAnimationFrame(() => post({ type: 'painted', seq: m.seq, at: performance.timeOrigin + performance.now(), equation: '', summary: 'idle' }));
        break;
      case 'running':
        setMode('running');
        requestAnimationFrame(() => post({ type: 'painted', seq: m.seq, at: performance.timeOrigin + performance.now(), equation: last ? last.equation.text.join('\n') : '', summary: 'running' }));
        break;
      case 'settings': {
        if (m.l10n !== undefined && setL10nBundle(m.l10n)) {
          // Text written while rendering: written again below (and by render, when there is a snapshot).
          paramKey = '';
          setMode(mode, idleMessage);
        }
        setPrecision(m.settings.precision);
        const recolour = setColorScale(m.settings.colorScale);
        setText(legendNote, LEGEND[colorScale()]());
        body.dataset.colorScale = colorScale();
        if (recolour) diagram.invalidate();
        if (last) render(last, -1);
        break;
      }
      case 'graded':
        lab.graded(m);
        break;
      case 'response': {
        const label = pending.get(m.id);
        if (label === undefined) return;
        pending.delete(m.id);
        if (m.ok) showGrad('', m.result.verdict, m.result);
        else showGrad(l10n.t('Gradient check of {0} failed: {1}', label, m.error), 'fail');
        break;
      }
    }
  } catch (err) {
    showError(l10n.t('The panel could not show a message: {0}', err instanceof Error ? err.message : String(err)));
  }
});

// When the panel gets the focus back (the host returns it after a step started here, since VS Code
// focuses the editor at every stop), put it back on the control that had it, so Enter repeats.
let lastFocused: HTMLElement | null = null;
document.addEventListener('focusin', (e) => {
  if (e.target instanceof HTMLElement && e.target !== document.body) lastFocused = e.target;
});
window.addEventListener('focus', () => {
  if ((document.activeElement === null || document.activeElement === document.body) && lastFocused?.isConnected) lastFocused.focus({ preventScroll: true });
});

setMode('waiting');
post({ type: 'ready', version: PROTOCOL_VERSION });
