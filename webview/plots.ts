// Hand-written SVG line plots (loss, per-epoch loss, gradient norms on a log scale, a weight's history)
// and the decision boundary of 2-D data (a canvas image with the training points).
import { dec, type BoundaryView, type Series } from '../src/shared/protocol';
import { css, divergingRGB, paletteRGB, seriesColour } from './colors';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { h, setText, svg, type Localized } from './dom';
import { short } from './format';
import { l10n } from './l10n';

export interface PlotSeries {
  label: string;
  series: Series;
  dashed?: boolean;
}

const W = 320;
const H = 150;
const PAD = { l: 46, r: 8, t: 8, b: 22 };

export class LinePlot {
  readonly el: HTMLElement;
  readonly caption: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly empty: HTMLElement;
  private key = '';

  /** Built once, at load: the title and the axis's label and description follow the language (l10n.ts). */
  constructor(
    title: Localized,
    private readonly opts: { logY?: boolean; xLabel: Localized; describe: Localized },
  ) {
    this.svg = svg('svg', { class: 'plot', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': () => `${title()}: ${opts.describe()}` });
    this.legend = h('div', { class: 'legend' });
    this.empty = h('p', { class: 'empty' }, () => l10n.t('No data yet.'));
    this.caption = h('figcaption', {}, title);
    this.el = h('figure', { class: 'card plot-card' }, this.caption, this.svg, this.legend, this.empty);
  }

  update(all: PlotSeries[]): void {
    const key = all.map((s) => `${s.label}:${s.series.x.length}:${s.series.x[s.series.x.length - 1]}:${s.series.y[s.series.y.length - 1]}`).join('|');
    if (key === this.key) return;
    this.key = key;
    const log = !!this.opts.logY;
    const tf = (v: number): number => (log ? (v > 0 ? Math.log10(v) : NaN) : v);
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    const decoded = all.map((s) => {
      const ys = s.series.y.map((v) => tf(dec(v)));
      s.series.x.forEach((x, i) => {
        if (!Number.isFinite(ys[i])) return;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, ys[i]);
        y1 = Math.max(y1, ys[i]);
      });
      return ys;
    });
    const hasData = Number.isFinite(x0);
    this.empty.hidden = hasData;
    this.svg.classList.toggle('no-data', !hasData);
    this.svg.replaceChildren();
    this.legend.replaceChildren();
    if (!hasData) return;
    if (x1 === x0) {
      x0 -= 1;
      x1 += 1;
    }
    if (y1 === y0) {
      const d = log ? 0.5 : Math.abs(y0) * 0.1 || 1;
      y0 -= d;
      y1 += d;
    }
    if (!log && y0 > 0 && y0 < (y1 - y0) * 0.5) y0 = 0;
    const px = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
    const py = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
    const axes = svg('g', { class: 'axes' });
    axes.append(svg('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }), svg('line', { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
    const ticks = log ? logTicks(y0, y1) : [y0, (y0 + y1) / 2, y1];
    for (const t of ticks) {
      axes.append(svg('line', { class: 'grid', x1: PAD.l, y1: py(t), x2: W - PAD.r, y2: py(t) }));
      axes.append(svg('text', { x: PAD.l - 4, y: py(t) + 3, 'text-anchor': 'end' }, log ? (Number.isInteger(t) ? `1e${t}` : short(10 ** t)) : short(t)));
    }
    axes.append(svg('text', { x: PAD.l, y: H - 6, 'text-anchor': 'start' }, short(x0)));
    axes.append(svg('text', { x: W - PAD.r, y: H - 6, 'text-anchor': 'end' }, short(x1)));
    axes.append(svg('text', { x: (W + PAD.l) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-label' }, this.opts.xLabel()));
    this.svg.append(axes);
    all.forEach((s, i) => {
      let d = '';
      let pen = false;
      const ys = decoded[i];
      for (let k = 0; k < s.series.x.length; k++) {
        if (!Number.isFinite(ys[k])) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${px(s.series.x[k]).toFixed(1)},${py(ys[k]).toFixed(1)}`;
        pen = true;
      }
      const path = svg('path', { class: `series${s.dashed ? ' dashed' : ''}`, d });
      path.style.stroke = seriesColour(i);
      this.svg.append(path);
      if (s.series.x.length === 1 || s.series.x.length < 3) {
        // Few points: mark them so a single epoch is visible.
        for (let k = 0; k < s.series.x.length; k++)
          if (Number.isFinite(ys[k])) {
            const dot = svg('rect', { class: 'dot', x: px(s.series.x[k]) - 2.5, y: py(ys[k]) - 2.5, width: 5, height: 5 });
            dot.style.fill = seriesColour(i);
            this.svg.append(dot);
          }
      }
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = seriesColour(i);
      let last: number | undefined;
      for (let k = s.series.y.length - 1; k >= 0 && last === undefined; k--) if (Number.isFinite(dec(s.series.y[k]))) last = dec(s.series.y[k]);
      this.legend.append(h('span', { class: 'legend-item' }, swatch, `${s.label}${last !== undefined ? ` ${short(last)}` : ''}`));
    });
  }
}

function logTicks(y0: number, y1: number): number[] {
  const a = Math.ceil(y0);
  const b = Math.floor(y1);
  // Less than a decade: the ends and the middle, as plain numbers.
  if (b - a < 1) return [y0, (y0 + y1) / 2, y1];
  const step = Math.max(1, Math.ceil((b - a) / 4));
  const out: number[] = [];
  for (let t = a; t <= b; t += step) out.push(t);
  return out;
}

/** The decision boundary of a network with two inputs, with the training points. */
export class BoundaryPlot {
  readonly el: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly canvas = document.createElement('canvas');
  private readonly caption: HTMLElement;
  private key = '';

  constructor() {
    this.img = h('img', { class: 'boundary', alt: () => l10n.t('Decision boundary') });
    this.caption = h('figcaption', {}, () => l10n.t('Decision boundary'));
    this.el = h('figure', { class: 'card plot-card boundary-card' }, this.caption, this.img);
    this.canvas.width = 200;
    this.canvas.height = 200;
  }

  update(b: BoundaryView | null, theme: number): void {
    this.el.hidden = b === null;
    if (!b) return;
    const key = `${theme}|${b.n}|${b.values.join(',')}`;
    if (key === this.key) return;
    this.key = key;
    const ctx = this.canvas.getContext('2d')!;
    const S = this.canvas.width;
    const cell = S / b.n;
    const colour = (v: number): string => (b.kind === 'probability' ? css(divergingRGB(2 * v - 1)) : b.classes <= 2 ? css(divergingRGB(v === 0 ? -0.6 : 0.6)) : css(paletteRGB(v)));
    for (let r = 0; r < b.n; r++)
      for (let c = 0; c < b.n; c++) {
        ctx.fillStyle = colour(b.values[r * b.n + c]);
        // Row 0 is the top (y1) of the plot, as the host computes the grid.
        ctx.fillRect(c * cell, r * cell, Math.ceil(cell), Math.ceil(cell));
      }
    for (const p of b.points) {
      const x = ((p.x - b.x0) / (b.x1 - b.x0)) * S;
      const y = S - ((p.y - b.y0) / (b.y1 - b.y0)) * S;
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fillStyle = b.classes <= 2 ? css(divergingRGB(p.c === 0 ? -1 : 1)) : css(paletteRGB(p.c));
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = css(divergingRGB(0));
      ctx.stroke();
    }
    this.img.src = this.canvas.toDataURL();
    const what = b.kind === 'probability' ? l10n.t('P(class 1): blue 0 … orange 1') : l10n.t('predicted class of {0}', b.classes);
    setText(this.caption, l10n.t('Decision boundary ({0})', what));
    this.img.alt = l10n.t('Decision boundary over x ∈ [{0}, {1}], y ∈ [{2}, {3}] with {4} training points; {5}', short(b.x0), short(b.x1), short(b.y0), short(b.y1), b.points.length, what);
  }
}
