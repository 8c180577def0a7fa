// The equation of the current step, typeset with KaTeX: the general form and the selected neuron's
// equation with its real numbers. Numbers arrive wrapped in \htmlData{ref=<refKey>}{…}, which KaTeX
// turns into data-ref attributes; pointing at one (hover or keyboard focus) highlights where it came
// from. katex.render builds DOM nodes (CSSOM styles): safe under the panel's CSP, unlike
// renderToString + innerHTML.
import katex from 'katex';
import { parseRefKey, type EquationView } from '../src/shared/protocol';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { h, setText } from './dom';
import { l10n } from './l10n';

const OPTIONS: katex.KatexOptions = {
  trust: (ctx) => ctx.command === '\\htmlData',
  strict: 'ignore',
  throwOnError: false,
  output: 'html',
  displayMode: true,
};
/** The substituted equation is long: inline mode lets KaTeX break it after = and + to fit the card. */
const INLINE: katex.KatexOptions = { ...OPTIONS, displayMode: false };

const DESCRIBE: Record<string, () => string> = {
  a: () => l10n.t('activation a'),
  z: () => l10n.t('weighted input z'),
  delta: () => l10n.t('error δ'),
  sigmaPrime: () => 'σ′(z)',
  y: () => l10n.t('target y'),
  W: () => l10n.t('weight w'),
  b: () => l10n.t('bias b'),
  dW: () => '∂C/∂w',
  db: () => '∂C/∂b',
  cost: () => l10n.t('cost C'),
};

export class EquationPane {
  readonly el: HTMLElement;
  private readonly title = h('h2', { class: 'eq-title', id: 'eq-title' });
  private readonly rule = h('vscode-badge', { class: 'eq-rule', variant: 'counter' });
  private readonly general = h('div', { class: 'eq-general', 'aria-hidden': 'true' });
  private readonly subject = h('p', { class: 'eq-subject' });
  private readonly substituted = h('div', { class: 'eq-substituted' });
  /** The plain text of the equation: read by screen readers when it changes, and selectable for copy. */
  private readonly text = h('pre', { class: 'eq-text', 'aria-live': 'polite', 'aria-label': () => l10n.t('Equation as text') });
  private lastGeneral = '';
  /** Typeset equations by their TeX, so stepping back and forth does not typeset them again. */
  private readonly cache = new Map<string, HTMLElement>();
  private lastSubstituted: string | null = '';

  constructor() {
    this.el = h('section', { class: 'card equation', 'aria-labelledby': 'eq-title' }, h('div', { class: 'eq-head' }, this.title, this.rule), this.general, this.subject, this.substituted, this.text);
  }

  update(eq: EquationView): void {
    setText(this.title, eq.title);
    setText(this.rule, eq.rule);
    this.rule.hidden = eq.rule === '';
    if (eq.general !== this.lastGeneral) {
      this.lastGeneral = eq.general;
      this.general.replaceChildren(this.typeset(eq.general, OPTIONS));
    }
    setText(this.subject, eq.substituted === null ? '' : eq.subject);
    if (eq.substituted !== this.lastSubstituted) {
      this.lastSubstituted = eq.substituted;
      if (eq.substituted === null) this.substituted.replaceChildren();
      else {
        const fresh = !this.cache.has('i' + eq.substituted);
        this.substituted.replaceChildren(this.typeset(eq.substituted, INLINE));
        if (fresh) this.linkNumbers();
      }
    }
    this.substituted.hidden = eq.substituted === null;
    setText(this.text, eq.text.join('\n'));
  }

  /** Make each number focusable and say what it is; focus or hover highlights its origin (main.ts). */
  private linkNumbers(): void {
    for (const el of this.substituted.querySelectorAll<HTMLElement>('[data-ref]')) {
      const ref = parseRefKey(el.dataset.ref ?? '');
      el.tabIndex = 0;
      el.classList.add('eq-num');
      // The full value rides along in \htmlData{…, v=…} (the equation shows 4 significant digits).
      const what = `${ref ? describe(ref.q, ref.l, ref.j, ref.k) : l10n.t('value')}${el.dataset.v ? ` = ${el.dataset.v}` : ''}`;
      el.setAttribute('aria-label', `${el.textContent ?? ''}: ${what}`);
      el.title = what;
    }
  }

  private typeset(tex: string, options: katex.KatexOptions): HTMLElement {
    const key = (options.displayMode ? 'd' : 'i') + tex;
    let el = this.cache.get(key);
    if (el) {
      this.cache.delete(key); // most recently used last
    } else {
      el = document.createElement('div');
      el.className = 'tex';
      katex.render(tex, el, options);
    }
    this.cache.set(key, el);
    if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
    return el;
  }
}

function describe(q: string, l: number, j: number, k?: number): string {
  const what = DESCRIBE[q]?.() ?? q;
  if (q === 'cost') return l10n.t('the cost C');
  return k === undefined ? l10n.t('{0} of neuron {1} in layer {2}', what, j + 1, l) : l10n.t('{0} from neuron {1} of layer {2} to neuron {3} of layer {4}', what, k + 1, l - 1, j + 1, l);
}
