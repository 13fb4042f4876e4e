/** The layer converters by tfjs class name; `registerLayerConverter` adds or replaces one. */
import { activationLayerConverters } from './activation-layers.js';
import { convolutionConverters } from './convolution.js';
import { denseConverters } from './dense.js';
import type { LayerConverter } from './layer-converter.js';
import { normalizationConverters } from './normalization.js';
import { poolingConverters } from './pooling.js';
import { reshapingConverters } from './reshaping.js';

const converters = new Map<string, LayerConverter>(
  Object.entries({
    ...denseConverters,
    ...convolutionConverters,
    ...poolingConverters,
    ...reshapingConverters,
    ...normalizationConverters,
    ...activationLayerConverters,
  }),
);

export function registerLayerConverter(className: string, converter: LayerConverter): void {
  converters.set(className, converter);
}

export function findLayerConverter(className: string): LayerConverter | undefined {
  return converters.get(className);
}

/** tfjs layer class names the exporter handles, sorted. */
export function supportedLayerClasses(): string[] {
  return [...converters.keys()].sort();
}
