// The network as an SVG diagram. Small layers are drawn as circles (with every edge when the host sends
// the weights), large layers compactly: a square layer (784 = 28×28) as an image, any other large layer
// as a heatmap grid — never as hundreds of circles. The SVG is built once per network shape and then
// updated in place (fills, classes, text), so a step touches only what changed.
import { dec, refKey, type LayerView, type Num, type Ref, type Snapshot } from '../src/shared/protocol';
import { diverging, paint, textOn } from './colors';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { setAttr, setText, svg, toggleClass } from './dom';
import { fmt, precision, sub, subPair, sup } from './format';
import { l10n } from './l10n';
import { hiddenSet } from './tables';

/** Layers larger than this are drawn compactly. */
const MAX_CIRCLES = 24;
const VW = 600;

export interface DiagramEvents {
  selectNeuron(l: number, j: number): void;
  selectWeight(l: number, j: number, k: number): void;
}

interface Node {
  g: SVGGElement;
  circle: SVGCircleElement;
  text: SVGTextElement | null;
  fill: string;
}

interface Compact {
  cols: number;
  rows: number;
  x0: number;
  y0: number;
  cell: number;
  group: SVGGElement;
  image: SVGImageElement;
  marker: SVGRectElement;
  hover: SVGRectElement;
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  data: ImageData;
  /** The values drawn (NaN past the layer's end), and whether they were drawn: null before the first draw and after a theme change. */
  values: Float64Array;
  drawn: boolean | null;
}

interface LayerGfx {
  l: number;
  size: number;
  x: number;
  ys: number[];
  r: number;
  nodes: Node[] | null;
  compact: Compact | null;
  band: SVGRectElement;
  title: SVGTextElement;
  caption: SVGTextElement;
  edges: SVGLineElement[] | null;
  edgeKey: string;
}

const QUANTITY_NAME = { a: 'a', z: 'z', delta: 'δ' } as const;

export class Diagram {
  readonly svg: SVGSVGElement;
  private shape = '';
  private layers: LayerGfx[] = [];
  private edgeLayer!: SVGGElement;
  private height = 240;

  constructor(private readonly events: DiagramEvents) {
    this.svg = svg('svg', { class: 'diagram', role: 'group', 'aria-label': () => l10n.t('Network diagram'), preserveAspectRatio: 'xMidYMin meet' });
    this.svg.addEventListener('click', (e) => this.onClick(e as MouseEvent));
    this.svg.addEventListener('keydown', (e) => this.onKey(e as KeyboardEvent));
    this.svg.addEventListener('mousemove', (e) => this.onHoverCompact(e as MouseEvent));
  }

  update(s: Snapshot): void {
    const shape = s.layers.map((l) => `${l.size}:${l.activation}`).join(',');
    if (shape !== this.shape) this.build(s.layers);
    const sel = s.selection;
    const q = sel.neurons;
    for (let i = 0; i < s.layers.length; i++) {
      const lv = s.layers[i];
      const gfx = this.layers[i];
      const active = s.position.layer === lv.l;
      toggleClass(gfx.band, 'active', active);
      toggleClass(gfx.title, 'active', active);
      const values = lv.l === 1 ? lv.a : q === 'a' ? lv.a : q === 'z' ? lv.z : lv.delta;
      const name = lv.l === 1 ? 'x' : QUANTITY_NAME[q];
      setText(gfx.caption, `${name}${sup(lv.l)}${values ? '' : ` ${l10n.t('not computed yet')}`} · ${lv.size === 1 ? l10n.t('{0} neuron', lv.size) : l10n.t('{0} neurons', lv.size)}`);
      const hidden = hiddenSet(s);
      const key = lv.l === 1 ? 'a' : q;
      const secret = (j: number): boolean => hidden.has(refKey({ q: key, l: lv.l, j }));
      if (gfx.nodes) this.updateNodes(gfx, lv, values, name, sel.layer === lv.l ? sel.neuron : -1, secret);
      else if (gfx.compact) this.updateCompact(gfx.compact, lv, values, sel.layer === lv.l ? sel.neuron : -1);
      if (gfx.edges || lv.edges) this.updateEdges(gfx, lv.edges, sel.layer === lv.l ? sel.neuron : -1, sel.weight, sel.edges === 'dW', hidden);
    }
  }

  /** Forget the colours drawn (after a theme change), so the next update repaints everything. */
  invalidate(): void {
    for (const gfx of this.layers) {
      for (const n of gfx.nodes ?? []) n.fill = '';
      if (gfx.compact) gfx.compact.drawn = null;
      gfx.edgeKey = '';
    }
  }

  /** Highlight a neuron of a compactly drawn layer (for a number pointed at in the equation). */
  highlight(ref: Ref | null): void {
    for (const gfx of this.layers) {
      const c = gfx.compact;
      if (!c) continue;
      if (ref && ref.l === gfx.l && ref.j < gfx.size && /^(a|z|delta|b|sigmaPrime|y)$/.test(ref.q)) {
        this.place(c, c.hover, ref.j);
        c.hover.classList.add('on');
      } else c.hover.classList.remove('on');
    }
  }

  private build(layers: LayerView[]): void {
    this.shape = layers.map((l) => `${l.size}:${l.activation}`).join(',');
    this.svg.replaceChildren();
    this.layers = [];
    const maxCircles = Math.max(1, ...layers.filter((l) => l.size <= MAX_CIRCLES).map((l) => l.size));
    const anyCompact = layers.some((l) => l.size > MAX_CIRCLES);
    this.height = Math.max(anyCompact ? 250 : 230, Math.min(460, maxCircles * 50 + 80));
    const H = this.height;
    this.svg.setAttribute('viewBox', `0 0 ${VW} ${H}`);
    const top = 44;
    const bottom = H - 30;
    const n = layers.length;
    const gap = (VW - 130) / Math.max(1, n - 1);
    const r = Math.min(22, (bottom - top) / (maxCircles * 2.4));
    const bands = svg('g', { class: 'bands' });
    this.edgeLayer = svg('g', { class: 'edges' });
    const nodesLayer = svg('g', { class: 'nodes' });
    this.svg.append(bands, this.edgeLayer, nodesLayer);
    for (let i = 0; i < n; i++) {
      const lv = layers[i];
      const x = n === 1 ? VW / 2 : 65 + i * gap;
      const band = svg('rect', { class: 'band', x: x - 58, y: 4, width: 116, height: H - 8, rx: 6 });
      bands.append(band);
      const title = svg('text', { class: 'layer-title', x, y: 20, 'text-anchor': 'middle' }, `${l10n.t('layer {0}', lv.l)} · ${lv.activation}`);
      const caption = svg('text', { class: 'layer-caption', x, y: H - 10, 'text-anchor': 'middle' });
      nodesLayer.append(title, caption);
      const gfx: LayerGfx = { l: lv.l, size: lv.size, x, ys: [], r, nodes: null, compact: null, band, title, caption, edges: null, edgeKey: '' };
      if (lv.size <= MAX_CIRCLES) {
        const step = (bottom - top) / lv.size;
        gfx.nodes = [];
        for (let j = 0; j < lv.size; j++) {
          const y = top + step * (j + 0.5);
          gfx.ys.push(y);
          const g = svg('g', { class: 'neuron', tabindex: 0, role: 'button', 'data-l': lv.l, 'data-j': j, 'data-refs': neuronRefs(lv.l, j, i === n - 1) });
          const circle = svg('circle', { cx: x, cy: y, r });
          const text = r >= 11 ? svg('text', { x, y: y + 3.5, 'text-anchor': 'middle', class: r >= 18 ? 'big' : null }) : null;
          g.append(circle);
          if (text) g.append(text);
          nodesLayer.append(g);
          gfx.nodes.push({ g, circle, text, fill: '' });
        }
      } else {
        gfx.compact = this.buildCompact(lv, x, top, bottom, nodesLayer);
        const w = gfx.compact.cols * gfx.compact.cell + 16;
        if (w > 116) {
          band.setAttribute('x', String(x - w / 2));
          band.setAttribute('width', String(w));
        }
      }
      this.layers.push(gfx);
    }
  }

  private buildCompact(lv: LayerView, x: number, top: number, bottom: number, parent: SVGGElement): Compact {
    const side = Math.round(Math.sqrt(lv.size));
    let cols: number;
    let rows: number;
    if (side * side === lv.size) {
      cols = side;
      rows = side;
    } else {
      rows = Math.ceil(Math.sqrt(lv.size * 2));
      cols = Math.ceil(lv.size / rows);
    }
    const cell = Math.min((bottom - top) / rows, 150 / cols);
    const w = cols * cell;
    const h = rows * cell;
    const x0 = x - w / 2;
    const y0 = top + (bottom - top - h) / 2;
    const what = side * side === lv.size ? l10n.t('a {0}×{1} image', side, side) : l10n.t('a {0}×{1} heatmap', cols, rows);
    const group = svg('g', {
      class: 'compact',
      tabindex: 0,
      role: 'slider',
      'aria-label': l10n.t('Layer {0}: {1} neurons drawn as {2}. Arrow keys or click choose a neuron.', lv.l, lv.size, what),
      'aria-valuemin': 0,
      'aria-valuemax': lv.size - 1,
      'data-l': lv.l,
    });
    const frame = svg('rect', { class: 'compact-frame', x: x0 - 1, y: y0 - 1, width: w + 2, height: h + 2 });
    const image = svg('image', { x: x0, y: y0, width: w, height: h, preserveAspectRatio: 'none' });
    const marker = svg('rect', { class: 'compact-marker', width: cell, height: cell });
    const hover = svg('rect', { class: 'compact-hover', width: cell, height: cell });
    group.append(frame, image, marker, hover);
    parent.append(group);
    const canvas = document.createElement('canvas');
    canvas.width = cols;
    canvas.height = rows;
    const ctx = canvas.getContext('2d')!;
    return { cols, rows, x0, y0, cell, group, image, marker, hover, canvas, ctx, data: ctx.createImageData(cols, rows), values: new Float64Array(cols * rows).fill(NaN), drawn: null };
  }

  private updateNodes(gfx: LayerGfx, lv: LayerView, values: Num[] | null, name: string, selected: number, secret: (j: number) => boolean): void {
    const scale = maxAbs(values);
    // Circles show the setting's digits, at most 6 (more would not fit); the label has 9.
    const digits = Math.min(precision(), 6);
    for (let j = 0; j < gfx.nodes!.length; j++) {
      const node = gfx.nodes![j];
      const hidden = values !== null && secret(j);
      const v = values && !hidden ? dec(values[j]) : null;
      const t = v === null ? 0 : scale > 0 ? v / scale : 0;
      const fill = v === null ? '' : diverging(t);
      if (fill !== node.fill) {
        node.fill = fill;
        node.circle.style.fill = fill;
        if (node.text) node.text.style.fill = v === null ? '' : textOn(t);
      }
      toggleClass(node.g, 'pending', v === null && !hidden);
      toggleClass(node.g, 'hidden-answer', hidden);
      toggleClass(node.g, 'selected', j === selected);
      if (node.text) setText(node.text, hidden ? '?' : v === null ? '' : fmt(v, digits));
      setAttr(node.g, 'aria-pressed', j === selected ? 'true' : 'false');
      setAttr(node.g, 'aria-label', l10n.t('Layer {0} neuron {1}: {2} = {3}', lv.l, j + 1, `${name}${sup(lv.l)}${sub(j + 1)}`, hidden ? l10n.t('hidden until you answer the lab question') : v === null ? l10n.t('not computed') : fmt(v)));
    }
  }

  private updateCompact(c: Compact, lv: LayerView, values: Num[] | null, selected: number): void {
    if (c.drawn !== (values !== null) || (values && !sameValues(c.values, values))) {
      c.drawn = values !== null;
      c.values.fill(NaN);
      if (values) {
        for (let i = 0; i < values.length; i++) c.values[i] = dec(values[i]);
        paint(c.values, maxAbs(values), c.data.data);
        // Cells past the end of the layer (non-square heatmaps) stay transparent.
        for (let i = lv.size; i < c.cols * c.rows; i++) c.data.data[4 * i + 3] = 0;
      } else c.data.data.fill(0);
      c.ctx.putImageData(c.data, 0, 0);
      c.image.setAttribute('href', c.canvas.toDataURL());
    }
    toggleClass(c.group, 'pending', values === null);
    if (selected >= 0) {
      this.place(c, c.marker, selected);
      c.marker.classList.add('on');
      const v = values ? fmt(dec(values[selected])) : l10n.t('not computed');
      setAttr(c.group, 'aria-valuenow', String(selected));
      setAttr(c.group, 'aria-valuetext', l10n.t('neuron {0}: {1}', selected + 1, v));
    } else c.marker.classList.remove('on');
  }

  private place(c: Compact, rect: SVGRectElement, j: number): void {
    setAttr(rect, 'x', String(c.x0 + (j % c.cols) * c.cell));
    setAttr(rect, 'y', String(c.y0 + Math.floor(j / c.cols) * c.cell));
  }

  private updateEdges(gfx: LayerGfx, edges: Num[] | null, selectedNeuron: number, selectedWeight: number | null, gradient: boolean, hidden: Set<string>): void {
    const i = gfx.l - 1;
    const prev = this.layers[i - 1];
    if (!edges || !prev?.nodes || !gfx.nodes) {
      if (gfx.edges) for (const e of gfx.edges) e.remove();
      gfx.edges = null;
      return;
    }
    const inputs = prev.size;
    if (!gfx.edges || gfx.edges.length !== edges.length) {
      gfx.edges = [];
      for (let j = 0; j < gfx.size; j++)
        for (let k = 0; k < inputs; k++) {
          const line = svg('line', {
            class: 'edge',
            x1: prev.x + prev.r,
            y1: prev.ys[k],
            x2: gfx.x - gfx.r,
            y2: gfx.ys[j],
            'data-l': gfx.l,
            'data-j': j,
            'data-k': k,
            'data-refs': `W:${gfx.l}:${j}:${k} dW:${gfx.l}:${j}:${k}`,
          });
          line.append(svg('title'));
          this.edgeLayer.append(line);
          gfx.edges.push(line);
        }
    }
    const key = edges.join(',') + '|' + selectedNeuron + '|' + selectedWeight + '|' + gradient + '|' + hidden.size;
    if (key === gfx.edgeKey) return;
    gfx.edgeKey = key;
    const scale = maxAbs(edges);
    for (let idx = 0; idx < edges.length; idx++) {
      const line = gfx.edges[idx];
      const v = dec(edges[idx]);
      const t = scale > 0 ? v / scale : 0;
      line.style.stroke = Number.isNaN(v) ? diverging(NaN) : diverging(t >= 0 ? Math.max(0.35, t) : Math.min(-0.35, t));
      line.style.strokeWidth = String(0.75 + 3.5 * Math.min(1, Math.abs(t) || 0));
      const j = Math.floor(idx / inputs);
      const k = idx % inputs;
      const secret = hidden.has(refKey({ q: gradient ? 'dW' : 'W', l: gfx.l, j, k }));
      toggleClass(line, 'hidden-answer', secret);
      if (secret) {
        line.style.stroke = '';
        line.style.strokeWidth = '1.5';
      }
      toggleClass(line, 'selected', j === selectedNeuron && k === selectedWeight);
      toggleClass(line, 'into-selected', j === selectedNeuron);
      setText(line.firstChild as Element, l10n.t('{0} = {1} (click to select this weight)', `${gradient ? '∂C/∂w' : 'w'}${sup(gfx.l)}${subPair(j + 1, k + 1)}`, secret ? l10n.t('? (hidden until you answer the lab question)') : fmt(v)));
    }
  }

  private onClick(e: MouseEvent): void {
    const t = e.target as Element;
    const edge = t.closest('.edge');
    if (edge) {
      this.events.selectWeight(Number(edge.getAttribute('data-l')), Number(edge.getAttribute('data-j')), Number(edge.getAttribute('data-k')));
      return;
    }
    const neuron = t.closest('.neuron');
    if (neuron) {
      this.events.selectNeuron(Number(neuron.getAttribute('data-l')), Number(neuron.getAttribute('data-j')));
      return;
    }
    const compact = t.closest('.compact');
    if (compact) {
      const j = this.compactIndexAt(compact, e);
      if (j !== null) this.events.selectNeuron(Number(compact.getAttribute('data-l')), j);
    }
  }

  private compactIndexAt(group: Element, e: MouseEvent): number | null {
    const gfx = this.layers[Number(group.getAttribute('data-l')) - 1];
    const c = gfx?.compact;
    if (!c) return null;
    const box = c.image.getBoundingClientRect();
    if (box.width === 0) return null;
    const col = Math.floor(((e.clientX - box.left) / box.width) * c.cols);
    const row = Math.floor(((e.clientY - box.top) / box.height) * c.rows);
    if (col < 0 || row < 0 || col >= c.cols || row >= c.rows) return null;
    const j = row * c.cols + col;
    return j < gfx.size ? j : null;
  }

  private onHoverCompact(e: MouseEvent): void {
    const group = (e.target as Element).closest('.compact');
    if (!group) return;
    const j = this.compactIndexAt(group, e);
    const gfx = this.layers[Number(group.getAttribute('data-l')) - 1];
    const c = gfx.compact!;
    if (j === null) return;
    const v = c.values[j];
    group.setAttribute('data-hover', `neuron ${j + 1}: ${fmt(v)}`);
    let title = group.querySelector<SVGTitleElement>('title');
    if (!title) group.prepend((title = svg('title')));
    setText(title, l10n.t('layer {0}, neuron {1}: {2}', gfx.l, j + 1, Number.isNaN(v) ? l10n.t('not computed') : fmt(v)));
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as Element;
    if (t.classList.contains('neuron') && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      e.stopPropagation();
      this.events.selectNeuron(Number(t.getAttribute('data-l')), Number(t.getAttribute('data-j')));
      return;
    }
    if (t.classList.contains('compact')) {
      const gfx = this.layers[Number(t.getAttribute('data-l')) - 1];
      const c = gfx.compact!;
      const now = Number(t.getAttribute('aria-valuenow') ?? -1);
      const cur = now >= 0 ? now : 0;
      const delta: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: c.cols, ArrowUp: -c.cols, Home: -cur, End: gfx.size - 1 - cur };
      let next: number | null = null;
      if (e.key in delta) next = cur + delta[e.key];
      else if (e.key === 'Enter' || e.key === ' ') next = cur;
      if (next === null) return;
      e.preventDefault();
      e.stopPropagation();
      this.events.selectNeuron(gfx.l, Math.max(0, Math.min(gfx.size - 1, next)));
    }
  }
}

function neuronRefs(l: number, j: number, output: boolean): string {
  const qs: Ref['q'][] = l === 1 ? ['a'] : ['a', 'z', 'delta', 'b', 'sigmaPrime', 'db'];
  if (output) qs.push('y');
  return qs.map((q) => refKey({ q, l, j })).join(' ');
}

/** Whether `values` are the ones drawn (compared as numbers, NaN equal to NaN). */
function sameValues(drawn: Float64Array, values: Num[]): boolean {
  for (let i = 0; i < values.length; i++) if (!Object.is(drawn[i], dec(values[i]))) return false;
  return true;
}

function maxAbs(values: ArrayLike<Num | number> | null): number {
  if (!values) return 0;
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    const v = typeof raw === 'number' ? Math.abs(raw) : 0;
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}
