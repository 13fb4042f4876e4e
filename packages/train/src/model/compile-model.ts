/** The optimiser, loss and tracked metric a resolved spec asks for. */
import type { LayersModel, Optimizer } from '@tensorflow/tfjs';
import type { ResolvedTrainSpec } from '../spec/train-spec.js';
import type { Tf } from '../tfjs.js';

export function makeOptimizer(tf: Tf, optimizer: ResolvedTrainSpec['optimizer']): Optimizer {
  const { name, learningRate, momentum } = optimizer;
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return momentum ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, momentum ?? 0);
  }
}

/** The metric tracked besides the loss: accuracy for classification, mae for regression. */
export function trackedMetric(task: ResolvedTrainSpec['task']): 'accuracy' | 'mae' {
  return task === 'classification' ? 'accuracy' : 'mae';
}

export function compileModel(tf: Tf, model: LayersModel, spec: Pick<ResolvedTrainSpec, 'optimizer' | 'loss' | 'task'>): void {
  model.compile({ optimizer: makeOptimizer(tf, spec.optimizer), loss: spec.loss, metrics: [trackedMetric(spec.task)] });
}
