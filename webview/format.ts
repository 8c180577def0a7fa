// Numbers and the notation's indices as the panel writes them.
import { dec, type Num } from '../src/shared/protocol';

// The debugger's own notation (superscript layers, subscript neurons, w²₄,₂₁): one definition for the
// Variables view, the equations and the panel. notation.ts is pure (type-only imports), so this adds a
// few hundred bytes to the bundle.
export { sub, subPair, sup } from '../src/debug/notation';

/**
 * Numbers as the debugger shows them: 9 significant digits (0.298371109, 1e-7, 1.23456789e12). The same
 * rule as `formatNumber` in src/debug/expr.ts, written again on purpose: importing that module would pull
 * the expression language and the validator (~60 KB minified) into the bundle, and the panel writes ±∞
 * where the Debug Console writes ±Infinity.
 */
export function fmt(x: number, digits = 9): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '-∞';
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(digits));
  const a = Math.abs(rounded);
  return a >= 1e-4 && a < 10 ** digits ? String(rounded) : rounded.toExponential().replace('e+', 'e');
}

export const fmtNum = (v: Num, digits = 9): string => fmt(dec(v), digits);

/** Significant digits of the numbers the panel shows (backprop.display.precision); hover shows all. */
let shownDigits = 4;
export function setPrecision(digits: number): void {
  shownDigits = Math.max(2, Math.min(17, Math.round(digits)));
}
export const precision = (): number => shownDigits;
/** A number as the tables and the diagram show it: the setting's significant digits. */
export const shown = (x: number): string => fmt(x, shownDigits);
/** The value in full for tooltips (12 significant digits, as the equation's numbers carry it). */
export const full = (x: number): string => fmt(x, 12);

/** Short form for inside diagram nodes and axis ticks. */
export const short = (x: number): string => fmt(x, 3);
