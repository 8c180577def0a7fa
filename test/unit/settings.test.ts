// The step-back memory setting reaches the engine: a session launched with a small `historyMB` keeps fewer
// checkpoints than one with the default 64 MB, and stepping back from the end is still exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DebugRuntime } from '../../src/debug/runtime';

const noop = (): void => {};
const DIGITS = readFileSync(new URL('../../examples/digits.backprop.json', import.meta.url), 'utf8');

async function runEpoch(historyMB?: number): Promise<DebugRuntime> {
  const { runtime, diagnostics } = await DebugRuntime.load(DIGITS, 'digits.backprop.json', undefined, historyMB === undefined ? { epochs: 1 } : { epochs: 1, historyMB });
  assert.ok(runtime, JSON.stringify(diagnostics));
  await runtime.stepForward('epoch', noop);
  return runtime;
}

test('historyMB bounds the step-back checkpoints; stepping back stays exact', async () => {
  const small = await runEpoch(0.2);
  const big = await runEpoch();
  const s = small.trainer.checkpointStats;
  const b = big.trainer.checkpointStats;
  assert.ok(s.count < b.count, `0.2 MB kept ${s.count} checkpoints, 64 MB kept ${b.count}`);
  assert.ok(s.interval > b.interval, `thinned grid: ${s.interval} vs ${b.interval}`);
  // Same numbers at the end, and the same numbers after stepping back into the epoch (replayed from fewer checkpoints).
  const w = (rt: DebugRuntime): Float64Array => rt.trainer.model.layers[0].W;
  assert.equal(w(small).length, 64 * 32);
  assert.deepEqual(w(small), w(big));
  const target = Math.floor(big.trainer.step / 3);
  small.trainer.goTo(target);
  big.trainer.goTo(target);
  assert.equal(small.trainer.step, target);
  assert.deepEqual(w(small), w(big));
});
