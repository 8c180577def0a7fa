/**
 * Output helpers: a buffered writer that respects a stream's backpressure and ends quietly when the
 * reader goes away (EPIPE, e.g. `| head`), JSON number and matrix serialization, number formatting.
 */
import { CliError } from './args';

// JSON numbers, vectors and matrices as the trace writes them (shared with the engine's exporters).
export { jsonMatrix, jsonNumber, jsonVector, toJson } from '../engine/exportTrace';

interface ErrnoLike {
  code?: string;
  message?: string;
}

/** Buffers text and writes it in large chunks; waits for 'drain' when the stream is full. */
export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  private gone = false;
  private failure: ErrnoLike | null = null;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly highWater = 1 << 16,
  ) {
    stream.on('error', (e: ErrnoLike) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || e.code === 'ECONNRESET') this.gone = true;
      else this.failure = e;
    });
  }

  /** True once the reader has closed the stream: stop producing output. */
  get closed(): boolean {
    return this.gone;
  }

  /** Queue text. Returns a promise (to await) only when the buffer was flushed into a full stream. */
  write(text: string): Promise<void> | undefined {
    this.check();
    if (this.gone) return undefined;
    this.parts.push(text);
    this.size += text.length;
    return this.size >= this.highWater ? this.flush() : undefined;
  }

  /** Hand the buffered text to the stream; resolves when the stream can take more. */
  flush(): Promise<void> | undefined {
    this.check();
    if (this.gone || this.size === 0) {
      this.parts = [];
      this.size = 0;
      return undefined;
    }
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    let ok: boolean;
    try {
      ok = this.stream.write(text);
    } catch (e) {
      const err = e as ErrnoLike;
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
        this.gone = true;
        return undefined;
      }
      throw e;
    }
    if (ok) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.stream.removeListener('drain', done);
        this.stream.removeListener('error', done);
        this.stream.removeListener('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  private check(): void {
    if (this.failure) {
      const f = this.failure;
      this.failure = null;
      throw new CliError(`cannot write the output: ${f.message ?? f.code ?? 'unknown error'}`, 74);
    }
  }
}





/** A loss for people: 9 significant digits (exponent form below 1e-4). */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(8);
  return x.toPrecision(9).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function formatPercent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : String(x);
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(3)}s` : ms < 600_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** A short form of any number (learning rates, errors). */
export function short(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(6)));
  return Number(x.toPrecision(3)).toExponential().replace('e+', 'e');
}

const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** Layer number as a superscript: 3 → ³. */
export function superscript(n: number): string {
  return String(n)
    .split('')
    .map((c) => SUP[c] ?? c)
    .join('');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
