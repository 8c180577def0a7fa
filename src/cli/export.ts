/**
 * `export <file> --format jsonl|csv|network|numpy [--out PATH] [--epochs N] [--seed S]`: the
 * engine's exporters (src/engine/export*.ts) written to files. See docs/exports.md.
 *
 * - jsonl: the trace as `trace` writes it, to stdout or to --out;
 * - csv: a folder (--out, default `<name>-trace/` beside the network file) with one CSV per quantity;
 * - network: trains to the end and writes the trained network file (default `<name>.trained.backprop.json`);
 * - numpy: a standalone Python script (default `<name>.py`), with `<name>.data.csv` when the data is large.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  ExportError,
  TraceCsv,
  Trainer,
  numpyFileName,
  numpyScript,
  traceRecordJson,
  traceRecords,
  trainedFileName,
  trainedNetworkText,
  trainedPosition,
  type TraceRecord,
} from '../engine';
import { CliError, type ExportFormat, type Options } from './args';
import { loadFile, reportAndCheck } from './load';
import { BufferedWriter, formatLoss, plural } from './output';
import { originOf, stopMessage } from './train';
import { VERSION } from './version';

const GENERATOR = `backprop-stepper ${VERSION}`;

/** `examples/mazur.backprop.json` → `mazur`. */
function stem(path: string): string {
  return path.replace(/^.*[\\/]/, '').replace(/\.backprop\.json$/i, '').replace(/\.json$/i, '');
}

async function write(path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
    await writeFile(path, text, 'utf8');
  } catch (e) {
    throw new CliError(`cannot write "${path}": ${(e as Error).message}`, 74);
  }
}

function stoppedLine(r: Extract<TraceRecord, { kind: 'stopped' }>): string {
  return `backprop-stepper: training stopped at epoch ${r.epoch}, batch ${r.batch}: the gradient of layer ${r.layer} is NaN or infinite (${r.origin}); try a lower learning rate or clip the gradients`;
}

export async function exportCommand(path: string, format: ExportFormat, out: string | undefined, options: Options, log: (line: string) => void, err: (line: string) => void): Promise<number> {
  const loaded = await loadFile(path, options.seed);
  const net = reportAndCheck(loaded, err);
  if (!net || !loaded.file) return 1;
  const here = dirname(path);
  const trainer = () => new Trainer(net, { epochs: options.epochs, historyBytes: 4 * 1024 * 1024 });
  const traceOptions = { generator: GENERATOR, dataSpec: loaded.file.data, origin: originOf };
  try {
    switch (format) {
      case 'jsonl': {
        const stream = out === undefined ? process.stdout : createWriteStream(out);
        const opened = out === undefined ? Promise.resolve() : new Promise<void>((ok, fail) => (stream as ReturnType<typeof createWriteStream>).once('open', () => ok()).once('error', fail));
        try {
          await opened;
        } catch (e) {
          throw new CliError(`cannot write "${out}": ${(e as Error).message}`, 74);
        }
        const w = new BufferedWriter(stream);
        let stopped: Extract<TraceRecord, { kind: 'stopped' }> | null = null;
        let lines = 0;
        for (const r of traceRecords(trainer(), traceOptions)) {
          const p = w.write(traceRecordJson(r, net.optimizer, GENERATOR) + '\n');
          if (p) await p;
          lines++;
          if (w.closed) return 0;
          if (r.kind === 'stopped') stopped = r;
        }
        const p = w.flush();
        if (p) await p;
        if (out !== undefined) {
          await new Promise<void>((ok) => (stream as ReturnType<typeof createWriteStream>).end(() => ok()));
          log(`${out}: ${plural(lines, 'record')} (JSON Lines, docs/trace-format.md)`);
        }
        if (stopped) {
          err(stoppedLine(stopped));
          return 3;
        }
        return 0;
      }
      case 'csv': {
        const dir = out ?? join(here, `${stem(path)}-trace`);
        const csv = new TraceCsv(net.optimizer);
        let stopped: Extract<TraceRecord, { kind: 'stopped' }> | null = null;
        for (const r of traceRecords(trainer(), traceOptions)) {
          csv.add(r);
          if (r.kind === 'stopped') stopped = r;
        }
        const files = csv.files();
        for (const f of files) await write(join(dir, f.name), f.text);
        log(`${dir}${sep}: ${files.map((f) => f.name).join(', ')} (columns: docs/trace-format.md, "CSV files")`);
        if (stopped) {
          err(stoppedLine(stopped));
          return 3;
        }
        return 0;
      }
      case 'network': {
        const target = out ?? join(here, trainedFileName(path));
        const t = trainer();
        const { stopped } = t.run();
        if (stopped) {
          err(`backprop-stepper: ${stopMessage(t, stopped, net)}`);
          err('backprop-stepper: nothing written: the trained network would hold NaN or infinite weights');
          return 3;
        }
        const data = loaded.file.data;
        const csvPath = 'csv' in data ? relative(dirname(resolve(target)), resolve(here, data.csv)).split(sep).join('/') : undefined;
        const text = trainedNetworkText({ file: loaded.file, net, model: t.model, position: trainedPosition(t), sourceName: path.replace(/^.*[\\/]/, ''), ...(csvPath !== undefined ? { csvPath } : {}) });
        await write(target, text);
        const last = t.epochResults.at(-1);
        log(`${target}: ${JSON.parse(text).name as string}${last ? `, training loss ${formatLoss(last.train.loss)}` : ''}`);
        return 0;
      }
      case 'numpy': {
        const target = out ?? join(here, numpyFileName(path));
        const scriptName = target.replace(/^.*[\\/]/, '');
        const result = numpyScript(net, { scriptName, sourceName: path.replace(/^.*[\\/]/, ''), generator: GENERATOR, ...(options.epochs !== undefined ? { epochs: options.epochs } : {}) });
        await write(target, result.script);
        if (result.data) await write(join(dirname(target), result.data.name), result.data.text);
        log(`${target}${result.data ? ` and ${join(dirname(target), result.data.name)}` : ''}: run it with python3 ${target} (--trace for JSON Lines, --quiet for the epochs only)`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof ExportError) {
      err(`backprop-stepper: cannot export ${path} as ${format}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
