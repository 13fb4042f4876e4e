import type { Command } from 'commander';
import { registerRegistryGc } from './registry-gc.js';
import { registerRegistryGet } from './registry-get.js';
import { registerRegistryLineage } from './registry-lineage.js';
import { registerRegistryList } from './registry-list.js';
import { registerRegistryPut } from './registry-put.js';
import { registerRegistryRemove } from './registry-remove.js';
import { registerRegistryShow } from './registry-show.js';
import { registerRegistryTag } from './registry-tag.js';
import { registerRegistryTransfer } from './registry-transfer.js';
import { registerRegistryVerify } from './registry-verify.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

export function registerRegistry(program: Command): void {
  const registry = program
    .command('registry')
    .description(TOP_LEVEL_COMMANDS.registry.description)
    .addHelpText(
      'after',
      `
Refs: <kind>/<name>[:<version> | @<alias> | @sha256:<hex>], kinds datasets, models, packages, images, deployments.`,
    );
  registerRegistryList(registry);
  registerRegistryShow(registry);
  registerRegistryPut(registry);
  registerRegistryGet(registry);
  registerRegistryTag(registry);
  registerRegistryLineage(registry);
  registerRegistryVerify(registry);
  registerRegistryRemove(registry);
  registerRegistryGc(registry);
  registerRegistryTransfer(registry);
}
