/**
 * The train spec (`train.yaml`): what `mlship train` trains. `TrainSpec` is the file as written
 * (everything optional but what the schema requires); `ResolvedTrainSpec` is the same with every
 * default filled in, which is what training uses and what gets recorded with the model.
 * The JSON Schema is in train-spec-json-schema.ts (and schemas/train-spec.schema.json).
 */

export type TrainTask = 'classification' | 'regression';

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'softmax',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const CLASSIFICATION_LOSSES = ['categoricalCrossentropy'] as const;
export const REGRESSION_LOSSES = ['meanSquaredError', 'meanAbsoluteError', 'logcosh'] as const;
export type LossName = (typeof CLASSIFICATION_LOSSES)[number] | (typeof REGRESSION_LOSSES)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export type Padding = 'valid' | 'same';
export type Size2 = number | [number, number];

/** Hidden layers, in Keras class names. mlship adds the input shape and the output layer. */
export type LayerSpec =
  | { type: 'Dense'; units: number; activation?: ActivationName; useBias?: boolean }
  | { type: 'Conv2D'; filters: number; kernelSize: Size2; strides?: Size2; padding?: Padding; activation?: ActivationName; useBias?: boolean }
  | { type: 'MaxPooling2D' | 'AveragePooling2D'; poolSize?: Size2; strides?: Size2; padding?: Padding }
  | { type: 'Flatten' }
  | { type: 'Dropout'; rate: number }
  | { type: 'BatchNormalization'; momentum?: number; epsilon?: number }
  | { type: 'Reshape'; targetShape: number[] }
  | { type: 'Activation'; activation: ActivationName }
  | { type: 'LeakyReLU'; alpha?: number };
export type LayerType = LayerSpec['type'];

export const LAYER_TYPES: readonly LayerType[] = [
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'Flatten',
  'Dropout',
  'BatchNormalization',
  'Reshape',
  'Activation',
  'LeakyReLU',
];

/** The MLP shorthand: `mlp: [64, 32]` is two Dense layers of 64 and 32 units. */
export interface MlpSpec {
  mlp: number[];
  activation?: ActivationName;
  /** A Dropout of this rate after each hidden layer (0: none). */
  dropout?: number;
  /** A BatchNormalization after each hidden layer (before its dropout). */
  batchNormalization?: boolean;
}

export interface LayersModelSpec {
  layers: LayerSpec[];
}

export type ModelSpec = MlpSpec | LayersModelSpec;

export type Scaling = 'standardize' | 'none';

export type ColumnOverride =
  | { type: 'numeric'; scaling?: Scaling }
  | { type: 'category'; encoding?: 'onehot' | 'index'; categories?: string[]; hashBuckets?: number };

export interface ImageOptions {
  height: number;
  width: number;
  channels: number;
  /** `standardize`: per-channel mean and std of the training pixels; `none`: raw pixel values. */
  scaling?: Scaling;
}

export interface PreprocessingOptions {
  /** Numeric feature columns (default `standardize`: training mean and std). */
  numeric?: Scaling;
  /** Category feature columns (default `onehot`). */
  categories?: 'onehot' | 'index';
  /** Per-column kind and encoding, overriding what the data suggests. */
  columns?: Record<string, ColumnOverride>;
  /** The feature columns are the pixels of one image, in height × width × channels (row-major) order. */
  image?: ImageOptions;
  /** Regression only: train on the standardised label, folded back into the output layer afterwards (default `standardize`). */
  label?: Scaling;
}

export interface OptimizerSpec {
  name: OptimizerName;
  learningRate?: number;
  /** sgd (momentum SGD when > 0) and rmsprop. */
  momentum?: number;
}

/** A seeded split of the data, or (with `data`) a separate validation table. */
export interface ValidationSpec {
  /** Share of the rows held out (0 ≤ split < 1; 0 holds nothing out). Default 0.2. */
  split?: number;
  /** Classification: keep the class shares in both parts (default true). */
  stratify?: boolean;
  /** Seed of the split (default: the spec's seed). */
  seed?: number;
  /** A separate validation table (a path; relative paths are resolved against the spec file's folder). */
  data?: string;
}

export interface EarlyStoppingSpec {
  /** A history key: loss, val_loss, accuracy, val_accuracy, mae, val_mae (default val_loss, or loss with no validation). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 10). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when training stops (default true). */
  restoreBestWeights?: boolean;
}

export type BackendChoice = string;

export interface TrainSpec {
  version?: 1;
  task?: TrainTask;
  label?: string;
  /** Feature columns in order (default: every column but the label and `exclude`). */
  features?: string[];
  exclude?: string[];
  preprocessing?: PreprocessingOptions;
  model?: ModelSpec;
  optimizer?: OptimizerName | OptimizerSpec;
  loss?: LossName;
  epochs?: number;
  batchSize?: number;
  validation?: ValidationSpec;
  earlyStopping?: EarlyStoppingSpec | false;
  /** Classification: a weight per class name, or `balanced` (n / (classes × count of the class), on the training split). */
  classWeights?: 'balanced' | Record<string, number>;
  seed?: number;
  /** `auto` (default), or a registered backend: tensorflow, wasm, cpu. */
  backend?: BackendChoice;
  /** Gate expressions the trained model must meet (`accuracy>=0.95`), as `--gate` gives them. */
  gates?: string[];
}

/** Every choice made: what training uses and what is recorded with the model. */
export interface ResolvedTrainSpec {
  version: 1;
  task: TrainTask;
  label: string;
  /** Given features, or null for "every column but the label and `exclude`" (settled against the data). */
  features: string[] | null;
  exclude: string[];
  preprocessing: {
    numeric: Scaling;
    categories: 'onehot' | 'index';
    columns: Record<string, ColumnOverride>;
    image: Required<ImageOptions> | null;
    label: Scaling;
  };
  model: ModelSpec;
  optimizer: Required<Pick<OptimizerSpec, 'name' | 'learningRate'>> & Pick<OptimizerSpec, 'momentum'>;
  loss: LossName;
  epochs: number;
  batchSize: number;
  validation: { split: number; stratify: boolean; seed: number } | { data: string };
  earlyStopping: Required<EarlyStoppingSpec> | null;
  classWeights: 'balanced' | Record<string, number> | null;
  seed: number;
  backend: BackendChoice;
  gates: string[];
}

export const DEFAULTS = {
  seed: 42,
  validationSplit: 0.2,
  patience: 10,
  activation: 'relu' as ActivationName,
  learningRate: { adam: 0.001, sgd: 0.01, rmsprop: 0.001 } satisfies Record<OptimizerName, number>,
  mlp: [64, 32],
  backend: 'auto',
} as const;

export function isMlpSpec(model: ModelSpec): model is MlpSpec {
  return 'mlp' in model;
}
