/**
 * The tfjs model a spec describes: the hidden layers (MLP shorthand or a layer list), a Flatten where
 * the last hidden output is not flat, and the output layer (softmax over the classes, or one linear
 * unit). Kernels start from glorotUniform seeded per layer, biases from zeros, so the same seed
 * gives the same initial weights. Layers get fixed names (dense_1, conv2d_2, …, output).
 */
import type { LayersModel, Sequential } from '@tensorflow/tfjs';
import { createRandom } from '../evaluate/seeded-random.js';
import { isMlpSpec, type LayerSpec, type ModelSpec } from '../spec/train-spec.js';
import type { Tf } from '../tfjs.js';
import { modelError } from '../errors.js';

export interface BuildModelOptions {
  tf: Tf;
  model: ModelSpec;
  /** The input shape without the batch axis. */
  inputShape: number[];
  /** Classes (softmax), or 1 (a linear unit) for regression. */
  outputUnits: number;
  outputActivation: 'softmax' | 'linear';
  seed: number;
}

/** A tfjs layer (what `Sequential.add` takes). */
export type Layer = Parameters<Sequential['add']>[0];

/** The initialiser seed of the layer at `index`: fixed by the spec seed. */
export function layerSeed(seed: number, index: number): number {
  return Math.floor(createRandom(`mlship.init:${seed}:${index}`)() * 2 ** 31);
}

/** The MLP shorthand as a layer list. */
export function mlpLayers(model: Extract<ModelSpec, { mlp: number[] }>, image: boolean): LayerSpec[] {
  const activation = model.activation ?? 'relu';
  const list: LayerSpec[] = image ? [{ type: 'Flatten' }] : [];
  for (const units of model.mlp) {
    list.push({ type: 'Dense', units, activation });
    if (model.batchNormalization) list.push({ type: 'BatchNormalization' });
    if (model.dropout) list.push({ type: 'Dropout', rate: model.dropout });
  }
  return list;
}

function makeLayer(tf: Tf, spec: LayerSpec, name: string, seed: number, first: { inputShape?: number[] }): Layer {
  const init = { kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: 'zeros' as const };
  const common = { name, ...first };
  switch (spec.type) {
    case 'Dense':
      return tf.layers.dense({ ...common, ...init, units: spec.units, activation: spec.activation ?? 'linear', useBias: spec.useBias ?? true });
    case 'Conv2D':
      return tf.layers.conv2d({
        ...common,
        ...init,
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        strides: spec.strides ?? 1,
        padding: spec.padding ?? 'valid',
        activation: spec.activation ?? 'linear',
        useBias: spec.useBias ?? true,
      });
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const args = { ...common, poolSize: spec.poolSize ?? 2, padding: spec.padding ?? 'valid', ...(spec.strides !== undefined ? { strides: spec.strides } : {}) };
      return spec.type === 'MaxPooling2D' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'Flatten':
      return tf.layers.flatten(common);
    case 'Dropout':
      return tf.layers.dropout({ ...common, rate: spec.rate });
    case 'BatchNormalization':
      return tf.layers.batchNormalization({ ...common, ...(spec.momentum !== undefined ? { momentum: spec.momentum } : {}), ...(spec.epsilon !== undefined ? { epsilon: spec.epsilon } : {}) });
    case 'Reshape':
      return tf.layers.reshape({ ...common, targetShape: spec.targetShape });
    case 'Activation':
      return tf.layers.activation({ ...common, activation: spec.activation });
    case 'LeakyReLU':
      return tf.layers.leakyReLU({ ...common, ...(spec.alpha !== undefined ? { alpha: spec.alpha } : {}) });
  }
}

/** Builds (uncompiled) the model; shapes that do not fit are MLSHIP_E_TRAIN_MODEL (exit 2). */
export function buildModel(options: BuildModelOptions): Sequential {
  const { tf, model: spec, inputShape, seed } = options;
  const hidden = isMlpSpec(spec) ? mlpLayers(spec, inputShape.length > 1) : spec.layers;
  const model = tf.sequential({ name: 'mlship_model' });
  const counts = new Map<string, number>();
  let index = 0;
  const add = (layer: LayerSpec, name?: string) => {
    const kind = layer.type.toLowerCase();
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    const first = index === 0 ? { inputShape } : {};
    const at = index++;
    try {
      model.add(makeLayer(tf, layer, name ?? `${kind}_${n}`, layerSeed(seed, at), first));
    } catch (error) {
      model.dispose();
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      throw modelError(`layer ${at + 1} (${layer.type}) does not fit the model: ${message}`, 'check the layer sizes against the input shape', error);
    }
  };
  for (const layer of hidden) add(layer);
  if (index > 0 && (model.outputs[0]?.shape.length ?? 2) > 2) add({ type: 'Flatten' });
  add({ type: 'Dense', units: options.outputUnits, activation: options.outputActivation }, 'output');
  return model;
}

/** The Dropout layers of a model (their seeds change every batch while training). */
export function dropoutLayers(model: LayersModel): Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Dropout');
}
