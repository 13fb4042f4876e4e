/** Rules across fields of a schema-valid train spec, as messages (never throws). */
import { CATEGORY_IMPUTE, CLASSIFICATION_LOSSES, DEFAULTS, NUMERIC_IMPUTE, REGRESSION_LOSSES, isMlpSpec, type ColumnOverride, type LayerType, type TrainSpec, type TrainTask } from './train-spec.js';

export interface SpecProblems {
  errors: string[];
  warnings: string[];
}

const SPATIAL: ReadonlySet<LayerType> = new Set(['Conv2D', 'MaxPooling2D', 'AveragePooling2D']);

/** The options each kind of column override takes, and the values its `impute` takes. */
const OVERRIDE_KEYS: Record<ColumnOverride['type'], { keys: readonly string[]; impute: readonly string[] }> = {
  numeric: { keys: ['scaling', 'impute', 'indicator'], impute: NUMERIC_IMPUTE },
  category: { keys: ['encoding', 'categories', 'hashBuckets', 'impute', 'unknown'], impute: CATEGORY_IMPUTE },
  boolean: { keys: ['encoding', 'impute', 'unknown'], impute: ['mostFrequent', 'none'] },
  datetime: { keys: ['parts', 'scaling', 'impute', 'indicator'], impute: NUMERIC_IMPUTE },
};
const OVERRIDE_OPTIONS = ['scaling', 'encoding', 'categories', 'hashBuckets', 'impute', 'indicator', 'unknown', 'parts'];

/** The task a loss belongs to. */
export function taskOfLoss(loss: string): TrainTask | undefined {
  if ((CLASSIFICATION_LOSSES as readonly string[]).includes(loss)) return 'classification';
  if ((REGRESSION_LOSSES as readonly string[]).includes(loss)) return 'regression';
  return undefined;
}

/** The task a monitored history key belongs to (loss belongs to both). */
function taskOfMonitor(monitor: string): TrainTask | undefined {
  const metric = monitor.replace(/^val_/, '');
  return metric === 'accuracy' ? 'classification' : metric === 'mae' ? 'regression' : undefined;
}

/**
 * Checks what the schema cannot: a loss, metric or class weights that fit the task, a label that is
 * not also a feature, a validation set for `val_` monitors, image input for convolutions. `task` is
 * the spec's own task or the one inferred from the data (checks that need it are skipped without).
 */
export function checkTrainSpec(spec: TrainSpec, task: TrainTask | undefined = spec.task): SpecProblems {
  const errors: string[] = [];
  const warnings: string[] = [];
  const { label, features, exclude, preprocessing: pre } = spec;

  if (label !== undefined && features?.includes(label)) errors.push(`/features: the label ${JSON.stringify(label)} cannot also be a feature`);
  if (features && exclude && exclude.length > 0) warnings.push('/exclude: ignored because features lists the columns');
  if (label !== undefined && pre?.columns && Object.hasOwn(pre.columns, label)) errors.push(`/preprocessing/columns: ${JSON.stringify(label)} is the label, not a feature`);
  for (const [name, column] of Object.entries(pre?.columns ?? {})) {
    const allowed = OVERRIDE_KEYS[column.type];
    if (!allowed) continue;
    for (const key of OVERRIDE_OPTIONS) {
      if (key in column && !allowed.keys.includes(key)) errors.push(`/preprocessing/columns/${name}: ${key} does not apply to a ${column.type} column`);
    }
    const impute = (column as { impute?: string }).impute;
    if (impute !== undefined && !allowed.impute.includes(impute)) errors.push(`/preprocessing/columns/${name}/impute: ${impute} does not apply to a ${column.type} column (${allowed.impute.join(', ')})`);
    if ((column as { indicator?: boolean }).indicator && impute === 'none') errors.push(`/preprocessing/columns/${name}/indicator: a missing-value indicator needs imputation (impute is none)`);
    if (column.type === 'category' && column.categories && column.hashBuckets !== undefined) errors.push(`/preprocessing/columns/${name}: give categories or hashBuckets, not both`);
  }
  if (pre?.missing?.indicator && pre.missing.numeric === 'none') errors.push('/preprocessing/missing/indicator: a missing-value indicator needs imputation (numeric is none)');
  if (pre?.image && pre.columns && Object.keys(pre.columns).length > 0) warnings.push('/preprocessing/columns: ignored for image input (every feature is a pixel)');

  const lossTask = spec.loss === undefined ? undefined : taskOfLoss(spec.loss);
  if (task && lossTask && lossTask !== task) errors.push(`/loss: ${spec.loss} is a ${lossTask} loss, but the task is ${task}`);
  const effectiveTask = task ?? lossTask;
  if (effectiveTask === 'regression') {
    if (spec.classWeights !== undefined) errors.push('/classWeights: only for classification');
    if (spec.validation?.stratify) warnings.push('/validation/stratify: ignored for regression');
  }
  if (effectiveTask === 'classification' && pre?.label !== undefined) warnings.push('/preprocessing/label: ignored for classification');

  if (spec.earlyStopping) {
    const monitor = spec.earlyStopping.monitor;
    const noValidation = spec.validation?.data === undefined && spec.validation?.split === 0;
    if (monitor?.startsWith('val_') && noValidation) errors.push(`/earlyStopping/monitor: ${monitor} needs a validation split or validation data`);
    const monitorTask = monitor === undefined ? undefined : taskOfMonitor(monitor);
    if (monitorTask && effectiveTask && monitorTask !== effectiveTask) errors.push(`/earlyStopping/monitor: ${monitor} is not tracked for ${effectiveTask}`);
  }

  const validation = spec.validation;
  if (validation?.data !== undefined && validation.split !== undefined) errors.push('/validation/split: does not apply with validation data');
  if (validation?.testData !== undefined && validation.test !== undefined) errors.push('/validation/test: does not apply with test data');
  if (validation?.data !== undefined && validation.testData !== undefined) {
    for (const key of ['stratify', 'seed'] as const) {
      if (validation[key] !== undefined) errors.push(`/validation/${key}: does not apply with validation and test data (nothing is split)`);
    }
  }
  const shares = (validation?.data === undefined ? (validation?.split ?? DEFAULTS.validationSplit) : 0) + (validation?.testData === undefined ? (validation?.test ?? DEFAULTS.testSplit) : 0);
  if (shares >= 1) errors.push(`/validation: split and test together hold out ${shares} of the rows, leaving none to train on (they must add up to less than 1)`);
  if (validation?.test === 0 && validation.testData === undefined) warnings.push('/validation/test: 0 leaves no test part: every metric comes from the validation rows that early stopping chose the model on');

  const model = spec.model as Record<string, unknown> | undefined;
  if (model && ('mlp' in model) === ('layers' in model)) errors.push('/model: give either mlp or layers');
  if (model && !('mlp' in model)) {
    for (const key of ['activation', 'dropout', 'batchNormalization']) {
      if (key in model) errors.push(`/model/${key}: applies to mlp only`);
    }
  }
  if (spec.model && !isMlpSpec(spec.model) && Array.isArray(spec.model.layers)) {
    let shaped = pre?.image !== undefined;
    spec.model.layers.forEach((layer, i) => {
      if (layer.type === 'Reshape') shaped = true;
      if (SPATIAL.has(layer.type) && !shaped) {
        errors.push(`/model/layers/${i}: ${layer.type} needs image input: set preprocessing.image or add a Reshape before it`);
        shaped = true;
      }
    });
  }
  return { errors, warnings };
}
