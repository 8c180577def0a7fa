/**
 * `train <file>`: trains in chunks without events (`Trainer.advance`), one line per epoch on stdout,
 * a progress bar on stderr when it is a terminal, and a clear stop on the first NaN/Infinity.
 */
import { Trainer, type NonFinite, type ResolvedNetwork } from '../engine';
import type { Options } from './args';
import { networkLine } from './describe';
import { loadFile, reportAndCheck } from './load';
import { BufferedWriter, formatLoss, formatPercent, formatSeconds, short } from './output';

/** Chunks aim at this much wall time, so the bar moves smoothly and Ctrl-C is noticed. */
const CHUNK_MS = 50;

class ProgressBar {
  private shown = false;
  private lastDraw = 0;
  private lastLine = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  draw(done: number, total: number, label: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const columns = this.stream.columns || 80;
    const width = Math.max(10, Math.min(40, columns - label.length - 12));
    const share = total > 0 ? done / total : 1;
    const filled = Math.round(share * width);
    const line = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${label}`;
    this.lastLine = line.slice(0, columns - 1);
    this.stream.write(`\r${this.lastLine}\x1b[K`);
    this.shown = true;
  }

  get visible(): boolean {
    return this.shown;
  }

  /** Draw the last line again (after other output cleared it). */
  redraw(): void {
    if (this.enabled && this.lastLine) {
      this.stream.write(`\r${this.lastLine}\x1b[K`);
      this.shown = true;
    }
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

function nonFiniteIndex(values: Float64Array, len: number): number {
  for (let i = 0; i < len; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Where the first NaN/Infinity of the stopped mini-batch came from, in the order the values were
 * computed: parameters (from an earlier update), z and a per layer, the loss, δ from the top, gradients.
 */
export function originOf(t: Trainer): string {
  const m = t.ws.m;
  const at = (values: Float64Array, len: number, cols: number, what: string) => {
    const i = nonFiniteIndex(values, len);
    if (i < 0) return null;
    const v = values[i];
    return `${what} (example ${Math.floor(i / cols)}, neuron ${(i % cols) + 1}) = ${v}`;
  };
  for (const p of t.model.layers) {
    const l = p.spec.index;
    const w = nonFiniteIndex(p.W, p.W.length);
    if (w >= 0) return `the weights of layer ${l} were already ${p.W[w]} (the previous update overflowed)`;
    const b = nonFiniteIndex(p.b, p.b.length);
    if (b >= 0) return `the biases of layer ${l} were already ${p.b[b]} (the previous update overflowed)`;
  }
  for (let i = 0; i < t.model.layers.length; i++) {
    const n = t.model.layers[i].spec.size;
    const buf = t.ws.layers[i];
    const l = i + 2;
    const found = at(buf.Z, m * n, n, `z of layer ${l}`) ?? at(buf.A, m * n, n, `a of layer ${l}`);
    if (found) return found;
  }
  const c = nonFiniteIndex(t.ws.costs, m);
  if (c >= 0) return `the cost of example ${c} = ${t.ws.costs[c]}`;
  for (let i = t.model.layers.length - 1; i >= 0; i--) {
    const n = t.model.layers[i].spec.size;
    const found = at(t.ws.layers[i].D, m * n, n, `δ of layer ${i + 2}`);
    if (found) return found;
  }
  return 'the gradient itself overflowed';
}

/** The one-line explanation of a stop on a non-finite value. */
export function stopMessage(t: Trainer, nf: NonFinite, net: ResolvedNetwork): string {
  const pos = t.position;
  const layer = nf.layer !== null ? ` of layer ${nf.layer}` : '';
  const clip = net.training.clipNorm === null ? ' or clip the gradients ("training": { "clipNorm": 1 })' : ` or clip harder (clipNorm is ${short(net.training.clipNorm)})`;
  return (
    `training stopped at epoch ${pos.epoch}, batch ${pos.batch} (step ${pos.step}): the ${nf.quantity}${layer} is NaN or infinite; ` +
    `first non-finite value: ${originOf(t)}. Stopped before the update. ` +
    `Try a lower learning rate (now ${short(net.optimizer.learningRate)})${clip}, or standardize the inputs.`
  );
}

export async function trainCommand(path: string, options: Options, err: (line: string) => void): Promise<number> {
  const loaded = await loadFile(path, options.seed);
  const net = reportAndCheck(loaded, err);
  if (!net) return 1;
  const out = new BufferedWriter(process.stdout);
  const trainer = new Trainer(net, { epochs: options.epochs, historyBytes: 4 * 1024 * 1024 });
  const bar = new ProgressBar(process.stderr);
  const sigint = () => {
    bar.clear();
    process.stderr.write('backprop-stepper: interrupted\n');
    process.exit(130);
  };
  process.once('SIGINT', sigint);
  try {
    const emit = async (text: string) => {
      const p = out.write(text);
      if (p) await p;
    };
    await emit(`${networkLine(net, trainer.epochs)}\n`);
    const p0 = out.flush();
    if (p0) await p0;

    const start = performance.now();
    const total = trainer.totalSteps;
    let printed = 0;
    let chunk = trainer.program.length;
    while (!trainer.finished && !out.closed) {
      const n = Math.min(chunk, trainer.stepsToPause('epoch'));
      const t0 = performance.now();
      const { stopped } = trainer.advance(n);
      const dt = performance.now() - t0;
      if (dt < CHUNK_MS / 2) chunk = Math.min(chunk * 2, 1 << 24);
      else if (dt > CHUNK_MS * 2) chunk = Math.max(1, Math.floor(chunk / 2));

      // Epochs completed so far (epochResults would copy the whole history on every call).
      const completed = Math.floor(trainer.step / trainer.stepsPerEpoch);
      if (completed > printed) {
        const hadBar = bar.visible;
        if (process.stdout.isTTY) bar.clear();
        const elapsed = formatSeconds(performance.now() - start);
        const width = String(trainer.epochs).length;
        for (; printed < completed; printed++) {
          const r = trainer.epochResult(printed);
          let line = `epoch ${String(r.epoch).padStart(width)}/${trainer.epochs}  loss ${formatLoss(r.train.loss)}  accuracy ${formatPercent(r.train.accuracy)}`;
          if (r.validation) line += `  validation loss ${formatLoss(r.validation.loss)}  accuracy ${formatPercent(r.validation.accuracy)}`;
          await emit(`${line}  ${elapsed}\n`);
        }
        const p = out.flush();
        if (p) await p;
        if (hadBar && !bar.visible) bar.redraw();
      }
      if (stopped) {
        bar.clear();
        const p = out.flush();
        if (p) await p;
        err(`backprop-stepper: ${stopMessage(trainer, stopped, net)}`);
        return 3;
      }
      if (bar.enabled) {
        const pos = trainer.position;
        bar.draw(trainer.step, total, `epoch ${pos.epoch}/${trainer.epochs} ${formatSeconds(performance.now() - start)}`);
        // Let the terminal and signals through between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    bar.clear();
    const p = out.flush();
    if (p) await p;
    return 0;
  } finally {
    bar.clear();
    process.removeListener('SIGINT', sigint);
  }
}
