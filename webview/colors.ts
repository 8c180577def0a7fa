// The panel's colour scales, derived from the VS Code theme's own variables (read once per theme):
// a diverging blue – background – orange scale (colour-blind safe, like PuOr) for signed values, and
// the charts palette for series. Zero is the editor background, so the scale works in light, dark and
// high-contrast themes alike: the larger |value|, the more saturated.

import type { ColorScale } from '../src/shared/protocol';

export type RGB = [number, number, number];

/** The scale chosen by backprop.display.colorScale. */
let scale: ColorScale = 'diverging';
/** Set the colour scale; true when it changed (drawings cached by colour must be redrawn). */
export function setColorScale(s: ColorScale): boolean {
  if (s === scale) return false;
  scale = s;
  version++;
  return true;
}
export const colorScale = (): ColorScale => scale;

/** symmetric-log: |t| (relative to the layer's largest value) on a log scale over this many decades. */
const LOG_DECADES = 4;

/** Where t ∈ [−1, 1] sits on the chosen scale, still in [−1, 1] (sign kept). */
export function scaled(t: number): number {
  if (scale !== 'symmetric-log' || t === 0 || Number.isNaN(t)) return t;
  const a = Math.min(1, Math.abs(t));
  // 1 → 1, 10^−LOG_DECADES → 0: tiny values still get a tint, huge ones do not drown them.
  const u = Math.max(0, 1 + Math.log10(a) / LOG_DECADES);
  return Math.sign(t) * u;
}

let negative: RGB = [55, 148, 255];
let positive: RGB = [209, 134, 22];
let middle: RGB = [255, 255, 255];
let nanColour: RGB = [229, 83, 83];
let foreground: RGB = [0, 0, 0];
let themeKey = '';
let version = 0;

/** Changes each time the theme's colours are read anew (for drawings cached by colour). */
export const themeVersion = (): number => version;

function parseRgb(s: string): RGB | null {
  const m = /rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)/.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Read the theme's colours (call when the body's theme class or the variables change); false when the
 * variables it reads are as they were (a theme of the same kind may differ only in, say, its charts colours).
 */
export function readTheme(): boolean {
  const root = getComputedStyle(document.documentElement);
  const key = [document.body.className, ...THEME_VARIABLES.map((v) => root.getPropertyValue(v))].join('|');
  if (key === themeKey) return false;
  themeKey = key;
  version++;
  const probe = document.createElement('span');
  probe.className = 'colour-probe';
  document.body.append(probe);
  const read = (expr: string, fallback: RGB): RGB => {
    probe.style.color = '';
    probe.style.color = expr;
    return parseRgb(getComputedStyle(probe).color) ?? fallback;
  };
  negative = read('var(--vscode-charts-blue, #3794ff)', negative);
  positive = read('var(--vscode-charts-orange, #d18616)', positive);
  middle = read('var(--vscode-editor-background, #ffffff)', middle);
  nanColour = read('var(--vscode-charts-red, #e55353)', nanColour);
  foreground = read('var(--vscode-editor-foreground, var(--vscode-foreground, #000000))', foreground);
  palette = SERIES.map((v, i) => read(`var(${v})`, palette[i] ?? [128, 128, 128]));
  probe.remove();
  return true;
}

/** Colour of t ∈ [−1, 1] on the chosen scale (NaN → the theme's red). */
export function divergingRGB(t: number): RGB {
  if (Number.isNaN(t)) return nanColour;
  const c = Math.max(-1, Math.min(1, scaled(t)));
  if (scale === 'grayscale') {
    // Dark (−1) to light (+1), the same in every theme: for printing and any colour vision.
    const g = 24 + ((c + 1) / 2) * (240 - 24);
    return [g, g, g];
  }
  // A mild gamma so small values still show a tint.
  const u = Math.pow(Math.abs(c), 0.75);
  const end = c < 0 ? negative : positive;
  return [middle[0] + (end[0] - middle[0]) * u, middle[1] + (end[1] - middle[1]) * u, middle[2] + (end[2] - middle[2]) * u];
}

export function css(c: RGB): string {
  return `rgb(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])})`;
}

export const diverging = (t: number): string => css(divergingRGB(t));

/** A readable text colour on top of a diverging fill. */
export function textOn(t: number): string {
  const c = divergingRGB(t);
  const lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  const fgLum = 0.2126 * foreground[0] + 0.7152 * foreground[1] + 0.0722 * foreground[2];
  const bgLum = 0.2126 * middle[0] + 0.7152 * middle[1] + 0.0722 * middle[2];
  // Use whichever of the theme's foreground and background contrasts more with the fill.
  return Math.abs(lum - fgLum) >= Math.abs(lum - bgLum) ? css(foreground) : css(middle);
}

/** The series palette (charts colours), as CSS variable references. */
const SERIES = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-red'];
/** Every variable readTheme reads (the charts colours are SERIES). */
const THEME_VARIABLES = ['--vscode-editor-background', '--vscode-editor-foreground', '--vscode-foreground', ...SERIES];
export const seriesColour = (i: number): string => `var(${SERIES[i % SERIES.length]})`;

let palette: RGB[] = [];

/** The i-th charts colour as RGB (for canvas drawing). */
export const paletteRGB = (i: number): RGB => palette[i % palette.length] ?? [128, 128, 128];

/** Paint values (scaled to [−1, 1] by `scale`) into an RGBA buffer. */
export function paint(values: ArrayLike<number>, scale: number, out: Uint8ClampedArray): void {
  const inv = scale > 0 ? 1 / scale : 0;
  for (let i = 0; i < values.length; i++) {
    const c = divergingRGB(values[i] * inv);
    out[4 * i] = c[0];
    out[4 * i + 1] = c[1];
    out[4 * i + 2] = c[2];
    out[4 * i + 3] = 255;
  }
}
