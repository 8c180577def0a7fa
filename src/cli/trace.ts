/**
 * `trace <file>`: every micro-step of training as JSON Lines on stdout. The format is the contract
 * documented in docs/trace-format.md (version 1); change both together.
 */
import { Trainer, adamBiasCorrections, type OptimizerState, type ResolvedOptimizer, type StepEvent } from '../engine';
import { VERSION } from './version';
import type { Options } from './args';
import { resolvedObject } from './describe';
import { loadFile, reportAndCheck } from './load';
import { BufferedWriter, jsonMatrix, jsonNumber, jsonVector, toJson } from './output';
import { originOf } from './train';

export const TRACE_VERSION = 1;

/** Optimizer state of one tensor (rows × cols; rows 0 for a vector) as JSON, after its update. */
function stateJson(opt: ResolvedOptimizer, s: OptimizerState, rows: number, cols: number): string {
  const arr = (a: Float64Array) => (rows > 0 ? jsonMatrix(a, rows, cols) : jsonVector(a));
  let out = `{"step":${s.step}`;
  if (opt.type === 'adam' || opt.type === 'adamw') {
    const m = s.mean!;
    const v = s.square!;
    out += `,"m":${arr(m)},"v":${arr(v)}`;
    if (s.step > 0) {
      const { c1, c2 } = adamBiasCorrections(opt, s.step);
      const mHat = new Float64Array(m.length);
      const vHat = new Float64Array(v.length);
      for (let i = 0; i < m.length; i++) {
        mHat[i] = m[i] / c1;
        vHat[i] = v[i] / c2;
      }
      out += `,"biasCorrection1":${jsonNumber(c1)},"biasCorrection2":${jsonNumber(c2)},"mHat":${arr(mHat)},"vHat":${arr(vHat)}`;
    }
  } else {
    if (s.square) out += `,"squareAvg":${arr(s.square)}`;
    if (s.momentum) out += `,"momentumBuffer":${arr(s.momentum)}`;
  }
  return out + '}';
}

export async function traceCommand(path: string, options: Options, err: (line: string) => void): Promise<number> {
  const loaded = await loadFile(path, options.seed);
  const net = reportAndCheck(loaded, err);
  if (!net) return 1;
  const out = new BufferedWriter(process.stdout);
  const t = new Trainer(net, { epochs: options.epochs, historyBytes: 4 * 1024 * 1024 });
  const model = t.model;
  const ws = t.ws;
  const K = model.layers.length;
  const hasClip = t.program.some((s) => s.phase === 'clip');
  const opt = net.optimizer;

  const emit = async (line: string) => {
    const p = out.write(line + '\n');
    if (p) await p;
  };

  // Header: the resolved network and the initial parameters.
  const parameters = model.layers.map((p) => {
    const n = p.spec.size;
    const k = p.spec.inputSize;
    let s = `{"layer":${p.spec.index},"weights":${jsonMatrix(p.W, n, k)},"biases":${jsonVector(p.b)}`;
    if (p.gamma) s += `,"gamma":${jsonVector(p.gamma)},"beta":${jsonVector(p.beta!)}`;
    return s + '}';
  });
  const header = toJson({ kind: 'header', version: TRACE_VERSION, generator: `backprop-stepper ${VERSION}`, network: resolvedObject(net, t.epochs, loaded.file?.data), batchesPerEpoch: t.batchesPerEpoch });
  await emit(`${header.slice(0, -1)},"parameters":[${parameters.join(',')}]}`);

  const gradientRecords = async (epoch: number, batch: number) => {
    for (let i = K - 1; i >= 0; i--) {
      const p = model.layers[i];
      const n = p.spec.size;
      let s = `{"kind":"gradient","epoch":${epoch},"batch":${batch},"layer":${i + 2},"weights":${jsonMatrix(p.dW, n, p.spec.inputSize)},"biases":${jsonVector(p.db)}`;
      if (p.dGamma) s += `,"gamma":${jsonVector(p.dGamma)},"beta":${jsonVector(p.dBeta!)}`;
      await emit(s + '}');
      if (out.closed) return;
    }
  };

  for (let e: StepEvent | null = t.next(); e; e = t.next()) {
    const eb = `"epoch":${e.epoch},"batch":${e.batch}`;
    const m = ws.m;
    switch (e.kind) {
      case 'forward': {
        const i = e.layer - 2;
        if (i === 0) {
          await emit(
            `{"kind":"batch",${eb},"batchIndex":${e.batchIndex},"examples":${jsonVector(e.examples)},` +
              `"inputs":${jsonMatrix(ws.X, m, model.inputSize)},"targets":${jsonMatrix(ws.T, m, model.outputSize)}}`,
          );
        }
        const n = model.layers[i].spec.size;
        const buf = ws.layers[i];
        let s = `{"kind":"forward",${eb},"examples":${jsonVector(e.examples)},"layer":${e.layer},"z":${jsonMatrix(e.z, m, n)},"a":${jsonMatrix(e.a, m, n)}`;
        if (buf.mask) s += `,"dropoutMask":${jsonMatrix(buf.mask, m, n)}`;
        if (buf.Xhat) {
          s += `,"batchNorm":{"mean":${jsonVector(buf.mean!, 0, n)},"variance":${jsonVector(buf.variance!, 0, n)},"xhat":${jsonMatrix(buf.Xhat, m, n)},"y":${jsonMatrix(buf.Y, m, n)}}`;
        }
        await emit(s + '}');
        break;
      }
      case 'loss':
        await emit(`{"kind":"loss",${eb},"loss":${jsonNumber(e.loss)},"costs":${jsonVector(e.costs)}}`);
        break;
      case 'delta': {
        const n = model.layers[e.layer - 2].spec.size;
        await emit(`{"kind":"delta",${eb},"layer":${e.layer},"rule":"${e.rule}","delta":${jsonMatrix(e.delta, m, n)}}`);
        break;
      }
      case 'gradient':
        if (e.nonFinite) {
          // As `train`: stop before the update that would spread the NaN/Infinity.
          const pos = t.position;
          await emit(
            toJson({
              kind: 'stopped',
              epoch: pos.epoch,
              batch: pos.batch,
              layer: e.layer,
              quantity: e.nonFinite.quantity,
              origin: originOf(t),
              message: 'a gradient is NaN or infinite; training stopped before the update',
            }),
          );
          const p = out.flush();
          if (p) await p;
          err(`backprop-stepper: training stopped at epoch ${pos.epoch}, batch ${pos.batch}: the gradient of layer ${e.layer} is NaN or infinite (${originOf(t)}); try a lower learning rate or clip the gradients`);
          return 3;
        }
        if (!hasClip && e.layer === 2) await gradientRecords(e.epoch, e.batch);
        break;
      case 'clip':
        await gradientRecords(e.epoch, e.batch);
        await emit(`{"kind":"clip",${eb},"normBefore":${jsonNumber(e.normBefore)},"scale":${jsonNumber(e.scale)}}`);
        break;
      case 'update': {
        const p = model.layers[e.layer - 2];
        const n = p.spec.size;
        const k = p.spec.inputSize;
        let s = `{"kind":"update",${eb},"layer":${e.layer},"weights":${jsonMatrix(e.W, n, k)},"biases":${jsonVector(e.b)}`;
        if (p.gamma) s += `,"gamma":${jsonVector(p.gamma)},"beta":${jsonVector(p.beta!)}`;
        s += `,"state":{"weights":${stateJson(opt, e.stateW, n, k)},"biases":${stateJson(opt, e.stateB, 0, n)}`;
        if (e.stateGamma && e.stateBeta) s += `,"gamma":${stateJson(opt, e.stateGamma, 0, n)},"beta":${stateJson(opt, e.stateBeta, 0, n)}`;
        s += '}}';
        await emit(s);
        break;
      }
      case 'epoch-end':
        await emit(toJson({ kind: 'epoch', epoch: e.epoch, train: e.train, validation: e.validation }));
        break;
    }
    if (out.closed) return 0;
  }
  const p = out.flush();
  if (p) await p;
  return 0;
}
