/** TensorFlow.js, loaded on first use only: importing it costs most of a second. */
import type * as Tfjs from '@tensorflow/tfjs';

export type Tf = typeof Tfjs;

let loading: Promise<Tf> | undefined;

/** The tfjs module, in production mode (no console hints: capability packages never print). */
export function loadTfjs(): Promise<Tf> {
  loading ??= import('@tensorflow/tfjs').then((tf) => {
    tf.enableProdMode();
    return tf;
  });
  return loading;
}
