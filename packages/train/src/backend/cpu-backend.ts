/** tfjs's plain JavaScript backend: always present, slowest; every kernel has a gradient here. */
import type { TrainingBackend } from './training-backend.js';

export const cpuBackend: TrainingBackend = {
  description: 'plain JavaScript (part of @tensorflow/tfjs)',
  async activate(tf) {
    return (await tf.setBackend('cpu')) ? { ok: true } : { ok: false, reason: 'tfjs could not start its cpu backend' };
  },
};
