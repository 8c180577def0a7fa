/**
 * `grade <network-file> <answers.json> [--json]`: a lab's answers against the values the engine computes
 * (src/engine/exercise.ts). Prints a table per question and the score, or one JSON object with --json.
 * Exit code 0 when every answer is correct, 1 when some are wrong or missing, 2 for usage errors (a
 * missing or malformed answers file, a network file with errors or without an exercise).
 */
import { describeStep, expectedValues, formatDiagnostic, gradeExercise, parseAnswers, questionSymbol, runLayout, showNumber, type GradeReport, type ResolvedNetwork } from '../engine';
import { CliError } from './args';
import { loadFile, readText } from './load';

const num = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

/** The grade as JSON (non-finite numbers as null). */
export function gradeJson(net: ResolvedNetwork, file: string, report: GradeReport): object {
  const ex = net.exercise!;
  const layout = runLayout(net);
  return {
    file,
    network: net.name,
    title: ex.title,
    questions: ex.questions.map((q, i) => {
      const r = report.results[i];
      return {
        id: q.id,
        prompt: q.prompt,
        symbol: questionSymbol(q),
        step: q.step,
        where: describeStep(layout, q.step),
        status: r.status,
        expected: num(r.expected),
        given: num(r.given),
        error: num(r.error),
        relError: num(r.relError),
        tolerance: q.tolerance,
        points: r.points,
        earned: r.earned,
        feedback: r.feedback,
      };
    }),
    score: { earned: report.earned, total: report.total, correct: report.correct, count: report.count },
  };
}

const VERDICT = { correct: 'correct', incorrect: 'WRONG', missing: 'missing', revealed: 'revealed' } as const;
const points = (x: number): string => String(Number(x.toPrecision(6)));

/** The grade as a table, then the feedback of every answer that is not correct, then the score. */
export function gradeTable(net: ResolvedNetwork, file: string, report: GradeReport): string[] {
  const ex = net.exercise!;
  const head = ['#', 'id', 'value', 'step', 'expected', 'your answer', 'error', 'verdict', 'points'];
  const rows = ex.questions.map((q, i) => {
    const r = report.results[i];
    const err = r.error === null ? '' : `${r.error >= 0 ? '+' : '−'}${showNumber(Math.abs(r.error), 3)}`;
    return [String(i + 1), q.id, questionSymbol(q), String(q.step), showNumber(r.expected), r.given === null ? '—' : showNumber(r.given), err, VERDICT[r.status], `${points(r.earned)}/${points(r.points)}`];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [`${ex.title} — ${file}`, '', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const notes = ex.questions.map((q, i) => ({ q, r: report.results[i], i })).filter((x) => x.r.status !== 'correct');
  if (notes.length) {
    out.push('');
    for (const { q, r, i } of notes) out.push(`${i + 1}. ${q.id}: ${r.feedback}`);
  }
  out.push('', `Score: ${points(report.earned)}/${points(report.total)} points (${report.correct} of ${report.count} correct)`);
  return out;
}

export async function gradeCommand(networkPath: string, answersPath: string, json: boolean, print: (line: string) => void, err: (line: string) => void): Promise<number> {
  const loaded = await loadFile(networkPath);
  for (const d of loaded.diagnostics) err(formatDiagnostic(d));
  const net = loaded.network;
  if (!net || loaded.diagnostics.some((d) => d.severity === 'error')) {
    const n = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    throw new CliError(`${networkPath}: ${n === 1 ? '1 error' : `${n} errors`}; fix ${n === 1 ? 'it' : 'them'} first (backprop-stepper validate ${networkPath})`);
  }
  if (!net.exercise) throw new CliError(`${networkPath} has no "exercise" section, so there is nothing to grade; add one with its questions (see docs/labs.md), e.g. examples/lab-mazur.backprop.json`);
  const text = await readText(answersPath);
  const parsed = parseAnswers(text, net.exercise, answersPath);
  for (const d of parsed.diagnostics) err(formatDiagnostic(d));
  if (!parsed.answers) {
    const ids = net.exercise.questions.map((q) => q.id);
    throw new CliError(`${answersPath}: fix the answers file: a JSON object from question ids (${ids.join(', ')}) to numbers, e.g. {${ids.slice(0, 2).map((id) => `"${id}": 0.5`).join(', ')}}; null or a missing id leaves a question unanswered`);
  }
  const report = gradeExercise(net, parsed.answers, expectedValues(net));
  if (json) print(JSON.stringify(gradeJson(net, networkPath, report), null, 2));
  else for (const l of gradeTable(net, networkPath, report)) print(l);
  return report.correct === report.count ? 0 : 1;
}
