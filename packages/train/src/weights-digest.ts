/** A fingerprint of a model's weights, to compare training runs. */
import type { LayersModel } from '@tensorflow/tfjs';
import { createSha256, type Digest } from '@mlship/core';

/**
 * sha256 over every weight in layer order (each layer's trainable, then non-trainable weights, such as
 * BatchNormalization's moving statistics): for each, its dtype and shape as text, then its bytes
 * (little-endian float32). Weight names are left out: tfjs makes them unique per process.
 */
export async function weightsDigest(model: LayersModel): Promise<Digest> {
  const hash = createSha256();
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      const values = await weight.read().data();
      hash.update(`${weight.dtype}[${weight.shape.join(',')}]`);
      hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
