import { dec, type Num } from '../src/shared/protocol';

/** Numbers as the debugger shows them: 9 significant digits (0.298371109, 1e-7, 1.23456789e12). */
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

/** Short form for inside diagram nodes and axis ticks. */
export const short = (x: number): string => fmt(x, 3);

const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
const SUB: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉' };
export const sup = (n: number): string => String(n).replace(/\d/g, (d) => SUP[d]);
export const sub = (n: number): string => String(n).replace(/\d/g, (d) => SUB[d]);
/** The subscript of w_jk (1-based): "₂₁", or "₄,₂₁" when an index has two digits. */
export const subPair = (j: number, k: number): string => (j < 10 && k < 10 ? `${sub(j)}${sub(k)}` : `${sub(j)},${sub(k)}`);
