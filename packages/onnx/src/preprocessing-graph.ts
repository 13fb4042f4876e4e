/** Folds a {@link PreprocessingSpec} into the graph: the exported model's input and the ops between it and the first layer. */
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import type { GraphBuilder } from './graph-builder.js';
import { attr } from './model.js';
import type { Dim, OnnxValueInfo } from './model.js';
import { checkPreprocessing, encodedWidth, imageStatistics, missingFill } from './preprocessing.js';
import type { FeatureSpec, ImageSpec, PreprocessingSpec } from './preprocessing.js';
import { identityPerm } from './convert/tensor-value.js';
import type { TensorValue } from './convert/tensor-value.js';

/** The symbolic batch dimension of every exported input and output. */
export const BATCH_DIM = 'N';
const FLOAT = 1; // TensorProto.DataType.FLOAT, the `to` of Cast

export interface ModelEntry {
  /** The exported graph's input. */
  input: OnnxValueInfo;
  /** What the first tfjs layer receives. */
  value: TensorValue;
}

/**
 * Adds the graph input and the preprocessing ops for a model whose tfjs input shape is
 * `modelShape` (batch first). Without preprocessing the input is `input`, shaped as the model's.
 */
export function addModelEntry(builder: GraphBuilder, modelShape: (number | null)[], spec: PreprocessingSpec = {}): ModelEntry {
  checkPreprocessing(spec);
  if (spec.features) return addFeatures(builder, modelShape, spec.features);
  if (spec.image) return addImage(builder, modelShape, spec.image);
  const shape: Dim[] = [BATCH_DIM, ...modelShape.slice(1)];
  const name = builder.addInput('input', 'float32', shape);
  return { input: { name, dataType: 'float32', shape }, value: { name, shape: modelShape, perm: identityPerm(modelShape.length) } };
}

/**
 * `features` [N, F]: Where(IsNaN(x), fill, x) fills missing values (only when a feature has
 * `impute`); Sub/Div standardise numeric columns; Equal + Cast one-hot encode categories; IsNaN of
 * the raw input cast to float gives the missing indicators; Concat joins the parts in column order.
 */
function addFeatures(builder: GraphBuilder, modelShape: (number | null)[], features: FeatureSpec[]): ModelEntry {
  const width = features.reduce((sum, feature) => sum + encodedWidth(feature), 0);
  expectShape(modelShape, [null, width], `the preprocessing gives ${width} columns`);
  const shape: Dim[] = [BATCH_DIM, features.length];
  const input = builder.addInput('features', 'float32', shape);
  const base = 'preprocess';

  const fills = features.map(missingFill);
  const imputes = fills.some((fill) => !Number.isNaN(fill));
  const indicates = (feature: FeatureSpec) => feature.kind === 'numeric' && feature.missingIndicator === true;
  let filled = input;
  let missing = '';
  if (imputes || features.some(indicates)) {
    const isNaN = builder.addNode('IsNaN', [input], `${base}/IsNaN`);
    // A column without `impute` has NaN as its fill: Where then leaves its NaN as it is.
    if (imputes) filled = builder.addNode('Where', [isNaN, builder.constantFloat(`${base}/impute`, [features.length], fills), input], `${base}/impute`);
    if (features.some(indicates)) missing = builder.addNode('Cast', [isNaN], `${base}/missing`, { to: attr.int(FLOAT) });
  }

  let standardised = filled;
  if (features.some((feature) => feature.kind === 'numeric')) {
    const mean = features.map((feature) => (feature.kind === 'numeric' ? feature.mean : 0));
    const std = features.map((feature) => (feature.kind === 'numeric' && feature.std !== 0 ? feature.std : 1));
    const centred = builder.addNode('Sub', [filled, builder.constantFloat(`${base}/mean`, [features.length], mean)], `${base}/Sub`);
    standardised = builder.addNode('Div', [centred, builder.constantFloat(`${base}/std`, [features.length], std)], `${base}/Div`);
  }

  const onehot = (feature: FeatureSpec) => feature.kind === 'category' && feature.encoding === 'onehot';
  let output = standardised;
  if (features.some((feature) => onehot(feature) || indicates(feature))) {
    const parts: string[] = [];
    let runStart = -1; // start of the current run of one-column features
    const slice = (from: string, start: number, end: number, name: string) =>
      builder.addNode(
        'Slice',
        [
          from,
          builder.constantInt64(`${base}/starts`, [1], [start]),
          builder.constantInt64(`${base}/ends`, [1], [end]),
          builder.constantInt64(`${base}/axes`, [1], [1]),
        ],
        name,
      );
    const columns = (start: number, end: number) => slice(standardised, start, end, `${base}/columns_${start}_${end}`);
    features.forEach((feature, j) => {
      if (onehot(feature)) {
        if (runStart >= 0) parts.push(columns(runStart, j));
        runStart = -1;
        const categories = (feature as Extract<FeatureSpec, { kind: 'category' }>).categories;
        const indices = builder.constantFloat(`${base}/${feature.name}/indices`, [categories.length], categories.map((_, k) => k));
        const equal = builder.addNode('Equal', [columns(j, j + 1), indices], `${base}/${feature.name}/Equal`);
        parts.push(builder.addNode('Cast', [equal], `${base}/${feature.name}/onehot`, { to: attr.int(FLOAT) }));
      } else if (indicates(feature)) {
        parts.push(columns(runStart >= 0 ? runStart : j, j + 1));
        runStart = -1;
        parts.push(slice(missing, j, j + 1, `${base}/${feature.name}/missing`));
      } else if (runStart < 0) {
        runStart = j;
      }
    });
    if (runStart >= 0) parts.push(columns(runStart, features.length));
    output = builder.addNode('Concat', parts, `${base}/Concat`, { axis: attr.int(1) });
  }
  return { input: { name: input, dataType: 'float32', shape }, value: { name: output, shape: modelShape, perm: identityPerm(2) } };
}

/** `image` [N, H, W, C]: Sub/Div per channel; Flatten when the model takes flat pixels. */
function addImage(builder: GraphBuilder, modelShape: (number | null)[], image: ImageSpec): ModelEntry {
  const { height, width, channels } = image;
  const flat = modelShape.length === 2;
  expectShape(modelShape, flat ? [null, height * width * channels] : [null, height, width, channels], `the image is ${height}x${width}x${channels}`);
  const shape: Dim[] = [BATCH_DIM, height, width, channels];
  const input = builder.addInput('image', 'float32', shape);
  const base = 'preprocess';
  const { mean, std } = imageStatistics(image);
  let name = input;
  if (mean.some((m) => m !== 0)) name = builder.addNode('Sub', [name, builder.constantFloat(`${base}/mean`, [channels], mean)], `${base}/Sub`);
  if (std.some((s) => s !== 1)) name = builder.addNode('Div', [name, builder.constantFloat(`${base}/std`, [channels], std)], `${base}/Div`);
  if (flat) name = builder.addNode('Flatten', [name], `${base}/Flatten`, { axis: attr.int(1) });
  return { input: { name: input, dataType: 'float32', shape }, value: { name, shape: modelShape, perm: identityPerm(modelShape.length) } };
}

function expectShape(modelShape: (number | null)[], expected: (number | null)[], what: string): void {
  if (modelShape.length === expected.length && modelShape.every((dim, i) => dim === expected[i])) return;
  throw new MlshipError(ErrorCode.config, `${what}, but the model takes [${modelShape.map((d) => d ?? 'N').join(', ')}]`, {
    hint: 'make the preprocessing description match the model input',
    exitCode: ExitCode.usage,
  });
}
