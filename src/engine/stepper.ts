/**
 * Stepping at every granularity, forwards and backwards, over a Trainer:
 *   neuron  — one neuron of the current layer step (a view: the layer is computed at once)
 *   example — one example of the mini-batch in a forward, loss or delta step (also a view)
 *   layer   — one micro-step (a layer's forward, δ, gradient or update; the loss; clip; epoch end)
 *   phase   — to the end of the current phase (all forward layers, all deltas, …)
 *   batch   — to the last update of the mini-batch
 *   epoch   — to the epoch's end (evaluation)
 *   end     — to the end of training
 * Going back lands on the previous pause point of the same granularity, exactly (see Trainer.goTo).
 */
import type { Granularity, StepEvent, Trainer } from './trainer';

export type StepGranularity = 'neuron' | 'example' | Granularity;
export const GRANULARITIES: readonly StepGranularity[] = ['neuron', 'example', 'layer', 'phase', 'batch', 'epoch', 'end'];

export interface StepView {
  event: StepEvent | null;
  /** Selected neuron (0-based j) of a layer step, when stepping by neuron. */
  neuron: number | null;
  /** Selected example (0-based row of the mini-batch), when stepping by example. */
  example: number | null;
}

function neuronCount(e: StepEvent | null): number {
  if (!e || !('layer' in e)) return 0;
  switch (e.kind) {
    case 'forward':
      return e.z.length / Math.max(1, e.examples.length);
    case 'delta':
      return e.delta.length / Math.max(1, e.examples.length);
    case 'gradient':
    case 'update':
      return e.kind === 'gradient' ? e.db.length : e.b.length;
  }
}

function exampleCount(e: StepEvent | null): number {
  if (!e) return 0;
  return e.kind === 'forward' || e.kind === 'loss' || e.kind === 'delta' ? e.examples.length : 0;
}

export class Stepper {
  private current: StepView = { event: null, neuron: null, example: null };

  constructor(readonly trainer: Trainer) {}

  get view(): StepView {
    return this.current;
  }

  /** Step forward to the next pause point of `g`. Returns the new view (event null when training is over). */
  forward(g: StepGranularity): StepView {
    const t = this.trainer;
    const cur = this.current;
    if (g === 'neuron' && cur.neuron !== null && cur.neuron + 1 < neuronCount(cur.event)) {
      return (this.current = { ...cur, neuron: cur.neuron + 1 });
    }
    if (g === 'example' && cur.example !== null && cur.example + 1 < exampleCount(cur.event)) {
      return (this.current = { ...cur, example: cur.example + 1 });
    }
    if (t.finished) return cur;
    const coarse: Granularity = g === 'neuron' || g === 'example' ? 'layer' : g;
    const n = t.stepsToPause(coarse);
    if (n > 1) t.advance(n - 1);
    const event = t.next();
    return (this.current = {
      event,
      neuron: g === 'neuron' && neuronCount(event) > 0 ? 0 : null,
      example: g === 'example' && exampleCount(event) > 0 ? 0 : null,
    });
  }

  /** Step back to the previous pause point of `g` (the start of training at the latest). */
  backward(g: StepGranularity): StepView {
    const t = this.trainer;
    const cur = this.current;
    if (g === 'neuron' && cur.neuron !== null && cur.neuron > 0) return (this.current = { ...cur, neuron: cur.neuron - 1 });
    if (g === 'example' && cur.example !== null && cur.example > 0) return (this.current = { ...cur, example: cur.example - 1 });
    const target = this.previousPause(g === 'neuron' || g === 'example' ? 'layer' : g);
    const event = t.goTo(target);
    const nn = neuronCount(event);
    const ne = exampleCount(event);
    return (this.current = {
      event,
      neuron: g === 'neuron' && nn > 0 ? nn - 1 : null,
      example: g === 'example' && ne > 0 ? ne - 1 : null,
    });
  }

  /** Go to a step number directly (e.g. a breakpoint's recorded step). */
  goTo(step: number): StepView {
    const event = this.trainer.goTo(step);
    return (this.current = { event, neuron: null, example: null });
  }

  /** Is step s (1-based) a pause point of granularity g? */
  isPause(s: number, g: Granularity): boolean {
    const t = this.trainer;
    if (s <= 0) return true;
    if (s >= t.totalSteps) return true;
    switch (g) {
      case 'layer':
        return true;
      case 'end':
        return false;
      case 'epoch':
        return s % t.stepsPerEpoch === 0;
      case 'batch': {
        const loc = t.locate(s);
        return !loc.micro || loc.index === t.program.length - 1;
      }
      case 'phase': {
        const here = t.locate(s);
        if (!here.micro) return true;
        const next = t.locate(s + 1);
        return !next.micro || next.micro.phase !== here.micro.phase || next.batchIndex !== here.batchIndex;
      }
    }
  }

  private previousPause(g: Granularity): number {
    const t = this.trainer;
    const s = t.step;
    if (s <= 0) return 0;
    switch (g) {
      case 'layer':
        return s - 1;
      case 'end':
        return 0;
      case 'epoch':
        return Math.floor((s - 1) / t.stepsPerEpoch) * t.stepsPerEpoch;
      default: {
        for (let k = s - 1; k > 0; k--) if (this.isPause(k, g)) return k;
        return 0;
      }
    }
  }
}
