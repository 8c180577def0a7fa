/**
 * "Export as NumPy Script…": a standalone Python file (NumPy only) that trains the network the way
 * the engine does and prints the same quantities, so a learner can read backpropagation as ~300
 * lines of array code and compare every number with the debugger or `backprop-stepper trace`.
 *
 * What the script holds:
 * - the resolved network (every default filled in) and its **initial parameters**, each number
 *   written as its shortest round-trip text, so Python reads back the same float64;
 * - the **data** after the validation split and standardization (the rows the network sees):
 *   inline when it has at most INLINE_DATA_LIMIT numbers, otherwise in a CSV file next to the
 *   script (`<script>.data.csv`: a `split` column, then x1…xn and t1…tm), read with float() (exact);
 * - the engine's counter-based random numbers (src/engine/rng.ts) ported, so shuffling and dropout
 *   masks are the engine's own (only written when the network shuffles or drops out);
 * - forward, the per-example costs, BP1, BP2, BP3/BP4, clipping, the optimizer of the file (as
 *   torch.optim), batch normalization, residual connections, the per-epoch evaluation.
 *
 * It is not bit-exact: NumPy's matrix products (BLAS) may sum in another order, and np.exp, np.log
 * and np.tanh are not the engine's expPoly and V8's Math functions. The test compares every number
 * of the trace to 1e-12 relative (to the largest magnitude of the compared array) on the examples.
 */
import type { Dataset, ResolvedLayer, ResolvedNetwork } from './spec';
import { ExportError } from './exportNetwork';

/** Data with more numbers than this goes to a CSV file next to the script. */
export const INLINE_DATA_LIMIT = 20000;

export interface NumpyExportOptions {
  /** Override the number of epochs (the network's training.epochs otherwise). */
  epochs?: number;
  /** The script's file name (for its usage line and the data CSV's name), e.g. "mazur.py". */
  scriptName: string;
  /** Where the network came from, for the header comment. */
  sourceName: string;
  /** "backprop-stepper 0.1.0". */
  generator: string;
  /** Force the data into a CSV (true) or inline (false); default by INLINE_DATA_LIMIT. */
  dataCsv?: boolean;
}

export interface NumpyExport {
  /** The Python script. */
  script: string;
  /** The data file to write next to the script, when the data is not inline. */
  data?: { name: string; text: string };
}

/** A float64 as Python source that reads back to the same value (float literal, also for integers and −0). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'float("nan")';
  if (!Number.isFinite(x)) return x > 0 ? 'float("inf")' : '-float("inf")';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

const pyRow = (values: ArrayLike<number>, from: number, count: number): string => {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(pyFloat(values[from + i]));
  return `[${parts.join(', ')}]`;
};

/** `np.array([[…], […]])` of a row-major rows × cols block, one row per line. */
function pyMatrix(values: ArrayLike<number>, rows: number, cols: number, indent: string): string {
  if (rows === 0) return `np.zeros((0, ${cols}))`;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(`${indent}    ${pyRow(values, r * cols, cols)},`);
  return `np.array([\n${lines.join('\n')}\n${indent}])`;
}

const pyStr = (s: string): string => JSON.stringify(s); // a JSON string literal is a valid Python string literal (no backslash surprises)
const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** What the generator knows how to write; anything else is refused rather than written wrong. */
const ACTIVATIONS = new Set(['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'softmax']);
const LOSSES = new Set(['mse', 'cross-entropy', 'binary-cross-entropy']);
const OPTIMIZERS = new Set(['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw']);

function check(net: ResolvedNetwork): void {
  for (const l of net.layers) {
    if (!ACTIVATIONS.has(l.activation)) throw new ExportError(`layers[${l.index - 1}].activation "${l.activation}" is not supported by the NumPy export`);
  }
  if (!LOSSES.has(net.loss)) throw new ExportError(`loss "${net.loss}" is not supported by the NumPy export`);
  if (!OPTIMIZERS.has(net.optimizer.type)) throw new ExportError(`optimizer.type "${net.optimizer.type}" is not supported by the NumPy export`);
  const bad = (what: string, values: Float64Array) => {
    for (const v of values) if (!Number.isFinite(v)) throw new ExportError(`${what} holds ${v}: the NumPy export needs finite numbers`);
  };
  for (const l of net.layers) {
    bad(`the initial weights of layers[${l.index - 1}]`, l.weights);
    bad(`the initial biases of layers[${l.index - 1}]`, l.biases);
  }
  bad('the training inputs', net.train.inputs);
  bad('the training targets', net.train.targets);
}

function layerConfig(l: ResolvedLayer): string {
  const bn = l.batchNorm ? `{"momentum": ${pyFloat(l.batchNorm.momentum)}, "epsilon": ${pyFloat(l.batchNorm.epsilon)}}` : 'None';
  return `    ${l.index}: {"size": ${l.size}, "activation": ${pyStr(l.activation)}, "leak": ${pyFloat(l.leak)}, "dropout": ${pyFloat(l.dropout)}, "batch_norm": ${bn}, "residual": ${pyBool(l.residual)}},`;
}

function optimizerConfig(net: ResolvedNetwork): string {
  const o = net.optimizer;
  const f = pyFloat;
  switch (o.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov':
      return `{"type": ${pyStr(o.type)}, "lr": ${f(o.learningRate)}, "momentum": ${f(o.momentum)}, "dampening": ${f(o.dampening)}, "nesterov": ${pyBool(o.nesterov)}, "weight_decay": ${f(o.weightDecay)}}`;
    case 'rmsprop':
      return `{"type": "rmsprop", "lr": ${f(o.learningRate)}, "alpha": ${f(o.alpha)}, "epsilon": ${f(o.epsilon)}, "momentum": ${f(o.momentum)}, "weight_decay": ${f(o.weightDecay)}}`;
    case 'adam':
    case 'adamw':
      return `{"type": ${pyStr(o.type)}, "lr": ${f(o.learningRate)}, "beta1": ${f(o.beta1)}, "beta2": ${f(o.beta2)}, "epsilon": ${f(o.epsilon)}, "weight_decay": ${f(o.weightDecay)}}`;
  }
}

/** The update rule of the file's optimizer, as torch.optim documents it (only the one this network uses). */
function optimizerCode(net: ResolvedNetwork): string {
  const o = net.optimizer;
  const header = `def optimizer_step(theta, grad, state):
    """One update of the tensor theta (in place) from its gradient, as torch.optim.${o.type === 'rmsprop' ? 'RMSprop' : o.type === 'adam' ? 'Adam' : o.type === 'adamw' ? 'AdamW' : 'SGD'} documents it.

    state is this tensor's optimizer state: "step" (updates so far) and the buffers of the rule."""
    lr, wd = OPTIMIZER["lr"], OPTIMIZER["weight_decay"]
    g = grad`;
  switch (o.type) {
    case 'sgd':
    case 'momentum':
    case 'nesterov':
      return `${header}
    mu = OPTIMIZER["momentum"]
    if wd != 0:
        g = g + wd * theta                         # L2 weight decay: g <- g + lambda theta
    if mu > 0:
        if state["step"] == 0:
            buf = g.copy()                         # the first step starts the momentum buffer at g
        else:
            buf = mu * state["momentumBuffer"] + (1 - OPTIMIZER["dampening"]) * g
        state["momentumBuffer"] = buf
        g = g + mu * buf if OPTIMIZER["nesterov"] else buf
    theta -= lr * g                                # theta <- theta - eta g
    state["step"] += 1
`;
    case 'rmsprop':
      return `${header}
    alpha, eps, mu = OPTIMIZER["alpha"], OPTIMIZER["epsilon"], OPTIMIZER["momentum"]
    if wd != 0:
        g = g + wd * theta
    s = alpha * state["squareAvg"] + (1 - alpha) * g * g   # running mean of g^2
    state["squareAvg"] = s
    denom = np.sqrt(s) + eps
    if mu > 0:
        buf = mu * state["momentumBuffer"] + g / denom
        state["momentumBuffer"] = buf
        theta -= lr * buf
    else:
        theta -= (lr * g) / denom
    state["step"] += 1
`;
    case 'adam':
    case 'adamw':
      return `${header}
    b1, b2, eps = OPTIMIZER["beta1"], OPTIMIZER["beta2"], OPTIMIZER["epsilon"]
    t = state["step"] + 1
    if wd != 0:
${o.type === 'adamw' ? '        theta *= 1 - lr * wd                       # AdamW: decoupled weight decay' : '        g = g + wd * theta                         # Adam: L2 weight decay added to the gradient'}
    m = b1 * state["m"] + (1 - b1) * g             # first moment
    v = b2 * state["v"] + (1 - b2) * g * g         # second moment
    state["m"], state["v"] = m, v
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t            # bias corrections
    theta -= (lr * (m / bc1)) / (np.sqrt(v / bc2) + eps)
    state["step"] = t
`;
  }
}

function newStateCode(net: ResolvedNetwork): string {
  const o = net.optimizer;
  const usesMomentum = (o.type === 'sgd' || o.type === 'momentum' || o.type === 'nesterov' || o.type === 'rmsprop') && o.momentum > 0;
  const fields = ['"step": 0'];
  if (o.type === 'rmsprop') fields.push('"squareAvg": np.zeros(shape)');
  if (usesMomentum) fields.push('"momentumBuffer": np.zeros(shape)');
  if (o.type === 'adam' || o.type === 'adamw') fields.push('"m": np.zeros(shape)', '"v": np.zeros(shape)');
  return `def new_state(shape):
    """The optimizer state of one tensor before its first update."""
    return {${fields.join(', ')}}
`;
}

function stateTraceCode(net: ResolvedNetwork): string {
  const o = net.optimizer;
  if (o.type === 'adam' || o.type === 'adamw') {
    return `def state_record(state):
    """The optimizer state as the trace writes it (with Adam's bias-corrected moments after the first step)."""
    r = {"step": state["step"], "m": state["m"], "v": state["v"]}
    if state["step"] > 0:
        bc1 = 1 - OPTIMIZER["beta1"] ** state["step"]
        bc2 = 1 - OPTIMIZER["beta2"] ** state["step"]
        r.update(biasCorrection1=bc1, biasCorrection2=bc2, mHat=state["m"] / bc1, vHat=state["v"] / bc2)
    return r
`;
  }
  return `def state_record(state):
    """The optimizer state as the trace writes it."""
    return dict(state)
`;
}

const RNG_CODE = `# ---------------------------------------------------------------------------------------------
# The engine's random numbers (src/engine/rng.ts): every draw is a pure function of
# (seed, stream, index), built from a 32-bit integer hash. Ported bit for bit, so the shuffled
# order and the dropout masks are exactly the engine's.
# ---------------------------------------------------------------------------------------------
M32 = 0xFFFFFFFF


def hash32(x):
    """The "lowbias32" integer hash; works on Python ints and on NumPy uint64 arrays."""
    x = x & M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x


def stream_key(seed, stream):
    return hash32(hash32(seed & M32) ^ ((stream * 0x9E3779B9) & M32))


def uniform_at(key, i):
    """Uniform in [0, 1) with 53 random bits: index i of the stream with this key."""
    hi = hash32(((i * 2) ^ key) & M32) >> 5
    lo = hash32(((i * 2 + 1) ^ hash32((key + 0x632BE5AB) & M32)) & M32) >> 6
    return (hi * 67108864 + lo) / 9007199254740992


def permutation(n, seed, epoch):
    """Fisher-Yates shuffle of 0..n-1 for an epoch (0-based), as the engine's permutation()."""
    p = list(range(n))
    key = stream_key(seed, 2000000 + epoch)
    for i in range(n - 1, 0, -1):
        j = int(uniform_at(key, i) * (i + 1))
        p[i], p[j] = p[j], p[i]
    return np.array(p, dtype=np.int64)


def dropout_mask(m, n, p, batch_index, layer):
    """Inverted dropout: element e of the m x n mask (row-major) is kept when hash(e) / 2^32 < 1 - p,
    and kept units are scaled by 1/(1 - p). A pure function of (seed, mini-batch, layer, element)."""
    key = hash32(stream_key(SEED, 3000000 + layer) ^ (((batch_index + 1) * 0x27D4EB2D) & M32))
    e = np.arange(m * n, dtype=np.uint64)
    u = hash32(e ^ np.uint64(key)).astype(np.float64) / 4294967296
    keep = 1 - p
    return np.where(u < keep, 1 / keep, 0.0).reshape(m, n)
`;

function dataSection(net: ResolvedNetwork, csvName: string | null): string {
  const t = net.train;
  const v = net.validation;
  const nIn = t.inputSize;
  const nOut = t.targetSize;
  if (csvName === null) {
    return `# The data as the network sees it (after the validation split and any standardization): one row per
# example, inputs x and targets t. Training rows are numbered from 0 in this order, as in the trace.
X_TRAIN = ${pyMatrix(t.inputs, t.count, nIn, '')}
T_TRAIN = ${pyMatrix(t.targets, t.count, nOut, '')}
X_VAL = ${pyMatrix(v.inputs, v.count, nIn, '')}
T_VAL = ${pyMatrix(v.targets, v.count, nOut, '')}
`;
  }
  return `# The data as the network sees it (after the validation split and any standardization) is in
# ${csvName} next to this script: a "split" column (train or validation), then the inputs x1..x${nIn}
# and the targets t1..t${nOut}, every number written so that float() reads back the same float64.
# Training rows are numbered from 0 in file order, as in the trace.
def load_data(path):
    import csv
    import os
    rows = {"train": [], "validation": []}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), path), newline="") as f:
        reader = csv.reader(f)
        next(reader)  # the header
        for r in reader:
            rows[r[0]].append([float(c) for c in r[1:]])
    def split(name):
        a = np.array(rows[name], dtype=np.float64).reshape(-1, ${nIn + nOut})
        return a[:, :${nIn}], a[:, ${nIn}:]
    return split("train") + split("validation")


X_TRAIN, T_TRAIN, X_VAL, T_VAL = load_data(${pyStr(csvName)})
`;
}

function dataCsv(net: ResolvedNetwork): string {
  const nIn = net.train.inputSize;
  const nOut = net.train.targetSize;
  const head = ['split', ...Array.from({ length: nIn }, (_, i) => `x${i + 1}`), ...Array.from({ length: nOut }, (_, i) => `t${i + 1}`)].join(',');
  const lines = [head];
  const add = (name: string, d: Dataset) => {
    for (let r = 0; r < d.count; r++) {
      const cells = [name];
      for (let c = 0; c < nIn; c++) cells.push(String(d.inputs[r * nIn + c]));
      for (let c = 0; c < nOut; c++) cells.push(String(d.targets[r * nOut + c]));
      lines.push(cells.join(','));
    }
  };
  add('train', net.train);
  add('validation', net.validation);
  return lines.join('\n') + '\n';
}

/** Generate the script (and its data file when the data is large). Throws ExportError for what it cannot write faithfully. */
export function numpyScript(net: ResolvedNetwork, o: NumpyExportOptions): NumpyExport {
  check(net);
  const epochs = o.epochs ?? net.training.epochs;
  const L = net.layers.length + 1;
  const values = (net.train.count + net.validation.count) * (net.train.inputSize + net.train.targetSize);
  const useCsv = o.dataCsv ?? values > INLINE_DATA_LIMIT;
  const csvName = useCsv ? o.scriptName.replace(/\.py$/i, '') + '.data.csv' : null;
  const usesRng = net.training.shuffle || net.layers.some((l) => l.dropout > 0);
  const usesBn = net.layers.some((l) => l.batchNorm !== null);
  const t = net.training;
  const batchSize = Math.min(t.batchSize, net.train.count);
  const W = net.layers.map((l) => `    ${l.index}: ${pyMatrix(l.weights, l.size, l.inputSize, '    ')},`).join('\n');
  const b = net.layers.map((l) => `    ${l.index}: np.array(${pyRow(l.biases, 0, l.size)}),`).join('\n');
  const description = (net.description ?? '').replace(/\s+/g, ' ').trim();
  const descriptionLines = description ? wrap(description, 94).map((s) => `# ${s}`).join('\n') + '\n#\n' : '';

  const script = `#!/usr/bin/env python3
# ${net.name.replace(/\s+/g, " ")}: training reproduced with NumPy, step by step.
#
${descriptionLines}# Generated by ${o.generator} from ${o.sourceName}. Needs only Python 3 and NumPy:
#   python3 ${o.scriptName}            every step of every mini-batch, readable, then the loss per epoch
#   python3 ${o.scriptName} --quiet    only the loss and accuracy per epoch
#   python3 ${o.scriptName} --trace    the same steps as JSON Lines, in the format of
#                            \`backprop-stepper trace\` (docs/trace-format.md), to compare number by number
#
# Notation (Nielsen): layer 1 is the input, a^1 = x; for l = 2..L
#   z^l = W^l a^(l-1) + b^l,   a^l = sigma(z^l)         (forward)
#   BP1  delta^L = grad_a C * sigma'(z^L)                 (a - t for softmax + cross-entropy, sigmoid + binary cross-entropy)
#   BP2  delta^l = ((W^(l+1))^T delta^(l+1)) * sigma'(z^l)
#   BP3  dC/db^l = delta^l      BP4  dC/dw^l_jk = a^(l-1)_k delta^l_j     (both averaged over the mini-batch)
# Arrays hold a mini-batch as rows: z[x, j] is neuron j of example x, so z = a_prev @ W.T + b.
# The numbers agree with Backprop Stepper's to about 1e-12 relative, not bit for bit: NumPy's matrix
# products may add in another order, and np.exp/np.log/np.tanh round differently from the engine's.
import json
import sys

import numpy as np

np.seterr(all="ignore")  # overflow to inf and NaN are reported by the checks below, not as warnings

# ---------------------------------------------------------------------------------------------
# The network, with every default resolved
# ---------------------------------------------------------------------------------------------
NAME = ${pyStr(net.name)}
SEED = ${net.seed}
EPOCHS = ${epochs}
BATCH_SIZE = ${batchSize}
SHUFFLE = ${pyBool(t.shuffle)}                # shuffle the training rows every epoch (seeded)
TRAIN_BIASES = ${pyBool(t.trainBiases)}
CLIP_VALUE = ${t.clipValue === null ? 'None' : pyFloat(t.clipValue)}             # clamp every gradient component to [-v, v] (torch.nn.utils.clip_grad_value_)
CLIP_NORM = ${t.clipNorm === null ? 'None' : pyFloat(t.clipNorm)}              # then scale to this global L2 norm (torch.nn.utils.clip_grad_norm_)
LOSS = ${pyStr(net.loss)}
OPTIMIZER = ${optimizerConfig(net)}
L = ${L}  # layers 1..L; layer 1 is the input (${net.inputSize} values)
LAYERS = {
${net.layers.map(layerConfig).join('\n')}
}

# The initial parameters. W[l] is n_l x n_(l-1): row j is neuron j of layer l, column k is neuron k of
# layer l-1, so w^l_jk of the notation is W[l][j - 1, k - 1]. Every number reads back to the same float64.
W = {
${W}
}
b = {
${b}
}
${usesBn ? `# Batch normalization (torch.nn.BatchNorm1d): scale gamma starts at 1, shift beta at 0, running mean at 0, running variance at 1.
gamma = {l: np.ones(c["size"]) for l, c in LAYERS.items() if c["batch_norm"]}
beta = {l: np.zeros(c["size"]) for l, c in LAYERS.items() if c["batch_norm"]}
running_mean = {l: np.zeros(c["size"]) for l, c in LAYERS.items() if c["batch_norm"]}
running_var = {l: np.ones(c["size"]) for l, c in LAYERS.items() if c["batch_norm"]}
` : ''}
${dataSection(net, csvName)}
${usesRng ? RNG_CODE : ''}
# ---------------------------------------------------------------------------------------------
# Activations sigma and their derivatives sigma' (taken from y, the input of sigma, and s = sigma(y))
# ---------------------------------------------------------------------------------------------
def activate(kind, y, leak):
    """s = sigma(y) row by row; for softmax also log(sum(exp(y))) per row (reused by the cross-entropy)."""
    if kind == "linear":
        return y.copy(), None
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-y)), None
    if kind == "tanh":
        return np.tanh(y), None
    if kind == "relu":
        return np.where(y > 0, y, 0.0), None
    if kind == "leaky-relu":
        return np.where(y > 0, y, leak * y), None
    if kind == "softmax":
        top = y.max(axis=1, keepdims=True)         # subtract the row's maximum: exp never overflows
        e = np.exp(y - top)
        total = e.sum(axis=1, keepdims=True)
        return e * (1 / total), (top + np.log(total))[:, 0]
    raise ValueError(kind)


def times_derivative(kind, y, s, g, leak):
    """g * sigma'(y), element by element."""
    if kind == "linear":
        return g.copy()
    if kind == "sigmoid":
        return g * (s * (1 - s))
    if kind == "tanh":
        return g * (1 - s * s)
    if kind == "relu":
        return np.where(y > 0, g, 0.0)             # sigma'(0) = 0, as PyTorch
    if kind == "leaky-relu":
        return np.where(y > 0, g, g * leak)
    raise ValueError(kind + " has no element-wise derivative here (softmax is only used with cross-entropy)")


# ---------------------------------------------------------------------------------------------
# Forward: one layer for the whole mini-batch
# ---------------------------------------------------------------------------------------------
def forward(l, a_prev, training, batch_index):
    """Layer l: z = W a_prev + b, [batch normalization], a = sigma(.), [+ a_prev], [* dropout mask]."""
    c = LAYERS[l]
    m = a_prev.shape[0]
    z = a_prev @ W[l].T + b[l]                     # z^l = W^l a^(l-1) + b^l, one row per example
    out = {"z": z, "a_prev": a_prev}
    y = z
${usesBn ? `    if c["batch_norm"]:
        eps = c["batch_norm"]["epsilon"]
        if training:                               # the mini-batch's mean and biased variance
            mean = z.mean(axis=0)
            var = ((z - mean) ** 2).mean(axis=0)
            mom = c["batch_norm"]["momentum"]      # running statistics (unbiased variance), for evaluation
            running_mean[l] = (1 - mom) * running_mean[l] + mom * mean
            running_var[l] = (1 - mom) * running_var[l] + mom * (var * m / (m - 1) if m > 1 else var)
        else:
            mean, var = running_mean[l].copy(), running_var[l].copy()
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (z - mean) * inv_std
        y = gamma[l] * xhat + beta[l]              # y = gamma * xhat + beta, the input of sigma
        out.update(mean=mean, var=var, inv_std=inv_std, xhat=xhat, y=y)
` : ''}    s, lse = activate(c["activation"], y, c["leak"])
    a = s
    if c["residual"]:
        a = s + a_prev                             # residual connection: a^l = sigma(z^l) + a^(l-1)
    mask = None
${usesRng ? `    if c["dropout"] > 0:
        if training:
            mask = dropout_mask(m, c["size"], c["dropout"], batch_index, l)
        else:
            mask = np.ones_like(a)                 # no dropout when evaluating
        a = a * mask
` : ''}    out.update(y=y, s=s, lse=lse, a=a, mask=mask)
    return out


def costs_of(out, t):
    """C_x, the cost of every example of the mini-batch (the batch's cost C is their mean)."""
    if LOSS == "mse":                              # C_x = 1/2 sum_j (t_j - a_j)^2
        d = t - out["a"]
        return (0.5 * d * d).sum(axis=1)
    if LOSS == "cross-entropy":                    # C_x = -sum_j t_j log a_j = -sum_j t_j (y_j - log sum_k e^y_k)
        return -np.where(t != 0, t * (out["y"] - out["lse"][:, None]), 0.0).sum(axis=1)
    if LOSS == "binary-cross-entropy":             # C_x = sum_j softplus(y_j) - t_j y_j (stable form of the log loss)
        y = out["y"]
        softplus = np.maximum(y, 0) + np.log1p(np.exp(-np.abs(y)))
        return (softplus - t * y).sum(axis=1)
    raise ValueError(LOSS)


# ---------------------------------------------------------------------------------------------
# Backward: delta per layer (BP1, BP2), then the gradients (BP3, BP4)
# ---------------------------------------------------------------------------------------------
def delta_output(out, t):
    """BP1 for the output layer L. Returns (dC_x/da^L, delta^L) per example."""
    c = LAYERS[L]
    if (LOSS == "cross-entropy" and c["activation"] == "softmax") or (LOSS == "binary-cross-entropy" and c["activation"] == "sigmoid"):
        gy = out["s"] - t                          # the softmax / sigmoid derivative cancels: delta^L = a - t
        g = np.zeros_like(gy)
    else:
        g = out["s"] - t                           # grad_a C for 1/2 (t - a)^2
        gy = times_derivative(c["activation"], out["y"], out["s"], g, c["leak"])   # BP1: delta^L = grad_a C * sigma'(z^L)
    return g, gy


def delta_hidden(l, out, above, delta_above, g_above):
    """BP2 for a hidden layer l: delta^l = ((W^(l+1))^T delta^(l+1)) * sigma'(z^l). Returns (dC_x/da^l, dC_x/dy^l)."""
    c = LAYERS[l]
    g = delta_above @ W[l + 1]                     # (W^(l+1))^T delta^(l+1), for every example (rows)
    if LAYERS[l + 1]["residual"]:                  # the identity path of a^(l+1) = sigma(.) + a^l carries dC/da^(l+1) back
        g = g + (g_above * above["mask"] if above["mask"] is not None else g_above)
    if out["mask"] is not None:
        gy = times_derivative(c["activation"], out["y"], out["s"], g * out["mask"], c["leak"])   # through the dropout mask
    else:
        gy = times_derivative(c["activation"], out["y"], out["s"], g, c["leak"])
    return g, gy

${usesBn ? `
def batch_norm_backward(l, out, gy):
    """From dC_x/dy to delta = dC_x/dz through batch normalization (the examples are coupled by the batch
    statistics); also dC/dgamma and dC/dbeta of the batch mean."""
    m = gy.shape[0]
    sum_g = gy.sum(axis=0)
    sum_gx = (gy * out["xhat"]).sum(axis=0)
    dbeta, dgamma = sum_g / m, sum_gx / m
    delta = (gamma[l] * out["inv_std"]) * (gy - sum_g / m - out["xhat"] * (sum_gx / m))
    return delta, dgamma, dbeta

` : ''}
${newStateCode(net)}

${optimizerCode(net)}

${stateTraceCode(net)}

# ---------------------------------------------------------------------------------------------
# Evaluation at the end of every epoch (no dropout; batch normalization with its running statistics)
# ---------------------------------------------------------------------------------------------
def evaluate(X, T):
    """Mean cost and accuracy over a whole dataset (argmax for several outputs, |a - t| < 0.5 for one)."""
    total, correct, count = 0.0, 0, X.shape[0]
    if count == 0:
        return None
    for start in range(0, count, 256):             # in chunks of 256 examples, as the engine
        a, t = X[start:start + 256], T[start:start + 256]
        outs = {}
        for l in range(2, L + 1):
            outs[l] = forward(l, a, False, 0)
            a = outs[l]["a"]
        m = a.shape[0]
        total += costs_of(outs[L], t).sum() / m * m
        if a.shape[1] == 1:
            correct += int((np.abs(a - t) < 0.5).sum())
        else:
            correct += int((a.argmax(axis=1) == t.argmax(axis=1)).sum())
    return {"loss": total / count, "accuracy": correct / count, "count": count}


# ---------------------------------------------------------------------------------------------
# Output: readable lines, JSON Lines (--trace) or only the epochs (--quiet)
# ---------------------------------------------------------------------------------------------
MODE = "trace" if "--trace" in sys.argv else "quiet" if "--quiet" in sys.argv else "steps"
np.set_printoptions(precision=10, linewidth=160)


def jsonable(v):
    """NumPy arrays as lists; NaN and infinities as the strings the trace uses."""
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if np.isfinite(v) else ("NaN" if v != v else "Infinity" if v > 0 else "-Infinity")
    if isinstance(v, np.integer):
        return int(v)
    return v


def show(record):
    kind = record["kind"]
    if MODE == "trace":
        print(json.dumps(jsonable(record), separators=(",", ":")))
        return
    if MODE == "quiet" and kind != "epoch":
        return
    at = "   "
    if kind == "batch":
        print(f"epoch {record['epoch']}, mini-batch {record['batch']}: examples {record['examples']}")
        print(f"{at}x = {record['inputs']}".replace(chr(10), " "))
        print(f"{at}t = {record['targets']}".replace(chr(10), " "))
    elif kind == "forward":
        print(f"{at}forward  layer {record['layer']}: z = {record['z']}".replace(chr(10), " "))
        print(f"{at}                  a = {record['a']}".replace(chr(10), " "))
    elif kind == "loss":
        print(f"{at}loss     C = {float(record['loss'])!r} (per example: {record['costs']})")
    elif kind == "delta":
        print(f"{at}delta    layer {record['layer']} ({record['rule']}): delta = {record['delta']}".replace(chr(10), " "))
    elif kind == "gradient":
        print(f"{at}gradient layer {record['layer']} (BP4) dC/dW = {record['weights']}".replace(chr(10), " "))
        print(f"{at}               (BP3) dC/db = {record['biases']}".replace(chr(10), " "))
    elif kind == "clip":
        print(f"{at}clip     global norm {float(record['normBefore'])!r}, scale {float(record['scale'])!r}")
    elif kind == "update":
        print(f"{at}update   layer {record['layer']}: W = {record['weights']}".replace(chr(10), " "))
        print(f"{at}                  b = {record['biases']}".replace(chr(10), " "))
    elif kind == "epoch":
        tr, va = record["train"], record["validation"]
        line = f"epoch {record['epoch']}: training loss {float(tr['loss'])!r}, accuracy {tr['accuracy'] * 100:.2f}%"
        if va:
            line += f"; validation loss {float(va['loss'])!r}, accuracy {va['accuracy'] * 100:.2f}%"
        print(line)


# ---------------------------------------------------------------------------------------------
# Training: the engine's program of micro-steps for every mini-batch
# ---------------------------------------------------------------------------------------------
def train():
    n = X_TRAIN.shape[0]
    batches_per_epoch = -(-n // BATCH_SIZE)
    # One optimizer state per trained tensor: W^l, b^l${usesBn ? ', gamma^l, beta^l' : ''}.
    states = {}
    for l in range(2, L + 1):
        states[("weights", l)] = new_state(W[l].shape)
        states[("biases", l)] = new_state(b[l].shape)
${usesBn ? `        if l in gamma:
            states[("gamma", l)] = new_state(gamma[l].shape)
            states[("beta", l)] = new_state(beta[l].shape)
` : ''}    if MODE == "trace":
        show({"kind": "header", "version": 1, "generator": "numpy export of " + NAME, "batchesPerEpoch": batches_per_epoch,
              "parameters": [dict({"layer": l, "weights": W[l], "biases": b[l]}${usesBn ? ', **({"gamma": gamma[l], "beta": beta[l]} if l in gamma else {})' : ''}) for l in range(2, L + 1)]})
    history = []
    for epoch in range(EPOCHS):
        order = ${usesRng ? 'permutation(n, SEED, epoch) if SHUFFLE else ' : ''}np.arange(n)
        for bi in range(batches_per_epoch):
            batch_index = epoch * batches_per_epoch + bi          # counts mini-batches over the whole run
            rows = order[bi * BATCH_SIZE:(bi + 1) * BATCH_SIZE]
            x, t = X_TRAIN[rows], T_TRAIN[rows]
            m = x.shape[0]
            where = {"epoch": epoch + 1, "batch": bi + 1}
            show({"kind": "batch", **where, "batchIndex": batch_index, "examples": rows, "inputs": x, "targets": t})

            # Forward, layer by layer
            out = {}
            a = x                                                  # a^1 = x
            for l in range(2, L + 1):
                out[l] = forward(l, a, True, batch_index)
                a = out[l]["a"]
                rec = {"kind": "forward", **where, "examples": rows, "layer": l, "z": out[l]["z"], "a": a}
                if out[l]["mask"] is not None:
                    rec["dropoutMask"] = out[l]["mask"]
${usesBn ? `                if "xhat" in out[l]:
                    rec["batchNorm"] = {"mean": out[l]["mean"], "variance": out[l]["var"], "xhat": out[l]["xhat"], "y": out[l]["y"]}
` : ''}                show(rec)

            # The cost: C = (1/m) sum_x C_x
            costs = costs_of(out[L], t)
            show({"kind": "loss", **where, "loss": costs.sum() / m, "costs": costs})

            # delta^L by BP1, then delta^(L-1) ... delta^2 by BP2
            delta, g = {}, {}
            grads = {}
            for l in range(L, 1, -1):
                if l == L:
                    g[l], gy = delta_output(out[l], t)
                else:
                    g[l], gy = delta_hidden(l, out[l], out[l + 1], delta[l + 1], g[l + 1])
${usesBn ? `                if LAYERS[l]["batch_norm"]:
                    gy, grads[("gamma", l)], grads[("beta", l)] = batch_norm_backward(l, out[l], gy)
` : ''}                delta[l] = gy
                show({"kind": "delta", **where, "layer": l, "rule": "BP1" if l == L else "BP2", "delta": delta[l]})

            # Gradients of the mean cost: BP4 dC/dW^l = (1/m) sum_x delta_x a_x^(l-1) T, BP3 dC/db^l = mean of delta_x
            for l in range(L, 1, -1):
                grads[("weights", l)] = (delta[l].T @ out[l]["a_prev"]) * (1 / m)
                grads[("biases", l)] = delta[l].sum(axis=0) / m
                norm = np.sqrt(sum((grads[(k, l)] ** 2).sum() for k in ("weights", "biases", "gamma", "beta") if (k, l) in grads))
                if not np.isfinite(norm):
                    print(f"training stopped at epoch {epoch + 1}, mini-batch {bi + 1}: the gradient of layer {l} is NaN or infinite", file=sys.stderr)
                    sys.exit(3)
            trained = [k for k in grads if k[0] != "biases" or TRAIN_BIASES]

            def gradient_records():
                for l in range(L, 1, -1):
                    rec = {"kind": "gradient", **where, "layer": l, "weights": grads[("weights", l)], "biases": grads[("biases", l)]}
                    if ("gamma", l) in grads:
                        rec.update(gamma=grads[("gamma", l)], beta=grads[("beta", l)])
                    show(rec)

            if CLIP_VALUE is None and CLIP_NORM is None:
                gradient_records()
            else:
                # Clipping, as torch.nn.utils: clamp each component, then scale to the global norm
                if CLIP_VALUE is not None:
                    for k in trained:
                        grads[k] = np.clip(grads[k], -CLIP_VALUE, CLIP_VALUE)
                norm = np.sqrt(sum((grads[k] ** 2).sum() for k in trained))
                scale = 1.0
                if CLIP_NORM is not None and CLIP_NORM / (norm + 1e-6) < 1:
                    scale = CLIP_NORM / (norm + 1e-6)
                    for k in trained:
                        grads[k] = grads[k] * scale
                gradient_records()
                show({"kind": "clip", **where, "normBefore": norm, "scale": scale})

            # The update of every trained tensor, layer 2 first
            params = {"weights": W, "biases": b${usesBn ? ', "gamma": gamma, "beta": beta' : ''}}
            for l in range(2, L + 1):
                for k in ("weights", "biases", "gamma", "beta"):
                    if (k, l) in trained:
                        optimizer_step(params[k][l], grads[(k, l)], states[(k, l)])
                rec = {"kind": "update", **where, "layer": l, "weights": W[l], "biases": b[l]}
${usesBn ? `                if l in gamma:
                    rec.update(gamma=gamma[l], beta=beta[l])
` : ''}                rec["state"] = {k: state_record(states[(k, l)]) for k in ("weights", "biases", "gamma", "beta") if (k, l) in states}
                show(rec)

        result = {"kind": "epoch", "epoch": epoch + 1, "train": evaluate(X_TRAIN, T_TRAIN), "validation": evaluate(X_VAL, T_VAL)}
        show(result)
        history.append(result)
    if MODE != "trace":
        print()
        print("Loss per epoch (training set" + (", validation set" if X_VAL.shape[0] else "") + "):")
        for r in history:
            line = f"  epoch {r['epoch']:>4}: {r['train']['loss']:.10g}  accuracy {r['train']['accuracy'] * 100:.2f}%"
            if r["validation"]:
                line += f"   validation {r['validation']['loss']:.10g}  accuracy {r['validation']['accuracy'] * 100:.2f}%"
            print(line)


if __name__ == "__main__":
    try:
        train()
    except BrokenPipeError:                        # the reader stopped reading (e.g. | head)
        sys.stderr.close()
`;
  const result: NumpyExport = { script: script.replace(/\n{3,}(?=\S)/g, '\n\n\n') };
  if (csvName) result.data = { name: csvName, text: dataCsv(net) };
  return result;
}

/** Split text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The script's file name for a network file: `mazur.backprop.json` → `mazur.py`. */
export function numpyFileName(original: string): string {
  const base = original.replace(/^.*[\\/]/, '');
  return base.replace(/\.backprop\.json$/i, '').replace(/\.json$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_') + '.py';
}
