// `npm run bench`: the engine against its peers, and the costs that only a stepper has.
//
//   node bench/run.mjs [--write-docs] [--no-peers]
//
// 1. Peer table (when the bench-peers kit is found: $BENCH_PEERS_DIR, /work/shared/bench-peers or
//    ../shared/bench-peers beside the repo). The kit is copied to bench/results/peers-kit (git-ignored;
//    its npm packages are installed there, never in the shared folder) and its run-all.sh is run with
//    our engine added as a peer (bench/engine-peer.mjs), RATIO_BASE=engine, SKIP_PEAK=1 and
//    SKIP_PROBE=1 unless the environment says otherwise. Every cell (ours included) is timed by the
//    kit's harness in the same run, so the ratios compare numbers taken minutes apart on the same
//    machine. Our ratios are checked against the project's targets.
// 2. Our own measurements, always (each in a fresh `node --expose-gc` child):
//    - pause points: throughput of a consumer that calls next() and resumes at once, vs run();
//    - phase breakdown: µs per mini-batch of load / forward / loss / δ / gradient / update, from the
//      engine's layer functions called in the Trainer's order, vs Trainer.run() per batch;
//    - memory: peak heap + external (WebAssembly memory counts as external) over 100,000 next()
//      steps with history on, mnist-shaped network (784-128-10, batch 64, synthetic data);
//    - step back: goTo(S − 10,000) on that trainer, from S = 100,000, 90,000, …; median.
// 3. bench/results/latest.json (git-ignored) and a Markdown report on stdout; --write-docs replaces
//    the generated part of docs/benchmarks.md.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const RESULTS = join(HERE, 'results');
const DOCS = join(ROOT, 'docs', 'benchmarks.md');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (s) => process.stderr.write(s + '\n');
const now = () => performance.now();
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// =============================================================================================
// Shapes of the own measurements (the kit's four tasks; data here is our own synthetic data)
// =============================================================================================
const SHAPES = {
  tiny: { sizes: [2, 4, 1], batch: 1, loss: 'mse', lr: 0.5, examples: 4000 },
  digits: { sizes: [64, 32, 10], batch: 32, loss: 'cross-entropy', lr: 0.1, examples: 50000 },
  mnist: { sizes: [784, 128, 10], batch: 64, loss: 'cross-entropy', lr: 0.1, examples: 20000 },
  wide: { sizes: [784, 512, 512, 10], batch: 128, loss: 'cross-entropy', lr: 0.1, examples: 5000 },
};

/** Import dist/engine.mjs (built by `npm run bench` before this script runs). */
async function importEngine() {
  const path = join(ROOT, 'dist', 'engine.mjs');
  if (!existsSync(path)) throw new Error('dist/engine.mjs is missing: run `npm run build` first');
  return import(pathToFileURL(path).href);
}

/** Synthetic data and a resolved network of a shape: uniform inputs, one-hot classes (tiny: XOR). */
function synthetic(E, shape, examples = shape.examples, overrides = {}) {
  const { sizes, batch, loss, lr } = shape;
  const nIn = sizes[0];
  const nOut = sizes[sizes.length - 1];
  const X = new Float64Array(examples * nIn);
  const Y = new Float64Array(examples * nOut);
  const u = (k, i) => E.hash32((i ^ E.hash32(7919 * k + 17)) >>> 0) / 4294967296;
  if (loss === 'mse') {
    const P = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]];
    for (let n = 0; n < examples; n++) {
      const p = P[n % 4];
      X[2 * n] = p[0];
      X[2 * n + 1] = p[1];
      Y[n] = p[2];
    }
  } else {
    for (let i = 0; i < X.length; i++) X[i] = u(1, i);
    for (let n = 0; n < examples; n++) Y[n * nOut + Math.floor(u(2, n) * nOut)] = 1;
  }
  const L = sizes.length - 1;
  const layers = [];
  for (let l = 0; l < L; l++) {
    const k = sizes[l];
    const n = sizes[l + 1];
    const a = Math.sqrt(6 / (k + n));
    const W = new Float64Array(n * k);
    for (let i = 0; i < W.length; i++) W[i] = (2 * u(10 + l, i) - 1) * a;
    layers.push({
      index: l + 2, size: n, inputSize: k, activation: l < L - 1 ? 'sigmoid' : loss === 'mse' ? 'sigmoid' : 'softmax', leak: 0.01,
      weights: W, biases: new Float64Array(n), init: 'given', dropout: 0, batchNorm: null, residual: false,
    });
  }
  const empty = { name: 'empty', count: 0, inputSize: nIn, targetSize: nOut, inputs: new Float64Array(0), targets: new Float64Array(0) };
  return {
    name: `bench ${sizes.join('-')}`,
    seed: 1,
    inputSize: nIn,
    layers,
    loss,
    optimizer: { type: 'sgd', learningRate: lr, momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, alpha: 0.99, weightDecay: 0 },
    training: { batchSize: batch, epochs: 1, shuffle: false, trainBiases: true, clipNorm: null, clipValue: null, validationSplit: 0, ...overrides },
    train: { name: 'synthetic', count: examples, inputSize: nIn, targetSize: nOut, inputs: X, targets: Y },
    validation: empty,
  };
}

// =============================================================================================
// Child measurements (run in fresh processes; each prints one `CHILD {json}` line)
// =============================================================================================

/** Pause points: a consumer calling next() and resuming at once, vs run(), same trainer setup. */
async function childStepping(shapeName) {
  const E = await importEngine();
  const shape = SHAPES[shapeName];
  const net = synthetic(E, shape);
  const make = () => new E.Trainer(net, { evaluateEpochs: false, epochs: 1e6 });
  const tRun = make();
  const tNext = make();
  const exPerStep = (shape.batch * tRun.batchesPerEpoch) / tRun.stepsPerEpoch;
  const nextLoop = (t, s) => {
    for (let i = 0; i < s; i++) if (t.next() === null) throw new Error('trainer finished');
  };
  // Calibrate on run(): steps for ≥ 150 ms, then warm the next() path as long.
  let steps = tRun.program.length;
  for (;;) {
    const t0 = now();
    tRun.run(steps);
    if (now() - t0 >= 150) break;
    steps *= 2;
  }
  nextLoop(tNext, steps);
  tRun.run(steps);
  const runT = [];
  const nextT = [];
  for (let r = 0; r < 5; r++) {
    let t0 = now();
    tRun.run(steps);
    runT.push(now() - t0);
    t0 = now();
    nextLoop(tNext, steps);
    nextT.push(now() - t0);
  }
  const runRate = (steps * exPerStep) / (median(runT) / 1000);
  const nextRate = (steps * exPerStep) / (median(nextT) / 1000);
  return {
    shape: shapeName, sizes: shape.sizes, batch: shape.batch, steps_per_rep: steps, reps: 5,
    run_ex_per_s: runRate, next_ex_per_s: nextRate, next_over_run: nextRate / runRate,
    next_us_per_step: (1000 * median(nextT)) / steps, run_us_per_step: (1000 * median(runT)) / steps,
    run_ms: runT.map((x) => +x.toFixed(2)), next_ms: nextT.map((x) => +x.toFixed(2)),
  };
}

/**
 * Cost per mini-batch of each phase, from the engine's layer functions called in the Trainer's
 * order (load, forward per layer, loss, δ per layer from the top, gradient per layer, update per
 * tensor), with a timer read at each phase boundary (the timer's own cost, measured, is
 * subtracted); medians of 5 reps of ≥ 150 ms. Then Trainer.run() over as many batches: the
 * difference is the Trainer's own bookkeeping (checkpoints, histories, position decoding).
 */
async function childPhases(shapeName) {
  const E = await importEngine();
  const shape = SHAPES[shapeName];
  const net = synthetic(E, shape);
  const B = shape.batch;
  const model = new E.Model(net, { workspaces: [B] });
  const ws = new E.Workspace(model, B);
  const K = model.layers.length;
  const opt = net.optimizer;
  const minEl = E.WASM_MIN_ELEMENTS ?? 0;
  const upd = model.layers.flatMap((p) => [[p.W, p.dW], [p.b, p.db]].map(([v, g]) => ({
    v, g, state: E.createOptimizerState(opt, v.length), wasm: model.arena.holds(v, g) && v.length >= minEl ? model.arena.wasm : null,
  })));
  const fo = { training: true, seed: net.seed, batchNumber: 0 };
  const rows = new Uint32Array(B);
  const nb = Math.floor(net.train.count / B);
  let cursor = 0;
  const PHASES = ['load', 'forward', 'loss', 'delta', 'gradient', 'update'];
  const acc = new Float64Array(PHASES.length);
  const loop = (R) => {
    acc.fill(0);
    for (let r = 0; r < R; r++) {
      const b = cursor++ % nb;
      let t = now();
      let u;
      for (let x = 0; x < B; x++) rows[x] = b * B + x;
      ws.loadBatch(net.train.inputs, net.train.targets, rows, B);
      u = now(); acc[0] += u - t; t = u;
      fo.batchNumber = b;
      for (let i = 0; i < K; i++) E.forwardLayer(model, ws, i, fo);
      u = now(); acc[1] += u - t; t = u;
      E.computeLoss(model, ws);
      u = now(); acc[2] += u - t; t = u;
      for (let i = K - 1; i >= 0; i--) E.deltaLayer(model, ws, i);
      u = now(); acc[3] += u - t; t = u;
      for (let i = K - 1; i >= 0; i--) E.gradientLayer(model, ws, i);
      u = now(); acc[4] += u - t; t = u;
      for (const s of upd) E.optimizerStep(opt, s.v, s.g, s.state, s.wasm);
      u = now(); acc[5] += u - t;
    }
  };
  // The timer's cost per read (one read per phase interval).
  let timer = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const n = 200000;
    const t0 = now();
    for (let i = 0; i < n; i++) now();
    timer = Math.min(timer, (now() - t0) / n);
  }
  let R = 1;
  for (;;) {
    const t0 = now();
    loop(R);
    if (now() - t0 >= 150) break;
    R *= 2;
  }
  // The Trainer over as many batches (run(), history on, epoch evaluation off), interleaved.
  const trainer = new E.Trainer(net, { evaluateEpochs: false, epochs: 1e6 });
  const P = trainer.program.length;
  trainer.run(P * R);
  const per = PHASES.map(() => []);
  const totals = [];
  const tt = [];
  for (let rep = 0; rep < 5; rep++) {
    let t0 = now();
    loop(R);
    totals.push((1000 * (now() - t0)) / R - 1000 * timer * PHASES.length);
    PHASES.forEach((_, p) => per[p].push((1000 * acc[p]) / R - 1000 * timer));
    const s0 = trainer.step;
    t0 = now();
    trainer.run(P * R);
    const dt = now() - t0;
    tt.push((1000 * dt) / (((trainer.step - s0) * trainer.batchesPerEpoch) / trainer.stepsPerEpoch));
  }
  const us = {};
  PHASES.forEach((ph, p) => (us[ph] = Math.max(0, median(per[p]))));
  const kernelsUs = median(totals);
  const trainerUs = median(tt);
  return {
    shape: shapeName, sizes: shape.sizes, batch: B, batches_per_rep: R, timer_ns: 1e6 * timer, us_per_batch: us, kernels_us: kernelsUs,
    trainer_us: trainerUs, trainer_overhead_us: trainerUs - kernelsUs,
    kernels_ex_per_s: (1e6 * B) / kernelsUs, trainer_ex_per_s: (1e6 * B) / trainerUs,
    gflops_kernels: (1e6 * B * 6 * shape.sizes.slice(1).reduce((s, n, l) => s + n * shape.sizes[l], 0)) / kernelsUs / 1e9,
    wasm_simd: E.wasmAvailable(),
  };
}

/** Memory of 100,000 next() steps with history on (mnist shape), then step back 10,000 steps with goTo. */
async function childMemory() {
  const E = await importEngine();
  const gc = globalThis.gc ?? null;
  const steps = Number(process.env.BENCH_MEMORY_STEPS || 100000);
  const back = Number(process.env.BENCH_BACK_STEPS || 10000);
  const reps = Number(process.env.BENCH_BACK_REPS || 5);
  const net = synthetic(E, SHAPES.mnist, SHAPES.mnist.examples, { epochs: 1000 });
  const mem = () => process.memoryUsage();
  const total = (m) => m.heapUsed + m.external;
  gc?.();
  gc?.();
  const base = mem();
  let peak = base;
  let peakRss = base.rss;
  const sample = () => {
    const m = mem();
    if (total(m) > total(peak)) peak = m;
    if (m.rss > peakRss) peakRss = m.rss;
  };
  const trainer = new E.Trainer(net, { evaluateEpochs: false }); // history on (default budget)
  sample();
  const t0 = now();
  for (let i = 0; i < steps; i++) {
    if (trainer.next() === null) throw new Error('trainer finished early');
    if (i % 100 === 0) sample();
  }
  const stepMs = now() - t0;
  sample();
  gc?.();
  const retained = mem();
  const stats = trainer.checkpointStats;
  const exPerStep = (SHAPES.mnist.batch * trainer.batchesPerEpoch) / trainer.stepsPerEpoch;

  // Step back 10,000 steps from S = 100,000, then from S − 10,000, … (the checkpoints kept by
  // 100,000 steps of history serve every jump; no forward replay between jumps).
  const backs = [];
  for (let r = 0; r < reps && trainer.step - back >= 0; r++) {
    const from = trainer.step;
    const t1 = now();
    const ev = trainer.goTo(from - back);
    const ms = now() - t1;
    if (trainer.step !== from - back || (!ev && from - back > 0)) throw new Error('goTo did not land on its target');
    backs.push({ from, to: from - back, ms: +ms.toFixed(2) });
    sample();
  }
  return {
    shape: 'mnist', sizes: SHAPES.mnist.sizes, batch: SHAPES.mnist.batch, dataset_examples: SHAPES.mnist.examples,
    steps, history: 'on (default budget)', epoch_evaluation: false, gc_forced: !!gc,
    baseline_mib: total(base) / 2 ** 20,
    peak_mib: total(peak) / 2 ** 20,
    peak_over_baseline_mib: (total(peak) - total(base)) / 2 ** 20,
    peak_heap_mib: peak.heapUsed / 2 ** 20, peak_external_mib: peak.external / 2 ** 20,
    retained_after_gc_mib: (total(retained) - total(base)) / 2 ** 20,
    peak_rss_mib: peakRss / 2 ** 20, baseline_rss_mib: base.rss / 2 ** 20,
    checkpoints: stats, step_ms: stepMs, next_ex_per_s: (steps * exPerStep) / (stepMs / 1000),
    step_back: { steps: back, median_ms: median(backs.map((b) => b.ms)), runs: backs },
  };
}

async function runChild(name) {
  const [kind, shape] = name.split(':');
  const out = kind === 'stepping' ? await childStepping(shape) : kind === 'phases' ? await childPhases(shape) : kind === 'memory' ? await childMemory() : null;
  if (!out) throw new Error(`unknown child ${name}`);
  process.stdout.write('CHILD ' + JSON.stringify(out) + '\n');
}

function spawnChild(name) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', name], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 300000,
  });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('CHILD '));
  if (r.status !== 0 || !line) {
    log(`   ${name} FAILED (exit ${r.status}): ${(r.stderr || String(r.error || '')).trim().split('\n').slice(-4).join(' | ')}`);
    return { error: (r.stderr || String(r.error || '')).trim().split('\n').slice(-6).join('\n') };
  }
  return JSON.parse(line.slice(6));
}

// =============================================================================================
// Peers (the bench-peers kit, when present)
// =============================================================================================
const TARGETS = [
  { task: 'tiny', peer: 'naive-js', min: 1.0 },
  { task: 'digits', peer: 'numpy', min: 0.5 },
  { task: 'mnist', peer: 'tfjs-wasm', min: 1.0 },
  { task: 'wide', peer: 'tfjs-wasm', min: 1.0 },
];

/** $BENCH_PEERS_DIR when set (only it), else /work/shared/bench-peers or ../shared/bench-peers. */
function findKit() {
  const env = process.env.BENCH_PEERS_DIR;
  const cands = env ? [env] : ['/work/shared/bench-peers', resolve(ROOT, '..', 'shared', 'bench-peers')];
  return cands.find((c) => existsSync(join(c, 'run-all.sh')) && existsSync(join(c, 'harness.mjs'))) ?? null;
}

/** Copy the kit's own files (not its installs or results) to a writable, git-ignored place. */
function copyKit(src, dst) {
  const SKIP = new Set(['node_modules', '.deps', 'results', '.git']);
  const walk = (from, to) => {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      if (SKIP.has(name)) continue;
      const a = join(from, name);
      const b = join(to, name);
      const st = statSync(a);
      if (st.isDirectory()) walk(a, b);
      else {
        const body = readFileSync(a);
        if (existsSync(b)) chmodSync(b, 0o644);
        writeFileSync(b, body);
        chmodSync(b, (st.mode & 0o777) | 0o200);
      }
    }
  };
  walk(src, dst);
}

async function runPeers(kit) {
  const work = join(RESULTS, 'peers-kit');
  copyKit(kit, work);
  const entry = join(HERE, 'engine-peer.mjs');
  const ours = `engine=node ${entry}`;
  const env = {
    ...process.env,
    EXTRA_PEERS: process.env.EXTRA_PEERS ? `${process.env.EXTRA_PEERS};${ours}` : ours,
    RATIO_BASE: process.env.RATIO_BASE ?? 'engine',
    SKIP_PEAK: process.env.SKIP_PEAK ?? '1',
    SKIP_PROBE: process.env.SKIP_PROBE ?? '1',
    BENCH_PEERS_DIR: work,
  };
  log(`peer kit: ${kit} (run from its copy ${work})`);
  const t0 = now();
  const { code, stdout } = await new Promise((res) => {
    const child = spawn('bash', ['run-all.sh'], { cwd: work, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (c) => res({ code: c, stdout: out }));
  });
  const jsonPath = join(work, 'results', 'latest.json');
  let data = null;
  if (existsSync(jsonPath) && statSync(jsonPath).mtimeMs >= Date.now() - (now() - t0) - 5000) data = JSON.parse(readFileSync(jsonPath, 'utf8'));
  if (!data) return { status: 'failed', kit, exit: code, report: stdout };
  const rate = (peer, task) => data.results.find((r) => r.peer === peer && r.task === task) ?? null;
  const targets = TARGETS.map((t) => {
    const e = rate('engine', t.task);
    const p = rate(t.peer, t.task);
    if (!e || !p) return { ...t, engine: e?.ex_per_s ?? null, peer_ex_per_s: p?.ex_per_s ?? null, ratio: null, verdict: 'n/a' };
    const ratio = e.ex_per_s / p.ex_per_s;
    const checkOk = e.check === 'ok' || e.check === 'no-ref';
    return { ...t, engine: e.ex_per_s, peer_ex_per_s: p.ex_per_s, ratio, check: e.check, verdict: ratio >= t.min && checkOk ? 'PASS' : 'FAIL' };
  });
  return {
    status: 'ok', kit, exit: code, wall_s: (now() - t0) / 1000, report: stdout, machine: data.machine, failures: data.failures,
    results: data.results.map((r) => ({
      peer: r.peer, task: r.task, dtype: r.dtype, ex_per_s: r.ex_per_s, gflops: r.gflops, n_run: r.n_run, n_full: r.n_full,
      sampled: r.sampled, check: r.check, check_rel_err: r.check_rel_err, foreign_cpu_cores: r.foreign_cpu_cores, times_s: r.times_s,
    })),
    targets,
  };
}

// =============================================================================================
// Report
// =============================================================================================
const fmtRate = (x) => (x == null ? '–' : x >= 1e6 ? (x / 1e6).toFixed(2) + 'M' : x >= 1e4 ? (x / 1e3).toFixed(1) + 'k' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtUs = (x) => (Math.abs(x) >= 1000 ? (x / 1000).toFixed(2) + ' ms' : Math.abs(x) >= 10 ? x.toFixed(1) + ' µs' : x.toFixed(2) + ' µs');
const TASK_ORDER = ['tiny', 'digits', 'mnist', 'wide'];
const shapeLabel = (name) => `${name} ${SHAPES[name].sizes.join('-')} b${SHAPES[name].batch}`;

function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const c = readFileSync('/proc/cpuinfo', 'utf8');
    const m = c.match(/^model name\s*:\s*(.*)$/m);
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim()) || os.availableParallelism?.() || os.cpus().length;
  const git = (a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    date: new Date().toISOString(), nproc, cpu, node: process.version, platform: `${os.platform()} ${os.arch()}`,
    mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1), commit: git(['rev-parse', '--short', 'HEAD']), engine_dirty: git(['status', '--porcelain', '--', 'src/engine']) !== '',
  };
}

function markdown(res) {
  const L = [];
  const P = (s = '') => L.push(s);
  const m = res.machine;
  P(`Run of ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.nproc} cores (nproc), ${m.mem_gib} GiB, node ${m.node}; engine at ${m.commit}${m.engine_dirty ? ' + uncommitted changes in src/engine' : ''}.`);
  P();
  P('### Throughput against the peers (examples/s, same run)');
  P();
  const peers = res.peers;
  if (peers.status === 'ok') {
    const names = [...new Set(peers.results.map((r) => r.peer))];
    const tasks = TASK_ORDER.filter((t) => peers.results.some((r) => r.task === t));
    P(`| peer | dtype | ${tasks.map((t) => shapeLabel(t)).join(' | ')} |`);
    P(`|---|---|${tasks.map(() => '---:').join('|')}|`);
    for (const n of names) {
      const rs = peers.results.filter((r) => r.peer === n);
      const cells = tasks.map((t) => {
        const r = rs.find((x) => x.task === t);
        if (!r) return peers.failures?.some((f) => f.peer === n && f.task === t) ? 'FAILED' : '–';
        const flags = (r.sampled ? '*' : '') + (r.check === 'MISMATCH' ? ' (check MISMATCH)' : '') + (r.foreign_cpu_cores > 0.15 ? ' ~' : '');
        return fmtRate(r.ex_per_s) + flags;
      });
      P(`| ${n === 'engine' ? '**engine (ours)**' : n} | ${rs[0].dtype === 'float64' ? 'f64' : 'f32'} | ${cells.join(' | ')} |`);
    }
    P();
    P('`*` timed on a prefix of the task (a rate; see the kit README); `~` other processes used > 0.15 core during that cell (less reliable).');
    const eng = peers.results.filter((r) => r.peer === 'engine');
    if (eng.length) P(`Engine check loss vs naive-js (f64, must agree to 1e-9 relative): ${eng.map((r) => `${r.task} ${r.check}${r.check_rel_err !== undefined ? ` (${r.check_rel_err.toExponential(1)})` : ''}`).join(', ')}.`);
    P();
    P('### Targets');
    P();
    P('| task | target | engine | peer | ratio | verdict |');
    P('|---|---|---:|---:|---:|---|');
    for (const t of peers.targets) {
      P(`| ${t.task} | ≥ ${t.min.toFixed(1)}× ${t.peer} | ${fmtRate(t.engine)} | ${fmtRate(t.peer_ex_per_s)} | ${t.ratio == null ? '–' : t.ratio.toFixed(2) + '×'} | **${t.verdict}** |`);
    }
  } else if (peers.status === 'skipped') {
    P(`Peer table skipped: ${peers.reason}.`);
  } else {
    P(`Peer run failed (run-all.sh exit ${peers.exit}); see bench/results/latest.json for its output.`);
  }
  P();
  const own = res.own;
  P('### Pause points: next() consumer vs run()');
  P();
  P('| shape | run() ex/s | next() ex/s | next/run | µs per step (next / run) |');
  P('|---|---:|---:|---:|---:|');
  for (const s of own.stepping) {
    if (s.error) P(`| ${s.shape ?? '?'} | failed: ${s.error.split('\n').filter(Boolean).pop()} | | | |`);
    else P(`| ${shapeLabel(s.shape)} | ${fmtRate(s.run_ex_per_s)} | ${fmtRate(s.next_ex_per_s)} | ${s.next_over_run.toFixed(2)}× | ${s.next_us_per_step.toFixed(2)} / ${s.run_us_per_step.toFixed(2)} |`);
  }
  P();
  P('### Where a mini-batch goes (µs per batch)');
  P();
  P('| shape | load | forward | loss | δ | gradient | update | Σ kernels | Trainer.run() | Trainer overhead | kernels GFLOP/s |');
  P('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of own.phases) {
    if (s.error) {
      P(`| ${s.shape} | failed |||||||||| `);
      continue;
    }
    const u = s.us_per_batch;
    P(`| ${shapeLabel(s.shape)} | ${[u.load, u.forward, u.loss, u.delta, u.gradient, u.update, s.kernels_us, s.trainer_us, s.trainer_overhead_us].map(fmtUs).join(' | ')} | ${s.gflops_kernels.toFixed(2)} |`);
  }
  P();
  const mem = own.memory;
  P('### Memory and step back (mnist shape 784-128-10, batch 64, history on)');
  P();
  if (mem.error) P(`Memory measurement failed: ${mem.error.split('\n').filter(Boolean).pop()}`);
  else {
    P('| measure | value |');
    P('|---|---:|');
    P(`| peak heap + external over ${mem.steps.toLocaleString('en-US')} next() steps, above baseline | ${mem.peak_over_baseline_mib.toFixed(1)} MiB |`);
    P(`| of which heap / external at the peak (absolute) | ${mem.peak_heap_mib.toFixed(1)} / ${mem.peak_external_mib.toFixed(1)} MiB |`);
    P(`| retained after forced gc, above baseline | ${mem.retained_after_gc_mib.toFixed(1)} MiB |`);
    P(`| baseline (data loaded, before the Trainer) | ${mem.baseline_mib.toFixed(1)} MiB |`);
    P(`| peak RSS | ${mem.peak_rss_mib.toFixed(0)} MiB |`);
    P(`| checkpoints held | ${mem.checkpoints.count} (every ${mem.checkpoints.interval} batches, ${(mem.checkpoints.bytes / 2 ** 20).toFixed(1)} MiB) |`);
    P(`| next() throughput during those steps | ${fmtRate(mem.next_ex_per_s)} ex/s |`);
    P(`| **step back ${mem.step_back.steps.toLocaleString('en-US')} steps (goTo), median of ${mem.step_back.runs.length}** | **${mem.step_back.median_ms.toFixed(0)} ms** |`);
    P(`| individual jumps | ${mem.step_back.runs.map((b) => `${b.from / 1000}k→${b.to / 1000}k ${b.ms.toFixed(0)} ms`).join(', ')} |`);
  }
  P();
  return L.join('\n');
}

const DOC_BEGIN = '<!-- BEGIN GENERATED by `npm run bench -- --write-docs` -->';
const DOC_END = '<!-- END GENERATED -->';

function writeDocs(md) {
  const block = `${DOC_BEGIN}\n\n${md}\n${DOC_END}\n`;
  let text;
  if (existsSync(DOCS)) {
    const cur = readFileSync(DOCS, 'utf8');
    const a = cur.indexOf(DOC_BEGIN);
    const b = cur.indexOf(DOC_END);
    text = a >= 0 && b > a ? cur.slice(0, a) + block + cur.slice(b + DOC_END.length).replace(/^\n/, '') : cur.trimEnd() + '\n\n## Latest results\n\n' + block;
  } else {
    text = '# Benchmarks\n\n## Latest results\n\n' + block;
  }
  mkdirSync(dirname(DOCS), { recursive: true });
  writeFileSync(DOCS, text);
}

// =============================================================================================
// Main
// =============================================================================================
async function main() {
  const child = argValue('--child');
  if (child) return runChild(child);

  const t0 = now();
  const machine = machineInfo();
  mkdirSync(RESULTS, { recursive: true });

  let peers;
  const kit = findKit();
  if (flag('--no-peers') || process.env.BENCH_SKIP_PEERS === '1') peers = { status: 'skipped', reason: '--no-peers' };
  else if (!kit) {
    const where = process.env.BENCH_PEERS_DIR ? `$BENCH_PEERS_DIR (${process.env.BENCH_PEERS_DIR})` : '/work/shared/bench-peers or ../shared/bench-peers';
    peers = { status: 'skipped', reason: `the bench-peers kit was not found in ${where}` };
  }
  else peers = await runPeers(kit);
  if (peers.status === 'skipped') log(`peer table skipped: ${peers.reason}`);

  log('own measurements: pause points (next() vs run()) ...');
  const stepping = ['tiny', 'digits', 'mnist'].map((s) => spawnChild(`stepping:${s}`));
  log('own measurements: phase breakdown ...');
  const phases = TASK_ORDER.map((s) => spawnChild(`phases:${s}`));
  log(`own measurements: memory of ${Number(process.env.BENCH_MEMORY_STEPS || 100000).toLocaleString('en-US')} steps and step back (mnist shape) ...`);
  const memory = spawnChild('memory');

  const res = { machine, peers, own: { stepping, phases, memory }, wall_s: (now() - t0) / 1000 };
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(res, null, 1));
  const md = markdown(res);
  process.stdout.write('\n' + md + '\n');
  if (peers.status === 'ok') {
    process.stdout.write('Targets: ' + peers.targets.map((t) => `${t.task} ${t.verdict}`).join(', ') + '\n');
  } else {
    process.stdout.write(`Peer table: ${peers.status} (${peers.reason ?? 'see bench/results/latest.json'}).\n`);
  }
  if (flag('--write-docs')) {
    writeDocs(md);
    log(`wrote ${DOCS}`);
  }
  log(`bench done in ${res.wall_s.toFixed(0)} s; results in bench/results/latest.json`);
}

await main();
