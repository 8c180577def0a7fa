// Tables of numbers: z, a and δ of every layer for the selected example (paged for large layers), and
// the on-demand parameter tables (W, b, ∂C/∂W, ∂C/∂b, optimizer state) of the selected layer. Rows are
// built once per shape and their text updated in place; values that changed since the previous step are
// marked. Every cell carries the refKey of its value (data-ref), like the equation's numbers.
import { dec, refKey, type LayerView, type Num, type Snapshot, type TableView } from '../src/shared/protocol';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { h, setAttr, setText, toggleClass } from './dom';
import { full, shown, sup } from './format';
import { l10n } from './l10n';

const PAGE = 10;
const MAX_ROWS = 16;
const MAX_COLS = 10;

/** Remembers each value at the previous step, so a step can mark what it changed. */
export class ChangeTracker {
  private step = -1;
  private baseline = new Map<string, number | null>();
  private current = new Map<string, number | null>();

  begin(step: number): void {
    if (step === this.step) return;
    this.step = step;
    this.baseline = this.current;
    this.current = new Map();
  }

  /** Record a value at this step; true when it differs from the previous step's. */
  see(key: string, v: number | null): boolean {
    this.current.set(key, v);
    if (!this.baseline.has(key)) return false;
    const before = this.baseline.get(key)!;
    if (before === null || v === null) return before !== v && v !== null;
    return !Object.is(before, v) && !(Number.isNaN(before) && Number.isNaN(v));
  }
}

export interface TableEvents {
  selectNeuron(l: number, j: number): void;
  selectWeight(l: number, j: number, k: number): void;
}

interface LayerTable {
  l: number;
  size: number;
  el: HTMLElement;
  caption: HTMLElement;
  rows: { tr: HTMLTableRowElement; j: HTMLElement; cells: HTMLTableCellElement[] }[];
  pager: HTMLElement | null;
  pageLabel: HTMLElement | null;
  page: number;
}

const COLUMNS = [
  { q: 'z', head: 'z' },
  { q: 'a', head: 'a' },
  { q: 'delta', head: 'δ' },
  { q: 'b', head: 'b' },
] as const;

export class LayerTables {
  readonly el = h('div', { class: 'layer-tables' });
  private shape = '';
  private tables: LayerTable[] = [];
  private last: Snapshot | null = null;
  private selectedKey = '';

  constructor(
    private readonly events: TableEvents,
    private readonly changes: ChangeTracker,
    private readonly pages: Record<string, number>,
    private readonly onPage: () => void,
  ) {
    this.el.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest('tr[data-j]');
      if (tr) this.events.selectNeuron(Number(tr.getAttribute('data-l')), Number(tr.getAttribute('data-j')));
    });
    this.el.addEventListener('keydown', (e) => {
      const tr = (e.target as Element).closest('tr[data-j]');
      if (tr && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        e.stopPropagation();
        this.events.selectNeuron(Number(tr.getAttribute('data-l')), Number(tr.getAttribute('data-j')));
      }
    });
  }

  update(s: Snapshot): void {
    const shape = s.layers.map((l) => l.size).join(',');
    if (shape !== this.shape) this.build(s.layers);
    const selKey = `${s.selection.layer}:${s.selection.neuron}`;
    for (const t of this.tables) {
      // Follow the selection: show the page holding a newly selected neuron.
      if (selKey !== this.selectedKey && s.selection.layer === t.l && t.pager) {
        t.page = Math.floor(s.selection.neuron / PAGE);
        this.pages[t.l] = t.page;
      }
    }
    this.selectedKey = selKey;
    this.last = s;
    for (let i = 0; i < s.layers.length; i++) this.fill(this.tables[i], s.layers[i], s);
  }

  private build(layers: LayerView[]): void {
    this.shape = layers.map((l) => l.size).join(',');
    this.tables = [];
    this.el.replaceChildren();
    for (const lv of layers) {
      const input = lv.l === 1;
      const caption = h('caption');
      const headRow = h('tr', {}, h('th', { scope: 'col' }, 'j'));
      if (input) headRow.append(h('th', { scope: 'col' }, `x = a${sup(1)}`));
      else for (const c of COLUMNS) headRow.append(h('th', { scope: 'col' }, `${c.head}${sup(lv.l)}`));
      const body = h('tbody');
      const rows: LayerTable['rows'] = [];
      const n = Math.min(PAGE, lv.size);
      for (let r = 0; r < n; r++) {
        const j = h('th', { scope: 'row' });
        const cells: HTMLTableCellElement[] = [];
        const tr = h('tr', { tabindex: 0 }, j);
        for (let c = 0; c < (input ? 1 : COLUMNS.length); c++) {
          const td = h('td');
          cells.push(td);
          tr.append(td);
        }
        body.append(tr);
        rows.push({ tr, j, cells });
      }
      const table = h('table', { class: 'values' }, caption, h('thead', {}, headRow), body);
      const el = h('div', { class: 'layer-table' }, table);
      const pages = Math.ceil(lv.size / PAGE);
      // The page saved before a reload may be past the end of this network's layer.
      const t: LayerTable = { l: lv.l, size: lv.size, el, caption, rows, pager: null, pageLabel: null, page: Math.min(this.pages[lv.l] ?? 0, pages - 1) };
      if (lv.size > PAGE) {
        const prev = h('vscode-button', { secondary: true, 'aria-label': l10n.t('Previous rows of layer {0}', lv.l), title: l10n.t('Previous rows') }, '‹');
        const next = h('vscode-button', { secondary: true, 'aria-label': l10n.t('Next rows of layer {0}', lv.l), title: l10n.t('Next rows') }, '›');
        t.pageLabel = h('span', { class: 'page-label', 'aria-live': 'polite' });
        t.pager = h('div', { class: 'pager' }, prev, t.pageLabel, next);
        const go = (d: number) => {
          t.page = Math.max(0, Math.min(pages - 1, t.page + d));
          this.pages[lv.l] = t.page;
          this.onPage();
          if (this.last) this.fill(t, this.last.layers[lv.l - 1], this.last);
        };
        prev.addEventListener('click', () => go(-1));
        next.addEventListener('click', () => go(1));
        el.append(t.pager);
      }
      this.tables.push(t);
      this.el.append(el);
    }
  }

  private fill(t: LayerTable, lv: LayerView, s: Snapshot): void {
    const input = lv.l === 1;
    const active = s.position.layer === lv.l;
    setText(t.caption, `${l10n.t('Layer {0}', lv.l)} · ${lv.activation}${lv.size > PAGE ? ` · ${l10n.t('{0} neurons', lv.size)}` : ''}${active ? ` · ${l10n.t('current')}` : ''}`);
    toggleClass(t.el, 'active', active);
    const first = t.page * PAGE;
    if (t.pageLabel) setText(t.pageLabel, l10n.t('{0}–{1} of {2}', first + 1, Math.min(lv.size, first + PAGE), lv.size));
    const cols: (Num[] | null)[] = input ? [lv.a] : [lv.z, lv.a, lv.delta, lv.b];
    const qs = input ? (['a'] as const) : COLUMNS.map((c) => c.q);
    // Track changes over the whole layer (not only the page shown: paging must not lose them); keep
    // the verdicts of the page shown. The tracker's key is the cell's refKey.
    const changed: boolean[][] = [];
    const hidden = hiddenSet(s);
    for (let c = 0; c < cols.length; c++) {
      const vals = cols[c];
      const page: boolean[] = (changed[c] = []);
      for (let j = 0; j < lv.size; j++) {
        const key = refKey({ q: qs[c], l: lv.l, j });
        const was = this.changes.see(key, vals && !hidden.has(key) ? dec(vals[j]) : null);
        if (j >= first && j < first + PAGE) page.push(was);
      }
    }
    for (let r = 0; r < t.rows.length; r++) {
      const row = t.rows[r];
      const j = first + r;
      const inRange = j < lv.size;
      row.tr.hidden = !inRange;
      if (!inRange) continue;
      setAttr(row.tr, 'data-l', String(lv.l));
      setAttr(row.tr, 'data-j', String(j));
      setText(row.j, String(j + 1));
      const selected = s.selection.layer === lv.l && s.selection.neuron === j;
      toggleClass(row.tr, 'selected', selected);
      setAttr(row.tr, 'aria-selected', selected ? 'true' : 'false');
      for (let c = 0; c < cols.length; c++) {
        const td = row.cells[c];
        const vals = cols[c];
        const v = vals ? dec(vals[j]) : null;
        const key = refKey({ q: qs[c], l: lv.l, j });
        const secret = v !== null && hidden.has(key);
        setAttr(td, 'data-ref', key);
        setText(td, v === null ? '—' : secret ? '?' : shown(v));
        toggleClass(td, 'pending', v === null);
        toggleClass(td, 'hidden-answer', secret);
        toggleClass(td, 'changed', changed[c][r] && !secret);
        setAttr(td, 'title', v === null ? l10n.t('not computed yet in this mini-batch') : secret ? hiddenTitle() : full(v));
      }
    }
  }
}

const TABLE_LABELS: Record<string, () => string> = { W: () => 'W', b: () => 'b', dW: () => '∂C/∂W', db: () => '∂C/∂b', optimizer: () => l10n.t('optimizer state') };

interface ParamBlock {
  el: HTMLElement;
  heading: HTMLElement;
  cells: HTMLTableCellElement[][];
  /** Each cell's key in the change tracker: its kind and refKey (or position, for optimizer state). */
  keys: string[][];
  shape: string;
}

/** The on-demand tables of the selected layer (snapshot.tables). */
export class ParamTables {
  readonly el = h('div', { class: 'param-tables' });
  private blocks = new Map<string, ParamBlock>();
  private readonly empty = h('p', { class: 'empty' }, () => l10n.t('No parameter table for this layer.'));

  constructor(
    private readonly events: TableEvents,
    private readonly changes: ChangeTracker,
  ) {
    this.el.append(this.empty);
    this.el.addEventListener('click', (e) => {
      const td = (e.target as Element).closest('td[data-ref]');
      const ref = td?.getAttribute('data-ref') ?? '';
      const m = /^(?:W|dW):(\d+):(\d+):(\d+)$/.exec(ref);
      if (m) this.events.selectWeight(Number(m[1]), Number(m[2]), Number(m[3]));
    });
  }

  update(s: Snapshot): void {
    const seen = new Set<string>();
    const l = s.selection.layer;
    const hidden = hiddenSet(s);
    for (const [i, t] of s.tables.entries()) {
      const id = `${t.kind}|${t.title.replace(/\(.*$/, '')}`;
      seen.add(id);
      const shape = `${t.rows}x${t.cols}@${t.rowOffset}:${l}`;
      let block = this.blocks.get(id);
      if (!block || block.shape !== shape) {
        block?.el.remove();
        block = this.build(t, l, shape);
        this.blocks.set(id, block);
      }
      // The host's order (a block not yet in place goes before whatever holds its place; the empty note stays last).
      const at = this.el.children[i];
      if (at !== block.el) this.el.insertBefore(block.el, at ?? null);
      setText(block.heading, t.title);
      for (let r = 0; r < block.cells.length; r++)
        for (let c = 0; c < block.cells[r].length; c++) {
          const v = dec(t.values[r * t.cols + c]);
          const td = block.cells[r][c];
          const ref = td.getAttribute('data-ref');
          const secret = ref !== null && hidden.has(ref);
          setText(td, secret ? '?' : shown(v));
          setAttr(td, 'title', secret ? hiddenTitle() : full(v));
          toggleClass(td, 'hidden-answer', secret);
          toggleClass(td, 'changed', this.changes.see(block.keys[r][c], secret ? null : v) && !secret);
        }
    }
    for (const [id, b] of this.blocks)
      if (!seen.has(id)) {
        b.el.remove();
        this.blocks.delete(id);
      }
    this.empty.hidden = s.tables.length > 0 || s.selection.tables.length === 0;
  }

  private build(t: TableView, l: number, shape: string): ParamBlock {
    const rows = Math.min(t.rows, MAX_ROWS);
    const cols = Math.min(t.cols, MAX_COLS);
    const vector = t.kind === 'b' || t.kind === 'db';
    const matrix = t.kind === 'W' || t.kind === 'dW';
    const head = h('tr', {}, h('th', { scope: 'col' }, vector ? '' : 'j \\ k'));
    for (let c = 0; c < cols; c++) head.append(h('th', { scope: 'col' }, vector ? tableLabel(t.kind) : String(c + 1)));
    const body = h('tbody');
    const cells: HTMLTableCellElement[][] = [];
    const keys: string[][] = [];
    for (let r = 0; r < rows; r++) {
      const j = t.rowOffset + r;
      const tr = h('tr', {}, h('th', { scope: 'row' }, String(vector ? r * t.cols + 1 + t.rowOffset : j + 1)));
      const row: HTMLTableCellElement[] = [];
      const rowKeys: string[] = [];
      for (let c = 0; c < cols; c++) {
        const ref = matrix ? refKey({ q: t.kind as 'W' | 'dW', l, j, k: c }) : vector ? refKey({ q: t.kind as 'b' | 'db', l, j: t.rowOffset + r * t.cols + c }) : null;
        const td = h('td', { 'data-ref': ref, tabindex: matrix ? -1 : null });
        row.push(td);
        rowKeys.push(`${t.kind}|${ref ?? `${t.title}:${r}:${c}`}`);
        tr.append(td);
      }
      cells.push(row);
      keys.push(rowKeys);
      body.append(tr);
    }
    const clipped = rows < t.rows || cols < t.cols;
    const note = h('p', { class: 'note' }, clipped ? l10n.t('Showing {0} of {1} rows and {2} of {3} columns (the Variables view and the Debug Console show all).', rows, t.rows, cols, t.cols) : '');
    const table = h('table', { class: 'values matrix', 'aria-label': t.title }, h('thead', {}, head), body);
    table.hidden = t.rows === 0;
    const heading = h('h3');
    return { el: h('div', { class: 'param-table' }, heading, table, note), heading, cells, keys, shape };
  }
}

export const tableLabel = (k: string): string => TABLE_LABELS[k]?.() ?? k;

/** What a hidden value's cell says when pointed at. */
const hiddenTitle = (): string => l10n.t('Hidden: a lab question asks for this value. Answer it (or reveal it) in the question card.');

/** The snapshot's hidden values (lab questions not answered yet), cached per snapshot. */
const hiddenCache = new WeakMap<Snapshot, Set<string>>();
export function hiddenSet(s: Snapshot): Set<string> {
  let h = hiddenCache.get(s);
  if (!h) hiddenCache.set(s, (h = new Set(s.hidden ?? [])));
  return h;
}
