/**
 * The train spec (`train.yaml`): what `mlship train` trains. `TrainSpec` is the file as written
 * (everything optional but what the schema requires); `ResolvedTrainSpec` is the same with every
 * default filled in, which is what training uses and what gets recorded with the model.
 * The JSON Schema is in train-spec-json-schema.ts (and schemas/train-spec.schema.json).
 */
import type { DatetimePart } from '@mlship/onnx';

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

/** What a missing number becomes: the training part's median or mean, zero, or `none` (rows missing it are left out, and serving refuses a missing value). */
export type NumericImpute = 'median' | 'mean' | 'zero' | 'none';
export const NUMERIC_IMPUTE: readonly NumericImpute[] = ['median', 'mean', 'zero', 'none'];
/**
 * What a missing category becomes: `auto` (the "(missing)" category when the training part has missing
 * values there, else its most frequent value), `mostFrequent`, `missing` (always the "(missing)"
 * category), or `none` (unknown: all zeros one-hot, index −1).
 */
export type CategoryImpute = 'auto' | 'mostFrequent' | 'missing' | 'none';
export const CATEGORY_IMPUTE: readonly CategoryImpute[] = ['auto', 'mostFrequent', 'missing', 'none'];
/** A category value not seen in training, at serving time: encoded as unknown (counted), or refused. */
export type UnknownPolicy = 'unknown' | 'error';
/** Parts of a datetime a feature can be (UTC): @mlship/onnx's `DatetimePart`, computed by its `featureRow`. */
export type { DatetimePart };

export type ColumnOverride =
  | { type: 'numeric'; scaling?: Scaling; impute?: NumericImpute; indicator?: boolean }
  | { type: 'category'; encoding?: 'onehot' | 'index'; categories?: string[]; hashBuckets?: number; impute?: CategoryImpute; unknown?: UnknownPolicy }
  | { type: 'boolean'; encoding?: 'onehot' | 'index'; impute?: 'mostFrequent' | 'none'; unknown?: UnknownPolicy }
  | { type: 'datetime'; parts?: DatetimePart[]; scaling?: Scaling; impute?: NumericImpute; indicator?: boolean };

/** Missing values, for every column without its own setting. */
export interface MissingOptions {
  /** Numeric (and derived datetime) features (default `median`). */
  numeric?: NumericImpute;
  /** Category features (default `auto`). Boolean features take their most frequent value (or `none`). */
  categories?: CategoryImpute;
  /** Numeric features: also feed the model a 0/1 "was missing" column (default false). */
  indicator?: boolean;
}

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
  /** How missing values are filled (fitted on the training part only). */
  missing?: MissingOptions;
  /** A category value not seen in training, at serving time (default `unknown`). */
  unknown?: UnknownPolicy;
  /** Datetime columns become these numeric parts (default days, dayOfWeek, month). */
  datetime?: { parts?: DatetimePart[] };
}

export interface OptimizerSpec {
  name: OptimizerName;
  learningRate?: number;
  /** sgd (momentum SGD when > 0) and rmsprop. */
  momentum?: number;
}

/**
 * The three disjoint parts of the data: training, validation (early stopping and model selection) and
 * test (every reported metric, the gates, the model card, predictions.json, compression's judgement).
 * Both held-out parts are seeded shares of the data's labelled rows, or separate tables.
 */
export interface ValidationSpec {
  /** Share of the rows for validation (0 ≤ split < 1; 0: none). Default 0.2. Not with `data`. */
  split?: number;
  /** Share of the rows for the test part (0 ≤ test < 1; 0: none, metrics then come from the validation rows). Default 0.2. Not with `testData`. */
  test?: number;
  /** Classification: keep the class shares in every part (default true). */
  stratify?: boolean;
  /** Seed of the split (default: the spec's seed). */
  seed?: number;
  /** A separate validation table (a path; relative paths are resolved against the spec file's folder). */
  data?: string;
  /** A separate test table (a path, as `data`). */
  testData?: string;
}

/** k-fold cross-validation figures beside the test figures, for small data sets. */
export interface CrossValidationSpec {
  /** Folds (default 5). */
  folds?: number;
  /** Run only when the data has fewer labelled rows than this (default 500). */
  rowsBelow?: number;
}

/** Refusals of a classification label that cannot make a useful classifier (a hint says how to override). */
export interface GuardsSpec {
  /** Every class needs at least this many labelled rows (default 3: one for each part; 0 turns it off). */
  minClassRows?: number;
  /** At most this share of the labelled rows may be distinct classes (default 0.5; 1 turns it off). */
  maxClassShare?: number;
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
  /** k-fold cross-validation of small data sets: `true` always, `false` never, or settings (default: 5 folds under 500 rows). */
  crossValidation?: boolean | CrossValidationSpec;
  /** Classification guards (see `GuardsSpec`). */
  guards?: GuardsSpec;
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
    missing: Required<MissingOptions>;
    unknown: UnknownPolicy;
    datetime: { parts: DatetimePart[] };
  };
  model: ModelSpec;
  optimizer: Required<Pick<OptimizerSpec, 'name' | 'learningRate'>> & Pick<OptimizerSpec, 'momentum'>;
  loss: LossName;
  epochs: number;
  batchSize: number;
  /**
   * `split` and `test` are shares of the data's labelled rows (0 where a separate table gives that part).
   * Specs stored before the test part existed hold `{ split, stratify, seed }` or `{ data }`: read them
   * with `splitPlanOf`, which gives them no test part (their held-out rows were the validation rows).
   */
  validation: { split: number; test: number; stratify: boolean; seed: number; data: string | null; testData: string | null };
  /** null: never. `rowsBelow` null: always. */
  crossValidation: { folds: number; rowsBelow: number | null } | null;
  guards: Required<GuardsSpec>;
  earlyStopping: Required<EarlyStoppingSpec> | null;
  classWeights: 'balanced' | Record<string, number> | null;
  seed: number;
  backend: BackendChoice;
  gates: string[];
}

export const DEFAULTS = {
  seed: 42,
  validationSplit: 0.2,
  testSplit: 0.2,
  folds: 5,
  crossValidationRowsBelow: 500,
  minClassRows: 3,
  maxClassShare: 0.5,
  datetimeParts: ['days', 'dayOfWeek', 'month'] as DatetimePart[],
  patience: 10,
  activation: 'relu' as ActivationName,
  learningRate: { adam: 0.001, sgd: 0.01, rmsprop: 0.001 } satisfies Record<OptimizerName, number>,
  mlp: [64, 32],
  backend: 'auto',
} as const;

export function isMlpSpec(model: ModelSpec): model is MlpSpec {
  return 'mlp' in model;
}
