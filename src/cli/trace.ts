/**
 * `trace <file>`: every micro-step of training as JSON Lines on stdout. The records and their text
 * come from the engine's exporter (src/engine/exportTrace.ts), the contract documented in
 * docs/trace-format.md (version 1); change both together.
 */
import { Trainer, traceRecordJson, traceRecords } from '../engine';
import { VERSION } from './version';
import type { Options } from './args';
import { loadFile, reportAndCheck } from './load';
import { BufferedWriter } from './output';
import { originOf } from './train';

export { TRACE_VERSION } from '../engine';

export async function traceCommand(path: string, options: Options, err: (line: string) => void): Promise<number> {
  const loaded = await loadFile(path, options.seed);
  const net = reportAndCheck(loaded, err);
  if (!net) return 1;
  const out = new BufferedWriter(process.stdout);
  const t = new Trainer(net, { epochs: options.epochs, historyBytes: 4 * 1024 * 1024 });
  const generator = `backprop-stepper ${VERSION}`;
  const traceOptions = loaded.file?.data ? { generator, dataSpec: loaded.file.data, origin: originOf } : { generator, origin: originOf };
  for (const r of traceRecords(t, traceOptions)) {
    const p = out.write(traceRecordJson(r, net.optimizer, generator) + '\n');
    if (p) await p;
    if (out.closed) return 0;
    if (r.kind === 'stopped') {
      // As `train`: stop before the update that would spread the NaN/Infinity.
      const f = out.flush();
      if (f) await f;
      err(`backprop-stepper: training stopped at epoch ${r.epoch}, batch ${r.batch}: the gradient of layer ${r.layer} is NaN or infinite (${r.origin}); try a lower learning rate or clip the gradients`);
      return 3;
    }
  }
  const p = out.flush();
  if (p) await p;
  return 0;
}
