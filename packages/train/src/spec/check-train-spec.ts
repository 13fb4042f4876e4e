/** Rules across fields of a schema-valid train spec, as messages (never throws). */
import { CLASSIFICATION_LOSSES, REGRESSION_LOSSES, isMlpSpec, type LayerType, type TrainSpec, type TrainTask } from './train-spec.js';

export interface SpecProblems {
  errors: string[];
  warnings: string[];
}

const SPATIAL: ReadonlySet<LayerType> = new Set(['Conv2D', 'MaxPooling2D', 'AveragePooling2D']);

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
    const extra = column.type === 'numeric' ? ['encoding', 'categories', 'hashBuckets'] : ['scaling'];
    for (const key of extra) {
      if (key in column) errors.push(`/preprocessing/columns/${name}: ${key} does not apply to a ${column.type} column`);
    }
    if (column.type === 'category' && column.categories && column.hashBuckets !== undefined) errors.push(`/preprocessing/columns/${name}: give categories or hashBuckets, not both`);
  }
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
  if (validation?.data !== undefined) {
    for (const key of ['split', 'stratify', 'seed'] as const) {
      if (validation[key] !== undefined) errors.push(`/validation/${key}: does not apply with validation data`);
    }
  }

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
