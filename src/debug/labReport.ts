/**
 * The lab report: Markdown with the network, each question with its equation in LaTeX ($$…$$, from the same
 * operands the panel substitutes, src/debug/operands.ts via panel.ts) and numbers, the learner's answer,
 * the verdict and the score. Pure (no vscode): `Backprop: Export Lab Report…` (src/extension/labs.ts)
 * writes what this returns.
 *
 * The equations are read from the session's runtime at each question's step; the runtime is put back
 * exactly where it was afterwards (Trainer.goTo, as the panel's weight history does).
 */
import { describeStep, locateStep, programIndex, quantityPhase, questionSymbol, runLayout, showNumber, stepOf, type QuestionResult, type ResolvedQuestion } from '../engine';
import { sessionReport } from './exerciseView';
import { equationLatex } from './panel';
import type { DebugRuntime } from './runtime';

export interface LabReportOptions {
  /** The network file's name as the learner knows it. */
  fileName: string;
  /** When the report was written (ISO text; the caller's clock). */
  date: string;
  /** Significant digits of the equations' numbers (the panel's setting). */
  precision?: number;
  /** Who wrote it (optional: a name to hand in). */
  author?: string;
}

const VERDICT: Record<QuestionResult['status'], string> = { correct: '✅ correct', incorrect: '❌ incorrect', missing: '— not answered', revealed: '👁 revealed' };

/** Markdown table cells: no pipes or line breaks inside. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const pts = (x: number): string => String(Number(x.toPrecision(6)));

/** LaTeX display math; several lines (the panel's `\\` breaks) in a gathered block. */
function display(tex: string): string {
  const body = tex.includes(' \\\\ ') ? `\\begin{gathered}\n${tex.split(' \\\\ ').join(' \\\\\n')}\n\\end{gathered}` : tex;
  return `$$\n${body}\n$$`;
}

/**
 * The equation that computes a question's value: the step of its quantity in the question's mini-batch
 * (null when that step comes after the question's, e.g. a weight asked for before its update).
 */
function questionEquation(rt: DebugRuntime, q: ResolvedQuestion, precision: number): { general: string; substituted: string | null; step: number } | null {
  const t = rt.trainer;
  const r = runLayout(rt.net, t.epochs);
  const loc = locateStep(r, q.step);
  if (loc.index < 0) return null;
  const phase = quantityPhase(q.quantity);
  const step = stepOf(r, loc.epoch, loc.batch, programIndex(r, phase, q.quantity === 'loss' ? null : q.layer));
  if (step > q.step || step < t.firstStep || step > t.totalSteps) return null;
  t.goTo(step);
  const eq = equationLatex(rt, phase, q.layer, q.neuron, q.example, q.input ?? 0, precision);
  return { ...eq, step };
}

/** The lab report as Markdown. */
export function labReport(rt: DebugRuntime, answers: ReadonlyMap<string, QuestionResult>, o: LabReportOptions): string {
  const ex = rt.net.exercise;
  if (!ex) throw new Error('This network file has no exercise section: there is no lab to report.');
  const report = sessionReport(rt, answers);
  const layout = runLayout(rt.net, rt.trainer.epochs);
  const precision = o.precision ?? 4;
  const out: string[] = [];
  out.push(`# Lab report: ${ex.title}`, '');
  out.push(`- Network: **${rt.net.name}** (\`${o.fileName}\`)`);
  if (o.author) out.push(`- Learner: ${o.author}`);
  out.push(`- Written: ${o.date}`);
  const answered = [...answers.values()].filter((r) => r.status !== 'revealed').length;
  const revealed = [...answers.values()].filter((r) => r.status === 'revealed').length;
  out.push(`- Score: **${pts(report.earned)}/${pts(report.total)} points** (${report.correct} of ${report.count} correct; ${answered} answered${revealed ? `, ${revealed} revealed` : ''})`);
  out.push('');
  if (rt.net.description) out.push(`_${rt.net.description}_`, '');
  if (ex.instructions) out.push(...ex.instructions.split(/\r?\n/).map((l) => `> ${l}`), '');
  out.push('| # | question | value | your answer | verdict | points |', '|---:|---|---|---|---|---:|');
  ex.questions.forEach((q, i) => {
    const r = report.results[i];
    out.push(`| ${i + 1} | ${cell(q.id)} | ${questionSymbol(q)} | ${r.given === null ? '—' : showNumber(r.given)} | ${VERDICT[r.status]} | ${pts(r.earned)}/${pts(r.points)} |`);
  });
  out.push('');

  const here = rt.trainer.step;
  try {
    ex.questions.forEach((q, i) => {
      const r = report.results[i];
      out.push(`## ${i + 1}. ${q.id}: ${questionSymbol(q)}${q.example > 0 ? ` (example ${q.example + 1})` : ''}`, '');
      out.push(...q.prompt.split(/\r?\n/).map((l) => `> ${l}`), '');
      out.push(`Asked at ${describeStep(layout, q.step)}.`, '');
      const eq = questionEquation(rt, q, precision);
      if (eq) {
        out.push(`The general rule, and with the numbers of ${describeStep(layout, eq.step)}:`, '', display(eq.general), '');
        if (eq.substituted) out.push(display(eq.substituted), '');
      }
      out.push('| | |', '|---|---|');
      out.push(`| Value (engine) | ${showNumber(r.expected)} |`);
      out.push(`| Your answer | ${r.given === null ? '—' : showNumber(r.given)} |`);
      if (r.error !== null) out.push(`| Error | ${r.error >= 0 ? '+' : '−'}${showNumber(Math.abs(r.error), 3)}${r.relError !== null && Number.isFinite(r.relError) ? ` (${showNumber(r.relError * 100, 2)} %)` : ''} |`);
      const tol = q.tolerance;
      out.push(`| Accepted | ${[tol.rel > 0 ? `within ${showNumber(tol.rel * 100, 3)} %` : '', tol.abs > 0 ? `± ${showNumber(tol.abs, 3)}` : ''].filter(Boolean).join(' or ') || 'exactly'} |`);
      out.push(`| Verdict | ${VERDICT[r.status]}, ${pts(r.earned)}/${pts(r.points)} ${r.points === 1 ? 'point' : 'points'} |`, '');
      out.push(r.feedback, '');
    });
  } finally {
    // Back where the session was.
    if (rt.trainer.step !== here || !rt.trainer.last) rt.trainer.goTo(here);
  }
  out.push('---', '', `Graded by Backprop Stepper against its own engine (the values the debugger shows at each step).`, '');
  return out.join('\n');
}
