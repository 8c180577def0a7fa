/**
 * The network file (`*.backprop.json`): one source for the JSON Schema (emitted to
 * `schemas/backprop.schema.json` by `scripts/build.mjs`) and for the TypeScript types (`Static<…>`).
 *
 * The schema is what the editor uses for completion and hovers; the engine's own validator
 * (`validate.ts`) gives the precise, located messages and checks what a schema cannot
 * (shapes against sizes, softmax with MSE, data against the input size, …).
 *
 * Example — Mazur's "A Step by Step Backpropagation Example" (2-2-2, sigmoid, ½Σ(y−a)², η = 0.5):
 * ```json
 * {
 *   "name": "Mazur 2-2-2",
 *   "layers": [
 *     { "size": 2 },
 *     { "size": 2, "activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "biases": [0.35, 0.35] },
 *     { "size": 2, "activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "biases": [0.60, 0.60] }
 *   ],
 *   "loss": "mse",
 *   "optimizer": { "type": "sgd", "learningRate": 0.5 },
 *   "training": { "batchSize": 1, "epochs": 1, "trainBiases": false },
 *   "data": { "inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]] }
 * }
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';

export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'softmax'] as const;
export const INITS = ['uniform', 'xavier-uniform', 'xavier-normal', 'he-uniform', 'he-normal'] as const;
export const LOSSES = ['mse', 'cross-entropy', 'binary-cross-entropy'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'] as const;
export const BUILTIN_DATASETS = ['xor', 'and', 'or', 'circle', 'spiral', 'blobs', 'moons', 'mazur', 'iris', 'digits'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type InitKind = (typeof INITS)[number];
export type LossKind = (typeof LOSSES)[number];
export type OptimizerKind = (typeof OPTIMIZERS)[number];
export type BuiltinDataset = (typeof BUILTIN_DATASETS)[number];
/** What an exercise question asks for (see docs/labs.md). */
export const EXERCISE_QUANTITIES = ['z', 'a', 'delta', 'dW', 'db', 'W', 'b', 'loss'] as const;
/** The steps an exercise question can be placed at (`at.phase`). */
export const EXERCISE_PHASES = ['forward', 'loss', 'delta', 'gradient', 'clip', 'update'] as const;
export type ExerciseQuantity = (typeof EXERCISE_QUANTITIES)[number];
export type ExercisePhase = (typeof EXERCISE_PHASES)[number];

/** A string enum as JSON Schema `{ type: "string", enum: [...] }`, typed as the union of its values. */
const lit = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

const finite = (description: string, extra: object = {}) => Type.Number({ description, ...extra });

export const InputLayerSchema = Type.Object(
  {
    size: Type.Integer({ minimum: 1, description: 'Number of inputs (neurons of layer 1, a¹ = x).' }),
    name: Type.Optional(Type.String({ description: 'A label shown in the panel.' })),
  },
  { additionalProperties: false, description: 'layers[0]: the input layer (size only).' },
);

export const BatchNormSchema = Type.Union([
  Type.Boolean(),
  Type.Object(
    {
      momentum: Type.Optional(finite('Running-statistics momentum, as torch.nn.BatchNorm1d (default 0.1).', { minimum: 0, maximum: 1 })),
      epsilon: Type.Optional(finite('Added to the variance (default 1e-5).', { exclusiveMinimum: 0 })),
    },
    { additionalProperties: false },
  ),
], { description: 'Batch normalization of z (training mode: batch mean and biased variance; γ starts at 1, β at 0).' });

export const LayerSchema = Type.Object(
  {
    size: Type.Integer({ minimum: 1, description: 'Number of neurons in this layer.' }),
    name: Type.Optional(Type.String({ description: 'A label shown in the panel.' })),
    activation: Type.Optional(lit(ACTIVATIONS, 'σ of this layer (default sigmoid). softmax only on the output layer, with cross-entropy.')),
    leak: Type.Optional(finite('Negative slope of leaky-relu (default 0.01).', { minimum: 0 })),
    weights: Type.Optional(
      Type.Array(Type.Array(Type.Number()), {
        description: 'W^l: row j = neuron j of this layer, column k = neuron k of the previous layer (w^l_jk).',
      }),
    ),
    biases: Type.Optional(Type.Array(Type.Number(), { description: 'b^l, one per neuron (default 0).' })),
    init: Type.Optional(lit(INITS, 'Initialization of W when `weights` is absent (default: xavier-uniform, he-uniform for relu/leaky-relu).')),
    dropout: Type.Optional(finite('Inverted dropout rate p applied to this layer\'s activation during training.', { minimum: 0, exclusiveMaximum: 1 })),
    batchNorm: Type.Optional(BatchNormSchema),
    residual: Type.Optional(Type.Boolean({ description: 'a^l = σ(z^l) + a^(l−1); sizes must match.' })),
  },
  { additionalProperties: false },
);

export const OptimizerSchema = Type.Object(
  {
    type: lit(OPTIMIZERS, 'Update rule, with semantics as documented for torch.optim.'),
    learningRate: Type.Optional(finite('η (defaults as torch.optim: sgd 0.001… adam 0.001, rmsprop 0.01).', { exclusiveMinimum: 0 })),
    momentum: Type.Optional(finite('μ for sgd/momentum/nesterov/rmsprop (momentum and nesterov default 0.9).', { minimum: 0 })),
    dampening: Type.Optional(finite('SGD dampening (default 0).', { minimum: 0, maximum: 1 })),
    beta1: Type.Optional(finite('Adam β₁ (default 0.9).', { minimum: 0, exclusiveMaximum: 1 })),
    beta2: Type.Optional(finite('Adam β₂ (default 0.999).', { minimum: 0, exclusiveMaximum: 1 })),
    epsilon: Type.Optional(finite('ε in the denominator (default 1e-8).', { exclusiveMinimum: 0 })),
    alpha: Type.Optional(finite('RMSprop smoothing α (default 0.99).', { minimum: 0, maximum: 1 })),
    weightDecay: Type.Optional(finite('λ: L2 added to the gradient (decoupled for adamw; default 0, adamw 0.01).', { minimum: 0 })),
  },
  { additionalProperties: false },
);

export const TrainingSchema = Type.Object(
  {
    batchSize: Type.Optional(Type.Integer({ minimum: 1, description: 'Examples per mini-batch (default 1).' })),
    epochs: Type.Optional(Type.Integer({ minimum: 1, description: 'Passes over the training data (default 1).' })),
    shuffle: Type.Optional(Type.Boolean({ description: 'Shuffle the training examples each epoch, seeded (default false).' })),
    trainBiases: Type.Optional(Type.Boolean({ description: 'Update biases (default true).' })),
    clipNorm: Type.Optional(finite('Scale all gradients so their global L2 norm is at most this (torch.nn.utils.clip_grad_norm_).', { exclusiveMinimum: 0 })),
    clipValue: Type.Optional(finite('Clamp every gradient component to [−v, v] (torch.nn.utils.clip_grad_value_).', { exclusiveMinimum: 0 })),
    validationSplit: Type.Optional(finite('Fraction of the examples held out for validation, chosen at random from the seed.', { minimum: 0, exclusiveMaximum: 1 })),
  },
  { additionalProperties: false },
);

export const InlineDataSchema = Type.Object(
  {
    inputs: Type.Array(Type.Array(Type.Number()), { description: 'One row per example, one column per input.' }),
    targets: Type.Array(Type.Array(Type.Number()), { description: 'One row per example, one column per output.' }),
  },
  { additionalProperties: false },
);

export const BuiltinDataSchema = Type.Object(
  {
    builtin: lit(BUILTIN_DATASETS, 'A dataset shipped with the extension.'),
    samples: Type.Optional(Type.Integer({ minimum: 1, description: 'Number of examples to generate (synthetic sets) or keep (iris, digits).' })),
    noise: Type.Optional(finite('Noise of the synthetic sets (circle, spiral, blobs, moons).', { minimum: 0 })),
    standardize: Type.Optional(Type.Boolean({ description: 'Scale each input column to mean 0 and standard deviation 1.' })),
  },
  { additionalProperties: false },
);

export const CsvDataSchema = Type.Object(
  {
    csv: Type.String({ description: 'Path of a CSV file with a header row, relative to the network file.' }),
    inputs: Type.Optional(Type.Array(Type.String(), { description: 'Input columns (default: every column but the target).' })),
    target: Type.String({ description: 'Target column: a class column is one-hot encoded.' }),
    standardize: Type.Optional(Type.Boolean({ description: 'Scale each input column to mean 0 and standard deviation 1.' })),
  },
  { additionalProperties: false },
);

export const DataSchema = Type.Union([InlineDataSchema, BuiltinDataSchema, CsvDataSchema], {
  description: 'Training data: inline, a builtin dataset, or a CSV file.',
});

export const ExerciseAtSchema = Type.Union(
  [
    Type.Object(
      { step: Type.Integer({ minimum: 1, description: 'The step number, as the debugger and the panel count it (step 1 is the first forward step).' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        epoch: Type.Optional(Type.Integer({ minimum: 1, description: 'Epoch (1-based, default 1).' })),
        batch: Type.Optional(Type.Integer({ minimum: 1, description: 'Mini-batch within the epoch (1-based, default 1).' })),
        phase: Type.Optional(lit(EXERCISE_PHASES, 'The step of the mini-batch (default: the one that computes the quantity: forward for z and a, delta for δ, gradient for ∂C/∂W and ∂C/∂b, update for W and b, loss for the loss).')),
        layer: Type.Optional(Type.Integer({ minimum: 2, description: 'The layer of that step (default: the question\'s layer).' })),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'Where the value is read: a step number, or a mini-batch and its phase. Default: the step that computes the quantity in epoch 1, mini-batch 1.' },
);

export const ExerciseQuestionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$', description: 'A short unique name (letters, digits, _ . -): the key of the answer in an answers file, e.g. "q1".' }),
    prompt: Type.String({ description: 'The question as the learner reads it, e.g. "What is δ² for neuron 1?".' }),
    at: Type.Optional(ExerciseAtSchema),
    quantity: lit(EXERCISE_QUANTITIES, 'The value asked for: z, a, delta (δ), dW (∂C/∂w), db (∂C/∂b), W (a weight), b (a bias) or loss (the mini-batch cost C).'),
    layer: Type.Optional(Type.Integer({ minimum: 2, description: 'Layer in the notation (2…L; layers[0] is layer 1). Not used by loss.' })),
    neuron: Type.Optional(Type.Integer({ minimum: 1, description: 'Neuron j of that layer, 1-based as in the notation (δ²₁ is neuron 1). Not used by loss.' })),
    input: Type.Optional(Type.Integer({ minimum: 1, description: 'For W and dW: neuron k of the previous layer, 1-based (w³₁₂ is neuron 1, input 2).' })),
    example: Type.Optional(Type.Integer({ minimum: 1, description: 'For z, a and delta: the example (row) of the mini-batch, 1-based (default 1).' })),
    tolerance: Type.Optional(
      Type.Object(
        {
          abs: Type.Optional(finite('Accept |answer − value| ≤ abs.', { minimum: 0 })),
          rel: Type.Optional(finite('Accept |answer − value| ≤ rel · |value|.', { minimum: 0 })),
        },
        { additionalProperties: false, description: 'An answer is correct when |answer − value| ≤ max(abs, rel·|value|). Default: rel 0.001 (about 3 significant digits).' },
      ),
    ),
    points: Type.Optional(finite('Points for a correct answer (default 1).', { exclusiveMinimum: 0 })),
    hint: Type.Optional(Type.String({ description: 'Shown after a wrong answer.' })),
  },
  { additionalProperties: false },
);

export const ExerciseSchema = Type.Object(
  {
    title: Type.Optional(Type.String({ description: 'The lab\'s title (default: the network\'s name).' })),
    instructions: Type.Optional(Type.String({ description: 'What the learner should do, shown above the questions.' })),
    questions: Type.Array(ExerciseQuestionSchema, { minItems: 1, description: 'The values the learner predicts, each hidden in the panel until answered.' }),
  },
  { additionalProperties: false, description: 'A teaching lab: questions about values of this network\'s training, graded against the engine (docs/labs.md).' },
);

export const NetworkFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.Optional(Type.String({ description: 'Shown in the panel and the debugger.' })),
    description: Type.Optional(Type.String({ description: 'What to watch for in this network.' })),
    seed: Type.Optional(Type.Integer({ description: 'Seed for initialization, shuffling and dropout (default 1).' })),
    layers: Type.Array(Type.Union([InputLayerSchema, LayerSchema]), {
      minItems: 2,
      description: 'layers[0] is the input layer (layer 1 in the notation); each later entry computes z^l = W^l a^(l−1) + b^l.',
    }),
    loss: lit(LOSSES, 'Cost per example: mse ½Σ(y−a)², cross-entropy −Σ y log a (softmax output), binary-cross-entropy (sigmoid output). A mini-batch\'s cost is the mean.'),
    optimizer: Type.Optional(OptimizerSchema),
    training: Type.Optional(TrainingSchema),
    data: DataSchema,
    exercise: Type.Optional(ExerciseSchema),
  },
  { additionalProperties: false, title: 'Backprop Stepper network file' },
);

export type InputLayerSpec = Static<typeof InputLayerSchema>;
export type LayerSpec = Static<typeof LayerSchema>;
export type BatchNormSpec = Static<typeof BatchNormSchema>;
export type OptimizerSpec = Static<typeof OptimizerSchema>;
export type TrainingSpec = Static<typeof TrainingSchema>;
export type InlineDataSpec = Static<typeof InlineDataSchema>;
export type BuiltinDataSpec = Static<typeof BuiltinDataSchema>;
export type CsvDataSpec = Static<typeof CsvDataSchema>;
export type DataSpec = Static<typeof DataSchema>;
export type ExerciseAtSpec = Static<typeof ExerciseAtSchema>;
export type ExerciseQuestionSpec = Static<typeof ExerciseQuestionSchema>;
export type ExerciseSpec = Static<typeof ExerciseSchema>;
export type NetworkFile = Static<typeof NetworkFileSchema>;

/** The JSON Schema document shipped in `schemas/backprop.schema.json`. */
export function networkJsonSchema(): object {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...JSON.parse(JSON.stringify(NetworkFileSchema)),
  };
}

// ---------------------------------------------------------------------------------------------
// The resolved network: every default filled in, every check passed. This is what the engine runs.
// ---------------------------------------------------------------------------------------------

export interface ResolvedLayer {
  /** Layer number in the notation: 2…L (layers[0] is layer 1). */
  index: number;
  name?: string;
  size: number;
  inputSize: number;
  activation: Activation;
  leak: number;
  /** Row-major n × n_in, w^l_jk at [j * n_in + k]. Initial values (given or generated from the seed). */
  weights: Float64Array;
  biases: Float64Array;
  init: InitKind | 'given';
  dropout: number;
  batchNorm: { momentum: number; epsilon: number } | null;
  residual: boolean;
}

export interface ResolvedOptimizer {
  type: OptimizerKind;
  learningRate: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  alpha: number;
  weightDecay: number;
}

export interface ResolvedTraining {
  batchSize: number;
  epochs: number;
  shuffle: boolean;
  trainBiases: boolean;
  clipNorm: number | null;
  clipValue: number | null;
  validationSplit: number;
}

/** A dataset in memory: row-major matrices, one row per example. */
export interface Dataset {
  name: string;
  count: number;
  inputSize: number;
  targetSize: number;
  inputs: Float64Array;
  targets: Float64Array;
  /** Optional names of the input columns and of the classes (one-hot targets). */
  inputNames?: string[];
  classNames?: string[];
  /** Where the data came from, with its licence when it is shipped public data. */
  source?: string;
}

export interface ResolvedNetwork {
  name: string;
  description?: string;
  seed: number;
  inputSize: number;
  inputName?: string;
  layers: ResolvedLayer[];
  loss: LossKind;
  optimizer: ResolvedOptimizer;
  training: ResolvedTraining;
  /** Training examples (after the validation split) and held-out validation examples (may be empty). */
  train: Dataset;
  validation: Dataset;
  /** The file's teaching lab, every question placed at its step (see exercise.ts). */
  exercise?: ResolvedExercise;
}

/** One question of a lab, resolved against the network: indices 0-based, the step where it is read. */
export interface ResolvedQuestion {
  id: string;
  prompt: string;
  quantity: ExerciseQuantity;
  /** Layer in the notation (2…L; L for the loss). */
  layer: number;
  /** 0-based neuron j (0 for the loss), input k (W and dW, else null) and example row of the mini-batch. */
  neuron: number;
  input: number | null;
  example: number;
  /** The step after which the value is read (Trainer.step, as the debugger and panel count). */
  step: number;
  tolerance: { abs: number; rel: number };
  points: number;
  hint?: string;
}

export interface ResolvedExercise {
  title: string;
  instructions?: string;
  questions: ResolvedQuestion[];
}
