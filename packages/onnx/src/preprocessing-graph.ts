/** Folds a {@link PreprocessingSpec} into the graph: the exported model's input and the ops between it and the first layer. */
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import type { GraphBuilder } from './graph-builder.js';
import { attr } from './model.js';
import type { Dim, OnnxValueInfo } from './model.js';
import { checkPreprocessing, encodedWidth, imageStatistics } from './preprocessing.js';
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

/** `features` [N, F]: Sub/Div standardise numeric columns; Equal + Cast one-hot encode categories; Concat joins the parts. */
function addFeatures(builder: GraphBuilder, modelShape: (number | null)[], features: FeatureSpec[]): ModelEntry {
  const width = features.reduce((sum, feature) => sum + encodedWidth(feature), 0);
  expectShape(modelShape, [null, width], `the preprocessing gives ${width} columns`);
  const shape: Dim[] = [BATCH_DIM, features.length];
  const input = builder.addInput('features', 'float32', shape);
  const base = 'preprocess';

  let standardised = input;
  if (features.some((feature) => feature.kind === 'numeric')) {
    const mean = features.map((feature) => (feature.kind === 'numeric' ? feature.mean : 0));
    const std = features.map((feature) => (feature.kind === 'numeric' && feature.std !== 0 ? feature.std : 1));
    const centred = builder.addNode('Sub', [input, builder.constantFloat(`${base}/mean`, [features.length], mean)], `${base}/Sub`);
    standardised = builder.addNode('Div', [centred, builder.constantFloat(`${base}/std`, [features.length], std)], `${base}/Div`);
  }

  let output = standardised;
  if (features.some((feature) => feature.kind === 'category' && feature.encoding === 'onehot')) {
    const parts: string[] = [];
    let runStart = -1; // start of the current run of one-column features
    const slice = (start: number, end: number) =>
      builder.addNode(
        'Slice',
        [
          standardised,
          builder.constantInt64(`${base}/starts`, [1], [start]),
          builder.constantInt64(`${base}/ends`, [1], [end]),
          builder.constantInt64(`${base}/axes`, [1], [1]),
        ],
        `${base}/columns_${start}_${end}`,
      );
    features.forEach((feature, j) => {
      if (feature.kind !== 'category' || feature.encoding !== 'onehot') {
        if (runStart < 0) runStart = j;
        return;
      }
      if (runStart >= 0) parts.push(slice(runStart, j));
      runStart = -1;
      const indices = builder.constantFloat(`${base}/${feature.name}/indices`, [feature.categories.length], feature.categories.map((_, k) => k));
      const equal = builder.addNode('Equal', [slice(j, j + 1), indices], `${base}/${feature.name}/Equal`);
      parts.push(builder.addNode('Cast', [equal], `${base}/${feature.name}/onehot`, { to: attr.int(FLOAT) }));
    });
    if (runStart >= 0) parts.push(slice(runStart, features.length));
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
