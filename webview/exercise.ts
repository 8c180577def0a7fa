// The lab's question card: each question of the network file's exercise with its prompt, a number field,
// Submit and Reveal, the feedback of its grade, and the running score. Answers go to the host (`answer`,
// `reveal`), which grades them with the engine and replies (`graded`); the value asked for stays hidden in
// the rest of the panel until then. Everything is reachable with Tab; Enter in a field submits it.
import type { ExerciseView, FromWebview, QuestionView, ToWebview } from '../src/shared/protocol';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { h, setAttr, setText, toggleClass } from './dom';
import { fmtNum } from './format';
import { l10n } from './l10n';

interface Row {
  li: HTMLElement;
  symbol: HTMLElement;
  where: HTMLElement;
  badge: HTMLElement;
  prompt: HTMLElement;
  form: HTMLElement;
  input: HTMLInputElement;
  submit: HTMLElement;
  reveal: HTMLElement;
  feedback: HTMLElement;
  status: QuestionView['status'] | '';
}

const STATUS_TEXT: Record<QuestionView['status'], () => string> = { open: () => l10n.t('to answer'), correct: () => l10n.t('correct'), incorrect: () => l10n.t('incorrect'), revealed: () => l10n.t('revealed') };
const scoreText = (s: ExerciseView['score']): string => l10n.t('Score {0}/{1} · {2} of {3} answered', num(s.earned), num(s.total), s.answered, s.count);

/** A number as typed: 0.0088, -1.5e-3, or with a decimal comma (0,0088). Null when it is not one. */
export function parseAnswer(text: string): number | null {
  let t = text.trim().replace(/\s+/g, '').replace(/−/g, '-');
  if (/^[-+]?\d*,\d+(e[-+]?\d+)?$/i.test(t)) t = t.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

export class ExerciseCard {
  readonly el: HTMLElement;
  private readonly title = h('h2', { id: 'lab-title' });
  private readonly score = h('span', { class: 'lab-score', role: 'status', 'aria-live': 'polite' });
  private readonly instructions = h('p', { class: 'lab-instructions' });
  private readonly list = h('ol', { class: 'lab-questions' });
  private rows = new Map<string, Row>();
  private key = '';
  private nextId = 1;
  /** Requests in flight: request id → question id. */
  private readonly pending = new Map<number, string>();

  constructor(private readonly post: (m: FromWebview) => void) {
    this.el = h('section', { class: 'card lab-card', 'aria-labelledby': 'lab-title' }, h('div', { class: 'card-head' }, this.title, this.score), this.instructions, this.list);
    this.el.hidden = true;
  }

  update(ex: ExerciseView | null | undefined): void {
    this.el.hidden = !ex;
    if (!ex) return;
    setText(this.title, l10n.t('Lab: {0}', ex.title));
    setText(this.score, scoreText(ex.score));
    setText(this.instructions, ex.instructions);
    this.instructions.hidden = ex.instructions === '';
    const key = ex.questions.map((q) => q.id).join('|');
    if (key !== this.key) this.build(ex.questions);
    for (const q of ex.questions) this.fill(this.rows.get(q.id)!, q);
  }

  /** The host's reply to an answer or a reveal. */
  graded(m: Extract<ToWebview, { type: 'graded' }>): void {
    const id = this.pending.get(m.id);
    if (id === undefined) return;
    this.pending.delete(m.id);
    const row = this.rows.get(id);
    if (!row) return;
    if (m.ok) {
      const hadFocus = row.li.contains(document.activeElement);
      this.fill(row, m.question);
      // The field and buttons are gone: keep the keyboard user where the result is.
      if (hadFocus) {
        row.feedback.tabIndex = -1;
        row.feedback.focus();
      }
      setText(this.score, scoreText(m.score));
    } else {
      row.feedback.className = 'lab-feedback error';
      setText(row.feedback, m.error);
      setAttr(row.submit, 'disabled', null);
      setAttr(row.reveal, 'disabled', null);
    }
  }

  private build(questions: QuestionView[]): void {
    this.key = questions.map((q) => q.id).join('|');
    this.rows.clear();
    this.list.replaceChildren();
    for (const q of questions) {
      const inputId = `lab-answer-${q.id}`;
      const symbol = h('strong', { class: 'lab-symbol' });
      const where = h('span', { class: 'lab-where' });
      const badge = h('span', { class: 'lab-badge' });
      const prompt = h('p', { class: 'lab-prompt' });
      const label = h('label', { for: inputId, class: 'inline-label' }, l10n.t('Your answer'));
      const input = h('input', { id: inputId, type: 'text', inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false', class: 'lab-input', 'data-question': q.id }) as HTMLInputElement;
      const submit = h('vscode-button', { class: 'lab-submit', 'data-question': q.id }, l10n.t('Submit'));
      const reveal = h('vscode-button', { class: 'lab-reveal', secondary: true, 'data-question': q.id, title: l10n.t('Show the value (no points)') }, l10n.t('Reveal'));
      const feedback = h('p', { class: 'lab-feedback', role: 'status', 'aria-live': 'polite' });
      const form = h('div', { class: 'lab-form' }, label, input, submit, reveal);
      const li = h('li', { class: 'lab-question', 'data-question': q.id }, h('div', { class: 'lab-head' }, symbol, badge, where), prompt, form, feedback);
      const row: Row = { li, symbol, where, badge, prompt, form, input, submit, reveal, feedback, status: '' };
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          this.submit(q.id);
        }
      });
      submit.addEventListener('click', () => this.submit(q.id));
      reveal.addEventListener('click', () => this.reveal(q.id));
      this.rows.set(q.id, row);
      this.list.append(li);
    }
  }

  private fill(row: Row, q: QuestionView): void {
    setText(row.symbol, q.symbol);
    setText(row.where, `${l10n.t('asked at {0}', q.where)}${q.points !== 1 ? ` · ${l10n.t('{0} points', num(q.points))}` : ''}`);
    setText(row.prompt, q.prompt);
    setText(row.badge, q.hiddenNow && q.status === 'open' ? l10n.t('answer now: hidden at this step') : STATUS_TEXT[q.status]());
    row.li.dataset.status = q.status;
    toggleClass(row.li, 'now', q.hiddenNow && q.status === 'open');
    setAttr(row.input, 'aria-label', l10n.t('Your answer for {0}', q.symbol));
    const open = q.status === 'open';
    row.form.hidden = !open;
    if (row.status !== q.status) {
      row.status = q.status;
      if (open) {
        setAttr(row.submit, 'disabled', null);
        setAttr(row.reveal, 'disabled', null);
      }
      row.feedback.className = `lab-feedback ${q.status}`;
      const value = q.expected !== null && q.status !== 'open' ? ` (${q.symbol} = ${fmtNum(q.expected)})` : '';
      setText(row.feedback, open ? '' : q.feedback || `${STATUS_TEXT[q.status]()}${value}`);
    }
  }

  private submit(id: string): void {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open') return;
    const value = parseAnswer(row.input.value);
    if (value === null) {
      row.feedback.className = 'lab-feedback error';
      setText(row.feedback, row.input.value.trim() === '' ? l10n.t('Type your answer first, e.g. 0.0088.') : l10n.t('“{0}” is not a number: write it like 0.0088, -1.2 or 8.8e-3.', row.input.value));
      row.input.focus();
      return;
    }
    const rid = this.nextId++;
    this.pending.set(rid, id);
    setAttr(row.submit, 'disabled', '');
    setAttr(row.reveal, 'disabled', '');
    row.feedback.className = 'lab-feedback pending';
    setText(row.feedback, l10n.t('Grading…'));
    this.post({ type: 'answer', id: rid, question: id, value });
  }

  private reveal(id: string): void {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open') return;
    const rid = this.nextId++;
    this.pending.set(rid, id);
    setAttr(row.submit, 'disabled', '');
    setAttr(row.reveal, 'disabled', '');
    this.post({ type: 'reveal', id: rid, question: id });
  }
}

const num = (x: number): string => String(Number(x.toPrecision(6)));
