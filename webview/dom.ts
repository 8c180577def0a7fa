// Small DOM helpers. Everything is built with createElement / CSSOM (never innerHTML with style
// attributes): the panel's Content-Security-Policy allows no inline styles or scripts.
//
// A function as an attribute value or a child is translated text of a part built once (see l10n.ts):
// `h('h2', {}, () => l10n.t('Network'))` is set now and again when the host's translations arrive.
import { localize } from './l10n';

/** Text that follows the translation bundle. */
export type Localized = () => string;
type Attrs = Record<string, string | number | boolean | Localized | null | undefined>;
type Child = Node | string | Localized;

function setAttrs(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') localize(() => el.setAttribute(k, v()));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (typeof c === 'function') {
      const text = document.createTextNode('');
      localize(() => {
        text.data = c();
      });
      el.append(text);
    } else el.append(c);
  }
}

/** An HTML element (or a custom element by tag name) with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Set text only when it differs (no layout work for unchanged values). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export function toggleClass(el: Element, name: string, on: boolean): void {
  if (el.classList.contains(name) !== on) el.classList.toggle(name, on);
}
