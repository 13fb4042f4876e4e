/** TensorFlow.js for tests: the cpu backend (the same results on every machine), without its hint to install tfjs-node. */
import type * as Tfjs from '@tensorflow/tfjs';

export async function loadCpuTfjs(): Promise<typeof Tfjs> {
  const tf: typeof Tfjs = await import('@tensorflow/tfjs');
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}
