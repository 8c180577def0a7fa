/**
 * `gradcheck <file>`: backpropagation against central differences for every parameter, on the first
 * mini-batch of the file (the rows, dropout masks and initial parameters training starts with).
 */
import { Trainer, allParams, gradientCheck, type GradCheckEntry, type Model } from '../engine';
import type { Options } from './args';
import { loadFile, reportAndCheck } from './load';
import { plural, superscript } from './output';

export const REL_TOLERANCE = 1e-5;
export const ABS_FLOOR = 1e-8;

/** An entry passes when its relative error is below the tolerance or its absolute error below the floor. */
export function passes(e: GradCheckEntry): boolean {
  return e.relError < REL_TOLERANCE || e.absError < ABS_FLOOR;
}

/** `w³_12 (layers[2].weights[0][1])`: the parameter in the notation (1-based j, k) and in the file. */
export function parameterName(model: Model, e: GradCheckEntry): string {
  const p = model.layers[e.layer - 2];
  const sup = superscript(e.layer);
  const file = `layers[${e.layer - 1}]`;
  const sub = (...ix: number[]) => (ix.some((i) => i > 9) ? ix.join(',') : ix.join(''));
  switch (e.kind) {
    case 'W': {
      const k = p.spec.inputSize;
      const j = Math.floor(e.index / k);
      const c = e.index % k;
      return `w${sup}_${sub(j + 1, c + 1)} (${file}.weights[${j}][${c}])`;
    }
    case 'b':
      return `b${sup}_${e.index + 1} (${file}.biases[${e.index}])`;
    case 'gamma':
      return `γ${sup}_${e.index + 1} (batch-norm scale of ${file})`;
    case 'beta':
      return `β${sup}_${e.index + 1} (batch-norm shift of ${file})`;
  }
}

const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));
const val = (x: number) => (Number.isFinite(x) ? x.toPrecision(10) : String(x));

export async function gradcheckCommand(path: string, options: Options, print: (line: string) => void, err: (line: string) => void): Promise<number> {
  const loaded = await loadFile(path, options.seed);
  const net = reportAndCheck(loaded, err);
  if (!net) return 1;
  const epsilon = options.epsilon ?? 1e-6;

  // The first forward step loads the first mini-batch exactly as training does (shuffled or not).
  const t = new Trainer(net, { epochs: 1, historyBytes: 1024 * 1024 });
  t.next();
  const ws = t.ws;
  const m = ws.m;
  const batch = { X: ws.X, T: ws.T, m, seed: net.seed, batchNumber: 0 };
  const refs = allParams(t.model);
  const result = gradientCheck(t.model, batch, refs, epsilon);

  print(`gradient check of ${net.name}: first mini-batch (${plural(m, 'example')}), ${plural(refs.length, 'parameter')}, central differences with ε = ${epsilon.toExponential()}, loss ${result.loss}`);
  // Relative errors are ranked among gradients of magnitude ≥ the floor: a gradient that is 0 up to
  // rounding (a bias before batch normalization) has a meaningless relative error.
  const summary = (entries: GradCheckEntry[]) => {
    let worstRel: GradCheckEntry | null = null;
    let worstAbs: GradCheckEntry | null = null;
    for (const e of entries) {
      if (!worstAbs || !(e.absError <= worstAbs.absError)) worstAbs = e;
      if (!(Math.max(Math.abs(e.analytic), Math.abs(e.numeric)) < ABS_FLOOR) && (!worstRel || !(e.relError <= worstRel.relError))) worstRel = e;
    }
    return { worstRel, worstAbs };
  };
  const describe = (e: GradCheckEntry) => `backprop ${val(e.analytic)} vs numeric ${val(e.numeric)}`;
  let failures = 0;
  for (const p of t.model.layers) {
    const l = p.spec.index;
    const entries = result.entries.filter((e) => e.layer === l);
    const { worstRel, worstAbs } = summary(entries);
    const bad = entries.filter((e) => !passes(e)).length;
    failures += bad;
    if (!worstAbs) continue;
    const abs = `max absolute error ${sci(worstAbs.absError)}`;
    const line = worstRel
      ? `layer ${l}: max relative error ${sci(worstRel.relError)} at ${parameterName(t.model, worstRel)}, ${abs}`
      : `layer ${l}: every gradient is below ${ABS_FLOOR} (${abs} at ${parameterName(t.model, worstAbs)})`;
    print(line + (bad ? `  — ${bad} of ${entries.length} over tolerance` : ''));
  }
  const { worstRel, worstAbs } = summary(result.entries);
  if (worstRel) {
    print(`largest: ${parameterName(t.model, worstRel)}: relative error ${sci(worstRel.relError)}, ${describe(worstRel)} (absolute error ${sci(worstRel.absError)})`);
  } else if (worstAbs) {
    print(`largest: ${parameterName(t.model, worstAbs)}: absolute error ${sci(worstAbs.absError)}, ${describe(worstAbs)}`);
  }
  if (failures === 0) {
    print(`PASS: every gradient agrees (relative error < 1e-5, or absolute error < 1e-8)`);
    return 0;
  }
  print(`FAIL: ${plural(failures, 'parameter')} with relative error ≥ 1e-5 and absolute error ≥ 1e-8; try --epsilon 1e-5 or 1e-7 to tell rounding from a real mismatch`);
  return 1;
}
